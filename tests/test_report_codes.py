"""The README's finding-code table is generated from, and checked against, ``findings.CODES``.

Codes are the user-facing contract: a code added to the registry without documentation, or
documented but not in the registry, fails here, and the failure prints the rows to paste.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from hatch_importspy.findings import CODES, Code, FindingCode

README = Path(__file__).resolve().parent.parent / "README.md"
CODE_PATTERN = re.compile(r"\bISP\d{3}\b")


def table_row(code: Code) -> str:
    """The README row of one code; identifiers with underscores in the title are code-formatted."""
    title = re.sub(r"(\w*__\w*)", r"`\1`", code.title)
    return f"| `{code.code}` | {code.severity.value} | {title} | {code.help} |"


def readme_rows() -> list[str]:
    return [
        line
        for line in README.read_text(encoding="utf-8").splitlines()
        if re.match(r"^\| `ISP\d{3}` \|", line)
    ]


def test_every_code_has_its_generated_row_in_the_readme() -> None:
    expected = [table_row(code) for code in CODES.values()]
    assert readme_rows() == expected, "paste into README.md:\n" + "\n".join(expected)


def test_the_readme_mentions_no_code_that_does_not_exist() -> None:
    mentioned = set(CODE_PATTERN.findall(README.read_text(encoding="utf-8")))
    assert mentioned - set(CODES) == set()
    assert set(CODES) - mentioned == set()


def test_the_code_type_lists_exactly_the_registered_codes() -> None:
    # mypy refuses a Finding whose code is not in FindingCode; this holds the type to the registry.
    assert list(get_args(FindingCode)) == list(CODES)
