"""One ImportSpy 0.5 contract document -> an :class:`~hatch_importspy.model.Expectation`.

Validation follows ImportSpy's models (:mod:`.contract_schema`): unknown keys, missing required
fields and values outside an enumeration are problems, each with its key path, all of them
collected.  Meaning follows ImportSpy too; ``docs/contracts.md`` lists where it deliberately
differs.  The deployment and policy sections are :mod:`.contract_runtime`'s.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from hatch_importspy.describe import contract_schema as schema
from hatch_importspy.model import (
    Attribute,
    AttributeScope,
    Class,
    ExpectedName,
    Function,
    FunctionKind,
    Parameter,
    ParameterKind,
    Variable,
)


def join(where: str, key: str | int) -> str:
    """``where.key`` or ``where[index]``: the key path of a problem."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


class Problems:
    """Collects ``(key path, problem)`` pairs and reads the basic shapes, reporting misfits."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def problem(self, where: str, text: str) -> None:
        self.problems.append((where, text))

    def mapping(
        self, value: object, where: str, allowed: Sequence[str], required: Sequence[str] = ()
    ) -> Mapping[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(where, "must be a mapping")
            return None
        for key in value:
            if not isinstance(key, str) or key not in allowed:
                self.problem(join(where, str(key)), f"unknown key (allowed: {', '.join(allowed)})")
        for key in required:
            if key not in value:
                self.problem(join(where, key), "is required")
        return value

    def items(self, data: Mapping[str, Any], key: str, where: str) -> Iterator[tuple[object, str]]:
        value = data.get(key)
        if value is None:
            return
        if not isinstance(value, list):
            self.problem(join(where, key), "must be a list")
            return
        for index, item in enumerate(value):
            yield item, join(join(where, key), index)

    def string(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(join(where, key), "must be a non-empty string (quote numbers)")
            return None
        return value.strip()

    def choice(
        self, data: Mapping[str, Any], key: str, where: str, choices: Sequence[str]
    ) -> str | None:
        value = self.string(data, key, where)
        if value is not None and value not in choices:
            self.problem(join(where, key), f"{value!r} is not one of: {', '.join(choices)}")
            return None
        return value

    def identifier(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        value = self.string(data, key, where)
        if value is not None and not value.isidentifier():
            self.problem(join(where, key), f"{value!r} is not a Python identifier")
            return None
        return value

    def annotation(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        value = self.string(data, key, where)
        if value is None:
            return None
        try:
            return ast.unparse(ast.parse(value, mode="eval"))
        except SyntaxError:
            self.problem(join(where, key), f"{value!r} is not a Python expression")
            return None

    def literal(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        """A stated ``value`` as Python literal text (``None`` when not stated)."""
        if key not in data:
            return None
        value = data[key]
        if value is None or isinstance(value, (str, bool, int, float)):
            return repr(value)
        self.problem(join(where, key), "must be a string, number, boolean or null")
        return None


class StructureReader(Problems):
    """Variables, functions and classes of a module section (top level or per deployment)."""

    def names(self, data: Mapping[str, Any], where: str) -> tuple[ExpectedName, ...]:
        names = [
            *self.variables(data, where),
            *self.functions(data, where),
            *self.classes(data, where),
        ]
        seen: set[str] = set()
        for name in names:
            if name.name in seen:
                self.problem(where, f"{name.name} is declared more than once")
            seen.add(name.name)
        return tuple(sorted(names, key=lambda n: n.name))

    def variables(self, data: Mapping[str, Any], where: str) -> Iterator[ExpectedName]:
        for item, place in self.items(data, "variables", where):
            entry = self.mapping(item, place, schema.VARIABLE_KEYS, ("name",))
            if entry is None:
                continue
            name = self.identifier(entry, "name", place)
            annotation = self.annotation(entry, "annotation", place)
            value = self.literal(entry, "value", place)
            if name is not None:
                variable = Variable(name, annotation=annotation, value=value)
                yield ExpectedName(name=name, kind="variable", variable=variable)

    def functions(self, data: Mapping[str, Any], where: str) -> Iterator[ExpectedName]:
        for function in self.function_list(data, "functions", where, FunctionKind.FUNCTION):
            yield ExpectedName(name=function.name, kind="function", function=function)

    def function_list(
        self, data: Mapping[str, Any], key: str, where: str, kind: FunctionKind
    ) -> Iterator[Function]:
        for item, place in self.items(data, key, where):
            entry = self.mapping(item, place, schema.FUNCTION_KEYS, ("name",))
            if entry is None:
                continue
            name = self.identifier(entry, "name", place)
            parameters = tuple(self.arguments(entry, place))
            returns = self.annotation(entry, "return_annotation", place)
            if name is not None:
                yield Function(name=name, parameters=parameters, returns=returns, kind=kind)

    def arguments(self, data: Mapping[str, Any], where: str) -> Iterator[Parameter]:
        seen: set[str] = set()
        for item, place in self.items(data, "arguments", where):
            entry = self.mapping(item, place, schema.ARGUMENT_KEYS, ("name",))
            raw = None if entry is None else self.string(entry, "name", place)
            if entry is None or raw is None:
                continue
            stars = len(raw) - len(raw.lstrip("*"))
            name = raw.lstrip("*")
            if stars > 2 or not name.isidentifier():
                self.problem(join(place, "name"), f"{raw!r} is not a parameter name")
                continue
            kind = {1: ParameterKind.VAR_POSITIONAL, 2: ParameterKind.VAR_KEYWORD}.get(
                stars, ParameterKind.POSITIONAL_OR_KEYWORD
            )
            stated = self.kind(entry, place)
            if stated is not None:
                if stars and stated is not kind:
                    self.problem(join(place, "kind"), f"contradicts the name {raw!r}")
                kind = stated
            if name in seen:
                self.problem(join(place, "name"), f"parameter {name} is listed twice")
            seen.add(name)
            has_default = "value" in entry
            if has_default and kind in (ParameterKind.VAR_POSITIONAL, ParameterKind.VAR_KEYWORD):
                self.problem(join(place, "value"), "a variadic parameter has no default")
            yield Parameter(
                name=name,
                kind=kind,
                annotation=self.annotation(entry, "annotation", place),
                has_default=has_default,
                default=self.literal(entry, "value", place),
            )

    def kind(self, data: Mapping[str, Any], where: str) -> ParameterKind | None:
        value = self.string(data, "kind", where)
        if value is None:
            return None
        try:
            return ParameterKind(value.lower().replace("_", "-"))
        except ValueError:
            choices = ", ".join(kind.value for kind in ParameterKind)
            self.problem(join(where, "kind"), f"{value!r} is not one of: {choices}")
            return None

    def classes(self, data: Mapping[str, Any], where: str) -> Iterator[ExpectedName]:
        for item, place in self.items(data, "classes", where):
            cls = self.cls(item, place)
            if cls is not None:
                yield ExpectedName(name=cls.name, kind="class", cls=cls)

    def cls(self, item: object, place: str) -> Class | None:
        entry = self.mapping(item, place, schema.CLASS_KEYS, ("name",))
        if entry is None:
            return None
        name = self.identifier(entry, "name", place)
        attributes = tuple(self.attributes(entry, place))
        methods = tuple(self.function_list(entry, "methods", place, FunctionKind.METHOD))
        bases = tuple(self.superclasses(entry, place))
        members = [a.name for a in attributes] + [m.name for m in methods]
        for member in sorted({m for m in members if members.count(m) > 1}):
            self.problem(place, f"{member} is declared more than once")
        if name is None:
            return None
        return Class(name=name, bases=bases, methods=methods, attributes=attributes)

    def attributes(self, data: Mapping[str, Any], where: str) -> Iterator[Attribute]:
        for item, place in self.items(data, "attributes", where):
            entry = self.mapping(item, place, schema.ATTRIBUTE_KEYS, ("name", "type"))
            if entry is None:
                continue
            name = self.identifier(entry, "name", place)
            scope = self.choice(entry, "type", place, schema.ATTRIBUTE_TYPES)
            annotation = self.annotation(entry, "annotation", place)
            value = self.literal(entry, "value", place)
            if name is not None and scope is not None:
                yield Attribute(name, AttributeScope(scope), annotation, value=value)

    def superclasses(self, data: Mapping[str, Any], where: str) -> Iterator[str]:
        """Each superclass (ImportSpy: a class mapping, of which only ``name`` is compared)."""
        for item, place in self.items(data, "superclasses", where):
            if isinstance(item, str):  # extension: a bare name
                text = self.annotation({"name": item}, "name", place)
            else:
                base = self.cls(item, place)
                text = None if base is None else base.name
            if text is not None:
                yield text
