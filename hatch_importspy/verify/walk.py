"""List what lies in a distribution's package directories, without leaving the site directory.

``verify`` looks for files nobody installed in the top-level directories a distribution's files
live in.  A package directory is walked only while it stays inside the site directory: one that is
a symbolic link to a directory elsewhere (``pkg -> /usr``) is not followed but reported, and links
further down are listed as entries, never followed, so a link loop cannot hang the walk.  The walk
stops after ``WALK_ENTRIES`` entries (:mod:`hatch_importspy.limits`) and says so.
"""

from __future__ import annotations

import os
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass

from hatch_importspy.findings import Finding
from hatch_importspy.formats.record import bytecode_source
from hatch_importspy.limits import WALK_ENTRIES


@dataclass(frozen=True)
class Walk:
    """What a walk of package directories found."""

    files: tuple[str, ...]
    """Sorted ``/`` paths relative to the site directory, known files left out."""
    unfollowed: tuple[str, ...] = ()
    """Package directories that are links leaving the site directory: not walked."""
    truncated: bool = False
    """Whether the walk stopped at its entry limit (``files`` is then incomplete)."""


def walk_package_directories(
    site_dir: str | os.PathLike[str],
    directories: Iterable[str],
    *,
    known: Container[str] = frozenset(),
    limit: int = WALK_ENTRIES,
) -> Walk:
    """Every file under ``directories`` (relative to ``site_dir``) except those in ``known``
    and the ``__pycache__`` bytecode compiled from one of them; see the module docstring."""
    base = os.fspath(site_dir)
    inside = os.path.join(os.path.realpath(base), "")  # noqa: PTH118
    found: list[str] = []
    unfollowed: list[str] = []
    budget = [limit]
    for directory in sorted(set(directories)):
        resolved = os.path.realpath(os.path.join(base, directory))  # noqa: PTH118
        if not resolved.startswith(inside):
            unfollowed.append(directory)
            continue
        found.extend(_walk(base, directory, known, budget))
    return Walk(tuple(sorted(found)), tuple(unfollowed), budget[0] < 0)


def walk_findings(distribution: str, walk: Walk) -> list[Finding]:
    """ISP303 for each package directory not followed, and for a walk cut short."""
    findings = [
        Finding(
            "ISP303",
            distribution,
            f"{directory} is a link to a directory outside the site directory: not followed",
            file=directory,
            found=directory,
        )
        for directory in walk.unfollowed
    ]
    if walk.truncated:
        findings.append(
            Finding(
                "ISP303",
                distribution,
                f"the package directories hold more than {WALK_ENTRIES} entries: "
                "listed only that many",
            )
        )
    return findings


def _walk(site_dir: str, directory: str, known: Container[str], budget: list[int]) -> Iterator[str]:
    stack = [directory]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(os.path.join(site_dir, current)) as listing:  # noqa: PTH118
                entries = []
                for entry in listing:
                    budget[0] -= 1
                    if budget[0] < 0:
                        stack.clear()
                        break
                    entries.append(entry)
        except OSError:
            continue
        prefix = current + "/"
        for entry in entries:
            relative = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                stack.append(relative)
            elif relative not in known and bytecode_source(relative) not in known:
                yield relative  # ``pkg/__pycache__/m.cpython-311.pyc`` is known with ``pkg/m.py``
