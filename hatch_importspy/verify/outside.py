"""Files a wheel installs outside site-packages, held against the manifest where they went.

A wheel's ``<name>-<version>.data/`` members other than ``purelib``/``platlib`` are installed by
category into the install scheme's directories (:mod:`.schemes`): ``scripts/tool`` to
``<scripts>/tool``, ``data/share/x`` to ``<data>/share/x``, and ``headers/x.h`` somewhere under
``<data>/include`` (pip and uv use ``include/site/pythonX.Y/<name>/``), the place the
distribution's RECORD names (``../../../include/site/python3.11/pkg/x.h``); a RECORD row is
believed only when it points into that include directory.

Each file is reported by its path relative to the site directory, as RECORD spells it
(``../../../bin/tool``).  A script whose wheel copy starts with ``#!python`` is compared with its
launcher taken off (:mod:`hatch_importspy.formats.scripts`); the launcher must name the
environment's interpreter or a program in the scheme's scripts directory.

Where the scheme is not known -- ``--path`` without ``--python``, or a distribution in a site
directory that is not the interpreter's own -- nothing is looked for and one ISP344 note per
distribution says how many files went unchecked, and where they would be.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hatch_importspy.compare.integrity import file_findings
from hatch_importspy.findings import Finding
from hatch_importspy.formats.digest import sha256_file
from hatch_importspy.formats.record import (
    INSTALL_SCHEMES_INSIDE,
    data_directory,
    is_outside,
    read_regular_file,
)
from hatch_importspy.formats.scripts import installed_script_digest
from hatch_importspy.verify.links import LinkReport, inspect_links
from hatch_importspy.verify.schemes import InstallScheme


@dataclass(frozen=True)
class OutsideFile:
    """A manifest entry the installer puts outside site-packages."""

    wheel_path: str
    """``pkg-1.0.data/scripts/tool``."""
    category: str
    """``scripts``, ``data``, ``headers`` (or a category no installer knows)."""
    rest: str
    """The path below the category: ``tool``."""


@dataclass(frozen=True)
class Placed:
    """Where an outside file was installed."""

    file: OutsideFile
    root: Path
    """The scheme directory it must stay inside."""
    relative: str
    """Its ``/`` path under ``root``."""
    label: str
    """Its path relative to the site directory, as findings show it."""


def outside_files(paths: Iterable[str], metadata_dir: str) -> list[OutsideFile]:
    """The manifest paths (wheel paths) that install outside site-packages, sorted."""
    prefix = data_directory(metadata_dir) + "/"
    found: list[OutsideFile] = []
    for path in paths:
        if path.startswith(prefix):
            category, _, rest = path[len(prefix) :].partition("/")
            if rest and category not in INSTALL_SCHEMES_INSIDE:
                found.append(OutsideFile(path, category, rest))
    return sorted(found, key=lambda file: file.wheel_path)


def place(
    files: Iterable[OutsideFile],
    *,
    site_dir: Path,
    scheme: InstallScheme | None,
    record_paths: Iterable[str],
) -> tuple[list[Placed], list[OutsideFile]]:
    """Where each file was installed, and the files whose place verify cannot know."""
    wanted = list(files)
    if scheme is None or not scheme.covers(site_dir):
        return [], wanted
    outside_rows = [row for row in record_paths if is_outside(row)]
    placed: list[Placed] = []
    unseen: list[OutsideFile] = []
    for file in wanted:
        if file.category == "scripts":
            root, relative = scheme.scripts, file.rest
        elif file.category == "data":
            root, relative = scheme.data, file.rest
        elif file.category == "headers":
            root = scheme.include
            relative = _header_place(file.rest, root, site_dir, outside_rows) or file.rest
        else:
            unseen.append(file)
            continue
        placed.append(Placed(file, root, relative, _label(root / relative, site_dir)))
    return placed, unseen


def outside_findings(
    distribution: str,
    digests: Mapping[str, str],
    placed: Iterable[Placed],
    unseen: Iterable[OutsideFile],
    scheme: InstallScheme | None,
) -> tuple[list[Finding], list[tuple[str, LinkReport]]]:
    """ISP301/ISP302 for the placed files, one ISP344 note for the unseen ones, and the link
    reports of the scheme directories (for :func:`~hatch_importspy.verify.links.link_findings`).

    ``digests`` maps a manifest (wheel) path to its sha256.
    """
    placed = list(placed)
    expected = {item.label: digests[item.file.wheel_path].lower() for item in placed}
    found = {item.label: _digest(item, expected[item.label], scheme) for item in placed}
    findings = file_findings(distribution, expected, found)
    note = unseen_finding(distribution, list(unseen))
    if note is not None:
        findings.append(note)
    by_root: dict[Path, list[Placed]] = {}
    for item in placed:
        by_root.setdefault(item.root, []).append(item)
    reports = []
    for root, items in by_root.items():
        prefix = items[0].label[: len(items[0].label) - len(items[0].relative)]
        reports.append((prefix, inspect_links(root, [item.relative for item in items])))
    return findings, reports


def unseen_finding(distribution: str, unseen: list[OutsideFile]) -> Finding | None:
    """One ISP344 note naming how many files went unchecked and in which categories."""
    if not unseen:
        return None
    categories: dict[str, int] = {}
    for file in unseen:
        categories[file.category] = categories.get(file.category, 0) + 1
    where = ", ".join(f"{count} in {category}" for category, count in sorted(categories.items()))
    count = len(unseen)
    return Finding(
        "ISP344",
        distribution,
        f"{count} installed file{'s' if count > 1 else ''} outside site-packages not checked "
        f"({where}): verify does not know this installation's scheme directories; run it "
        "with --python (or with the environment's own interpreter)",
        file=unseen[0].wheel_path,
        found=str(count),
    )


def _header_place(rest: str, include: Path, site_dir: Path, rows: Iterable[str]) -> str | None:
    """The path under ``include`` of the RECORD row that installed header ``rest``, if any."""
    base = os.path.normpath(include)
    for row in rows:
        target = os.path.normpath(os.path.join(site_dir, row))  # noqa: PTH118
        if target.startswith(base + os.sep) and target.replace(os.sep, "/").endswith(f"/{rest}"):
            return os.path.relpath(target, base).replace(os.sep, "/")
    return None


def _label(path: Path, site_dir: Path) -> str:
    return os.path.relpath(path, site_dir).replace(os.sep, "/")


def _digest(item: Placed, wanted: str, scheme: InstallScheme | None) -> str | None:
    path = item.root / item.relative
    try:
        if item.file.category != "scripts" or scheme is None:
            return sha256_file(path)
        content = read_regular_file(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        return f"unreadable: {error.strerror or error}"
    return installed_script_digest(content, wanted=wanted, allowed=_interpreter_rule(scheme))


def _interpreter_rule(scheme: InstallScheme) -> Callable[[str], bool]:
    executable = os.path.normpath(scheme.executable)
    scripts = os.path.normpath(scheme.scripts)

    def allowed(interpreter: str) -> bool:
        named = os.path.normpath(interpreter)
        return named == executable or os.path.dirname(named) == scripts  # noqa: PTH120

    return allowed
