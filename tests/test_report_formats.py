"""The CI report formats: JUnit XML, SARIF 2.1.0 and GitHub workflow commands.

Each is checked by what reads it: the JUnit report by a real JUnit parser (``junitparser``), the
SARIF log against the official SARIF 2.1.0 JSON schema (vendored under ``tests/schemas``), the
GitHub commands line by line against the runner's escaping rules.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import junitparser
import pytest

from hatch_importspy.findings import CODES, Finding, Severity
from hatch_importspy.report.artifact import artifact_path
from hatch_importspy.report.github import escape_data, escape_property, render_github
from hatch_importspy.report.junit import check_family, render_junit
from hatch_importspy.report.sarif import MAX_RESULTS, render_sarif, sarif_data
from hatch_importspy.results import DistributionResult, VerifyResult
from tests.helpers import report_samples as samples
from tests.helpers.report_samples import ADDED, CHECKS, MODIFIED, UNOWNED_PTH

SCHEMA_FILE = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
SITE = Path("/work/venv/lib/python3.12/site-packages")

PYTHON = Finding(
    code="ISP101",
    distribution="demo",
    message="Python 3.9.1 is outside >=3.10",
    expected=">=3.10",
    found="3.9.1",
)
MISSING = replace(samples.MISSING, line=7)
ACCEPTED = Finding(
    code="ISP321",
    distribution="certifi",
    message="modified file accepted by policy: system CA bundle",
    file="certifi/cacert.pem",
)
NASTY = Finding(
    code="ISP303",
    distribution="demo",
    message="100% added\r\n::error::forged",
    file="demo/we,ird:name\n.py",
    line=3,
)


def distribution(
    name: str, *findings: Finding, manifest: bool = True, checks: tuple[str, ...] = CHECKS
) -> DistributionResult:
    return DistributionResult(
        name=name,
        version="1.0",
        source=str(SITE / f"{name}-1.0.dist-info"),
        has_manifest=manifest,
        findings=findings,
        checks=checks,
    )


def result_of(
    *distributions: DistributionResult, unowned: tuple[Finding, ...] = ()
) -> VerifyResult:
    return VerifyResult(
        distributions=distributions,
        environment_findings=unowned,
        notices=("environment checks skipped: no facts about the target interpreter",),
    )


FULL = result_of(
    distribution("demo", PYTHON, MISSING, ADDED, MODIFIED, NASTY),
    distribution("certifi", ACCEPTED, manifest=False, checks=("integrity",)),
    distribution("clean"),
    unowned=(UNOWNED_PTH,),
)
CLEAN = result_of(distribution("clean"))


# --------------------------------------------------------------------------- JUnit


def parse_junit(text: str) -> Any:
    return junitparser.JUnitXml.fromstring(text.encode("utf-8"))


def suites(text: str) -> dict[str, Any]:
    return {suite.name: suite for suite in parse_junit(text)}


def cases(suite: Any) -> dict[str, Any]:
    return {case.name: case for case in suite}


def test_junit_has_one_suite_per_distribution_and_one_case_per_check() -> None:
    parsed = suites(render_junit(FULL))
    assert list(parsed) == ["certifi 1.0", "clean 1.0", "demo 1.0", "environment"]
    assert list(cases(parsed["demo 1.0"])) == list(CHECKS)
    assert list(cases(parsed["certifi 1.0"])) == ["integrity"]
    assert list(cases(parsed["environment"])) == ["integrity"]
    assert {case.classname for case in parsed["demo 1.0"]} == {"importspy.demo"}


def test_junit_failures_carry_code_and_message() -> None:
    demo = cases(suites(render_junit(FULL))["demo 1.0"])
    [failure] = demo["environment"].result
    assert isinstance(failure, junitparser.Failure)
    assert failure.type == "ISP101"
    assert failure.message == "ISP101 demo: Python 3.9.1 is outside >=3.10"
    [failure] = demo["structure"].result
    # The error fails; the warning (ISP202) does not without --strict and goes to system-out.
    assert failure.type == "ISP201"
    assert "ISP201 error demo.core:greet: function greet is missing" in failure.text
    assert "ISP202 warning demo.core:extra" in demo["structure"].system_out
    [failure] = demo["integrity"].result
    assert failure.message.startswith("2 findings, first ISP301 demo/core.py: file modified")
    assert failure.text.splitlines()[0].startswith("ISP301 error demo/core.py")
    assert demo["dependencies"].is_passed


def test_junit_notes_never_fail_and_stay_visible() -> None:
    certifi = cases(suites(render_junit(FULL))["certifi 1.0"])["integrity"]
    assert certifi.is_passed
    assert "modified file accepted by policy: system CA bundle" in certifi.system_out


def test_junit_strict_turns_warnings_into_failures() -> None:
    structure = cases(suites(render_junit(FULL, strict=True))["demo 1.0"])["structure"]
    [failure] = structure.result
    # Findings in report order: the object demo.core:extra sorts before demo.core:greet.
    assert (
        failure.message
        == "2 findings, first ISP202 demo.core:extra: function extra is not in the manifest"
    )
    assert "ISP201" in failure.text


def test_junit_counts_agree_with_what_a_parser_recounts() -> None:
    text = render_junit(FULL)
    xml = parse_junit(text)
    stated = [(s.name, s.tests, s.failures, s.errors) for s in xml]
    assert (xml.tests, xml.failures) == (sum(s[1] for s in stated), sum(s[2] for s in stated))
    assert (xml.tests, xml.failures) == (10, 4)
    xml.update_statistics()
    for suite in xml:
        suite.update_statistics()
    assert [(s.name, s.tests, s.failures, s.errors) for s in xml] == stated


def test_junit_escapes_text_that_xml_cannot_hold() -> None:
    weird = Finding(
        code="ISP303", distribution="demo", message="bell \x07 and <tag> & \udcff", file="a\x1b.py"
    )
    text = render_junit(result_of(distribution("demo", weird)))
    [failure] = cases(suites(text)["demo 1.0"])["integrity"].result
    assert "<tag> &" in failure.message
    assert "\\x07" in failure.message and "\\udcff" in failure.message
    assert "\x07" not in text and "\x1b" not in text


def test_junit_of_a_clean_environment_passes_and_is_deterministic() -> None:
    text = render_junit(CLEAN)
    assert text == render_junit(CLEAN)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    [suite] = parse_junit(text)
    assert suite.failures == 0 and all(case.is_passed for case in suite)


def test_check_families_of_codes() -> None:
    assert [check_family(c) for c in ("ISP105", "ISP207", "ISP307", "ISP402")] == [
        "environment",
        "structure",
        "integrity",
        "dependencies",
    ]
    assert [check_family(c) for c in ("ISP320", "ISP321", "ISP333")] == [
        "policy",
        "integrity",
        "lock",
    ]
    assert [check_family(c) for c in ("ISP106", "ISP401", "ISP403", "ISP405", "ISP408")] == [
        "environment",
        "dependencies",
        "expectations",
        "expectations",
        "expectations",
    ]


# --------------------------------------------------------------------------- SARIF


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    data = SCHEMA_FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256, "the vendored schema changed"
    schema = json.loads(data)
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def sarif(result: VerifyResult, **options: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render_sarif(result, **options))
    return data


def test_sarif_is_valid_against_the_official_schema(
    sarif_validator: jsonschema.Draft4Validator,
) -> None:
    for result in (FULL, CLEAN, result_of()):
        errors = sorted(sarif_validator.iter_errors(sarif(result)), key=str)
        assert errors == []


def test_sarif_has_one_rule_per_code_with_help() -> None:
    [run] = sarif(FULL)["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == sorted(CODES)
    by_id = {rule["id"]: rule for rule in rules}
    assert by_id["ISP301"]["name"] == "FileModified"
    assert by_id["ISP301"]["help"]["text"] == CODES["ISP301"].help
    assert by_id["ISP202"]["defaultConfiguration"]["level"] == "warning"
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_results_are_ordered_by_severity_with_levels_and_locations() -> None:
    [run] = sarif(FULL)["runs"]
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("ISP307", "error"),
        ("ISP101", "error"),
        ("ISP301", "error"),
        ("ISP201", "error"),
        ("ISP303", "error"),
        ("ISP202", "warning"),
        ("ISP321", "note"),
    ]
    by_rule = {r["ruleId"]: r for r in results}
    missing = by_rule["ISP201"]["locations"][0]
    assert missing["physicalLocation"] == {
        "artifactLocation": {"uri": "demo/core.py"},
        "region": {"startLine": 7},
    }
    assert missing["logicalLocations"] == [
        {"fullyQualifiedName": "demo.core:greet", "kind": "member"}
    ]
    assert by_rule["ISP201"]["message"]["text"] == (
        "demo.core:greet: function greet is missing "
        "(expected function greet(name: str) -> str, found nothing)"
    )
    # A finding about no file points at the manifest that states the constraint.
    python = by_rule["ISP101"]["locations"][0]["physicalLocation"]
    assert python == {
        "artifactLocation": {"uri": "demo-1.0.dist-info/extra_metadata/importspy.yaml"}
    }
    # Unsafe characters in a file name are percent-encoded in the URI.
    nasty = by_rule["ISP303"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert nasty == "demo/we%2Cird%3Aname%0A.py"
    assert by_rule["ISP307"]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "evil.pth"
    }


def test_sarif_paths_are_relative_to_the_checkout_when_the_files_lie_under_it() -> None:
    [run] = sarif(FULL, root=Path("/work"))["runs"]
    uris = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in run["results"]
    }
    assert uris["ISP201"] == "venv/lib/python3.12/site-packages/demo/core.py"
    assert uris["ISP101"] == (
        "venv/lib/python3.12/site-packages/demo-1.0.dist-info/extra_metadata/importspy.yaml"
    )
    # One site directory in the result: an unowned file is placed in it too.
    assert uris["ISP307"] == "venv/lib/python3.12/site-packages/evil.pth"
    [run] = sarif(FULL, root=Path("/elsewhere"))["runs"]
    assert {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    } >= {"demo/core.py"}


def test_sarif_fingerprints_are_stable_and_distinct() -> None:
    first = [r["partialFingerprints"] for r in sarif(FULL)["runs"][0]["results"]]
    again = [r["partialFingerprints"] for r in sarif(FULL)["runs"][0]["results"]]
    assert first == again
    assert len({json.dumps(f) for f in first}) == len(first)


def test_sarif_is_deterministic_and_carries_notices() -> None:
    assert render_sarif(FULL) == render_sarif(FULL)
    [run] = sarif(FULL)["runs"]
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is True
    assert invocation["toolExecutionNotifications"] == [
        {
            "level": "note",
            "message": {
                "text": "environment checks skipped: no facts about the target interpreter"
            },
        }
    ]
    assert run["properties"]["compliant"] is False
    assert run["properties"]["truncated"] is False


def test_sarif_truncates_at_the_result_limit_dropping_the_least_severe(
    sarif_validator: jsonschema.Draft4Validator,
) -> None:
    assert MAX_RESULTS == 25_000
    notes = tuple(
        Finding(code="ISP321", distribution="big", message="accepted", file=f"big/n{i}.txt")
        for i in range(3)
    )
    errors = tuple(
        Finding(code="ISP302", distribution="big", message="missing", file=f"big/e{i}.txt")
        for i in range(3)
    )
    data = sarif_data(result_of(distribution("big", *notes, *errors)), max_results=4)
    assert sarif_validator.is_valid(data)
    [run] = data["runs"]
    assert [r["ruleId"] for r in run["results"]] == ["ISP302"] * 3 + ["ISP321"]
    assert run["properties"]["truncated"] is True and run["properties"]["omittedResults"] == 2
    warning = run["invocations"][0]["toolExecutionNotifications"][-1]
    assert warning["level"] == "warning"
    assert warning["message"]["text"].startswith("2 of 6 results omitted")


def test_sarif_full_sized_report_stays_at_the_limit() -> None:
    many = tuple(
        Finding(code="ISP302", distribution="big", message="missing", file=f"big/f{i}.py")
        for i in range(MAX_RESULTS + 5)
    )
    [run] = sarif_data(result_of(distribution("big", *many)))["runs"]
    assert len(run["results"]) == MAX_RESULTS
    assert run["properties"]["omittedResults"] == 5


def test_sarif_levels_follow_policy_overrides() -> None:
    overridden = Finding(
        code="ISP202",
        distribution="demo",
        message="added",
        file="demo/x.py",
        severity=Severity.ERROR,
    )
    [result] = sarif(result_of(distribution("demo", overridden)))["runs"][0]["results"]
    assert result["level"] == "error"


# --------------------------------------------------------------------------- GitHub


def test_github_commands_line_by_line() -> None:
    lines = render_github(FULL).splitlines()
    assert lines == [
        "::error file=evil.pth,line=1,title=ISP307 unowned startup code::environment: "
        "evil.pth:1: executable .pth line owned by no distribution (found import os)",
        "::error title=ISP101 Python version outside the declared range::demo 1.0: "
        "Python 3.9.1 is outside >=3.10 (expected >=3.10, found 3.9.1)",
        "::error file=demo/core.py,title=ISP301 file modified::demo 1.0: demo/core.py: "
        "file modified (expected sha256 aaaa, found sha256 bbbb)",
        "::error file=demo/core.py,line=7,title=ISP201 object missing::demo 1.0: "
        "demo.core:greet: function greet is missing "
        "(expected function greet(name: str) -> str, found nothing)",
        "::error file=demo/we%2Cird%3Aname\\n.py,line=3,title=ISP303 file added::demo 1.0: "
        "demo/we,ird:name\\n.py:3: 100%25 added\\r\\n::error::forged",
        "::warning file=demo/core.py,line=12,title=ISP202 object added::demo 1.0: "
        "demo.core:extra: function extra is not in the manifest",
        "::notice file=certifi/cacert.pem,title=ISP321 modification accepted by policy::"
        "certifi 1.0: certifi/cacert.pem: modified file accepted by policy: system CA bundle",
        "::notice title=importspy notice::environment checks skipped: no facts about the target "
        "interpreter",
        "importspy: 3 distributions checked (2 with a manifest): 5 errors, 1 warning, 1 note: "
        "violations found",
    ]


def test_github_no_line_can_start_a_forged_command() -> None:
    # The runner reads a command only at the start of a line, as ``::name props::message``:
    # whatever a message holds stays in the message as long as it cannot break the line, and a
    # property value cannot end its property or the property list.
    for line in render_github(FULL).splitlines():
        assert line.startswith(("::error ", "::warning ", "::notice ", "importspy: "))
        if line.startswith("::"):
            name_and_properties = line[2:].partition("::")[0]
            name, _, properties = name_and_properties.partition(" ")
            assert name in {"error", "warning", "notice"}
            for item in properties.split(","):
                key, _, value = item.partition("=")
                assert key in {"file", "line", "title"} and ":" not in value


def test_junit_carries_the_notices_of_the_run_in_every_suite() -> None:
    suites = list(parse_junit(render_junit(FULL)))

    assert len(suites) > 1
    for suite in suites:
        assert [(p.name, p.value) for p in suite.properties()] == [
            (
                "importspy.notice",
                "environment checks skipped: no facts about the target interpreter",
            )
        ]


def test_github_escaping_rules() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_mentions_the_annotation_caps_when_exceeded() -> None:
    many = tuple(
        Finding(code="ISP302", distribution="big", message="missing", file=f"big/f{i}.py")
        for i in range(11)
    )
    lines = render_github(result_of(distribution("big", *many))).splitlines()
    assert len([line for line in lines if line.startswith("::error ")]) == 11
    assert lines[-2] == (
        "importspy: 11 annotations emitted; GitHub shows at most 10 of each kind per step and "
        "50 per job, errors first: all are listed above"
    )
    assert render_github(CLEAN).splitlines()[-1:] == [
        "importspy: 1 distribution checked (1 with a manifest): 0 errors, 0 warnings, 0 notes: "
        "compliant"
    ]


def test_github_paths_relative_to_the_checkout() -> None:
    lines = render_github(FULL, root=Path("/work")).splitlines()
    assert lines[3].startswith(
        "::error file=venv/lib/python3.12/site-packages/demo/core.py,line=7,"
    )


# --------------------------------------------------------------------------- locations


def test_artifact_path_of_a_wheel_finding_is_inside_the_wheel() -> None:
    wheel = DistributionResult(
        name="My.Pkg",
        version="2.0",
        source="dist/my_pkg-2.0-py3-none-any.whl",
        has_manifest=True,
        findings=(),
        checks=CHECKS,
    )
    inside = Finding(code="ISP301", distribution="My.Pkg", message="m", file="my_pkg/a.py")
    about = Finding(code="ISP101", distribution="My.Pkg", message="m")
    assert artifact_path(inside, wheel, root=Path("/work")) == "my_pkg/a.py"
    assert artifact_path(about, wheel) == "my_pkg-2.0.dist-info/extra_metadata/importspy.yaml"
    no_manifest = DistributionResult("x", "1", str(SITE / "x-1.dist-info"), False, (), ())
    assert artifact_path(about, no_manifest) == "x-1.dist-info/RECORD"
    assert artifact_path(Finding(code="ISP307", distribution="", message="m"), None) is None
