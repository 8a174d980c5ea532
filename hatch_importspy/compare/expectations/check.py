"""The entry point: one expectation against the installed modules, every finding in order.

Deployments and the contract's runtime policy come first (ISP106, ISP101-ISP105), then the
module itself (ISP408 when it cannot be described, ISP403 when it is absent), then each expected
name, the module version, the structure of the deployment that runs, and the contract's
dependency rules.
"""

from __future__ import annotations

from collections.abc import Mapping

from hatch_importspy.compare.expectations.collector import FindingCollector, one_per_cause
from hatch_importspy.compare.expectations.contract_checks import check_version
from hatch_importspy.compare.expectations.deployments import check_chosen, matching_deployments
from hatch_importspy.compare.expectations.lookup import ModuleCache, ModuleLookup
from hatch_importspy.compare.expectations.names import NameCheck
from hatch_importspy.compare.expectations.policy import (
    check_dependencies,
    check_runtime,
    check_unresolved,
)
from hatch_importspy.compare.expectations.resolve import Resolver
from hatch_importspy.errors import SourceError
from hatch_importspy.facts import EnvironmentFacts
from hatch_importspy.findings import Finding
from hatch_importspy.model import Deployment, Expectation


def expectation_findings(
    expectation: Expectation,
    lookup: ModuleLookup,
    *,
    distribution: str,
    provider_version: str | None,
    facts: EnvironmentFacts | None,
    installed: Mapping[str, str] | None = None,
    per_cause: bool = True,
) -> list[Finding]:
    """Every way the installed modules fall short of ``expectation``.

    With ``per_cause`` a missing name is one finding listing the uses it breaks (see
    :func:`~hatch_importspy.compare.expectations.collector.one_per_cause`); without, one finding
    per use, which is what marking each use ``unmet_at_build`` needs.  The arguments are
    :func:`expectation_collector`'s.
    """
    collector = expectation_collector(
        expectation,
        lookup,
        distribution=distribution,
        provider_version=provider_version,
        facts=facts,
        installed=installed,
    )
    return one_per_cause([collector]) if per_cause else collector.findings


def expectation_collector(
    expectation: Expectation,
    lookup: ModuleLookup,
    *,
    distribution: str,
    provider_version: str | None,
    facts: EnvironmentFacts | None,
    installed: Mapping[str, str] | None = None,
) -> FindingCollector:
    """Every way the installed modules fall short of ``expectation``, one finding per use, with
    what :func:`~hatch_importspy.compare.expectations.collector.one_per_cause` needs to fold the
    uses of one missing name (also across the expectations of one consumer).

    ``distribution`` is the consumer (it owns the findings); ``provider_version`` is the installed
    version of ``expectation.distribution``, ``None`` when that distribution is not installed or
    unknown; ``facts`` is the environment for a contract's ``deployments`` and ``runtime``
    (``None`` skips them); ``installed`` maps canonical distribution names to installed versions,
    for a contract's ``dependencies`` rules.
    An inferred module that cannot be found is reported only when its provider is installed: an
    absent provider is a requirement finding (ISP401) or an optional dependency, not drift.
    """
    collector = FindingCollector(expectation, distribution)
    modules = ModuleCache(lookup)
    chosen: list[Deployment] = []
    if facts is not None and expectation.deployments:
        chosen = matching_deployments(collector, modules, facts)
    policy = expectation.policy
    if facts is not None and policy is not None:
        check_runtime(collector, policy, facts)
    try:
        provided = modules.module(expectation.module)
    except SourceError as error:
        _unreadable(collector, expectation.module, str(error))
        return collector
    if provided is None:
        made_by = _made_at_import_time(modules, expectation.module)
        if made_by is not None:
            collector.add(
                "ISP410",
                None,
                f"module {expectation.module} cannot be checked statically: it is not a file, "
                f"and {made_by}",
                expected=f"module {expectation.module}",
                found="not checkable",
            )
        elif expectation.optional:
            pass  # imported only in fallbacks: the package runs without it
        elif expectation.origin != "inferred" or provider_version is not None:
            _module_missing(collector, provider_version)
        return collector
    resolver = Resolver(modules)
    names = NameCheck(collector, resolver)
    for name in expectation.names:
        names.name(provided, name)
    check_version(collector, expectation.version, provided)

    def structure(deployment: Deployment, into: FindingCollector) -> None:
        for name in deployment.names:
            NameCheck(into, resolver).name(provided, name)
        check_version(into, deployment.version, provided)

    if chosen and facts is not None:
        check_chosen(collector, chosen, structure, facts)
    if policy is not None:
        check_dependencies(collector, policy, provided, installed or {})
    if expectation.origin != "inferred" and (policy is None or policy.unresolved == "deny"):
        check_unresolved(collector, provided, lambda name: _resolves(modules, name))
    return collector


def _resolves(modules: ModuleCache, name: str) -> bool:
    """Whether an import of ``name`` finds an installed module (one that does not parse exists)."""
    try:
        return modules.module(name) is not None
    except SourceError:
        return True


def _made_at_import_time(modules: ModuleCache, name: str) -> str | None:
    """Why a module without a file may still exist: the nearest installed package above it
    writes ``sys.modules`` or its namespace at import time (``six`` makes ``six.moves``), or
    makes names on demand; ``None`` when nothing above it does."""
    parent = name.rpartition(".")[0]
    while parent:
        package = modules.quiet_module(parent)
        if package is not None:
            if package.dynamic:
                return f"{parent} writes sys.modules or its namespace at import time"
            structure = package.structure
            if any(f.name == "__getattr__" for f in structure.functions) or any(
                v.name == "__getattr__" for v in structure.variables
            ):
                return f"{parent} makes names on demand (a module-level __getattr__)"
            return None
        parent = parent.rpartition(".")[0]
    return None


def _unreadable(collector: FindingCollector, module: str, problem: str) -> None:
    collector.add(
        "ISP408",
        None,
        f"module {module} cannot be described: {problem}",
        expected="valid Python source",
        found=problem,
    )


def _module_missing(collector: FindingCollector, provider_version: str | None) -> None:
    expectation = collector.expectation
    provider = expectation.distribution
    if provider and provider_version is not None:
        found = f"{provider} {provider_version} installed, without it"
    else:
        found = "not installed"
    collector.add(
        "ISP403",
        None,
        f"module {expectation.module} is not installed",
        expected=f"module {expectation.module}" + (f" from {provider}" if provider else ""),
        found=found,
    )
