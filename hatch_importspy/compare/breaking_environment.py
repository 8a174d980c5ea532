"""Whether a release asks more of the place it runs: environment constraints and dependencies.

A constraint is *narrowed* when some place that could run the old release cannot run the new one:

- ``python``: a Python version the old specifier accepted and the new one rejects (compared on
  candidate versions, see :mod:`.specifiers`: every ``3.x.0`` from 3.0 to 3.30 plus the boundaries
  either specifier mentions and their neighbours);
- ``platforms``, ``machines``, ``implementations``: a restriction where there was none, or a value
  no longer listed;
- ``env``: a variable that must now be set.

A dependency is *added* when, in some environment where both releases install, the new release
requires a distribution the old one did not require there; it is *narrowed* when the versions it
accepts there shrink, or it needs more extras or another URL.  Environments are the combinations
of the marker variables the requirements of that distribution actually use: Python ``3.x`` (those
both releases accept), ``sys_platform`` linux/darwin/win32 (with the matching ``platform_system``
and ``os_name``), CPython/PyPy, x86_64/aarch64, and no extra or each extra the *old* release's
requirements mention.  A dependency that only a new extra pulls in is therefore an addition (a
note): nobody could ask for that extra before.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from hatch_importspy.compare.specifiers import (
    PYTHON_CANDIDATES,
    gained_versions,
    lost_versions,
    parse_specifier,
    versions_text,
)
from hatch_importspy.findings import Finding, FindingCode
from hatch_importspy.model import EnvironmentConstraints

PYTHON_NARROWED: FindingCode = "ISP520"
PLATFORMS_NARROWED: FindingCode = "ISP521"
MACHINES_NARROWED: FindingCode = "ISP522"
IMPLEMENTATIONS_NARROWED: FindingCode = "ISP523"
VARIABLE_REQUIRED: FindingCode = "ISP524"
DEPENDENCY_ADDED: FindingCode = "ISP530"
DEPENDENCY_NARROWED: FindingCode = "ISP531"
ENVIRONMENT_WIDENED: FindingCode = "ISP542"
DEPENDENCY_RELAXED: FindingCode = "ISP543"

_ANY = "any"


# --------------------------------------------------------------------------- environment


def environment_release_findings(
    distribution: str, old: EnvironmentConstraints, new: EnvironmentConstraints
) -> list[Finding]:
    """ISP520-ISP524 for narrowed constraints, ISP542 for widened ones."""
    findings = _python(distribution, old.python, new.python)
    for label, code, before, after in (
        ("platforms", PLATFORMS_NARROWED, old.platforms, new.platforms),
        ("machines", MACHINES_NARROWED, old.machines, new.machines),
        ("implementations", IMPLEMENTATIONS_NARROWED, old.implementations, new.implementations),
    ):
        findings.extend(_value_set(distribution, label, code, before, after))
    for name in sorted(set(new.env) - set(old.env)):
        findings.append(
            Finding(
                VARIABLE_REQUIRED,
                distribution,
                f"environment variable {name} must now be set",
                object=name,
                expected="not required",
                found="required",
            )
        )
    for name in sorted(set(old.env) - set(new.env)):
        findings.append(
            Finding(
                ENVIRONMENT_WIDENED,
                distribution,
                f"environment variable {name} is no longer required",
                object=name,
                expected="required",
                found="not required",
            )
        )
    return findings


def _python(distribution: str, old: str | None, new: str | None) -> list[Finding]:
    before, after = parse_specifier(old), parse_specifier(new)
    expected, found = old or _ANY, new or _ANY
    if before is None or after is None:
        if (old or "").replace(" ", "") == (new or "").replace(" ", ""):
            return []
        return [
            Finding(
                PYTHON_NARROWED,
                distribution,
                "the python range changed and cannot be compared (invalid specifier)",
                expected=expected,
                found=found,
            )
        ]
    findings: list[Finding] = []
    lost = lost_versions(before, after, base=PYTHON_CANDIDATES)
    if lost:
        findings.append(
            Finding(
                PYTHON_NARROWED,
                distribution,
                f"python range narrowed: {versions_text(lost)} no longer accepted",
                expected=expected,
                found=found,
            )
        )
    gained = gained_versions(before, after, base=PYTHON_CANDIDATES)
    if gained:
        findings.append(
            Finding(
                ENVIRONMENT_WIDENED,
                distribution,
                f"python range widened: {versions_text(gained)} now accepted",
                expected=expected,
                found=found,
            )
        )
    return findings


def _value_set(
    distribution: str, label: str, code: FindingCode, old: Sequence[str], new: Sequence[str]
) -> list[Finding]:
    before, after = set(old), set(new)
    if before == after:
        return []
    expected, found = ", ".join(sorted(before)) or _ANY, ", ".join(sorted(after)) or _ANY

    def finding(code: FindingCode, message: str) -> Finding:
        return Finding(code, distribution, message, expected=expected, found=found)

    if not before:
        return [finding(code, f"{label} restricted to {found} (any before)")]
    if not after:
        return [finding(ENVIRONMENT_WIDENED, f"{label} no longer restricted (was {expected})")]
    findings = []
    removed, added = sorted(before - after), sorted(after - before)
    if removed:
        findings.append(finding(code, f"{label} no longer include {', '.join(removed)}"))
    if added:
        findings.append(finding(ENVIRONMENT_WIDENED, f"{label} now include {', '.join(added)}"))
    return findings


# --------------------------------------------------------------------------- dependencies

_EXTRA_PATTERN = re.compile(r"""\bextra\s*==\s*['"]([^'"]+)['"]""")
_PLATFORMS = (
    ("linux", "Linux", "posix"),
    ("darwin", "Darwin", "posix"),
    ("win32", "Windows", "nt"),
)
_IMPLEMENTATIONS = (("cpython", "CPython"), ("pypy", "PyPy"))
_MACHINES = ("x86_64", "aarch64")
_DIMENSIONS = {
    "python": ("python_version", "python_full_version", "implementation_version"),
    "platform": ("sys_platform", "platform_system", "os_name"),
    "implementation": ("implementation_name", "platform_python_implementation"),
    "machine": ("platform_machine",),
    "extra": ("extra",),
}
"""Marker variables, grouped by the dimension of the environment grid that sets them."""


@dataclass(frozen=True)
class _Parsed:
    """One ``Requires-Dist`` value: parsed, or kept as text when it is not valid PEP 508."""

    text: str
    requirement: Requirement | None

    @property
    def key(self) -> str:
        if self.requirement is None:
            return self.text.strip()
        return canonicalize_name(self.requirement.name)


def dependency_release_findings(
    distribution: str,
    old: Sequence[str],
    new: Sequence[str],
    *,
    old_python: str | None = None,
    new_python: str | None = None,
) -> list[Finding]:
    """ISP530/ISP531 for dependencies added or narrowed, ISP543 for removed or widened ones.

    Requirements are grouped by canonical distribution name; ``old_python`` and ``new_python``
    (the releases' ``python`` specifiers) limit the Python versions markers are evaluated for.
    """
    old_parsed = [_parse(text) for text in old]
    new_parsed = [_parse(text) for text in new]
    pythons = _python_grid(old_python, new_python)
    extras = sorted({""} | {e for p in old_parsed for e in _EXTRA_PATTERN.findall(p.text)})
    findings: list[Finding] = []
    keys = sorted({p.key for p in old_parsed} | {p.key for p in new_parsed})
    for key in keys:
        before = [p for p in old_parsed if p.key == key]
        after = [p for p in new_parsed if p.key == key]
        if [p.text for p in before] == [p.text for p in after]:
            continue
        findings.extend(_dependency(distribution, key, before, after, pythons, extras))
    return findings


def _parse(text: str) -> _Parsed:
    try:
        return _Parsed(text, Requirement(text))
    except InvalidRequirement:
        return _Parsed(text, None)


def _python_grid(old: str | None, new: str | None) -> list[Version]:
    """Python ``3.x.0`` versions both releases accept (those the new one does, if none)."""
    before = parse_specifier(old) or SpecifierSet()
    after = parse_specifier(new) or SpecifierSet()
    both = [v for v in PYTHON_CANDIDATES if before.contains(v) and after.contains(v)]
    return both or [v for v in PYTHON_CANDIDATES if after.contains(v)] or list(PYTHON_CANDIDATES)


def _environments(
    requirements: Iterable[_Parsed], pythons: Sequence[Version], extras: Sequence[str]
) -> list[dict[str, str]]:
    """The marker environments that can tell these requirements apart (see the module doc)."""
    used = " ".join(
        str(p.requirement.marker)
        for p in requirements
        if p.requirement is not None and p.requirement.marker is not None
    )

    def uses(dimension: str) -> bool:
        return any(re.search(rf"\b{name}\b", used) for name in _DIMENSIONS[dimension])

    python_axis = pythons if uses("python") else pythons[-1:]
    platform_axis = _PLATFORMS if uses("platform") else _PLATFORMS[:1]
    implementation_axis = _IMPLEMENTATIONS if uses("implementation") else _IMPLEMENTATIONS[:1]
    machine_axis = _MACHINES if uses("machine") else _MACHINES[:1]
    extra_axis = extras if uses("extra") else [""]
    grid = []
    for python, platform, implementation, machine, extra in itertools.product(
        python_axis, platform_axis, implementation_axis, machine_axis, extra_axis
    ):
        grid.append(
            {
                "python_version": f"{python.major}.{python.minor}",
                "python_full_version": str(python),
                "implementation_version": str(python),
                "sys_platform": platform[0],
                "platform_system": platform[1],
                "os_name": platform[2],
                "implementation_name": implementation[0],
                "platform_python_implementation": implementation[1],
                "platform_machine": machine,
                "platform_release": "",
                "platform_version": "",
                "extra": extra,
            }
        )
    return grid


def _applies(parsed: _Parsed, environment: Mapping[str, str]) -> bool:
    requirement = parsed.requirement
    if requirement is None or requirement.marker is None:
        return True
    marker: Marker = requirement.marker
    return bool(marker.evaluate(dict(environment)))


@dataclass(frozen=True)
class _Need:
    """What the requirements of one distribution ask for in one environment."""

    specifier: SpecifierSet
    extras: frozenset[str]
    urls: frozenset[str]
    unparsed: frozenset[str]


def _need(requirements: Sequence[_Parsed], environment: Mapping[str, str]) -> _Need | None:
    applying = [p for p in requirements if _applies(p, environment)]
    if not applying:
        return None
    specifier = SpecifierSet()
    extras: set[str] = set()
    urls: set[str] = set()
    unparsed: set[str] = set()
    for parsed in applying:
        requirement = parsed.requirement
        if requirement is None:
            unparsed.add(parsed.text)
            continue
        specifier &= requirement.specifier
        extras.update(requirement.extras)
        if requirement.url:
            urls.add(requirement.url)
    return _Need(specifier, frozenset(extras), frozenset(urls), frozenset(unparsed))


def _where(environment: Mapping[str, str], varied: Sequence[Mapping[str, str]]) -> str:
    """Name an environment by the variables that vary in the grid, e.g. ``extra 'socks'``."""
    parts = []
    if len({e["extra"] for e in varied}) > 1:
        parts.append(f"extra {environment['extra']!r}" if environment["extra"] else "no extra")
    if len({e["python_version"] for e in varied}) > 1:
        parts.append(f"python {environment['python_version']}")
    if len({e["sys_platform"] for e in varied}) > 1:
        parts.append(environment["sys_platform"])
    if len({e["implementation_name"] for e in varied}) > 1:
        parts.append(environment["implementation_name"])
    if len({e["platform_machine"] for e in varied}) > 1:
        parts.append(environment["platform_machine"])
    return ", ".join(parts) or "every environment"


def _dependency(
    distribution: str,
    key: str,
    before: Sequence[_Parsed],
    after: Sequence[_Parsed],
    pythons: Sequence[Version],
    extras: Sequence[str],
) -> list[Finding]:
    environments = _environments([*before, *after], pythons, extras)
    added: list[str] = []
    narrowed: list[str] = []
    relaxed: list[str] = []
    for environment in environments:
        old_need, new_need = _need(before, environment), _need(after, environment)
        where = _where(environment, environments)
        if old_need is None and new_need is not None:
            added.append(where)
        elif old_need is not None and new_need is None:
            relaxed.append(f"no longer required ({where})")
        elif old_need is not None and new_need is not None:
            problem = _narrowing(old_need, new_need)
            if problem:
                narrowed.append(f"{problem} ({where})")
            elif _widened(old_need, new_need):
                relaxed.append(f"accepts more versions ({where})")
    expected = "; ".join(p.text for p in before) or "not required"
    found = "; ".join(p.text for p in after) or "not required"

    def finding(code: FindingCode, message: str) -> Finding:
        return Finding(code, distribution, message, object=key, expected=expected, found=found)

    findings = []
    if added:
        if not before:
            findings.append(finding(DEPENDENCY_ADDED, f"dependency {key} added ({added[0]})"))
        else:
            findings.append(
                finding(DEPENDENCY_ADDED, f"dependency {key} now also required ({added[0]})")
            )
    if narrowed:
        findings.append(finding(DEPENDENCY_NARROWED, f"dependency {key}: {narrowed[0]}"))
    if not added and not narrowed:
        if relaxed:
            findings.append(finding(DEPENDENCY_RELAXED, f"dependency {key}: {relaxed[0]}"))
        elif not after:
            findings.append(finding(DEPENDENCY_RELAXED, f"dependency {key} removed"))
        elif not before:
            findings.append(
                finding(
                    DEPENDENCY_RELAXED,
                    f"dependency {key} added only for an extra or an environment the old release "
                    "did not have",
                )
            )
    return findings


def _narrowing(old: _Need, new: _Need) -> str | None:
    lost = lost_versions(old.specifier, new.specifier)
    if lost:
        return f"versions {versions_text(lost)} no longer accepted"
    if new.extras - old.extras:
        return f"now needs extras {', '.join(sorted(new.extras - old.extras))}"
    if new.urls != old.urls and new.urls:
        return f"now installed from {', '.join(sorted(new.urls))}"
    if new.unparsed - old.unparsed:
        return f"requirement {sorted(new.unparsed - old.unparsed)[0]!r} cannot be compared"
    return None


def _widened(old: _Need, new: _Need) -> bool:
    return bool(gained_versions(old.specifier, new.specifier)) or bool(old.extras - new.extras)
