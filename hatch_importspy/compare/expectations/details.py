"""ISP404, ISP406 and ISP407 for what a contract states beyond a name.

Contract details follow :mod:`hatch_importspy.describe.contracts`: a stated annotation, default,
kind or return annotation must match; stated arguments must keep their relative order; a stated
superclass must still be a base (by its written or final dotted name); a stated member of a class
must still be there, and be of the stated sort.
"""

from __future__ import annotations

from hatch_importspy.compare.expectations.calls import POSITIONAL, VARIADIC, find_parameter
from hatch_importspy.compare.expectations.collector import FindingCollector
from hatch_importspy.compare.expectations.contract_checks import (
    check_value,
    check_vouched,
    signature_readable,
)
from hatch_importspy.compare.expectations.equivalence import (
    inferred_annotation,
    same_annotation,
    same_base,
    same_default,
)
from hatch_importspy.compare.expectations.resolve import Found, Missing, Resolver
from hatch_importspy.compare.expectations.wording import article, describe
from hatch_importspy.model import (
    Attribute,
    Class,
    Function,
    FunctionKind,
    Parameter,
    ParameterKind,
    Variable,
)
from hatch_importspy.render import parameter_label, signature_text


class DetailCheck:
    """Holds a contract's stated signatures, annotations, bases and members against the provider."""

    def __init__(self, collector: FindingCollector, resolver: Resolver) -> None:
        self.collector = collector
        self.resolver = resolver

    def signature(self, name: str, expected: Function, actual: Function) -> None:
        parameters = list(actual.parameters)
        stated = list(expected.parameters)
        if (
            actual.kind in (FunctionKind.METHOD, FunctionKind.CLASSMETHOD)
            and parameters
            and stated
            and stated[0].name != parameters[0].name
        ):
            parameters = parameters[1:]  # self/cls is implicit when the contract leaves it out
        matched: list[tuple[Parameter, int, Parameter]] = []
        for wanted in stated:
            index = find_parameter(parameters, wanted)
            if index is None:
                self.collector.add(
                    "ISP406",
                    name,
                    f"{name} has no parameter {parameter_label(wanted)}",
                    expected=parameter_label(wanted),
                    found=signature_text(tuple(parameters), annotations=False),
                )
                continue
            matched.append((wanted, index, parameters[index]))
            self.parameter(name, wanted, parameters[index])
        previous: tuple[Parameter, int] | None = None
        for wanted, index, found in matched:
            if wanted.kind is ParameterKind.KEYWORD_ONLY or found.kind not in POSITIONAL:
                continue
            if previous is not None and index < previous[1]:
                self.collector.add(
                    "ISP406",
                    name,
                    f"{name}: parameter {wanted.name} now comes before {previous[0].name}",
                    expected=f"{previous[0].name} before {wanted.name}",
                    found=signature_text(tuple(parameters), annotations=False),
                )
            previous = (wanted, index)
        self.annotation(name, "return annotation", expected.returns, actual.returns)

    def parameter(self, name: str, wanted: Parameter, found: Parameter) -> None:
        label = f"{name}: parameter {found.name}"
        kind_stated = wanted.kind is not ParameterKind.POSITIONAL_OR_KEYWORD
        if (kind_stated and found.kind is not wanted.kind) or (
            not kind_stated and found.kind in VARIADIC
        ):
            self.collector.add(
                "ISP406",
                name,
                f"{label} is {found.kind.value}, not {wanted.kind.value}",
                expected=wanted.kind.value,
                found=found.kind.value,
            )
        self.annotation(f"{name}({found.name})", "annotation", wanted.annotation, found.annotation)
        if not wanted.has_default:
            return
        if not found.has_default:
            self.collector.add(
                "ISP406",
                name,
                f"{label} has no default",
                expected=f"default {wanted.default}" if wanted.default else "a default",
                found="no default",
            )
        elif wanted.default is not None and not same_default(wanted.default, found.default):
            self.collector.add(
                "ISP406",
                name,
                f"{label} defaults to {found.default}, not {wanted.default}",
                expected=wanted.default,
                found=found.default,
            )

    def annotation(self, name: str, what: str, wanted: str | None, found: str | None) -> None:
        if wanted is None or same_annotation(wanted, found):
            return
        object_name = name.partition("(")[0]
        self.collector.add(
            "ISP406",
            object_name,
            f"{name}: {what} is {found or 'missing'}, not {wanted}",
            expected=wanted,
            found=found or "none",
        )

    def value(self, name: str, expected: Variable | Attribute, found: Variable | Attribute) -> None:
        """Annotation (inferred from a literal when unannotated, as ImportSpy infers it) and
        ``value`` of a variable or attribute."""
        annotation = found.annotation or inferred_annotation(found.value)
        self.annotation(name, "annotation", expected.annotation, annotation)
        check_value(self.collector, name, expected.value, found)

    def cls(self, name: str, expected: Class, found: Found) -> None:
        actual = found.obj
        assert isinstance(actual, Class)
        for base in expected.bases:
            if not any(same_base(base, present) for present in actual.bases):
                self.collector.add(
                    "ISP407",
                    name,
                    f"{name} no longer has the base class {base}",
                    expected=base,
                    found=", ".join(actual.bases) or "no bases",
                )
        for attribute in expected.attributes:
            self.member(f"{name}.{attribute.name}", found, attribute)
        for method in expected.methods:
            self.member(f"{name}.{method.name}", found, method)
        for nested in expected.classes:
            self.member(f"{name}.{nested.name}", found, nested)

    def member(self, path: str, owner: Found, expected: Attribute | Function | Class) -> None:
        segment = path.rpartition(".")[2]
        result = self.resolver.path(owner, (segment,))
        if isinstance(result, Missing):
            self.collector.add(
                "ISP404",
                path,
                f"{path} is missing",
                expected=path,
                found="missing",
            )
            return
        if not isinstance(result, Found):
            # A metaclass, __slots__ or a base static reading cannot follow: ImportSpy denies
            # what the class does not declare itself, and nothing here can vouch for it either.
            check_vouched(
                self.collector,
                path,
                None,
                (
                    "not declared by the class itself, and static reading cannot see where it "
                    "would come from (a base it cannot read, a metaclass, __slots__)",
                ),
            )
            return
        obj = result.obj
        assert isinstance(owner.obj, Class)
        inherited = not any(
            member is obj
            for members in (owner.obj.methods, owner.obj.attributes, owner.obj.classes)
            for member in members
        )
        context = ("inherited from a base class (read statically)",) if inherited else ()
        # ISP411 only for a member of the stated sort: a wrong sort is already ISP406.
        if isinstance(expected, Attribute):
            if not isinstance(obj, (Attribute, Variable)):
                self.collector.add(
                    "ISP406",
                    path,
                    f"{path} is {article(describe(obj))}, not an attribute",
                    expected=f"{expected.scope.value} attribute",
                    found=describe(obj),
                )
                return
            if isinstance(obj, Attribute) and obj.scope is not expected.scope:
                self.collector.add(
                    "ISP406",
                    path,
                    f"{path} is {article(obj.scope.value)} attribute, "
                    f"not {article(expected.scope.value)} one",
                    expected=f"{expected.scope.value} attribute",
                    found=f"{obj.scope.value} attribute",
                )
            else:
                check_vouched(self.collector, path, obj, context)
            self.value(path, expected, obj)
        elif isinstance(expected, Function):
            if not isinstance(obj, Function):
                self.collector.add(
                    "ISP406",
                    path,
                    f"{path} is {article(describe(obj))}, not a method",
                    expected="method",
                    found=describe(obj),
                )
                return
            check_vouched(self.collector, path, obj, context)
            if signature_readable(obj):
                self.signature(path, expected, obj)
        elif not isinstance(obj, Class):
            self.collector.add(
                "ISP406",
                path,
                f"{path} is {article(describe(obj))}, not a class",
                expected="class",
                found=describe(obj),
            )
        else:
            check_vouched(self.collector, path, obj, context)
            self.cls(path, expected, result)
