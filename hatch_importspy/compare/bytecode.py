"""ISP311-ISP312: the bytecode Python would run instead of a vouched source, as proven.

The proofs themselves run in the interpreter the bytecode is for (:mod:`.verify.bytecode`, with
the rules of :mod:`hatch_importspy.pyrules.bytecode`); this turns their verdicts into findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hatch_importspy.findings import Finding, FindingCode
from hatch_importspy.pyrules.bytecode import DISPROVEN, OTHER_PYTHON

NOT_RUN = "not-run"
"""The verdict on a file whose proof could not be run: the interpreter could not be started, or
did not answer."""


@dataclass(frozen=True)
class BytecodeProof:
    """The verdict on one cache file."""

    source: str
    """The vouched source, relative to the site directory."""
    cache: str
    """The cache file, relative to the site directory."""
    verdict: str
    """One of :mod:`~hatch_importspy.pyrules.bytecode`'s verdicts, or :data:`NOT_RUN`."""
    reason: str = ""


def bytecode_findings(
    distribution: str, proofs: Iterable[BytecodeProof], *, modules: Mapping[str, str]
) -> list[Finding]:
    """ISP311 for each cache file Python would run that is not its source's compilation (or
    cannot be read as code); ISP312 for each one that could not be proven either way.

    ``modules`` names the module at a source path.  Proven files, and files the loader would not
    run, are no finding.
    """
    findings: list[Finding] = []
    for proof in sorted(proofs, key=lambda proof: proof.cache):
        instead = f"Python would run it instead of {proof.source}"
        code: FindingCode
        if proof.verdict == DISPROVEN:
            code, message = "ISP311", f"{instead}, and {proof.reason}"
        elif proof.verdict in (OTHER_PYTHON, NOT_RUN):
            hint = "; name that interpreter with --python" if proof.verdict == OTHER_PYTHON else ""
            code, message = "ISP312", f"{instead}; not provable here: {proof.reason}{hint}"
        else:
            continue
        findings.append(
            Finding(
                code,
                distribution,
                message,
                module=modules.get(proof.source),
                file=proof.cache,
                expected=f"the compilation of {proof.source}",
            )
        )
    return findings
