"""Fail closed when nothing was checked: an environment where no distribution carries a manifest.

``verify`` with no target checks every installed distribution that carries a manifest.  Where
none does -- a wrong interpreter, a ``--path`` to the wrong site-packages, an image built without
the hook -- the run finds nothing wrong because it looked at nothing, and a gate must not read
that as "compliant".  :func:`flag_nothing_verified` turns that situation into an ``ISP355``
finding owned by no distribution: a warning by default (so ``--strict`` fails on it), an error
when the policy requires manifests, since then an environment of exempted distributions proves
nothing either.  The summary then says "nothing verified" instead of "compliant"
(:mod:`hatch_importspy.report.summary`).

It replaces the notice :mod:`.verifier` writes for the same situation
(:data:`~hatch_importspy.results.NOTICE_NO_MANIFEST`), which a finding supersedes.
"""

from __future__ import annotations

from dataclasses import replace

from hatch_importspy.findings import Finding, FindingCode, Severity
from hatch_importspy.results import NOTICE_NO_MANIFEST, VerifyResult

NOTHING_VERIFIED: FindingCode = "ISP355"


def nothing_verified(result: VerifyResult) -> bool:
    """Whether no distribution of ``result`` carries a manifest (so none was verified)."""
    return not any(distribution.has_manifest for distribution in result.distributions)


def flag_nothing_verified(result: VerifyResult, *, require_manifest: bool) -> VerifyResult:
    """``result`` with an ``ISP355`` finding when it verified no distribution, else unchanged.

    For a run over an installed environment with no target named: named targets without a
    manifest are findings of their own (``ISP309``).  Apply it before the policy, so that a
    policy's severity for ``ISP355`` still has the last word.
    """
    if not nothing_verified(result):
        return result
    finding = Finding(
        code=NOTHING_VERIFIED,
        distribution="",
        message="no installed distribution carries a manifest: nothing was verified",
        severity=Severity.ERROR if require_manifest else None,
        expected="at least one distribution with a manifest",
        found="none",
    )
    return replace(
        result,
        environment_findings=(*result.environment_findings, finding),
        notices=tuple(notice for notice in result.notices if notice != NOTICE_NO_MANIFEST),
    )
