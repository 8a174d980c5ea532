"""The finding-code table of the documentation is generated from, and checked against, CODES.

Codes are the user-facing contract: a code added to the registry without documentation, or
documented but not in the registry, fails here, and the failure prints the rows to paste into
``docs/codes.md``.  No page of the documentation, nor the README, may name a code that does not
exist.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from hatch_importspy.findings import CODES, Code, FindingCode

ROOT = Path(__file__).resolve().parent.parent
CODES_PAGE = ROOT / "docs" / "codes.md"
DOCUMENTS = (ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md")))
CODE_PATTERN = re.compile(r"\bISP\d{3}\b")


def table_row(code: Code) -> str:
    """The table row of one code; identifiers with underscores in the title are code-formatted."""
    title = re.sub(r"(\w*__\w*)", r"`\1`", code.title)
    return f"| `{code.code}` | {code.severity.value} | {title} | {code.help} |"


def page_rows() -> list[str]:
    return [
        line
        for line in CODES_PAGE.read_text(encoding="utf-8").splitlines()
        if re.match(r"^\| `ISP\d{3}` \|", line)
    ]


def test_every_code_has_its_generated_row_on_the_codes_page() -> None:
    expected = [table_row(code) for code in CODES.values()]
    assert page_rows() == expected, "paste into docs/codes.md:\n" + "\n".join(expected)


def test_the_codes_page_mentions_every_code_and_no_other() -> None:
    mentioned = set(CODE_PATTERN.findall(CODES_PAGE.read_text(encoding="utf-8")))
    assert mentioned - set(CODES) == set()
    assert set(CODES) - mentioned == set()


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_no_document_mentions_a_code_that_does_not_exist(document: Path) -> None:
    mentioned = set(CODE_PATTERN.findall(document.read_text(encoding="utf-8")))
    assert mentioned - set(CODES) == set()


def test_the_code_type_lists_exactly_the_registered_codes() -> None:
    # mypy refuses a Finding whose code is not in FindingCode; this holds the type to the registry.
    assert list(get_args(FindingCode)) == list(CODES)
