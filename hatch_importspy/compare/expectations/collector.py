"""The findings of one expectation, each worded with the consumer and where the need came from."""

from __future__ import annotations

from hatch_importspy.findings import Finding, FindingCode
from hatch_importspy.model import Expectation


class FindingCollector:
    """Collects the findings for one expectation, in the order the checks report them.

    ``distribution`` is the consumer: it owns the findings.  Every message ends with who expects
    the name (the package's code, or the contract that states it).
    """

    def __init__(self, expectation: Expectation, distribution: str) -> None:
        self.expectation = expectation
        self.distribution = distribution
        self.findings: list[Finding] = []
        origin = expectation.origin
        self.source = "the package's code" if origin == "inferred" else origin

    def add(
        self,
        code: FindingCode,
        name: str | None,
        message: str,
        *,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        module = self.expectation.module
        self.findings.append(
            Finding(
                code,
                self.distribution,
                f"{message} (expected by {self.source})",
                module=module,
                object=f"{module}:{name}" if name else module,
                expected=expected,
                found=found,
            )
        )
