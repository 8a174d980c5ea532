"""Links under vouched files: symbolic links that leave the site directory, and hard links.

A digest says what a file holds now, not who can change it.  A vouched module (or its package
directory) replaced by a symbolic link to an identical copy in a world-writable place passes every
digest, and whoever can write there can change what is imported later without touching
site-packages.  So every vouched file, and every directory between the site (or scheme) directory
and it, is looked at with ``lstat``: a symbolic link that resolves outside the directory it is
vouched in is ISP343, reported once at the outermost such link.  A link that stays inside (a
package linked to another place in the same site-packages) is the installer's business and passes.

Hard links cannot be told apart from the installed file: each name is the file.  A link count
above 1 says only that other names exist, and finding them would mean searching every file
system.  Installers make such files on purpose (uv hard-links from its cache by default, and so
do ``pip`` caches on some set-ups), so a hard-linked vouched file is a note (ISP345), one per
distribution with the count, never an error: its bytes are still hashed and held against the
manifest, and a later change through another name shows as ISP301 at the next verify.

Only metadata is read (``lstat``, ``realpath``); no file is opened here.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hatch_importspy.findings import Finding

_SHOWN = 3
"""How many hard-linked paths a note names."""


@dataclass(frozen=True)
class LinkReport:
    """What :func:`inspect_links` found under one directory."""

    escaping: dict[str, str] = field(default_factory=dict)
    """Relative path of each symbolic link that resolves outside -> where it resolves to."""
    hard_linked: tuple[str, ...] = ()
    """Relative paths of regular files whose link count is above 1."""


def inspect_links(root: Path, paths: Iterable[str]) -> LinkReport:
    """Look at each ``/``-separated path under ``root``, and at the directories on its way.

    Paths that do not exist are skipped (they are reported missing elsewhere); under a directory
    that is itself an escaping link nothing more is looked at.
    """
    base = os.fspath(root)
    boundary = os.path.realpath(base)
    escaping: dict[str, str] = {}
    directories: dict[str, bool] = {}  # relative directory -> whether it is (under) an escape
    hard: list[str] = []
    for path in paths:
        if _under_escape(base, boundary, path, directories, escaping):
            continue
        try:
            info = os.lstat(os.path.join(base, path))  # noqa: PTH118
        except OSError:
            continue
        if stat.S_ISLNK(info.st_mode):
            target = _escapes(base, boundary, path)
            if target is not None:
                escaping[path] = target
        elif stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
            hard.append(path)
    return LinkReport(escaping, tuple(sorted(hard)))


def _under_escape(
    base: str, boundary: str, path: str, directories: dict[str, bool], escaping: dict[str, str]
) -> bool:
    """Whether a directory on ``path``'s way is an escaping link (recorded in ``escaping``)."""
    parts = path.split("/")
    for end in range(1, len(parts)):
        directory = "/".join(parts[:end])
        known = directories.get(directory)
        if known is None:
            target = None
            if os.path.islink(os.path.join(base, directory)):  # noqa: PTH114, PTH118
                target = _escapes(base, boundary, directory)
            if target is not None:
                escaping[directory] = target
            known = directories[directory] = target is not None
        if known:
            return True
    return False


def _escapes(base: str, boundary: str, path: str) -> str | None:
    """Where the link at ``path`` resolves when that is outside ``boundary``, else ``None``."""
    target = os.path.realpath(os.path.join(base, path))  # noqa: PTH118
    if target == boundary or target.startswith(boundary.rstrip(os.sep) + os.sep):
        return None
    return target


def link_findings(distribution: str, reports: Iterable[tuple[str, LinkReport]]) -> list[Finding]:
    """ISP343 for each escaping link and one ISP345 note for all hard-linked files.

    Each report comes with the label its paths are shown with (``""`` for the site directory,
    ``../../../bin/`` for a scheme directory, relative to the site directory).
    """
    findings: list[Finding] = []
    hard: list[str] = []
    for label, report in reports:
        findings.extend(
            Finding(
                "ISP343",
                distribution,
                f"is a symbolic link to {target}, outside the directory it was installed in",
                file=f"{label}{path}",
                expected="a file or directory inside the directory it was installed in",
                found=target,
            )
            for path, target in sorted(report.escaping.items())
        )
        hard.extend(f"{label}{path}" for path in report.hard_linked)
    if hard:
        count = len(hard)
        shown = ", ".join(hard[:_SHOWN])
        more = f" and {count - _SHOWN} more" if count > _SHOWN else ""
        findings.append(
            Finding(
                "ISP345",
                distribution,
                f"{count} vouched file{'s have' if count > 1 else ' has'} other hard links "
                f"({shown}{more}): another name for the same bytes may be writable elsewhere",
                found=str(count),
            )
        )
    return findings
