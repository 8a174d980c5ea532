"""ISP401-ISP402: is every requirement that applies installed, at a version it accepts?

Markers are evaluated against the target's marker environment with ``extra`` empty, so only the
unconditional requirements count: which extras a user asked for at install time is recorded
nowhere reliable.  Versions are checked with pre-releases allowed, as ``pip check`` does: an
installed pre-release was chosen by someone, and the specifier is what matters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from packaging.markers import InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from hatch_importspy.findings import Finding


def dependency_findings(
    distribution: str,
    requires: Sequence[str],
    installed: Mapping[str, str],
    markers: Mapping[str, str] | None,
) -> list[Finding]:
    """Findings for ``requires`` (``Requires-Dist`` strings) against ``installed``.

    ``installed`` maps canonical names to versions (the copy first on the path).  ``markers`` is the
    target's marker environment; ``None`` when unknown, in which case requirements that carry a
    marker are skipped (the caller says so) and unconditional ones are still checked.
    """
    findings: list[Finding] = []
    for text in requires:
        try:
            requirement = Requirement(text)
        except InvalidRequirement as error:
            findings.append(
                Finding(
                    "ISP309",
                    distribution,
                    f"the manifest's requirement {text!r} is invalid: {error}",
                    expected="a PEP 508 requirement",
                    found=text,
                )
            )
            continue
        if requirement.marker is not None:
            if markers is None:
                continue
            try:
                applies = requirement.marker.evaluate({**markers, "extra": ""})
            except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName) as error:
                findings.append(
                    Finding(
                        "ISP309",
                        distribution,
                        f"the marker of requirement {text!r} cannot be evaluated: {error}",
                        found=text,
                    )
                )
                continue
            if not applies:
                continue
        findings.extend(_installed_findings(distribution, requirement, text, installed))
    return findings


def _installed_findings(
    distribution: str, requirement: Requirement, text: str, installed: Mapping[str, str]
) -> list[Finding]:
    name = canonicalize_name(requirement.name)
    version = installed.get(name)
    if version is None:
        return [
            Finding(
                "ISP401",
                distribution,
                f"requirement {requirement.name} is not installed",
                object=name,
                expected=text,
            )
        ]
    if not requirement.specifier:
        return []
    try:
        inside = requirement.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        inside = False  # a legacy version string satisfies no PEP 440 specifier
    if inside:
        return []
    return [
        Finding(
            "ISP402",
            distribution,
            f"requirement {requirement.name} {version} is outside {requirement.specifier}",
            object=name,
            expected=text,
            found=version,
        )
    ]
