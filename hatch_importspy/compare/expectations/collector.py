"""The findings of one expectation, each worded with the consumer and where the need came from."""

from __future__ import annotations

from hatch_importspy.findings import Finding, FindingCode
from hatch_importspy.model import Expectation

_DRIFT = frozenset({"ISP403", "ISP404", "ISP405", "ISP406", "ISP407"})
"""What a provider can fall short of; already at build time, it is ISP409 instead."""


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

    def _unmet_at_build(self, name: str | None) -> bool:
        """Whether the build environment's provider already fell short of ``name`` (``None``:
        the module itself)."""
        if name is None:
            return self.expectation.unmet_at_build
        return any(n.unmet_at_build for n in self.expectation.names if n.name == name)

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
        if code in _DRIFT and self._unmet_at_build(name):
            code = "ISP409"
            message = f"{message}, as it already was when the package was built (a latent bug)"
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
