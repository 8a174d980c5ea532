"""The README and the documentation site hold to what they promise about themselves.

The README is the package's long description and a newcomer's first screen: it stays short,
starts with the two commands, and every file it links to or names is in the repository.  The
site's overview repeats the README's quickstart word for word (``tests/test_quickstart.py`` runs
the README's copy), and the benchmark figures copied onto the site are still the figures in
``benchmarks/``.  ``mkdocs build --strict`` (in ``scripts/test.sh``) checks the site's own links.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
QUICKSTART = re.compile(r"<!-- quickstart -->\n.*?<!-- /quickstart -->\n", re.S)
README_LIMIT = 10 * 1024

README_OPENING = """\
# hatch-importspy

A hatchling build hook that embeds a static description of your package (a *SpyModel manifest*) \
in every wheel, and `python -m importspy verify`, which checks installed environments and wheels \
against it.

```bash
bash scripts/demo.sh   # the example end to end: build with the hook, install, verify, tamper, \
verify again
bash scripts/test.sh   # the whole suite: ruff check, ruff format --check, mypy --strict, pytest
```
"""

LINK = re.compile(r"\]\(([^)\s]+)\)")
PATH_IN_CODE = re.compile(r"`((?:[\w.-]+/)*[\w.-]+\.(?:md|py|sh|yml|yaml|toml|cfg))`")
"""A file name in a code span: ``scripts/test.sh``, ``hatch_importspy/findings.py``, ``X.md``."""
ABSENT_ON_PURPOSE = frozenset({"importspy/__init__.py"})
"""Named because the repository does not have it (design.md: the namespace ``importspy``)."""


def repository_paths(text: str) -> list[str]:
    """Links and code-span file names in ``text`` that name files of this repository.

    A name counts when its first segment is a top-level entry that exists (``tests/...``), or
    it is a bare ``*.md`` name (which can only mean a file at the top); example names from the
    prose (``contracts/spyprov-api.yml``, ``importspy-policy.yaml``) do not.
    """
    top = {entry.name for entry in ROOT.iterdir()}
    found = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        found.append(target.split("#", 1)[0])
    for name in PATH_IN_CODE.findall(text):
        first = name.split("/", 1)[0]
        if ("/" in name and first in top) or ("/" not in name and name.endswith(".md")):
            found.append(name)
    return [name for name in found if name not in ABSENT_ON_PURPOSE]


def test_the_readme_is_short() -> None:
    size = len(README.read_bytes())
    assert size < README_LIMIT, f"README.md is {size} bytes; move detail to docs/"


def test_the_readme_starts_with_the_two_commands() -> None:
    assert README.read_text(encoding="utf-8").startswith(README_OPENING)


def test_every_file_the_readme_names_is_in_the_repository() -> None:
    named = repository_paths(README.read_text(encoding="utf-8"))
    assert "docs/installation.md" in named  # the parser sees the links at all
    assert [name for name in named if not (ROOT / name).exists()] == []


@pytest.mark.parametrize(
    "page", sorted(DOCS.glob("*.md")), ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_every_repository_file_a_page_names_exists(page: Path) -> None:
    # Links between pages are mkdocs' to check; file names in prose must be files of the
    # repository, relative to its root (no page may cite a file the repository does not have).
    named = [
        name
        for name in repository_paths(page.read_text(encoding="utf-8"))
        if not (DOCS / name).exists()
    ]
    assert [name for name in named if not (ROOT / name).exists()] == []


def test_the_overview_repeats_the_readme_quickstart() -> None:
    [in_readme] = QUICKSTART.findall(README.read_text(encoding="utf-8"))
    [on_site] = QUICKSTART.findall((DOCS / "index.md").read_text(encoding="utf-8"))
    assert on_site == in_readme


def table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ")]


def test_the_benchmark_figures_on_the_site_are_those_in_benchmarks() -> None:
    sources = "\n".join(
        (ROOT / "benchmarks" / name).read_text(encoding="utf-8")
        for name in ("README.md", "GRIFFE-AGREEMENT.md")
    )
    rows = table_rows((DOCS / "benchmarks.md").read_text(encoding="utf-8"))
    assert len(rows) > 30
    assert [row for row in rows if row not in table_rows(sources)] == []


def test_the_changelog_page_includes_the_changelog() -> None:
    page = (DOCS / "changelog.md").read_text(encoding="utf-8")
    assert page.strip() == '--8<-- "CHANGELOG.md"'
    assert (ROOT / "CHANGELOG.md").is_file()
