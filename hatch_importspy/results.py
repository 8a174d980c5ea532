"""Results: what one run of ``verify``, ``diff`` or a gate found, as every reporter reads it.

The orchestrators (:mod:`hatch_importspy.verify.verifier`, :mod:`hatch_importspy.release.diff`)
produce these values and the gates (lock, policy) rewrite them; the reporters only read them.
Keeping them apart from all of those lets data flow one way: readers and comparisons below,
results in the middle, renderers above, and no renderer ever imports the code that verifies.
"""

from __future__ import annotations

from dataclasses import dataclass

from hatch_importspy.findings import Finding, sort_key

CHECK_ENVIRONMENT = "environment"
CHECK_INTEGRITY = "integrity"
CHECK_STRUCTURE = "structure"
CHECK_DEPENDENCIES = "dependencies"
CHECK_EXPECTATIONS = "expectations"
"""Run only for a distribution whose manifest has ``expects``."""
CHECK_IMPORT = "import"
"""What Python sees at import against the manifest (``verify --import``; opt-in, it runs code)."""
CHECK_LOCK = "lock"
"""Findings of an approval lock (``verify --lock``)."""
CHECK_POLICY = "policy"
"""Findings a policy added (``require-manifest``) or accepted."""
CHECK_RELEASE = "release"
"""Findings of a release comparison (``diff``, the build's baseline gate)."""

NOTICE_NO_MANIFEST = "no installed distribution carries a manifest"
NOTICE_NO_FACTS = "environment checks skipped: no facts about the target interpreter"
NOTICE_NO_MARKERS = (
    "requirements with environment markers not checked: no facts about the target interpreter"
)
NOTICE_WHEEL_DEPENDENCIES = (
    "dependencies and expectations are not checked for wheels: nothing is installed"
)


@dataclass(frozen=True)
class DistributionResult:
    """What verification found for one distribution (installed or a wheel)."""

    name: str
    version: str
    source: str
    """The ``.dist-info`` directory or the wheel path, for display."""
    has_manifest: bool
    findings: tuple[Finding, ...]
    checks: tuple[str, ...]
    """The check families that ran: ``environment``, ``integrity``, ``structure``,
    ``dependencies``, ``expectations`` when the manifest has ``expects``, and ``import`` under
    ``verify --import``."""


@dataclass(frozen=True)
class VerifyResult:
    """Everything one ``verify`` run found."""

    distributions: tuple[DistributionResult, ...]
    environment_findings: tuple[Finding, ...]
    """Findings that belong to no verified distribution: startup code in the site directories,
    and (after :func:`~hatch_importspy.verify.lock.apply_lock`) approved distributions not
    installed."""
    notices: tuple[str, ...]
    """What the run could not do or did not find, e.g. :data:`NOTICE_NO_MANIFEST`."""

    def findings(self) -> tuple[Finding, ...]:
        """Every finding, in report order (:func:`~hatch_importspy.findings.sort_key`)."""
        every = [f for d in self.distributions for f in d.findings]
        every.extend(self.environment_findings)
        return tuple(sorted(every, key=sort_key))
