"""ISP106: does any of a contract's deployments describe the environment under check?

A deployment holds when every stated part matches the environment facts: machine, platform,
Python version, interpreter, environment variables, and the modules it names being installed.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from hatch_importspy.compare.constraints import (
    parse_python_version,
    platform_matches,
    unset_variables,
)
from hatch_importspy.compare.expectations.collector import FindingCollector
from hatch_importspy.compare.expectations.lookup import ModuleCache
from hatch_importspy.facts import EnvironmentFacts, normalise_machine
from hatch_importspy.model import Deployment
from hatch_importspy.render import deployment_text


def check_deployments(
    collector: FindingCollector, modules: ModuleCache, facts: EnvironmentFacts
) -> None:
    """Report ISP106 when no deployment of the collector's expectation matches ``facts``."""
    deployments = collector.expectation.deployments
    if any(deployment_holds(deployment, facts, modules) for deployment in deployments):
        return
    collector.add(
        "ISP106",
        None,
        "no deployment of the contract matches this environment",
        expected=" | ".join(deployment_text(d) for d in deployments),
        found=f"{facts.machine} {facts.platform} {facts.implementation} {facts.python_version}",
    )


def deployment_holds(deployment: Deployment, facts: EnvironmentFacts, modules: ModuleCache) -> bool:
    """Whether every part the deployment states matches; a module that does not parse is absent."""
    if deployment.machine is not None and normalise_machine(
        deployment.machine
    ) != normalise_machine(facts.machine):
        return False
    if deployment.platform is not None and not platform_matches(
        facts.platform, deployment.platform
    ):
        return False
    if deployment.pythons and not any(
        python_version_matches(python, facts.python_version) for python in deployment.pythons
    ):
        return False
    if deployment.interpreters and facts.implementation.lower() not in {
        interpreter.lower() for interpreter in deployment.interpreters
    }:
        return False
    if unset_variables(deployment.env, facts):
        return False
    return all(modules.quiet_module(module) is not None for module in deployment.modules)


def python_version_matches(stated: str, actual: str) -> bool:
    """A contract's Python version against the interpreter's: ``3.11`` matches ``3.11.7``.

    A version of release segments only matches every version that starts with those segments; one
    with a pre-, post- or dev-release part must be equal.
    """
    try:
        wanted = Version(stated)
    except InvalidVersion:
        return False
    found = parse_python_version(actual)
    if found is None:
        return False
    if wanted.pre is None and wanted.post is None and wanted.dev is None:
        return found.release[: len(wanted.release)] == wanted.release
    return found == wanted
