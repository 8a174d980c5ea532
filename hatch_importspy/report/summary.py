"""What a verification amounts to: counts by severity, the verdict and the exit code.

Kept apart from the reporters so that the text report, the JSON report and the command line's
exit code are computed by one rule and can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from hatch_importspy.findings import Finding, Severity, sort_key
from hatch_importspy.results import DistributionResult, VerifyResult

EXIT_COMPLIANT = 0
EXIT_VIOLATIONS = 1
EXIT_UNUSABLE = 2

VERDICT_COMPLIANT = "compliant"
VERDICT_VIOLATIONS = "violations found"
VERDICT_NOTHING = "nothing verified"
VERDICTS = (VERDICT_COMPLIANT, VERDICT_VIOLATIONS, VERDICT_NOTHING)


@dataclass(frozen=True)
class Summary:
    """Counts over every finding of a result, and whether they fail it."""

    distributions: int
    with_manifest: int
    errors: int
    warnings: int
    notes: int
    strict: bool
    """Under ``--strict`` warnings fail too."""

    @property
    def findings(self) -> int:
        return self.errors + self.warnings + self.notes

    @property
    def compliant(self) -> bool:
        """No error, and under ``--strict`` no warning either; notes never fail."""
        return self.errors == 0 and not (self.strict and self.warnings)

    @property
    def exit_code(self) -> int:
        return EXIT_COMPLIANT if self.compliant else EXIT_VIOLATIONS

    @property
    def verdict(self) -> str:
        """``compliant``, ``violations found``, or ``nothing verified``: no failure, but no
        distribution carried a manifest either, so there was nothing to find one in."""
        if not self.compliant:
            return VERDICT_VIOLATIONS
        return VERDICT_NOTHING if self.with_manifest == 0 else VERDICT_COMPLIANT


def summarize(result: VerifyResult, *, strict: bool = False) -> Summary:
    """Count the findings of ``result`` by severity."""
    severities = [finding.effective_severity for finding in result.findings()]
    return Summary(
        distributions=len(result.distributions),
        with_manifest=sum(1 for d in result.distributions if d.has_manifest),
        errors=severities.count(Severity.ERROR),
        warnings=severities.count(Severity.WARNING),
        notes=severities.count(Severity.NOTE),
        strict=strict,
    )


def ordered_distributions(result: VerifyResult) -> tuple[DistributionResult, ...]:
    """Distributions by canonical name, then version and source: the order of every report."""
    return tuple(
        sorted(
            result.distributions,
            key=lambda d: (canonicalize_name(d.name), d.version, d.source),
        )
    )


def ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings in the stable report order of :func:`hatch_importspy.findings.sort_key`."""
    return tuple(sorted(findings, key=sort_key))


SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTE: 2}


def most_severe_first(finding: Finding) -> tuple[object, ...]:
    """Errors, then warnings, then notes, each in report order: the order of the formats whose
    readers cut the list short (SARIF's result limit, GitHub's annotation caps)."""
    return (SEVERITY_RANK[finding.effective_severity], *sort_key(finding))


def ordered_notices(result: VerifyResult) -> tuple[str, ...]:
    """Notices once each, sorted, so that reports do not depend on the order checks ran in."""
    return tuple(sorted(set(result.notices)))
