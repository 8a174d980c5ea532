"""Findings: what a comparison reports, and the stable codes that name each kind of finding.

Codes are the user-facing contract (docs/codes.md): a code never changes meaning once released.
Severity is the default one; policies may change it per code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal


class Severity(str, enum.Enum):
    """How much a finding matters.  Errors fail ``verify``; warnings fail it under ``--strict``."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


FindingCode = Literal[
    "ISP101",
    "ISP102",
    "ISP103",
    "ISP104",
    "ISP105",
    "ISP106",
    "ISP201",
    "ISP202",
    "ISP203",
    "ISP204",
    "ISP205",
    "ISP206",
    "ISP207",
    "ISP208",
    "ISP209",
    "ISP210",
    "ISP211",
    "ISP212",
    "ISP213",
    "ISP301",
    "ISP302",
    "ISP303",
    "ISP304",
    "ISP305",
    "ISP306",
    "ISP307",
    "ISP308",
    "ISP309",
    "ISP310",
    "ISP311",
    "ISP312",
    "ISP313",
    "ISP314",
    "ISP315",
    "ISP316",
    "ISP317",
    "ISP318",
    "ISP319",
    "ISP320",
    "ISP321",
    "ISP330",
    "ISP331",
    "ISP332",
    "ISP333",
    "ISP340",
    "ISP341",
    "ISP342",
    "ISP343",
    "ISP344",
    "ISP345",
    "ISP355",
    "ISP356",
    "ISP401",
    "ISP402",
    "ISP403",
    "ISP404",
    "ISP405",
    "ISP406",
    "ISP407",
    "ISP408",
    "ISP409",
    "ISP410",
    "ISP411",
    "ISP501",
    "ISP502",
    "ISP503",
    "ISP504",
    "ISP505",
    "ISP506",
    "ISP507",
    "ISP508",
    "ISP509",
    "ISP510",
    "ISP511",
    "ISP512",
    "ISP513",
    "ISP514",
    "ISP520",
    "ISP521",
    "ISP522",
    "ISP523",
    "ISP524",
    "ISP530",
    "ISP531",
    "ISP540",
    "ISP541",
    "ISP542",
    "ISP543",
    "ISP549",
]
"""Every code of :data:`CODES`, as a type: mypy refuses a finding with a code not listed here, and
a test holds this list and the registry equal, so an unknown code cannot be written anywhere."""


