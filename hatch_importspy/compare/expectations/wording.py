"""How a resolved object is named in a finding's message ("is a property, not a class")."""

from __future__ import annotations

from hatch_importspy.compare.expectations.resolve import Object
from hatch_importspy.compare.provided import ProvidedModule
from hatch_importspy.model import Attribute, Class, Function, FunctionKind, Variable


def article(noun: str) -> str:
    """``a class``, ``an instance attribute``."""
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def describe(obj: Object) -> str:
    """The kind of object, as a noun."""
    if isinstance(obj, ProvidedModule):
        return "module"
    if isinstance(obj, Class):
        return "class"
    if isinstance(obj, Function):
        return "function" if obj.kind is FunctionKind.FUNCTION else obj.kind.value
    if isinstance(obj, Variable):
        return "variable"
    if isinstance(obj, Attribute):
        return f"{obj.scope.value} attribute"
    return "instance"
