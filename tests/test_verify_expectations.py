"""The ``expectations`` check of verify on hand-made site directories: wiring, not comparison.

What a provider must offer is tested in ``test_compare_expectations.py``; here: which
distributions get the check, where the provider's version comes from, that one parse of a
provider serves every consumer, that deployments use the facts, and that wheels are skipped.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import hatch_importspy.describe.provider_source as provider_module
from hatch_importspy.model import CallShape, Deployment, Expectation, ExpectedName
from hatch_importspy.results import (
    CHECK_EXPECTATIONS,
    NOTICE_WHEEL_DEPENDENCIES,
    DistributionResult,
    VerifyResult,
)
from hatch_importspy.verify.verifier import verify_installed
from hatch_importspy.verify.wheels import verify_wheels
from tests.helpers.fakedist import LINUX_FACTS as FACTS
from tests.helpers.fakedist import install, make_wheel, model_for

PROVIDER_FILES = {
    "prov/__init__.py": b"from .core import run\n",
    "prov/core.py": b"def run(task, *, retries=1):\n    return task\n",
}


def consumer(site: Path, name: str, *expects: Expectation) -> None:
    """Install ``name`` 1.0, whose manifest states ``expects``."""
    files = {f"{name}/__init__.py": b"import prov\n"}
    model = dataclasses.replace(model_for(name, "1.0", files), expects=expects)
    install(site, name, "1.0", files, manifest=model)


def run_call(keyword: str, distribution: str | None = "prov") -> Expectation:
    return Expectation(
        module="prov",
        distribution=distribution,
        names=(ExpectedName("run", "callable", (CallShape(1, (keyword,)),)),),
    )


def place(*distributions: DistributionResult) -> list[tuple[str, str, str | None]]:
    return [(f.distribution, f.code, f.object) for d in distributions for f in d.findings]


def by_name(result: VerifyResult) -> dict[str, DistributionResult]:
    return {distribution.name: distribution for distribution in result.distributions}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    directory = tmp_path / "site-packages"
    directory.mkdir()
    install(directory, "prov", "2.0", PROVIDER_FILES, manifest=model_for("prov", "2.0", {}))
    return directory


def test_the_check_runs_only_for_manifests_with_expectations(site: Path) -> None:
    consumer(site, "plain")
    consumer(site, "user", run_call("retries"))

    result = by_name(verify_installed([site], ["plain", "user"], FACTS))

    assert CHECK_EXPECTATIONS not in result["plain"].checks
    assert result["user"].checks[-1] == CHECK_EXPECTATIONS
    assert place(*result.values()) == []


def test_findings_belong_to_the_consumer(site: Path) -> None:
    consumer(site, "user", run_call("timeout"))

    result = verify_installed([site], ["user"], FACTS)

    assert place(*result.distributions) == [("user", "ISP405", "prov:run")]


def test_one_parse_of_a_provider_serves_every_consumer(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("one", "two"):
        consumer(site, name, run_call("timeout"))
    parsed: list[str] = []
    original = provider_module.describe_provider

    def counting(source: bytes, *, filename: str, name: str, is_package: bool) -> object:
        parsed.append(filename)
        return original(source, filename=filename, name=name, is_package=is_package)

    monkeypatch.setattr(provider_module, "describe_provider", counting)

    result = verify_installed([site], ["one", "two"], FACTS)

    assert place(*result.distributions) == [
        ("one", "ISP405", "prov:run"),
        ("two", "ISP405", "prov:run"),
    ]
    assert sorted(parsed) == ["prov/__init__.py", "prov/core.py"]


def test_one_missing_name_is_one_finding_across_the_expectations(site: Path) -> None:
    """``prov.core`` has no ``stop``: used through ``prov`` and through ``prov.core`` (two
    expectations), it is still one finding; ``halt``, missing too, is another."""
    through_package = Expectation(
        module="prov", distribution="prov", names=(ExpectedName("core.stop"),)
    )
    direct = Expectation(
        module="prov.core",
        distribution="prov",
        names=(
            ExpectedName("halt"),
            ExpectedName("stop", "callable", (CallShape(1, ("now",)),)),
        ),
    )
    consumer(site, "user", through_package, direct)

    (result,) = verify_installed([site], ["user"], FACTS).distributions

    assert place(result) == [
        ("user", "ISP404", "prov:core.stop"),
        ("user", "ISP404", "prov.core:halt"),
    ]
    assert "used as: core.stop, prov.core.stop(_, now=_)" in result.findings[0].message


def provider_finding(site: Path) -> tuple[str, str | None, str | None]:
    consumer(site, "user", dataclasses.replace(run_call("retries"), module="prov.core"))
    (distribution,) = verify_installed([site], ["user"], FACTS).distributions
    (finding,) = distribution.findings
    return finding.code, finding.object, finding.found


def test_a_provider_nested_too_deeply_to_describe_is_a_warning(site: Path) -> None:
    """It parses, but describing it exceeds the recursion limit: ISP408, not a traceback."""
    (site / "prov" / "core.py").write_bytes(b"def run(task=" + b"-" * 2000 + b"1):\n    pass\n")

    assert provider_finding(site) == (
        "ISP408",
        "prov.core",
        "prov/core.py: nested too deeply to describe",
    )


def test_a_provider_that_cannot_be_read_is_a_warning(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path.name == "core.py":
            raise PermissionError(13, "Permission denied", str(path))
        return original(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)

    assert provider_finding(site) == (
        "ISP408",
        "prov.core",
        "prov/core.py: cannot read: Permission denied",
    )


MISSING_SUBMODULE = Expectation(module="prov.gone", names=(ExpectedName("thing"),))


def test_an_unnamed_provider_is_found_by_who_installed_the_top_level_package(
    site: Path,
) -> None:
    """The manifest could not name the provider: the RECORD that owns ``prov/__init__.py`` does,
    so a submodule missing from an installed provider is drift (ISP403)."""
    consumer(site, "user", MISSING_SUBMODULE)

    result = verify_installed([site], ["user"], FACTS)

    assert place(*result.distributions) == [("user", "ISP403", "prov.gone")]


def test_an_unnamed_provider_that_is_not_installed_is_no_drift(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    consumer(site, "user", MISSING_SUBMODULE)

    result = verify_installed([site], ["user"], FACTS)

    assert place(*result.distributions) == []


def test_a_provider_guessed_from_requires_dist_is_held_to_only_once_confirmed(site: Path) -> None:
    """The manifest guessed the provider by name (``Requires-Dist``), and the guess is installed.
    A module it does not have is a wrong guess, not a module it dropped: no ISP403.  The
    installed files decide instead: ``prov`` does own the top-level package, so its missing
    submodule is drift, credited to ``prov`` whatever was guessed."""
    install(site, "python-other", "1.0", {"python_other/__init__.py": b""})

    def guessed(module: str, provider: str) -> Expectation:
        return Expectation(
            module=module,
            distribution=provider,
            distribution_from_requires=True,
            names=(ExpectedName("thing"),),
        )

    consumer(
        site,
        "user",
        guessed("other", "python-other"),
        guessed("prov.gone", "prov"),
        guessed("prov.lost", "python-other"),
    )

    (result,) = verify_installed([site], ["user"], FACTS).distributions

    assert [(f.code, f.object, f.expected, f.found) for f in result.findings] == [
        ("ISP403", "prov.gone", "module prov.gone from prov", "prov 2.0 installed, without it"),
        ("ISP403", "prov.lost", "module prov.lost", "not installed"),
    ]


def test_deployments_are_held_against_the_facts(site: Path) -> None:
    contract = Expectation(
        module="prov.core",
        distribution="prov",
        origin="contracts/prov.yml",
        deployments=(Deployment(machine="aarch64", platform="linux"),),
    )
    consumer(site, "user", contract)

    with_facts = verify_installed([site], ["user"], FACTS)
    without_facts = verify_installed([site], ["user"], None)

    assert place(*with_facts.distributions) == [("user", "ISP106", "prov.core")]
    assert place(*without_facts.distributions) == []


def test_wheels_are_not_checked_for_expectations(tmp_path: Path) -> None:
    files = {"user/__init__.py": b"import prov\n"}
    model = dataclasses.replace(model_for("user", "1.0", files), expects=(run_call("timeout"),))
    wheel = make_wheel(
        tmp_path / "user-1.0-py3-none-any.whl",
        "user",
        "1.0",
        files,
        manifest=model,
    )

    result = verify_wheels([wheel], FACTS)

    assert CHECK_EXPECTATIONS not in result.distributions[0].checks
    assert result.notices == (NOTICE_WHEEL_DEPENDENCIES,)
    assert "expectations" in NOTICE_WHEEL_DEPENDENCIES
