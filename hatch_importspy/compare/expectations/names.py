"""ISP404, ISP405 and ISP406 for one expected name: is it there, of its kind, callable as used?

The name is followed from the expected module (:mod:`.resolve`); what a contract states about it
beyond that is :class:`~hatch_importspy.compare.expectations.details.DetailCheck`'s job.
"""

from __future__ import annotations

from hatch_importspy.compare.expectations.calls import call_problems, callable_parameters
from hatch_importspy.compare.expectations.collector import FindingCollector
from hatch_importspy.compare.expectations.contract_checks import check_vouched, signature_readable
from hatch_importspy.compare.expectations.details import DetailCheck
from hatch_importspy.compare.expectations.resolve import Found, Missing, Resolver, Unknown
from hatch_importspy.compare.expectations.wording import article, describe
from hatch_importspy.compare.provided import ProvidedModule
from hatch_importspy.model import (
    Attribute,
    CallShape,
    Class,
    ExpectedName,
    Function,
    Variable,
    join_path,
    split_path,
)
from hatch_importspy.render import call_text, signature_text


class NameCheck:
    """Holds the expected names of one expectation against the provided module."""

    def __init__(self, collector: FindingCollector, resolver: Resolver) -> None:
        self.collector = collector
        self.resolver = resolver
        self.details = DetailCheck(collector, resolver)

    def name(self, provided: ProvidedModule, expected: ExpectedName) -> None:
        module = self.collector.expectation.module
        parts = split_path(expected.name)
        result = self.resolver.path(Found(provided, provided, "module"), parts)
        if isinstance(result, Unknown) and result.reason is not None:
            self.collector.add(
                "ISP410",
                expected.name,
                f"{expected.name} cannot be checked statically: {result.reason}",
                expected=expected.name,
                found="not checkable",
            )
            return
        if isinstance(result, Missing) and expected.optional:
            return  # a fallback: the package runs without it
        if isinstance(result, Missing):
            container = result.container or module
            where = f"{module}.{container}" if result.container else container
            uses = tuple(call_text(expected.name, call) for call in expected.calls)
            self.collector.add(
                "ISP404",
                expected.name,
                f"{expected.name} is missing: {where} has no {result.segment}",
                expected=expected.name,
                found="missing",
                missing=(where, result.segment, uses or (expected.name,)),
            )
            return
        contract = self.collector.expectation.origin != "inferred"
        if not isinstance(result, Found):
            if contract:  # ImportSpy denies what it cannot see declared; so does a contract here
                check_vouched(self.collector, expected.name, None, (_unseen(provided, parts),))
            return
        if not self.kind_fits(expected, result):
            return
        for call in expected.calls:
            self.call(expected.name, result, call)
        if contract:  # ImportSpy's proof rule
            imported = result.owner.name != provided.name
            check_vouched(
                self.collector,
                expected.name,
                result.obj,
                (f"imported from {result.owner.name}, not defined in {provided.name}",)
                if imported
                else (),
            )
            if isinstance(result.obj, Function) and not signature_readable(result.obj):
                return
        if expected.function is not None and isinstance(result.obj, Function):
            self.details.signature(expected.name, expected.function, result.obj)
        if expected.variable is not None and isinstance(result.obj, (Variable, Attribute)):
            self.details.value(expected.name, expected.variable, result.obj)
        if expected.cls is not None and isinstance(result.obj, Class):
            self.details.cls(expected.name, expected.cls, result)

    def kind_fits(self, expected: ExpectedName, result: Found) -> bool:
        kind = expected.kind
        if expected.function is not None:
            kind = "function"
        elif expected.cls is not None:
            kind = "class"
        elif expected.variable is not None:
            kind = "variable"
        wanted = {
            "function": (Function,),
            "class": (Class,),
            "variable": (Variable, Attribute),
            "module": (ProvidedModule,),
        }.get(kind)
        if wanted is None or isinstance(result.obj, wanted):
            return True
        self.collector.add(
            "ISP406",
            expected.name,
            f"{expected.name} is {article(describe(result.obj))}, not {article(kind)}",
            expected=kind,
            found=describe(result.obj),
        )
        return False

    def call(self, name: str, result: Found, call: CallShape) -> None:
        parameters = callable_parameters(self.resolver, result)
        if parameters is None:
            return
        written = call_text(name, call)
        signature = signature_text(parameters, annotations=False)
        for problem in call_problems(parameters, call):
            self.collector.add(
                "ISP405",
                name,
                f"the call {written} no longer fits: {problem}",
                expected=written,
                found=f"{join_path(split_path(name)[-1:])}{signature}",
            )


def _unseen(provided: ProvidedModule, parts: tuple[str, ...]) -> str:
    """Why static reading cannot place a name a contract states of ``provided``."""
    binding = provided.imports.get(parts[0])
    if binding is not None:
        source = binding.module or "a relative import"
        return f"imported from {source}, not defined in {provided.name}"
    return (
        f"not declared by {provided.name} as static reading sees it (a star import, a name "
        "made at import time, or one the provider's description leaves out)"
    )
