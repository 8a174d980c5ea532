"""A contract's ImportSpy 0.5 admission policy against the environment and the provider.

``runtime`` is held against the environment facts like the hook's own constraints (ISP101 Python,
ISP102 os, ISP103 architecture, ISP104 implementation, ISP105 environment), but with ImportSpy's
spellings, compared exactly: ``os`` is ``linux``/``windows``/``darwin``, ``implementation`` is
``CPython``/``PyPy`` (case counts).  Environment values are compared in the environment under
check (the ``--python`` target's, not the verifier's), never printed.

``dependencies`` rules concern what the provider module imports: ``allowed: false`` (ISP406 when
it imports it), ``required: true`` (ISP401 when it does not), ``version`` (ISP402 when the
installed distribution is outside it), and ``dependency_options.unlisted: deny`` (ISP406 for an
imported, installed distribution no rule lists).  An import is matched to a distribution by its
top-level name (``import:NAME`` rules match the import itself).  ``dependency_options.unresolved:
deny``, ImportSpy's default and so also applied to contracts without a policy part, is ISP406 for
each import of the module that resolves to nothing installed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from hatch_importspy.compare.constraints import unset_variables
from hatch_importspy.compare.expectations.collector import FindingCollector
from hatch_importspy.compare.provided import ProvidedModule
from hatch_importspy.facts import EnvironmentFacts
from hatch_importspy.findings import FindingCode
from hatch_importspy.policy_model import (
    IMPLEMENTATIONS,
    OS_PLATFORM,
    AdmissionPolicy,
    DependencyRule,
    EnvironmentRequirement,
)

_IMPLEMENTATION = {name.lower(): name for name in IMPLEMENTATIONS}


def importspy_os(facts: EnvironmentFacts) -> str:
    """The ImportSpy ``os`` name of the environment (``win32`` is ``windows``)."""
    for name, prefix in OS_PLATFORM.items():
        if facts.platform.startswith(prefix):
            return name
    return facts.platform


def importspy_implementation(facts: EnvironmentFacts) -> str:
    """The ImportSpy spelling of ``sys.implementation.name`` (``cpython`` is ``CPython``)."""
    return _IMPLEMENTATION.get(facts.implementation.lower(), facts.implementation)


def unmet_environment(
    requirements: Sequence[EnvironmentRequirement], facts: EnvironmentFacts
) -> list[str]:
    """The names of ``requirements`` unset in the environment under check, or not set to the
    stated value, in order: names against the facts, values compared in that environment
    (:meth:`~hatch_importspy.facts.EnvironmentFacts.differing_values`; never the verifier's own
    unless it is the one under check), so no value is ever read here."""
    unset = set(unset_variables([r.name for r in requirements], facts))
    wanted = {r.name: r.value for r in requirements if r.value is not None and r.name not in unset}
    differing = facts.differing_values(wanted)
    return [r.name for r in requirements if r.name in unset or r.name in differing]


def check_runtime(
    collector: FindingCollector, policy: AdmissionPolicy, facts: EnvironmentFacts
) -> None:
    """``runtime``: ISP101-ISP105 for each part the environment does not meet."""
    if policy.python is not None and not SpecifierSet(policy.python).contains(
        facts.python_version, prereleases=True
    ):
        collector.add(
            "ISP101",
            None,
            f"Python {facts.python_version} is outside the contract's runtime.python",
            expected=policy.python,
            found=facts.python_version,
        )
    parts: tuple[tuple[FindingCode, str, tuple[str, ...], str], ...] = (
        ("ISP102", "os", policy.platforms, importspy_os(facts)),
        ("ISP103", "architecture", policy.machines, facts.machine),
        ("ISP104", "implementation", policy.implementations, importspy_implementation(facts)),
    )
    for code, what, allowed, found in parts:
        if allowed and found not in allowed:
            collector.add(
                code,
                None,
                f"{what} {found} is not in the contract's runtime.{what}",
                expected=", ".join(allowed),
                found=found,
            )
    failing = unmet_environment(policy.environment, facts)
    if failing:
        collector.add(
            "ISP105",
            None,
            "environment variables unset or not the required value (values redacted): "
            + ", ".join(failing),
            expected="set as the contract's runtime.environment states",
            found="unset or different",
        )


def unresolved_imports(module: ProvidedModule, exists: Callable[[str], bool]) -> list[str]:
    """The modules ``module`` imports at module level (guarded or not) that resolve to nothing
    installed: absolute imports outside the standard library that ``exists`` cannot find.

    ImportSpy 0.5 denies a contract's module whose imports do not resolve
    (``dependency_options.unresolved: deny``, its default), a ``try``/``except ImportError``
    fallback included: the contract then describes a module whose dependencies are not there.
    """
    if not module.imports_known:
        return []
    names = {binding.module for _, binding in module.imports.items() if binding.module}
    names.update(star for star in module.star_imports if star)
    return sorted(
        name
        for name in names
        if name.partition(".")[0] not in sys.stdlib_module_names and not exists(name)
    )


def check_unresolved(
    collector: FindingCollector, module: ProvidedModule, exists: Callable[[str], bool]
) -> None:
    """ISP406 for each import of the contract's module that resolves nowhere (see
    :func:`unresolved_imports`)."""
    for name in unresolved_imports(module, exists):
        collector.add(
            "ISP406",
            None,
            f"module {module.name} imports {name}, which resolves to no installed module "
            "(dependency_options.unresolved: deny, ImportSpy's default)",
            expected="an installed module",
            found="unresolved",
        )


def imported_tops(module: ProvidedModule) -> set[str]:
    """Top-level names of the modules ``module`` imports (absolute imports only)."""
    names = {b.module.partition(".")[0] for _, b in module.imports.items() if b.module}
    names.update(m.partition(".")[0] for m in module.star_imports if m)
    return {n for n in names if n and n not in sys.stdlib_module_names}


def check_dependencies(
    collector: FindingCollector,
    policy: AdmissionPolicy,
    module: ProvidedModule,
    installed: Mapping[str, str],
) -> None:
    """``dependencies`` and ``dependency_options.unlisted`` against the provider's imports."""
    imported = imported_tops(module)
    by_distribution = {canonicalize_name(name): name for name in imported}
    listed: set[str] = set()
    for rule in policy.dependencies:
        if rule.name.startswith("import:"):
            target = rule.name.removeprefix("import:").partition(".")[0]
            present = target in imported
            distribution = str(canonicalize_name(target))
        else:
            distribution = rule.name
            present = distribution in by_distribution
        listed.add(distribution)
        for code, message, expected, found in _rule_findings(
            rule.name, present, rule, installed, distribution
        ):
            collector.add(code, None, message, expected=expected, found=found)
    if policy.unlisted == "deny":
        for distribution in sorted(set(by_distribution) - listed):
            if distribution in installed:
                collector.add(
                    "ISP406",
                    None,
                    f"module {module.name} imports {distribution}, which no dependencies rule "
                    "lists (dependency_options.unlisted: deny)",
                    expected="listed",
                    found="unlisted",
                )


def _rule_findings(
    name: str,
    present: bool,
    rule: DependencyRule,
    installed: Mapping[str, str],
    distribution: str,
) -> Iterator[tuple[FindingCode, str, str, str]]:
    if present and not rule.allowed:
        yield (
            "ISP406",
            f"the module imports {name}, which the contract forbids",
            "absent",
            "imported",
        )
    if rule.required and not present:
        yield (
            "ISP401",
            f"the module does not import {name}, which the contract requires",
            ("imported"),
            "absent",
        )
    version = installed.get(distribution)
    if (
        present
        and rule.version is not None
        and version is not None
        and not SpecifierSet(rule.version).contains(version, prereleases=True)
    ):
        yield "ISP402", f"{name} {version} is outside {rule.version}", rule.version, version
