"""ISP106: which of a contract's deployments describe the environment under check, and do they hold?

ImportSpy's deployments are alternatives.  A deployment *matches the host* when its ``arch``,
``os``, Python ``version`` (equal to the running version: ``3.11.7``, not a ``3.11`` prefix) and
``interpreter`` (``CPython``, case counts) all fit; no match is ISP106.  Among the matching ones,
one must also *hold*: its environment variables set (with the stated value; values are never
printed), its secrets set, and its module structure and ``version`` met by the module.  When none
holds, the findings of the first matching deployment are reported.

Manifests written before these rules (modules that must be installed, interpreters in lower
case, Python versions as prefixes) keep their old meaning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from packaging.version import InvalidVersion, Version

from hatch_importspy.compare.constraints import (
    parse_python_version,
    platform_matches,
    unset_variables,
)
from hatch_importspy.compare.expectations.collector import FindingCollector
from hatch_importspy.compare.expectations.lookup import ModuleCache
from hatch_importspy.compare.expectations.policy import (
    importspy_implementation,
    unmet_environment,
)
from hatch_importspy.facts import EnvironmentFacts, normalise_machine
from hatch_importspy.model import Deployment
from hatch_importspy.policy_model import EnvironmentRequirement
from hatch_importspy.render import deployment_text

StructureCheck = Callable[[Deployment, FindingCollector], None]
"""Holds a deployment's module structure against the module, into the given collector."""


def matching_deployments(
    collector: FindingCollector, modules: ModuleCache, facts: EnvironmentFacts
) -> list[Deployment]:
    """The deployments that fit the host; ISP106 when none does."""
    deployments = collector.expectation.deployments
    matching = [d for d in deployments if deployment_holds(d, facts, modules)]
    if not matching:
        collector.add(
            "ISP106",
            None,
            "no deployment of the contract matches this environment",
            expected=" | ".join(deployment_text(d) for d in deployments),
            found=f"{facts.machine} {facts.platform} {facts.implementation} {facts.python_version}",
        )
    return matching


def check_chosen(
    collector: FindingCollector,
    matching: Sequence[Deployment],
    structure: StructureCheck,
    facts: EnvironmentFacts,
) -> None:
    """Pass when one matching deployment holds; else report the first one's findings."""
    first: FindingCollector | None = None
    for deployment in matching:
        trial = FindingCollector(collector.expectation, collector.distribution)
        _environment(trial, deployment, facts)
        structure(deployment, trial)
        if not trial.findings:
            return
        if first is None:
            first = trial
    if first is not None:
        collector.adopt(first)


def _environment(
    collector: FindingCollector, deployment: Deployment, facts: EnvironmentFacts
) -> None:
    """Names and values are held against the environment under check (values compared there,
    see :func:`~hatch_importspy.compare.expectations.policy.unmet_environment`)."""
    values = [EnvironmentRequirement(n, v) for n, v in deployment.env_values]
    failing = set(unset_variables(deployment.env, facts))
    failing.update(unmet_environment(values, facts))
    if failing:
        collector.add(
            "ISP106",
            None,
            "the deployment's environment is not met (values redacted): "
            + ", ".join(sorted(failing)),
            expected="set as the deployment states: " + ", ".join(sorted(failing)),
            found="unset or different",
        )


def deployment_holds(deployment: Deployment, facts: EnvironmentFacts, modules: ModuleCache) -> bool:
    """Whether the deployment fits the host (see the module docstring)."""
    if deployment.machine is not None and normalise_machine(
        deployment.machine
    ) != normalise_machine(facts.machine):
        return False
    if deployment.platform is not None and not platform_matches(
        facts.platform, deployment.platform
    ):
        return False
    if deployment.pythons and not any(
        python_version_matches(python, facts.python_version, exact=deployment.exact)
        for python in deployment.pythons
    ):
        return False
    if deployment.interpreters and not _interpreter_matches(deployment, facts):
        return False
    if deployment.modules and unset_variables(deployment.env, facts):
        return False  # an old manifest: variables were part of the match
    return all(modules.quiet_module(module) is not None for module in deployment.modules)


def _interpreter_matches(deployment: Deployment, facts: EnvironmentFacts) -> bool:
    running = importspy_implementation(facts)
    if deployment.exact:
        return running in deployment.interpreters
    return running.lower() in {stated.lower() for stated in deployment.interpreters}


def python_version_matches(stated: str, actual: str, *, exact: bool = False) -> bool:
    """A contract's Python version against the interpreter's.

    ImportSpy compares the whole version: ``3.11`` does not match ``3.11.7`` (``exact``).  Old
    manifests meant a release-segment prefix (``3.11`` matching every ``3.11.x``).
    """
    try:
        wanted = Version(stated)
    except InvalidVersion:
        return False
    found = parse_python_version(actual)
    if found is None:
        return False
    if exact or wanted.pre is not None or wanted.post is not None or wanted.dev is not None:
        return found == wanted
    return found.release[: len(wanted.release)] == wanted.release
