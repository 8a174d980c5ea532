"""ISP307-ISP308: code that runs at every interpreter start, before the user's own.

``site`` executes each ``.pth`` line that starts with ``import`` and imports ``sitecustomize`` and
``usercustomize``: the favourite hiding place of a poisoned release, because no import of the
package is needed for it to run.  Startup code that no installed distribution owns is an error
(ISP307).  Startup code owned by a distribution *without* a manifest is a warning (ISP308): it was
installed on purpose, but nothing vouches for what it does.  Startup code owned by a distribution
*with* a manifest is that distribution's integrity question (ISP304 when its manifest does not
list it), not this module's.

:data:`ALLOWED_STARTUP` silences known, harmless files.  It exists to keep the warnings readable,
not as a security boundary: an entry says who may own the file and, where the content is fixed,
what its executable lines must look like.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from packaging.utils import canonicalize_name

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
    owners: frozenset[str] | None = None
    """Canonical names of the distributions that may own it; ``None``: any distribution."""
    lines: tuple[str, ...] | None = None
    """Regular expressions each executable line must match in full; ``None``: any content."""
    unowned: bool = False
    """Whether it may be owned by no distribution (files the environment's creator writes)."""

    def admits(self, file: StartupFile, owners: Sequence[str]) -> bool:
        """Whether this entry covers ``file``, owned by ``owners``."""
        if file.kind is not StartupKind.PTH or not fnmatchcase(file.relative, self.pattern):
            return False
        if not owners and not self.unowned:
            return False
        if (
            owners
            and self.owners is not None
            and not any(canonicalize_name(owner) in self.owners for owner in owners)
        ):
            return False
        if self.lines is not None:
            patterns = [re.compile(pattern) for pattern in self.lines]
            return all(
                any(pattern.fullmatch(line.strip()) for pattern in patterns)
                for line in file.executable_lines
            )
        return True


ALLOWED_STARTUP: tuple[AllowedStartup, ...] = (
    AllowedStartup(
        "distutils-precedence.pth",
        "setuptools: makes `import distutils` find setuptools' bundled copy "
        "(SETUPTOOLS_USE_DISTUTILS)",
        owners=frozenset({"setuptools"}),
    ),
    AllowedStartup(
        "__editable__.*.pth",
        "setuptools editable installs (PEP 660): installs the finder that maps the project to its "
        "source tree",
    ),
    AllowedStartup(
        "*.pth",
        "hatchling/editables editable installs: import the generated `_editable_impl_*` redirector",
        lines=(r"import _editable_impl_\w+",),
    ),
    AllowedStartup(
        "*-nspkg.pth",
        "setuptools `namespace_packages=` distributions: register the shared pkg_resources-style "
        "namespace package",
    ),
    AllowedStartup(
        "_virtualenv.pth",
        "virtualenv and uv write it when creating the environment, to fix distutils' install "
        "paths; owned by no distribution, so its one line is checked exactly",
        lines=(r"import _virtualenv",),
        unowned=True,
    ),
    AllowedStartup(
        "pywin32.pth",
        "pywin32: adds its DLL directories on Windows through pywin32_bootstrap",
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
    """ISP307 for unowned startup code, ISP308 for startup code of manifest-less distributions.

    ``owners`` maps a startup file's absolute path to the names of the distributions whose RECORD
    lists it; ``with_manifest`` holds the canonical names of the distributions carrying a manifest.
    Unowned code has no distribution: its findings carry an empty ``distribution``.
    """
    findings: list[Finding] = []
    for file in files:
        if file.kind is StartupKind.PTH and not file.executable_lines:
            continue  # only adds directories to sys.path: nothing runs
        file_owners = list(owners.get(file.path, ()))
        if any(entry.admits(file, file_owners) for entry in allowed):
            continue
        description, runs = _what(file)
        if not file_owners:
            findings.append(
                Finding(
                    "ISP307",
                    "",
                    f"{description} in {file.site_dir} runs at start-up and is owned by no "
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
