"""ISP101-ISP105: does the place it runs match the manifest's ``environment``?

Versions are compared as versions, not strings (``3.11`` allows ``3.11.7``), with pre-releases
allowed, because an interpreter under test being a release candidate is not the package's
concern.  Environment variables are reported by name only: their values never leave the process.
"""

from __future__ import annotations

from collections.abc import Iterable

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from hatch_importspy.facts import EnvironmentFacts, normalise_machine
from hatch_importspy.findings import Finding
from hatch_importspy.model import EnvironmentConstraints


def platform_matches(platform: str, allowed: str) -> bool:
    """``sys.platform`` against a declared value: equal, or the declared value plus a version
    number (``freebsd`` admits ``freebsd14``, as ``sys.platform.startswith`` checks do)."""
    if platform == allowed:
        return True
    rest = platform.removeprefix(allowed)
    return rest != platform and rest.isdigit()


def parse_python_version(text: str) -> Version | None:
    """The interpreter version, tolerating the ``+`` CPython appends to unreleased builds."""
    try:
        return Version(text.removesuffix("+"))
    except InvalidVersion:
        return None


def environment_findings(
    distribution: str, constraints: EnvironmentConstraints, facts: EnvironmentFacts
) -> list[Finding]:
    """Every way ``facts`` falls outside ``constraints``; empty constraints admit anything."""
    findings: list[Finding] = []
    if constraints.python is not None:
        findings.extend(_python_findings(distribution, constraints.python, facts.python_version))
    if constraints.platforms and not any(
        platform_matches(facts.platform, allowed) for allowed in constraints.platforms
    ):
        findings.append(
            Finding(
                "ISP102",
                distribution,
                f"platform {facts.platform!r} is not supported",
                expected=", ".join(constraints.platforms),
                found=facts.platform,
            )
        )
    machine = normalise_machine(facts.machine)
    if constraints.machines and machine not in {normalise_machine(m) for m in constraints.machines}:
        findings.append(
            Finding(
                "ISP103",
                distribution,
                f"machine {machine!r} is not supported",
                expected=", ".join(constraints.machines),
                found=machine,
            )
        )
    implementation = facts.implementation.lower()
    if constraints.implementations and implementation not in {
        allowed.lower() for allowed in constraints.implementations
    }:
        findings.append(
            Finding(
                "ISP104",
                distribution,
                f"implementation {facts.implementation!r} is not supported",
                expected=", ".join(constraints.implementations),
                found=facts.implementation,
            )
        )
    findings.extend(_env_findings(distribution, constraints.env, facts))
    return findings


def _python_findings(distribution: str, specifier_text: str, version_text: str) -> list[Finding]:
    try:
        specifier = SpecifierSet(specifier_text)
    except InvalidSpecifier:
        return [
            Finding(
                "ISP309",
                distribution,
                f"the manifest's environment.python {specifier_text!r} is not a valid specifier",
                expected="a PEP 440 specifier set",
                found=specifier_text,
            )
        ]
    version = parse_python_version(version_text)
    if version is None:
        return [
            Finding(
                "ISP101",
                distribution,
                f"Python version {version_text!r} is not a PEP 440 version",
                expected=specifier_text,
                found=version_text,
            )
        ]
    if specifier.contains(version, prereleases=True):
        return []
    return [
        Finding(
            "ISP101",
            distribution,
            f"Python {version_text} is outside {specifier_text}",
            expected=specifier_text,
            found=version_text,
        )
    ]


def unset_variables(names: Iterable[str], facts: EnvironmentFacts) -> list[str]:
    """The ``names`` that are not set in the environment ``facts`` describe, in order."""
    # Windows environment variable names are case-insensitive; everywhere else they are not.
    fold = facts.platform == "win32"
    present = {name.upper() for name in facts.env_names} if fold else facts.env_names
    return [name for name in names if (name.upper() if fold else name) not in present]


def _env_findings(
    distribution: str, names: tuple[str, ...], facts: EnvironmentFacts
) -> list[Finding]:
    return [
        Finding(
            "ISP105",
            distribution,
            f"environment variable {name} is not set",
            expected=name,
            found="not set",
        )
        for name in unset_variables(names, facts)
    ]