@dataclass(frozen=True)
class Code:
    """A finding code with its one-line title and default severity."""

    code: FindingCode
    title: str
    severity: Severity
    help: str
    strict: Severity | None = None
    """The severity under ``--strict``, when it differs (a note that then must be looked at)."""


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
    Code(
        "ISP106",
        "no contract deployment matches the environment",
        E,
        "A contract's `deployments` list the places it may run (machine, OS, Python version, "
        "interpreter, environment variables, modules); none of them matches this environment.",
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
        "staticmethod/classmethod, its decorators, or whether it is defined conditionally.",
    ),
    Code("ISP206", "bases changed", E, "A class's base classes differ from the manifest."),
    Code("ISP207", "__all__ changed", E, "The module's `__all__` differs from the manifest."),
    Code(
        "ISP208",
        "module does not parse",
        E,
        "An installed module the manifest describes is not valid Python source.",
    ),
    # ISP209-ISP213: what Python sees at import (``verify --import``), held against the manifest.
    # Errors where callers would get something other than what the manifest vouches for (the
    # run-time object is what they call); a note where nothing could be compared.
    Code(
        "ISP209",
        "module fails to import",
        E,
        "`verify --import`: importing a public module the manifest describes raised an "
        "exception (its type and first line are reported); nothing of it could be compared.",
    ),
    Code(
        "ISP210",
        "name absent at run time",
        E,
        "`verify --import`: a function, class, method, class attribute or variable the manifest "
        "describes (or a name in its `__all__`) is not there once the module is imported: "
        "deleted at import time by the module itself or by other code.",
    ),
    Code(
        "ISP211",
        "signature differs at run time",
        E,
        "`verify --import`: the signature Python reports (`inspect.signature`) differs from the "
        "manifest's in parameter names, kinds or which have defaults: a decorator that replaces "
        "the function without `functools.wraps`, or a name rebound at import time.",
    ),
    Code(
        "ISP212",
        "kind differs at run time",
        E,
        "`verify --import`: the object is another kind than the manifest says: a class that is "
        "not a class, a function that is not callable, a method that became a property, "
        "staticmethod or classmethod (or the reverse).",
    ),
    Code(
        "ISP213",
        "not compared at run time",
        N,
        "`verify --import`: an object whose run-time signature cannot be read (a built-in "
        "without one, a descriptor with no function to inspect); a module that Python imported "
        "from another file than the one verified, that needs an uninstalled module of another "
        "distribution (an optional dependency), or that is private and raises (its package "
        "imports it only where it works).  Nothing is known to be wrong; a warning under "
        "`--strict`.",
        strict=W,
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
    Code(
        "ISP311",
        "bytecode not compiled from the vouched source",
        E,
        "A `__pycache__` file that Python would run instead of a vouched module (its header "
        "matches the source's mtime and size, or it is hash-based) is not the compilation of "
        "that source, or cannot be read or unmarshalled.",
    ),
    Code(
        "ISP312",
        "bytecode not provable here",
        E,
        "A `__pycache__` file that Python would run instead of a vouched module could not be "
        "proven either way: it was written for another interpreter and none was named to prove "
        "it (`--path` without `--python`), or the interpreter could not run the proof. It is "
        "never passed unproven.",
    ),
    Code(
        "ISP313",
        "module shadowed",
        E,
        "Importing a module the manifest vouches for would load another file: a package "
        "directory, an extension module or sourceless bytecode of the same name (beside it or in "
        "an earlier site directory) that the manifest does not vouch for, whoever owns it.",
    ),
    Code(
        "ISP314",
        "unowned top-level module",
        E,
        "A module or package at the top of a site directory (or inside a namespace directory "
        "there) is listed by no installed distribution's RECORD: any `.pth` line or import runs "
        "it.",
    ),
    Code(
        "ISP315",
        "distribution installed twice",
        E,
        "One site directory holds two metadata directories (`.dist-info`/`.egg-info`) for one "
        "distribution: a decoy can stand in for the real copy. Every copy is verified.",
    ),
    Code(
        "ISP316",
        "RECORD row outside the distribution",
        E,
        "A RECORD row is an absolute path, or climbs out of its site directory with `..` and "
        "lands in a site directory: it owns nothing. Rows of the scripts, headers and data "
        "schemes (`../../../bin/tool`) are not reported.",
    ),
    Code(
        "ISP317",
        "file differs from its RECORD",
        E,
        "A file in a site directory no longer has the sha256 its distribution's RECORD states, "
        "or is missing or unreadable; checked for every distribution, with a manifest or "
        "without. A policy `accept` entry can accept it with a reason.",
    ),
    Code(
        "ISP318",
        "start-up file unreadable",
        E,
        "A `.pth` file (or a start-up module, or a directory or zip a `.pth` line adds) cannot "
        "be read or is not a regular file (a FIFO, a device, a directory): `site` may still "
        "run it, so it is never skipped.",
    ),
    Code(
        "ISP319",
        "interpreter's answer disagrees with its files",
        E,
        "`--python`: what the interpreter said about its environment (prefix, version, "
        "site-packages) differs from what its `pyvenv.cfg` and directories show; the directories "
        "the files show are verified too.",
    ),
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
    # ISP34x what the distribution declares to the tools that load it.
    Code(
        "ISP340",
        "entry points differ from the manifest",
        E,
        "The installed `entry_points.txt` adds, removes or changes an entry point (a console "
        "script or a plugin group such as `pytest11`) against the manifest's `entry_points`, or "
        "cannot be read.",
    ),
    Code(
        "ISP341",
        "script wrapper runs other code",
        E,
        "A console or GUI script wrapper that RECORD lists (or that sits in the scripts "
        "directory) is not the installer's plain `from MOD import ATTR; sys.exit(ATTR())` for the "
        "manifest's `module:attr`, or its sha256 differs from its RECORD row.",
    ),
    Code(
        "ISP342",
        "Requires-Dist differs from the manifest",
        E,
        "METADATA's `Requires-Dist` values (compared as written, in any order) differ from the "
        "manifest's `requires`: a requirement was added, dropped or rewritten.",
    ),
    # Where vouched files really are: links, and files installed outside site-packages.
    Code(
        "ISP343",
        "vouched path links outside the site directory",
        E,
        "A file the manifest vouches for, or a directory on its way, is a symbolic link that "
        "resolves outside its site (or scheme) directory: whoever can write there can change "
        "what is imported without touching site-packages, even while the digests still match.",
    ),
    Code(
        "ISP344",
        "installed file not visible to verify",
        N,
        "Files the wheel installs outside site-packages (`.data` scripts, data, headers) could "
        "not be checked: verify does not know the scheme directory they went to (`--path` "
        "without `--python`, or a site directory that is not the interpreter's own).",
    ),
    Code(
        "ISP345",
        "vouched file has other hard links",
        N,
        "A vouched file's bytes have more names than the one installed (link count above 1): "
        "an installer's cache (uv links by default) or another name that someone may be able "
        "to write through.  Its digest is checked as usual.",
    ),
    # ISP355 coverage: whether the run verified anything at all.
    Code(
        "ISP355",
        "nothing verified",
        W,
        "No distribution of the environment checked carries a manifest, so nothing was verified. "
        "An error under `--require-manifest` (or `require-manifest` in the policy); a failure "
        "under `--strict` too.",
    ),
    Code(
        "ISP356",
        "verifier modified",
        E,
        "A file of the running hatch-importspy differs from (or is missing against) the "
        "manifest its own wheel carries: the verifier was changed after it was installed, and "
        "its verdict cannot be trusted.",
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
    Code(
        "ISP403",
        "expected module missing",
        E,
        "A module the package imports (or a contract names) is not installed, although the "
        "distribution expected to provide it is (contracts: whether or not it is).",
    ),
    Code(
        "ISP404",
        "expected name missing",
        E,
        "A name the package uses from another distribution's module (or a contract states) is no "
        "longer there: a function, class, method, attribute or variable was removed or renamed.",
    ),
    Code(
        "ISP405",
        "call no longer fits",
        E,
        "A call the package makes no longer fits the installed signature: too many positional "
        "arguments, a keyword that is no longer accepted, or a required parameter not given.",
    ),
    Code(
        "ISP406",
        "contract mismatch",
        E,
        "An object differs from what a contract states: its kind, a parameter (missing, kind, "
        "order, annotation, default) or a return, variable or attribute annotation.",
    ),
    Code(
        "ISP407",
        "expected base class missing",
        E,
        "A class no longer has a base class that a contract states.",
    ),
    Code(
        "ISP408",
        "expected module unreadable",
        W,
        "An installed module the package has expectations of is not valid Python source, so "
        "the expectations cannot be checked.",
    ),
    Code(
        "ISP409",
        "expectation already unmet at build",
        W,
        "A use that the provider installed when the package was built did not meet either: a "
        "latent bug of the package (an unused code path, say), not drift since the build.",
    ),
    Code(
        "ISP410",
        "expectation not checkable statically",
        N,
        "A module or name that static reading cannot establish: created at import time (`six."
        "moves`), provided by a module-level `__getattr__`, a lazy loader or a `sys.modules` "
        "write.  Not reported as missing; a warning under `--strict`.",
        strict=W,
    ),
    Code(
        "ISP411",
        "contract shape not checkable statically",
        W,
        "A contract names something ImportSpy 0.5 cannot vouch for without running the module "
        "(its S103): an instance attribute, an inherited member, an imported name, a decorated "
        "or conditionally defined object, a member of a class with a metaclass or an unreadable "
        "base, or a `value` that is not a literal. What static reading does see is still checked. "
        "ImportSpy denies these; an error under `--strict`.",
        strict=E,
    ),
    # ISP5xx release: between two releases (`diff`, the hook's `baseline`).  Breaking codes
    # (ISP501-ISP531) take the severity of the version rule (see `compare.release`), not their
    # default; ISP54x list additions and widenings.
    Code("ISP501", "public module removed", E, "A public module of the old release is gone."),
    Code(
        "ISP502",
        "public object removed",
        E,
        "A public class, function, method, attribute, variable or nested class of the old release "
        "is gone.",
    ),
    Code(
        "ISP503",
        "name no longer exported",
        E,
        "A name listed in the old release's `__all__` is no longer listed (or is no longer public) "
        "although the module still exists.",
    ),
    Code(
        "ISP504",
        "object changed kind",
        E,
        "A public object became another kind of object: function/class/variable, method/property/"
        "staticmethod/classmethod, sync/async, or a class attribute became an instance attribute.",
    ),
    Code("ISP505", "parameter removed", E, "A parameter of a public callable was removed."),
    Code(
        "ISP506",
        "parameter renamed",
        E,
        "A parameter that callers can pass by keyword has a new name.",
    ),
    Code(
        "ISP507",
        "parameters reordered",
        E,
        "Positional parameters moved, or a new parameter shifts where positional arguments bind.",
    ),
    Code(
        "ISP508",
        "parameter made required",
        E,
        "A parameter lost its default value: every call that omitted it now fails.",
    ),
    Code(
        "ISP509",
        "required parameter added",
        E,
        "A public callable gained a parameter without a default.",
    ),
    Code(
        "ISP510",
        "parameter kind narrowed",
        E,
        "A parameter can no longer be passed the way it could: positional-or-keyword became "
        "positional-only or keyword-only, or a `*args`/`**kwargs` changed kind.",
    ),
    Code("ISP511", "base class removed", E, "A public class no longer derives from a base."),
    Code(
        "ISP512",
        "return annotation changed",
        E,
        "The return annotation of a public callable changed (both texts are reported).",
    ),
    Code(
        "ISP513",
        "annotation changed",
        E,
        "The annotation of a public variable, attribute or parameter changed (both texts are "
        "reported).",
    ),
    Code(
        "ISP514",
        "module no longer described",
        W,
        "A module described in the old release ships without a description in the new one "
        "(excluded, or it does not parse): its surface cannot be compared.",
    ),
    Code(
        "ISP520",
        "Python range narrowed",
        E,
        "The new release's `python` specifier rejects Python versions the old one accepted.",
    ),
    Code(
        "ISP521",
        "platforms narrowed",
        E,
        "The new release restricts `platforms`, or no longer lists a platform the old one did.",
    ),
    Code(
        "ISP522",
        "machines narrowed",
        E,
        "The new release restricts `machines`, or no longer lists a machine the old one did.",
    ),
    Code(
        "ISP523",
        "implementations narrowed",
        E,
        "The new release restricts `implementations`, or no longer lists one the old one did.",
    ),
    Code(
        "ISP524",
        "required environment variable added",
        E,
        "The new release requires an environment variable the old one did not.",
    ),
    Code(
        "ISP530",
        "dependency added",
        E,
        "A `Requires-Dist` applies where the old release had none for that distribution (in an "
        "environment or extra the old release already supported).",
    ),
    Code(
        "ISP531",
        "dependency range narrowed",
        E,
        "A dependency's specifier rejects versions the old release accepted, or it now needs more "
        "extras or a different URL.",
    ),
    Code(
        "ISP540",
        "public object added",
        N,
        "A module, class, function, method, attribute or variable is new, or a name is newly "
        "exported.",
    ),
    Code(
        "ISP541",
        "signature widened",
        N,
        "A callable accepts more calls than before: an optional parameter or a default added, a "
        "parameter kind widened.",
    ),
    Code(
        "ISP542",
        "environment widened",
        N,
        "The new release accepts more Python versions, platforms, machines or implementations, or "
        "requires fewer environment variables.",
    ),
    Code(
        "ISP543",
        "dependency relaxed",
        N,
        "A dependency was dropped, applies in fewer environments, accepts more versions, or is "
        "required only by an extra the old release did not have.",
    ),
    Code(
        "ISP549",
        "other change",
        N,
        "A change that does not break callers: decorators, a default value, an annotation added or "
        "removed, bases added or reordered, a definition becoming (un)conditional.",
    ),
)


@dataclass(frozen=True)
class Finding:
    """One thing found: what was expected, what was found, and where."""

    code: FindingCode
    distribution: str
    message: str
    severity: Severity | None = None
    """``None`` takes the code's default severity (see :attr:`effective_severity`)."""
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
