"""``show --contract MODULE``: an ImportSpy 0.5 contract for one module, from its manifest.

The other direction of :mod:`hatch_importspy.describe.contracts`: a team that checks modules with
ImportSpy gets a contract for a module this package described, which the real ``importspy
check`` admits for that module.  Only what ImportSpy can establish statically is written, so the
contract does not deny its own module: decorated functions and methods (ImportSpy cannot know
their signature), classes with a metaclass, instance attributes, inherited members and
attributes without a literal value are left out; a default or value is
written only when it is a literal ImportSpy accepts (a string, number, boolean or ``None``).
"""

from __future__ import annotations

import ast
from typing import Any

import yaml

from hatch_importspy.compare.expectations.equivalence import literal
from hatch_importspy.model import (
    AttributeScope,
    Class,
    Function,
    Module,
    ParameterKind,
    SpyModel,
)

_SCALARS = (str, int, float, bool, type(None))


class ExportError(ValueError):
    """The module is not in the manifest."""


def export_contract(model: SpyModel, module: str) -> str:
    """The contract of ``module`` (a dotted name the manifest describes) as YAML text."""
    found = next((m for m in model.modules if m.name == module), None)
    if found is None:
        known = ", ".join(m.name for m in model.modules[:10])
        raise ExportError(f"{model.name} {model.version} has no module {module} (it has {known})")
    return yaml.safe_dump(contract_data(found), sort_keys=False, allow_unicode=True)


def contract_data(module: Module) -> dict[str, Any]:
    """The contract document of one described module."""
    structure = module.structure
    data: dict[str, Any] = {"schema_version": 1, "filename": module.path.rpartition("/")[2]}
    version = next((v for v in structure.variables if v.name == "__version__"), None)
    known, value = literal(None if version is None else version.value)
    if known and isinstance(value, str):
        data["version"] = value
    variables = []
    for variable in structure.variables:
        if variable.conditional or variable.name == "__version__":
            continue
        if variable.annotation and variable.value is None:
            continue  # perhaps annotated only, never assigned: ImportSpy cannot establish it
        entry: dict[str, Any] = {"name": variable.name}
        if variable.annotation:
            entry["annotation"] = _annotation(variable.annotation)
        _put_value(entry, variable.value)
        variables.append(entry)
    functions = [_function(f) for f in structure.functions if _checkable(f)]
    classes = [_class(c) for c in structure.classes if _static_class(c)]
    for key, items in (("variables", variables), ("functions", functions), ("classes", classes)):
        if items:
            data[key] = items
    return data


def _static_class(cls: Class) -> bool:
    """Whether ImportSpy can read the class statically: not decorated, no metaclass or other
    class keyword (ImportSpy treats such a class as unknown until runtime)."""
    return not (cls.conditional or cls.decorators or any("=" in base for base in cls.bases))


def _annotation(text: str) -> str:
    """A quoted annotation as ImportSpy reads it: ``"Version"`` is ``Version``."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return text
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return text


def _checkable(function: Function) -> bool:
    return not function.decorators and not function.conditional


def _function(function: Function) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": function.name}
    arguments = []
    for parameter in function.parameters:
        stars = {ParameterKind.VAR_POSITIONAL: "*", ParameterKind.VAR_KEYWORD: "**"}
        if parameter.kind in stars:
            continue  # ImportSpy's argument names carry no stars
        argument: dict[str, Any] = {"name": parameter.name}
        if parameter.annotation:
            argument["annotation"] = _annotation(parameter.annotation)
        if parameter.has_default:
            _put_value(argument, parameter.default)
        arguments.append(argument)
    if arguments:
        entry["arguments"] = arguments
    if function.returns:
        entry["return_annotation"] = _annotation(function.returns)
    return entry


def _class(cls: Class) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": cls.name}
    attributes = []
    for attribute in cls.attributes:
        if attribute.scope is not AttributeScope.CLASS or attribute.conditional:
            continue
        if attribute.value is None:
            continue  # annotated only (a dataclass field, say) or not a literal: unknown there
        item: dict[str, Any] = {"type": "class", "name": attribute.name}
        if attribute.annotation:
            item["annotation"] = _annotation(attribute.annotation)
        _put_value(item, attribute.value)
        attributes.append(item)
    methods = [_function(m) for m in cls.methods if _checkable(m)]
    bases = [{"name": _base_name(base)} for base in cls.bases]
    for key, items in (("attributes", attributes), ("methods", methods), ("superclasses", bases)):
        if items:
            entry[key] = items
    return entry


def _base_name(base: str) -> str:
    try:
        node = ast.parse(base, mode="eval").body
    except SyntaxError:
        return base
    return ast.unparse(node).rpartition(".")[2] if isinstance(node, ast.Attribute) else base


def _put_value(entry: dict[str, Any], text: str | None) -> None:
    known, value = literal(text)
    if known and isinstance(value, _SCALARS):
        entry["value"] = value
