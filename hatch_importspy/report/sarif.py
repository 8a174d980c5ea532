"""The SARIF 2.1.0 report: what GitHub code scanning (and other SARIF viewers) upload.

One run, one rule per finding code (all of :data:`hatch_importspy.findings.CODES`, in code order,
so a rule keeps its index from one report to the next), one result per finding.  What the format
and GitHub's reading of it ask for, and how this report meets it:

- every result has a location with a non-empty, relative ``uri`` (GitHub refuses absolute or
  scheme-qualified ones): the path chosen by :mod:`.artifact`, percent-encoded; a line number
  becomes ``region.startLine`` when the finding has one;
- ``level`` is the finding's effective severity (``error``/``warning``/``note``), after any
  policy override; ``--strict`` changes the verdict, recorded in ``run.properties``, not levels;
- ``partialFingerprints`` are computed here from what identifies a finding (code, distribution,
  file, object, module, expectation), because the files are usually not in the repository and
  the upload action could not compute them itself, so alerts stay the same alert across runs;
- at most 25,000 results, GitHub's limit for a run: errors come first, then warnings, then
  notes, so a truncated report drops the least important ones, and says so in a tool execution
  notification and in ``run.properties.truncated``;
- notices of the run (e.g. "environment checks skipped") become tool execution notifications.

Deterministic: no timestamps, keys in a fixed order, results in a fixed order.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hatch_importspy import __version__
from hatch_importspy.findings import CODES, Code, Finding
from hatch_importspy.render import contrast, printable
from hatch_importspy.report.artifact import artifact_path, owned_findings, sites_of
from hatch_importspy.report.summary import (
    most_severe_first,
    ordered_distributions,
    ordered_notices,
    summarize,
)
from hatch_importspy.results import DistributionResult, VerifyResult

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "hatch-importspy"
MAX_RESULTS = 25_000
"""GitHub code scanning accepts at most this many results in one run."""
FINGERPRINT_KEY = "importspyFinding/v1"

GROUPS = {
    "1": "environment",
    "2": "structure",
    "3": "integrity",
    "4": "dependencies",
    "5": "release",
}


def rule_name(code: Code) -> str:
    """A PascalCase identifier from the code's title, e.g. ``FileModified``."""
    words = re.findall(r"[A-Za-z0-9]+", code.title)
    return "".join(word[:1].upper() + word[1:] for word in words)


def rule_data(code: Code) -> dict[str, Any]:
    """The ``reportingDescriptor`` of one finding code."""
    return {
        "id": code.code,
        "name": rule_name(code),
        "shortDescription": {"text": code.title},
        "fullDescription": {"text": code.help},
        "help": {"text": code.help, "markdown": code.help},
        "defaultConfiguration": {"level": code.severity.value},
        "properties": {"tags": ["supply-chain", GROUPS.get(code.code[3:4], "other")]},
    }


def message_text(finding: Finding) -> str:
    """The result message: the object when there is one, the message, expected vs found."""
    text = printable(finding.message) + contrast(finding)
    return f"{printable(finding.object)}: {text}" if finding.object else text


def fingerprint(finding: Finding) -> str:
    """A stable identity for a finding across runs: what it is about, not what was found."""
    parts = (
        finding.code,
        finding.distribution,
        finding.file or "",
        finding.object or "",
        finding.module or "",
        finding.expected or "",
    )
    data = "\0".join(parts).encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()


def _uri(path: str) -> str:
    return quote(path, safe="/", encoding="utf-8", errors="surrogateescape")


def result_data(
    finding: Finding, owner: DistributionResult | None, rule_index: int, uri: str
) -> dict[str, Any]:
    """One SARIF ``result``."""
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(uri)}}
    if finding.file and finding.line is not None and finding.line >= 1:
        physical["region"] = {"startLine": finding.line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.object or finding.module:
        name = finding.object or finding.module or ""
        kind = "member" if finding.object else "module"
        location["logicalLocations"] = [{"fullyQualifiedName": printable(name), "kind": kind}]
    properties: dict[str, Any] = {"distribution": printable(finding.distribution)}
    if owner is not None:
        properties["version"] = printable(owner.version)
        properties["source"] = printable(owner.source)
    for key, value in (
        ("file", finding.file),
        ("expected", finding.expected),
        ("found", finding.found),
    ):
        if value is not None:
            properties[key] = printable(value)
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": finding.effective_severity.value,
        "message": {"text": message_text(finding)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding)},
        "properties": properties,
    }


def _order(pair: tuple[Finding, DistributionResult | None]) -> tuple[object, ...]:
    return most_severe_first(pair[0])


def _notification(text: str, level: str) -> dict[str, Any]:
    return {"level": level, "message": {"text": printable(text)}}


def _distribution_data(distribution: DistributionResult) -> dict[str, Any]:
    return {
        "name": printable(distribution.name),
        "version": printable(distribution.version),
        "source": printable(distribution.source),
        "hasManifest": distribution.has_manifest,
        "checks": list(distribution.checks),
    }


def sarif_data(
    result: VerifyResult,
    *,
    root: Path | None = None,
    strict: bool = False,
    max_results: int = MAX_RESULTS,
) -> dict[str, Any]:
    """The SARIF log as plain data."""
    codes = sorted(CODES)
    rule_index = {code: index for index, code in enumerate(codes)}
    sites = sites_of(result.distributions)
    pairs = sorted(owned_findings(result), key=_order)
    kept = pairs[:max_results]
    results = []
    for finding, owner in kept:
        uri = artifact_path(finding, owner, root=root, sites=sites)
        if uri is None:
            uri = finding.distribution or finding.module or "environment"
        results.append(result_data(finding, owner, rule_index[finding.code], uri))
    notifications = [_notification(notice, "note") for notice in ordered_notices(result)]
    omitted = len(pairs) - len(kept)
    if omitted:
        notifications.append(
            _notification(
                f"{omitted} of {len(pairs)} results omitted: a SARIF run holds at most "
                f"{max_results}; the least severe were left out",
                "warning",
            )
        )
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    summary = summarize(result, strict=strict)
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "rules": [rule_data(CODES[code]) for code in codes],
                    }
                },
                "invocations": [invocation],
                "results": results,
                "properties": {
                    "strict": strict,
                    "compliant": summary.compliant,
                    "verdict": summary.verdict,
                    "truncated": omitted > 0,
                    "omittedResults": omitted,
                    "distributions": [_distribution_data(d) for d in ordered_distributions(result)],
                },
            }
        ],
    }


def render_sarif(result: VerifyResult, *, root: Path | None = None, strict: bool = False) -> str:
    """The SARIF 2.1.0 log (ASCII JSON, two-space indent), ending with a newline.

    ``root`` is the directory file locations should be relative to when they lie under it:
    the repository checkout, typically the current directory.
    """
    return json.dumps(sarif_data(result, root=root, strict=strict), indent=2) + "\n"
