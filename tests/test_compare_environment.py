"""ISP101-ISP105 from hand-made facts, and the facts themselves (normalising, round trips)."""

from __future__ import annotations

import os
import platform
import sys

import pytest

from hatch_importspy.compare.constraints import (
    environment_findings,
    parse_python_version,
    platform_matches,
)
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.facts import EnvironmentFacts, current_environment, normalise_machine
from hatch_importspy.findings import Finding
from hatch_importspy.model import EnvironmentConstraints

FACTS = EnvironmentFacts(
    python_version="3.11.7",
    platform="linux",
    machine="x86_64",
    implementation="cpython",
    env_names=frozenset({"HOME", "PATH"}),
    markers={"python_version": "3.11", "sys_platform": "linux"},
)


def findings(constraints: EnvironmentConstraints, facts: EnvironmentFacts = FACTS) -> list[Finding]:
    return environment_findings("demo", constraints, facts)


def test_no_constraints_admit_anything() -> None:
    assert findings(EnvironmentConstraints()) == []


@pytest.mark.parametrize(
    ("specifier", "version", "admitted"),
    [
        (">=3.10,<3.14", "3.11.7", True),
        (">=3.12", "3.11.7", False),
        ("==3.11.*", "3.11.7", True),
        ("~=3.11", "3.13.0rc1", True),  # pre-releases of the interpreter are allowed
        ("<3.13", "3.13.0a1", False),
        (">=3.14", "3.14.0a1+", False),  # CPython's "+" for unreleased builds is tolerated
    ],
)
def test_python_version(specifier: str, version: str, admitted: bool) -> None:
    facts = EnvironmentFacts(version, "linux", "x86_64", "cpython")
    expected = (
        []
        if admitted
        else [
            Finding(
                "ISP101",
                "demo",
                f"Python {version} is outside {specifier}",
                expected=specifier,
                found=version,
            )
        ]
    )
    assert findings(EnvironmentConstraints(python=specifier), facts) == expected


def test_invalid_specifier_is_a_manifest_finding_not_a_crash() -> None:
    assert findings(EnvironmentConstraints(python=">=three")) == [
        Finding(
            "ISP309",
            "demo",
            "the manifest's environment.python '>=three' is not a valid specifier",
            expected="a PEP 440 specifier set",
            found=">=three",
        )
    ]


def test_unparseable_interpreter_version() -> None:
    facts = EnvironmentFacts("3.x", "linux", "x86_64", "cpython")
    assert [f.code for f in findings(EnvironmentConstraints(python=">=3"), facts)] == ["ISP101"]
    assert parse_python_version("3.x") is None


def test_platform_machine_implementation() -> None:
    constraints = EnvironmentConstraints(
        platforms=("darwin", "win32"), machines=("AMD64",), implementations=("PyPy",)
    )
    facts = EnvironmentFacts("3.11.7", "linux", "aarch64", "cpython")
    assert findings(constraints, facts) == [
        Finding(
            "ISP102",
            "demo",
            "platform 'linux' is not supported",
            expected="darwin, win32",
            found="linux",
        ),
        Finding(
            "ISP103",
            "demo",
            "machine 'aarch64' is not supported",
            expected="AMD64",
            found="aarch64",
        ),
        Finding(
            "ISP104",
            "demo",
            "implementation 'cpython' is not supported",
            expected="PyPy",
            found="cpython",
        ),
    ]


def test_machines_compare_normalised_and_implementations_case_insensitively() -> None:
    constraints = EnvironmentConstraints(machines=("amd64",), implementations=("CPython",))
    assert findings(constraints) == []
    arm = EnvironmentFacts("3.12.1", "darwin", "arm64", "cpython")
    assert findings(EnvironmentConstraints(machines=("aarch64",)), arm) == []


def test_platform_with_version_suffix() -> None:
    assert platform_matches("freebsd14", "freebsd")
    assert platform_matches("linux", "linux")
    assert not platform_matches("linuxish", "linux")
    assert not platform_matches("linux", "linux2")
    assert not platform_matches("cygwin", "win")


def test_env_variables_report_names_never_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPORTSPY_TEST_SECRET", "s3cr3t-value")
    facts = current_environment()
    constraints = EnvironmentConstraints(env=("IMPORTSPY_TEST_SECRET", "IMPORTSPY_TEST_UNSET"))
    result = findings(constraints, facts)
    assert result == [
        Finding(
            "ISP105",
            "demo",
            "environment variable IMPORTSPY_TEST_UNSET is not set",
            expected="IMPORTSPY_TEST_UNSET",
            found="not set",
        )
    ]
    assert "s3cr3t-value" not in repr(facts)
    assert "s3cr3t-value" not in repr(result)


def test_env_variable_names_fold_case_on_windows() -> None:
    facts = EnvironmentFacts("3.11.7", "win32", "AMD64", "cpython", frozenset({"Path"}))
    assert findings(EnvironmentConstraints(env=("PATH",)), facts) == []
    linux = EnvironmentFacts("3.11.7", "linux", "x86_64", "cpython", frozenset({"Path"}))
    assert [f.code for f in findings(EnvironmentConstraints(env=("PATH",)), linux)] == ["ISP105"]


# --------------------------------------------------------------------------- facts


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("AMD64", "x86_64"),
        ("x86_64", "x86_64"),
        ("x64", "x86_64"),
        ("arm64", "aarch64"),
        ("ARM64", "aarch64"),
        ("aarch64", "aarch64"),
        ("aarch64_be", "aarch64_be"),
        ("i686", "x86"),
        ("i386", "x86"),
        ("ppc64le", "ppc64le"),
        (" s390x ", "s390x"),
    ],
)
def test_normalise_machine(raw: str, normal: str) -> None:
    assert normalise_machine(raw) == normal


def test_current_environment_describes_this_interpreter() -> None:
    facts = current_environment()
    assert facts.python_version == platform.python_version()
    assert facts.platform == sys.platform
    assert facts.machine == normalise_machine(platform.machine())
    assert facts.implementation == sys.implementation.name
    assert facts.env_names == frozenset(os.environ)
    assert facts.markers["python_full_version"] == platform.python_version()


def test_facts_round_trip_through_plain_data() -> None:
    assert EnvironmentFacts.from_mapping(FACTS.to_mapping(), source="probe") == FACTS
    facts = current_environment()
    assert EnvironmentFacts.from_mapping(facts.to_mapping(), source="probe") == facts


def test_facts_normalise_the_machine_and_freeze_markers() -> None:
    markers = {"python_version": "3.11"}
    facts = EnvironmentFacts("3.11.7", "win32", "AMD64", "cpython", markers=markers)
    markers["python_version"] = "2.7"
    assert facts.machine == "x86_64"
    assert facts.markers["python_version"] == "3.11"
    assert hash(facts) == hash(EnvironmentFacts("3.11.7", "win32", "x86_64", "cpython"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"platform": "linux", "machine": "x", "implementation": "c"},
            "probe: python_version must be a string",
        ),
        (
            {**FACTS.to_mapping(), "env_names": "PATH"},
            "probe: env_names must be a list of strings",
        ),
        (
            {**FACTS.to_mapping(), "markers": {"a": 1}},
            "probe: markers must be a mapping of strings to strings",
        ),
    ],
)
def test_facts_from_bad_data_name_the_problem(data: dict[str, object], message: str) -> None:
    with pytest.raises(UnusableInputError) as caught:
        EnvironmentFacts.from_mapping(data, source="probe")
    assert str(caught.value) == message
