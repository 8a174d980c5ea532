"""The text report: grouped by distribution, one line per finding, then a summary line.

Meant for people reading a terminal or a CI log, and stable enough to diff between runs: the
order is fixed (see :mod:`.summary`) and every finding stays on one line.  Text that comes from
the environment (file names, messages quoting source) is escaped where it is not printable, so a
crafted file name cannot move the cursor, hide a line or forge another finding.
"""

from __future__ import annotations

from hatch_importspy.render import finding_line, printable
from hatch_importspy.report.summary import (
    Summary,
    ordered,
    ordered_distributions,
    ordered_notices,
    summarize,
)
from hatch_importspy.results import DistributionResult, VerifyResult

INDENT = "  "


def _heading(distribution: DistributionResult) -> str:
    manifest = "" if distribution.has_manifest else ", no manifest"
    return printable(
        f"{distribution.name} {distribution.version} ({distribution.source}{manifest})"
    )


def _distribution_lines(distribution: DistributionResult) -> list[str]:
    lines = [_heading(distribution)]
    findings = ordered(distribution.findings)
    lines.extend(INDENT + finding_line(finding) for finding in findings)
    if not findings:
        checks = ", ".join(distribution.checks) or "none"
        lines.append(f"{INDENT}ok (checked: {checks})")
    return lines


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def summary_line(summary: Summary) -> str:
    """The closing line: what was checked, the counts by severity and the verdict."""
    verdict = summary.verdict
    if summary.strict:
        verdict += " (strict: warnings fail)"
    return (
        f"{_plural(summary.distributions, 'distribution')} checked "
        f"({summary.with_manifest} with a manifest): "
        f"{_plural(summary.errors, 'error')}, {_plural(summary.warnings, 'warning')}, "
        f"{_plural(summary.notes, 'note')}: {verdict}"
    )


def render_text(result: VerifyResult, *, strict: bool = False) -> str:
    """The whole text report, ending with a newline."""
    lines: list[str] = []
    for distribution in ordered_distributions(result):
        lines.extend(_distribution_lines(distribution))
    environment = ordered(result.environment_findings)
    if environment:
        lines.append("environment (owned by no distribution)")
        lines.extend(INDENT + finding_line(finding) for finding in environment)
    lines.extend(f"notice: {printable(notice)}" for notice in ordered_notices(result))
    lines.append(summary_line(summarize(result, strict=strict)))
    return "\n".join(lines) + "\n"
