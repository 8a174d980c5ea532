"""Findings: what a comparison reports, and the stable codes that name each kind of finding.

Codes are the user-facing contract (see the README): a code never changes meaning once released.
Severity is the default one; policies may change it per code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(str, enum.Enum):
    """How much a finding matters.  Errors fail ``verify``; warnings fail it under ``--strict``."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Code:
    """A finding code with its one-line title and default severity."""

    code: str
    title: str
    severity: Severity
    help: str


def _codes(*codes: Code) -> dict[str, Code]:
    return {code.code: code for code in codes}


E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE

CODES: dict[str, Code] = _codes(
    # ISP1xx environment: the place it runs.
    Code(
        "ISP101",
        "Python version outside the declared range",
        E,
        "The interpreter's version does not satisfy the manifest's `python` specifier.",
    ),
    Code(
        "ISP102",
        "platform not supported",
        E,
        "`sys.platform` is not one of the manifest's `platforms`.",
    ),
    Code(
        "ISP103",
        "machine not supported",
        E,
        "The normalised `platform.machine()` is not one of the manifest's `machines`.",
    ),
    Code(
        "ISP104",
        "interpreter implementation not supported",
        E,
        "`sys.implementation.name` is not one of the manifest's `implementations`.",
    ),
    Code(
        "ISP105",
        "required environment variable not set",
        E,
        "A variable named in the manifest's `env` is not set; only its name is reported.",
    ),
    # ISP2xx structure: the code as installed against the manifest.
    Code(
        "ISP201",
        "object missing",
        E,
        "A module-level function, class or variable, a method, an attribute or a nested "
        "class that "
        "the manifest describes is not in the installed module.",
    ),
    Code(
        "ISP202",
        "object added",
        W,
        "The installed module defines an object the manifest does not describe.",
    ),
    Code(
        "ISP203",
        "signature changed",
        E,
        "A parameter was removed, added, renamed or reordered, changed kind, or gained or lost "
        "its default.",
    ),
    Code(
        "ISP204",
        "annotation changed",
        E,
        "A parameter, return, variable or attribute annotation differs from the manifest.",
    ),
    Code(
        "ISP205",
        "kind changed",
        E,
        "An object changed kind: function/class/variable, sync/async, method/property/"
        "staticmethod/classmethod, or its decorators.",
    ),
    Code("ISP206", "bases changed", E, "A class's base classes differ from the manifest."),
    Code("ISP207", "__all__ changed", E, "The module's `__all__` differs from the manifest."),
    Code(
        "ISP208",
        "module does not parse",
        E,
        "An installed module the manifest describes is not valid Python source.",
    ),
    # ISP3xx integrity: the files.
    Code("ISP301", "file modified", E, "An installed file's sha256 differs from the manifest's."),
    Code("ISP302", "file missing", E, "A file the manifest lists is not installed."),
    Code(
        "ISP303",
        "file added",
        E,
        "A file inside one of the distribution's package directories is owned by no installed "
        "distribution.",
    ),
    Code(
        "ISP304",
        "file not in the manifest",
        E,
        "RECORD lists a file that the manifest does not: the wheel was changed after it was built.",
    ),
    Code(
        "ISP305",
        "manifest file not in RECORD",
        E,
        "The manifest lists a file that RECORD does not: manifest and RECORD disagree.",
    ),
    Code(
        "ISP306",
        "RECORD hash disagrees with the manifest",
        E,
        "RECORD's hash for a file differs from the manifest's sha256.",
    ),
    Code(
        "ISP307",
        "unowned startup code",
        E,
        "A `.pth` file with executable lines, or a `sitecustomize`/`usercustomize` module, is "
        "owned by no installed distribution.",
    ),
    Code(
        "ISP308",
        "startup code in a distribution without a manifest",
        W,
        "An executable `.pth` line shipped by a distribution that carries no manifest; known "
        "harmless files are allowed by a documented list.",
    ),
    Code(
        "ISP309",
        "manifest unusable",
        E,
        "The embedded manifest cannot be read, has an unknown schema, or does not match the "
        "distribution's name and version.",
    ),
    Code("ISP310", "RECORD unusable", E, "The distribution's RECORD is missing or unreadable."),
    # ISP32x policy gates (`--require-manifest`, `--policy`).
    Code(
        "ISP320",
        "distribution without a manifest",
        E,
        "Under `--require-manifest` (or `require-manifest` in the policy) an installed "
        "distribution carries no manifest and is not allowed by `--allow` or the policy's `allow`.",
    ),
    Code(
        "ISP321",
        "modification accepted by policy",
        N,
        "A modified file that the policy's `accept` list names, with the reason it gives: "
        "reported so the exception stays visible, never a failure.",
    ),
    # ISP33x approval lock (`verify --lock`).
    Code(
        "ISP330",
        "distribution not in the lock",
        E,
        "An installed distribution is not among those the lock file approved.",
    ),
    Code(
        "ISP331",
        "locked distribution not installed",
        E,
        "The lock file approves a distribution that is not installed.",
    ),
    Code(
        "ISP332",
        "version differs from the lock",
        E,
        "An installed distribution's version is not the one the lock file approved.",
    ),
    Code(
        "ISP333",
        "digest differs from the lock",
        E,
        "The sha256 of a distribution's manifest (or of its RECORD when it has none) is not the "
        "one the lock file approved: the release was rebuilt or replaced.",
    ),
    # ISP4xx dependencies: other distributions.
    Code(
        "ISP401",
        "requirement not installed",
        E,
        "A `Requires-Dist` whose markers apply names a distribution that is not installed.",
    ),
    Code(
        "ISP402",
        "requirement version out of range",
        E,
        "An installed requirement's version is outside the `Requires-Dist` specifier.",
    ),
)


@dataclass(frozen=True)
class Finding:
    """One thing found: what was expected, what was found, and where."""

    code: str
    distribution: str
    message: str
    severity: Severity | None = None
    """``None`` takes the code's default severity (see :func:`severity_of`)."""
    module: str | None = None
    file: str | None = None
    """Path relative to site-packages (or inside the wheel)."""
    object: str | None = None
    """``pkg.mod:Class.method`` for objects inside a module."""
    expected: str | None = None
    found: str | None = None
    line: int | None = None

    @property
    def effective_severity(self) -> Severity:
        """The severity this finding carries: its own, else its code's default."""
        if self.severity is not None:
            return self.severity
        return CODES[self.code].severity


def sort_key(finding: Finding) -> tuple[str, str, str, str, str]:
    """A stable order for reports: by distribution, then file, object and code."""
    return (
        finding.distribution,
        finding.file or "",
        finding.object or "",
        finding.code,
        finding.message,
    )
