"""Release packaging at the edges: ``diff`` between two releases and the hook's baseline gate.

The judging is pure and lives in :mod:`.compare.release`; this module finds the two models (a
wheel, a manifest file or an installed distribution each), wraps the findings in the
:class:`~hatch_importspy.results.VerifyResult` every reporter already renders, and turns a
baseline
comparison into the message that stops a build.

The baseline workflow: after releasing ``X.Y.Z``, commit its manifest (``python -m importspy show
--manifest-only dist/pkg-X.Y.Z-py3-none-any.whl > manifests/X.Y.Z.yaml``) and point the hook's
``baseline`` at it; from then on every build is compared with that release, and a breaking change
stops the build unless ``allow-breaking = true`` (for a release that means to break, together with
the version bump the rule in :mod:`.compare.release` asks for).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from hatch_importspy.compare.breaking import breaking_severity, is_breaking, release_findings
from hatch_importspy.describe.config import ImportSpyOptions
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.findings import Finding, Severity
from hatch_importspy.formats.manifest import load_bytes
from hatch_importspy.formats.record import read_regular_file
from hatch_importspy.formats.wheel import is_wheel_target
from hatch_importspy.limits import MANIFEST_BYTES
from hatch_importspy.model import SpyModel
from hatch_importspy.results import CHECK_RELEASE, DistributionResult, VerifyResult
from hatch_importspy.verify.targets import load_model, load_wheel_model

_MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

DESCRIBE_OPTIONS = ImportSpyOptions(private=True)
"""How ``diff`` describes a wheel that carries no manifest.  Private names are described too:
the comparison leaves them out of the public surface anyway, and with them classes can be
followed into private bases (a method moved into ``_Base`` is then inherited, not removed)."""


@dataclass(frozen=True)
class Release:
    """One side of a comparison: the model and where it came from."""

    model: SpyModel
    source: str
    """The wheel, manifest file or installed ``.dist-info``, for display."""
    described: bool = False
    """True when the wheel carried no manifest and was described on the fly."""


def load_release(
    target: str, site_dirs: Sequence[Path], *, options: ImportSpyOptions | None = None
) -> Release:
    """A release named on the command line: a ``.whl``, a manifest file, or an installed name.

    A wheel without a manifest (one built by another backend) is described from its files with
    ``options`` (:data:`DESCRIBE_OPTIONS` when ``None``), as ``embed`` would.  Raises
    :class:`UnusableInputError` naming the target when it cannot be read.
    """
    path = Path(target)
    if is_wheel_target(target):
        carried = load_wheel_model(path)
        if carried is not None:
            return Release(carried, target)
        from hatch_importspy.release.embed import (
            describe_wheel,  # only wheels from other backends need it
        )

        model = describe_wheel(path, options=options or DESCRIBE_OPTIONS)
        return Release(model, target, described=True)
    if path.is_file():
        try:
            content = read_regular_file(path, limit=MANIFEST_BYTES)
        except OSError as error:
            raise UnusableInputError(f"{target}: cannot read: {error.strerror or error}") from None
        return Release(load_bytes(content, target), target)
    if target.lower().endswith(_MANIFEST_SUFFIXES) or "/" in target or "\\" in target:
        problem = "not a file" if path.exists() else "no such file"
        raise UnusableInputError(f"{target}: {problem}")
    return Release(load_model(target, site_dirs), f"installed {target}")


def diff_releases(old: Release, new: Release) -> VerifyResult:
    """Every change between two releases, as a result the ``verify`` reporters render.

    Raises :class:`UnusableInputError` when the two describe different distributions."""
    if canonicalize_name(old.model.name) != canonicalize_name(new.model.name):
        # Two releases of different distributions have nothing in common to compare: every
        # object would be "removed" and "added", and a run that says so proves nothing.
        raise UnusableInputError(
            f"{new.source}: describes distribution {new.model.name!r}, and {old.source} "
            f"describes {old.model.name!r}: diff compares two releases of one distribution"
        )
    findings = release_findings(old.model, new.model)
    notices = [version_notice(old.model.version, new.model.version)]
    for side in (old, new):
        if side.described:
            notices.append(f"{side.source} carries no manifest: described from its files")
    distribution = DistributionResult(
        name=new.model.name,
        version=new.model.version,
        source=f"{old.source} -> {new.source}",
        has_manifest=True,
        findings=tuple(findings),
        checks=(CHECK_RELEASE,),
    )
    return VerifyResult((distribution,), (), tuple(notices))


def diff_targets(
    old: str,
    new: str,
    *,
    site_dirs: Sequence[Path] = (),
    options: ImportSpyOptions | None = None,
) -> VerifyResult:
    """``importspy diff OLD NEW``: load both targets (see :func:`load_release`) and compare."""
    return diff_releases(
        load_release(old, site_dirs, options=options),
        load_release(new, site_dirs, options=options),
    )


def version_notice(old_version: str, new_version: str) -> str:
    """One line on what the version numbers make of breaking changes (the rule in the docs)."""
    severity = breaking_severity(old_version, new_version)
    verdict = "errors" if severity is Severity.ERROR else "warnings (the version announces them)"
    return f"version {old_version} -> {new_version}: breaking changes are {verdict}"


# --------------------------------------------------------------------------- baseline gate


@dataclass(frozen=True)
class BaselineGate:
    """The outcome of holding a new build against the committed baseline manifest."""

    baseline: str
    """The baseline file as the user named it."""
    old_version: str
    new_version: str
    breaking: tuple[Finding, ...]
    allowed: bool

    @property
    def stops_build(self) -> bool:
        """Breaking changes were found and ``allow-breaking`` does not let them through."""
        return bool(self.breaking) and not self.allowed


class BreakingChangesError(Exception):
    """A build (or ``embed``) that would break its baseline; ``str()`` is the full message."""

    def __init__(self, gate: BaselineGate) -> None:
        super().__init__(gate_message(gate))
        self.gate = gate


def load_baseline(baseline_path: Path) -> SpyModel:
    """The baseline manifest (block YAML or the JSON form); unusable input names the file."""
    try:
        content = read_regular_file(baseline_path, limit=MANIFEST_BYTES)
    except OSError as error:
        raise UnusableInputError(
            f"{baseline_path}: cannot read the baseline manifest: {error.strerror or error}"
        ) from None
    return load_bytes(content, str(baseline_path))


def gate_against_baseline(
    baseline_path: Path, new: SpyModel, *, allow_breaking: bool, shown_as: str | None = None
) -> BaselineGate:
    """Compare ``new`` with the baseline; ``shown_as`` names the file in messages (the value of
    the ``baseline`` option, say) instead of ``baseline_path``.

    Raises :class:`UnusableInputError` when the baseline cannot be read or describes another
    distribution (a baseline from the wrong project gates nothing).
    """
    old = load_baseline(baseline_path)
    name = shown_as or str(baseline_path)
    if canonicalize_name(old.name) != canonicalize_name(new.name):
        raise UnusableInputError(
            f"{name}: the baseline describes distribution {old.name!r}, not {new.name!r}"
        )
    breaking = tuple(f for f in release_findings(old, new) if is_breaking(f))
    return BaselineGate(name, old.version, new.version, breaking, allow_breaking)


def breaking_changes_against_baseline(
    baseline_path: Path, new: SpyModel, *, allow_breaking: bool
) -> list[Finding]:
    """The breaking changes that stop the build: empty when there are none or they are allowed."""
    gate = gate_against_baseline(baseline_path, new, allow_breaking=allow_breaking)
    return list(gate.breaking) if gate.stops_build else []


def enforce_baseline(
    baseline_path: Path, new: SpyModel, *, allow_breaking: bool, shown_as: str | None = None
) -> BaselineGate:
    """:func:`gate_against_baseline`, raising :class:`BreakingChangesError` when it stops."""
    gate = gate_against_baseline(
        baseline_path, new, allow_breaking=allow_breaking, shown_as=shown_as
    )
    if gate.stops_build:
        raise BreakingChangesError(gate)
    return gate


def gate_message(gate: BaselineGate) -> str:
    """The lines a build prints: a heading, one line per breaking change, what to do next."""
    from hatch_importspy.render import finding_line

    count = len(gate.breaking)
    if not count:
        return (
            f"importspy: no breaking changes against the baseline {gate.baseline} "
            f"({gate.old_version} -> {gate.new_version})"
        )
    plural = "s" if count > 1 else ""
    outcome = "allowed by allow-breaking" if gate.allowed else "the build was stopped"
    lines = [
        f"importspy: {count} breaking change{plural} against the baseline {gate.baseline} "
        f"({gate.old_version} -> {gate.new_version}); {outcome}:"
    ]
    lines += [f"  {finding_line(finding)}" for finding in gate.breaking]
    if not gate.allowed:
        lines.append(
            "Restore what callers rely on; or, if the break is intended, release it as a new "
            "major version (0.x: a new minor) with allow-breaking = true, and commit the new "
            "release's manifest as the next baseline."
        )
    return "\n".join(lines)
