"""The JSON report: a documented, stable document for programs (``--format json``).

The shape is :data:`JSON_SCHEMA` (JSON Schema draft 2020-12) and is described in docs/verify.md.
``schema`` is bumped on any incompatible change; fields may be added within a schema version.
Every key is always present (``null`` when it has no value) and every list has a fixed order, so
two runs over the same environment give the same bytes and consumers never need ``.get``.
"""

from __future__ import annotations

import json
from typing import Any

from hatch_importspy import __version__
from hatch_importspy.findings import CODES, Finding
from hatch_importspy.report.summary import (
    VERDICTS,
    ordered,
    ordered_distributions,
    ordered_notices,
    summarize,
)
from hatch_importspy.results import DistributionResult, VerifyResult

REPORT_SCHEMA = "1"
TOOL_NAME = "hatch-importspy"

_NULLABLE_STRING: dict[str, Any] = {"type": ["string", "null"]}

JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "hatch-importspy verify report",
    "type": "object",
    "additionalProperties": False,
    "required": ["schema", "tool", "summary", "distributions", "environment_findings", "notices"],
    "properties": {
        "schema": {"const": REPORT_SCHEMA},
        "tool": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "version"],
            "properties": {"name": {"const": TOOL_NAME}, "version": {"type": "string"}},
        },
        "summary": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "distributions",
                "with_manifest",
                "findings",
                "errors",
                "warnings",
                "notes",
                "strict",
                "compliant",
                "verdict",
                "exit_code",
            ],
            "properties": {
                "distributions": {"type": "integer", "minimum": 0},
                "with_manifest": {"type": "integer", "minimum": 0},
                "findings": {"type": "integer", "minimum": 0},
                "errors": {"type": "integer", "minimum": 0},
                "warnings": {"type": "integer", "minimum": 0},
                "notes": {"type": "integer", "minimum": 0},
                "strict": {"type": "boolean"},
                "compliant": {"type": "boolean"},
                "verdict": {"enum": list(VERDICTS)},
                "exit_code": {"enum": [0, 1]},
            },
        },
        "distributions": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "version", "source", "has_manifest", "checks", "findings"],
                "properties": {
                    "name": {"type": "string"},
                    "version": {"type": "string"},
                    "source": {"type": "string"},
                    "has_manifest": {"type": "boolean"},
                    "checks": {"type": "array", "items": {"type": "string"}},
                    "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
                },
            },
        },
        "environment_findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
        "notices": {"type": "array", "items": {"type": "string"}},
    },
    "$defs": {
        "finding": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "code",
                "severity",
                "title",
                "distribution",
                "module",
                "file",
                "object",
                "expected",
                "found",
                "line",
                "message",
            ],
            "properties": {
                "code": {"type": "string", "pattern": "^ISP[0-9]{3}$"},
                "severity": {"enum": ["error", "warning", "note"]},
                "title": {"type": "string"},
                "distribution": {"type": "string"},
                "module": _NULLABLE_STRING,
                "file": _NULLABLE_STRING,
                "object": _NULLABLE_STRING,
                "expected": _NULLABLE_STRING,
                "found": _NULLABLE_STRING,
                "line": {"type": ["integer", "null"]},
                "message": {"type": "string"},
            },
        }
    },
}
"""The report's JSON Schema; the test suite validates real reports against it."""


def finding_data(finding: Finding) -> dict[str, Any]:
    """One finding with every field, in a fixed key order."""
    return {
        "code": finding.code,
        "severity": finding.effective_severity.value,
        "title": CODES[finding.code].title,
        "distribution": finding.distribution,
        "module": finding.module,
        "file": finding.file,
        "object": finding.object,
        "expected": finding.expected,
        "found": finding.found,
        "line": finding.line,
        "message": finding.message,
    }


def _distribution_data(distribution: DistributionResult) -> dict[str, Any]:
    return {
        "name": distribution.name,
        "version": distribution.version,
        "source": distribution.source,
        "has_manifest": distribution.has_manifest,
        "checks": list(distribution.checks),
        "findings": [finding_data(f) for f in ordered(distribution.findings)],
    }


def report_data(result: VerifyResult, *, strict: bool = False) -> dict[str, Any]:
    """The report as plain data, before serialisation."""
    summary = summarize(result, strict=strict)
    return {
        "schema": REPORT_SCHEMA,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "summary": {
            "distributions": summary.distributions,
            "with_manifest": summary.with_manifest,
            "findings": summary.findings,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "notes": summary.notes,
            "strict": summary.strict,
            "compliant": summary.compliant,
            "verdict": summary.verdict,
            "exit_code": summary.exit_code,
        },
        "distributions": [_distribution_data(d) for d in ordered_distributions(result)],
        "environment_findings": [finding_data(f) for f in ordered(result.environment_findings)],
        "notices": list(ordered_notices(result)),
    }


def render_json(result: VerifyResult, *, strict: bool = False) -> str:
    """The JSON report (ASCII, two-space indent), ending with a newline.

    ASCII escapes keep the document valid whatever the environment's file names hold, including
    the undecodable bytes Python carries as lone surrogates.
    """
    return json.dumps(report_data(result, strict=strict), indent=2, ensure_ascii=True) + "\n"
