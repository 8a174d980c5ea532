"""ISP307, ISP308, ISP318: code that runs at every interpreter start, before the user's own.

``site`` executes each ``.pth`` line that starts with ``import`` and imports ``sitecustomize`` and
``usercustomize``: the favourite hiding place of a poisoned release, because no import of the
package is needed for it to run.  Startup code that no installed distribution owns is an error
(ISP307).  Startup code owned by a distribution *without* a manifest is a warning (ISP308): it was
installed on purpose, but nothing vouches for what it does.  Startup code owned by a distribution
*with* a manifest is that distribution's integrity question (ISP304 when its manifest does not
list it), not this module's.

:data:`ALLOWED_STARTUP` silences known, harmless files by their content: an entry admits a file
only when every executable line has exactly one of the shapes the tool that writes it produces
(:mod:`.startup_shapes`), never by its name or owner alone; the name and owner only narrow it
further.  A start-up file that cannot be read is ISP318 whoever owns it, and a ``sitecustomize``
found in a directory or zip that a ``.pth`` path line adds is judged like one at the top of a site
directory (ISP307 when no distribution owns it).
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from packaging.utils import canonicalize_name

from hatch_importspy.compare.startup_shapes import (
    DISTUTILS_PRECEDENCE,
    HATCH_EDITABLE,
    PYWIN32,
    SETUPTOOLS_EDITABLE_FINDER,
    SETUPTOOLS_NSPKG,
    VIRTUALENV,
)
from hatch_importspy.findings import Finding
from hatch_importspy.surface import StartupFile, StartupKind

_SHOWN_LINE_LENGTH = 120


@dataclass(frozen=True)
class AllowedStartup:
    """One known-harmless ``.pth`` file."""

    pattern: str
    """Shell-style pattern for the file name, e.g. ``__editable__.*.pth``."""
    reason: str
    """Why it is harmless: shown in documentation, and the reason the entry exists."""
    lines: tuple[str, ...]
    """Regular expressions each executable line must match in full: what makes it harmless."""
    owners: frozenset[str] | None = None
    """Canonical names of the distributions that may own it; ``None``: any distribution."""
    unowned: bool = False
    """Whether it may be owned by no distribution (files the environment's creator writes)."""

    def admits(self, file: StartupFile, owners: Sequence[str]) -> bool:
        """Whether this entry covers ``file``, owned by ``owners``: its name matches, its owner
        may own it, and every executable line has one of the entry's shapes."""
        if (
            file.kind is not StartupKind.PTH
            or file.problem
            or file.added_by
            or not fnmatchcase(file.relative, self.pattern)
        ):
            return False
        if not owners and not self.unowned:
            return False
        if (
            owners
            and self.owners is not None
            and not any(canonicalize_name(owner) in self.owners for owner in owners)
        ):
            return False
        patterns = [re.compile(pattern) for pattern in self.lines]
        return all(
            any(pattern.fullmatch(line.strip()) for pattern in patterns)
            for line in file.executable_lines
        )


ALLOWED_STARTUP: tuple[AllowedStartup, ...] = (
    AllowedStartup(
        "distutils-precedence.pth",
        "setuptools: makes `import distutils` find setuptools' bundled copy "
        "(SETUPTOOLS_USE_DISTUTILS); its one line checked exactly",
        (DISTUTILS_PRECEDENCE,),
        owners=frozenset({"setuptools"}),
    ),
    AllowedStartup(
        "__editable__.*.pth",
        "setuptools editable installs (PEP 660): import the generated finder that maps the "
        "project to its source tree and install it",
        (SETUPTOOLS_EDITABLE_FINDER,),
    ),
    AllowedStartup(
        "*.pth",
        "hatchling/editables editable installs: import the generated `_editable_impl_*` redirector",
        (HATCH_EDITABLE,),
    ),
    AllowedStartup(
        "*-nspkg.pth",
        "setuptools `namespace_packages=` distributions: register the shared pkg_resources-style "
        "namespace package, each line exactly setuptools' shim",
        SETUPTOOLS_NSPKG,
    ),
    AllowedStartup(
        "_virtualenv.pth",
        "virtualenv and uv write it when creating the environment, to fix distutils' install "
        "paths; owned by no distribution, so its one line is checked exactly",
        (VIRTUALENV,),
        unowned=True,
    ),
    AllowedStartup(
        "pywin32.pth",
        "pywin32: adds its DLL directories on Windows through pywin32_bootstrap",
        (PYWIN32,),
        owners=frozenset({"pywin32"}),
    ),
)
"""Known-harmless startup ``.pth`` files: no ISP308 for them (nor ISP307 where ``unowned``)."""


def shown_line(line: str) -> str:
    """A line safe to print in any report: escaped, one line, at most 120 characters."""
    text = line.strip().encode("unicode_escape").decode("ascii")
    if len(text) > _SHOWN_LINE_LENGTH:
        text = text[: _SHOWN_LINE_LENGTH - 3] + "..."
    return text


def _what(file: StartupFile) -> tuple[str, str]:
    """(a description, what runs) of a startup file."""
    if file.added_by:
        where = "zip" if file.archive else "directory"
        return (
            f"{file.kind.value} module {file.relative} in the {where} {file.site_dir} that "
            f"{file.added_by} puts on sys.path",
            file.kind.value,
        )
    if file.kind is StartupKind.PTH:
        count = len(file.executable_lines)
        lines = "line" if count == 1 else "lines"
        return (
            f"{file.relative} ({count} executable {lines})",
            shown_line(file.executable_lines[0]),
        )
    return f"{file.kind.value} module {file.relative}", file.kind.value


def startup_findings(
    files: Iterable[StartupFile],
    owners: Mapping[Path, Sequence[str]],
    with_manifest: Container[str],
    allowed: Sequence[AllowedStartup] = ALLOWED_STARTUP,
) -> list[Finding]:
    """ISP307 for unowned startup code, ISP308 for startup code of manifest-less distributions,
    ISP318 for a startup file that cannot be read.

    ``owners`` maps a startup file's absolute path to the names of the distributions whose RECORD
    lists it; ``with_manifest`` holds the canonical names of the distributions carrying a manifest.
    Unowned code has no distribution: its findings carry an empty ``distribution``.
    """
    findings: list[Finding] = []
    for file in files:
        if file.problem:
            findings.append(_unreadable(file, owners.get(file.path, ())))
            continue
        if file.kind is StartupKind.PTH and not file.executable_lines:
            continue  # only adds directories to sys.path: nothing runs
        file_owners = list(owners.get(file.path, ()))
        if any(entry.admits(file, file_owners) for entry in allowed):
            continue
        description, runs = _what(file)
        if not file_owners:
            where = "" if file.added_by else f" in {file.site_dir}"
            findings.append(
                Finding(
                    "ISP307",
                    "",
                    f"{description}{where} runs at start-up and is owned by no "
                    "installed distribution",
                    file=file.relative,
                    found=runs,
                )
            )
        elif not any(canonicalize_name(owner) in with_manifest for owner in file_owners):
            owner = file_owners[0]
            findings.append(
                Finding(
                    "ISP308",
                    owner,
                    f"{description} runs at start-up and its distribution {owner} carries no "
                    "manifest",
                    file=file.relative,
                    found=runs,
                )
            )
    return findings


def _unreadable(file: StartupFile, owners: Sequence[str]) -> Finding:
    """ISP318: ``site`` may read what we cannot (another user, a writer at a FIFO's end)."""
    via = f" (reached through {file.added_by})" if file.added_by else ""
    return Finding(
        "ISP318",
        owners[0] if owners else "",
        f"{file.path}{via} is on the start-up path and cannot be read: {file.problem}",
        file=file.relative or str(file.path),
        found=file.problem,
    )
