"""The findings of one expectation, each worded with the consumer and where the need came from.

A name the provider no longer has is one cause, however many ways the package uses it:
``api.fetch(url, timeout=5)`` and ``api.fetch().json`` both break because ``spyprov.api`` has no
``fetch``.  The checks report each use as they meet it (with a :class:`MissingUse` saying what is
missing); :func:`one_per_cause` then folds the uses of one cause into one finding listing them,
so one removed function reads as one problem, and two removed functions still as two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from hatch_importspy.findings import Finding, FindingCode
from hatch_importspy.model import INSTANCE, Expectation

_DRIFT = frozenset({"ISP403", "ISP404", "ISP405", "ISP406", "ISP407"})
"""What a provider can fall short of; already at build time, it is ISP409 instead."""


@dataclass(frozen=True)
class MissingUse:
    """Why an expected name is missing (``where`` has no ``segment``) and how it is used.

    ``where`` is the dotted module or class path the name was looked for in, as the message
    words it (``spyprov.api``, ``spyprov.Client()``); ``uses`` are the name's uses as written in
    ``module`` (``api.fetch(_, timeout=_)``, ``api.fetch().json``); ``bare`` is the message
    before the collector's suffixes, so a folded finding can be reworded around it.
    """

    where: str
    segment: str
    module: str
    uses: tuple[str, ...]
    bare: str
    source: str

    @property
    def cause(self) -> tuple[str, str, str]:
        """What is missing, whichever path reached it: ``Client().get`` and ``Client.get`` are
        one missing method, so instance steps do not count."""
        return (self.where.replace(INSTANCE, ""), self.segment, self.source)


class FindingCollector:
    """Collects the findings for one expectation, in the order the checks report them.

    ``distribution`` is the consumer: it owns the findings.  Every message ends with who expects
    the name (the package's code, or the contract that states it).  ``missing`` remembers, for
    each ISP404/ISP409 of a missing name, its :class:`MissingUse` (see :func:`one_per_cause`).
    """

    def __init__(self, expectation: Expectation, distribution: str) -> None:
        self.expectation = expectation
        self.distribution = distribution
        self.findings: list[Finding] = []
        self.missing: dict[Finding, MissingUse] = {}
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
        missing: tuple[str, str, tuple[str, ...]] | None = None,
    ) -> None:
        """Record one finding; ``missing`` (``where``, ``segment``, the uses) marks a name that
        is not there, so that :func:`one_per_cause` can fold its uses with others."""
        module = self.expectation.module
        bare = message
        if code in _DRIFT and self._unmet_at_build(name):
            code = "ISP409"
            message = f"{message}, as it already was when the package was built (a latent bug)"
        finding = Finding(
            code,
            self.distribution,
            f"{message} (expected by {self.source})",
            module=module,
            object=f"{module}:{name}" if name else module,
            expected=expected,
            found=found,
        )
        self.findings.append(finding)
        if missing is not None:
            where, segment, uses = missing
            self.missing[finding] = MissingUse(where, segment, module, uses, bare, self.source)

    def adopt(self, other: FindingCollector) -> None:
        """Take ``other``'s findings (a trial run of the same expectation) as this one's."""
        self.findings.extend(other.findings)
        self.missing.update(other.missing)


def one_per_cause(collectors: Iterable[FindingCollector]) -> list[Finding]:
    """The collectors' findings in order, with the missing-name findings of one cause folded.

    Findings fold when they have the same code and consumer and say the same thing is missing
    for the same source; the first stands for all, reworded to list every use it breaks (uses
    written in another module than the first's are qualified with their module).  A cause with
    one finding is left exactly as it was reported.
    """
    entries = [(f, c.missing.get(f)) for c in collectors for f in c.findings]
    groups: dict[tuple[str, str, tuple[str, str, str]], list[tuple[Finding, MissingUse]]] = {}
    for finding, use in entries:
        if use is not None:
            groups.setdefault((finding.code, finding.distribution, use.cause), []).append(
                (finding, use)
            )
    result: list[Finding] = []
    for finding, use in entries:
        if use is None:
            result.append(finding)
            continue
        group = groups[(finding.code, finding.distribution, use.cause)]
        if group[0][0] is finding:
            result.append(finding if len(group) == 1 else _folded(group))
    return result


def _folded(group: Sequence[tuple[Finding, MissingUse]]) -> Finding:
    """One finding for every use of one missing name: the first's, listing all the uses."""
    first, use = group[0]
    uses: list[str] = []
    for _, other in group:
        prefix = "" if other.module == use.module else f"{other.module}."
        uses.extend(f"{prefix}{text}" for text in other.uses if f"{prefix}{text}" not in uses)
    suffix = first.message.removeprefix(use.bare)
    message = f"{use.bare}, used as: {', '.join(uses)}{suffix}"
    return replace(first, message=message)
