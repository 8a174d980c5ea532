"""The text and JSON reports: exact lines, stable order, escaping, the documented JSON schema."""

from __future__ import annotations

import json
import random

import jsonschema
import pytest

from hatch_importspy.findings import CODES, Finding, Severity
from hatch_importspy.report.json import JSON_SCHEMA, render_json
from hatch_importspy.report.summary import summarize
from hatch_importspy.report.text import render_text
from hatch_importspy.results import DistributionResult, VerifyResult
from tests.helpers.report_samples import ADDED, CHECKS, MISSING, MODIFIED, UNOWNED_PTH


def result_with(*findings: Finding, notices: tuple[str, ...] = ()) -> VerifyResult:
    demo = DistributionResult(
        name="demo",
        version="1.0",
        source="/site/demo-1.0.dist-info",
        has_manifest=True,
        findings=tuple(f for f in findings if f.distribution == "demo"),
        checks=CHECKS,
    )
    clean = DistributionResult(
        name="Another_Dist",
        version="2.0",
        source="/site/another_dist-2.0.dist-info",
        has_manifest=True,
        findings=(),
        checks=CHECKS,
    )
    return VerifyResult(
        distributions=(demo, clean),
        environment_findings=tuple(f for f in findings if not f.distribution),
        notices=notices,
    )


def test_clean_text_report_lists_what_was_checked() -> None:
    assert render_text(result_with()) == (
        "Another_Dist 2.0 (/site/another_dist-2.0.dist-info)\n"
        "  ok (checked: environment, integrity, structure, dependencies)\n"
        "demo 1.0 (/site/demo-1.0.dist-info)\n"
        "  ok (checked: environment, integrity, structure, dependencies)\n"
        "2 distributions checked (2 with a manifest): 0 errors, 0 warnings, 0 notes: compliant\n"
    )


def test_text_report_has_one_line_per_finding_in_stable_order() -> None:
    findings = [MODIFIED, ADDED, MISSING, UNOWNED_PTH]
    expected = (
        "Another_Dist 2.0 (/site/another_dist-2.0.dist-info)\n"
        "  ok (checked: environment, integrity, structure, dependencies)\n"
        "demo 1.0 (/site/demo-1.0.dist-info)\n"
        "  ISP301 error demo/core.py: file modified (expected sha256 aaaa, found sha256 bbbb)\n"
        "  ISP202 warning demo.core:extra: function extra is not in the manifest\n"
        "  ISP201 error demo.core:greet: function greet is missing "
        "(expected function greet(name: str) -> str, found nothing)\n"
        "environment (owned by no distribution)\n"
        "  ISP307 error evil.pth:1: executable .pth line owned by no distribution "
        "(found import os)\n"
        "notice: a notice\n"
        "2 distributions checked (2 with a manifest): 3 errors, 1 warning, 0 notes: "
        "violations found\n"
    )
    for seed in range(3):
        random.Random(seed).shuffle(findings)
        assert render_text(result_with(*findings, notices=("a notice",))) == expected


def test_text_report_escapes_what_could_forge_a_line() -> None:
    crafted = Finding(
        code="ISP303",
        distribution="demo",
        message="file added",
        file="demo/x\n  ISP000 ok\x1b[2K.py",
    )
    text = render_text(result_with(crafted))
    assert "  ISP303 error demo/x\\n  ISP000 ok\\x1b[2K.py: file added\n" in text
    assert "\x1b" not in text


def test_warnings_fail_only_under_strict() -> None:
    result = result_with(ADDED)
    assert summarize(result).exit_code == 0
    assert summarize(result, strict=True).exit_code == 1
    assert render_text(result, strict=True).endswith(
        "0 errors, 1 warning, 0 notes: violations found (strict: warnings fail)\n"
    )


def test_notes_never_fail() -> None:
    note = Finding(code="ISP202", distribution="demo", message="noted", severity=Severity.NOTE)
    assert summarize(result_with(note), strict=True).compliant


def test_json_report_matches_its_schema_and_carries_every_field() -> None:
    document = json.loads(render_json(result_with(MISSING, MODIFIED, ADDED, UNOWNED_PTH)))
    jsonschema.validate(document, JSON_SCHEMA)
    assert document["summary"] == {
        "distributions": 2,
        "with_manifest": 2,
        "findings": 4,
        "errors": 3,
        "warnings": 1,
        "notes": 0,
        "strict": False,
        "compliant": False,
        "verdict": "violations found",
        "exit_code": 1,
    }
    assert [d["name"] for d in document["distributions"]] == ["Another_Dist", "demo"]
    demo = document["distributions"][1]
    assert [f["code"] for f in demo["findings"]] == ["ISP301", "ISP202", "ISP201"]
    assert demo["findings"][2] == {
        "code": "ISP201",
        "severity": "error",
        "title": CODES["ISP201"].title,
        "distribution": "demo",
        "module": "demo.core",
        "file": "demo/core.py",
        "object": "demo.core:greet",
        "expected": "function greet(name: str) -> str",
        "found": "nothing",
        "line": None,
        "message": "function greet is missing",
    }
    assert document["environment_findings"][0]["code"] == "ISP307"


@pytest.mark.parametrize("strict", [False, True])
def test_json_report_is_deterministic(strict: bool) -> None:
    findings = [MISSING, MODIFIED, ADDED, UNOWNED_PTH]
    first = render_json(result_with(*findings, notices=("b", "a", "b")), strict=strict)
    findings.reverse()
    second = render_json(result_with(*findings, notices=("a", "b")), strict=strict)
    assert first == second
    assert json.loads(first)["notices"] == ["a", "b"]
