"""Binding a call to a provider's signature: which parameters a caller fills, and what fails.

Call shapes (ISP405) are checked only against signatures that are what callers get: functions and
methods whose decorators are all known to keep the signature (:data:`SIGNATURE_KEEPING_DECORATORS`),
and class constructors whose ``__init__`` (or ``__new__``) is found, on a class without a
metaclass and, when decorated (``@dataclass``...), only with an explicit ``__init__``.
"""

from __future__ import annotations

from collections.abc import Sequence

from hatch_importspy.compare.expectations.resolve import Found, Resolver
from hatch_importspy.compare.provided import ProvidedModule
from hatch_importspy.model import (
    CallShape,
    Class,
    Function,
    FunctionKind,
    Parameter,
    ParameterKind,
    decorator_name,
)

SIGNATURE_KEEPING_DECORATORS = frozenset(
    {
        "staticmethod",
        "classmethod",
        "abstractmethod",
        "cache",
        "lru_cache",
        "contextmanager",
        "asynccontextmanager",
        "final",
        "override",
        "deprecated",
        "no_type_check",
    }
)

POSITIONAL = (ParameterKind.POSITIONAL_ONLY, ParameterKind.POSITIONAL_OR_KEYWORD)
VARIADIC = (ParameterKind.VAR_POSITIONAL, ParameterKind.VAR_KEYWORD)


def call_problems(parameters: Sequence[Parameter], call: CallShape) -> list[str]:
    """Why a call of this shape fails against these (already bound) parameters; empty if it fits.

    ``*args`` in the call makes the positional count a lower bound, ``**kwargs`` makes unseen
    keywords possible: only what fails for every value they could hold is reported.
    """
    positional = [p for p in parameters if p.kind in POSITIONAL]
    has_var_positional = any(p.kind is ParameterKind.VAR_POSITIONAL for p in parameters)
    has_var_keyword = any(p.kind is ParameterKind.VAR_KEYWORD for p in parameters)
    by_keyword = {
        p.name: p
        for p in parameters
        if p.kind in (ParameterKind.POSITIONAL_OR_KEYWORD, ParameterKind.KEYWORD_ONLY)
    }
    problems: list[str] = []
    if call.positional > len(positional) and not has_var_positional:
        problems.append(
            f"it takes at most {len(positional)} positional argument"
            f"{'' if len(positional) == 1 else 's'}, the call passes {call.positional}"
        )
    for keyword in call.keywords:
        parameter = by_keyword.get(keyword)
        if parameter is None:
            if not has_var_keyword:
                problems.append(f"it accepts no keyword argument {keyword}")
        elif parameter.kind in POSITIONAL and positional.index(parameter) < call.positional:
            problems.append(f"{keyword} is also given by a positional argument")
    for index, parameter in enumerate(positional):
        if index < call.positional or parameter.has_default or call.star_args:
            continue
        if parameter.kind is ParameterKind.POSITIONAL_OR_KEYWORD and (
            parameter.name in call.keywords or call.star_kwargs
        ):
            continue
        problems.append(f"its required parameter {parameter.name} is not given")
    for parameter in parameters:
        if (
            parameter.kind is ParameterKind.KEYWORD_ONLY
            and not parameter.has_default
            and parameter.name not in call.keywords
            and not call.star_kwargs
        ):
            problems.append(f"its required keyword-only parameter {parameter.name} is not given")
    return problems


def callable_parameters(resolver: Resolver, result: Found) -> tuple[Parameter, ...] | None:
    """The parameters a call of ``result`` fills, ``None`` when they cannot be known for sure."""
    obj = result.obj
    if isinstance(obj, Function):
        return bound_parameters(obj, result.via)
    if isinstance(obj, Class) and result.via in ("module", "class"):
        return _constructor(resolver, obj, result.owner)
    return None


def bound_parameters(function: Function, via: str) -> tuple[Parameter, ...] | None:
    """The parameters a caller fills, given how the function was reached; ``None`` if unknowable."""
    if any(
        decorator_name(text) not in SIGNATURE_KEEPING_DECORATORS for text in function.decorators
    ):
        return None
    kind = function.kind
    if kind is FunctionKind.PROPERTY:
        return None
    drop_first = kind is FunctionKind.CLASSMETHOD or (
        kind is FunctionKind.METHOD and via == "instance"
    )
    if drop_first:
        if not function.parameters or function.parameters[0].kind not in POSITIONAL:
            return None
        return function.parameters[1:]
    return function.parameters


def find_parameter(parameters: Sequence[Parameter], wanted: Parameter) -> int | None:
    """Where a contract's parameter is in ``parameters``: by name, or a variadic by its kind."""
    for index, parameter in enumerate(parameters):
        if parameter.name == wanted.name:
            return index
    if wanted.kind in VARIADIC:
        for index, parameter in enumerate(parameters):
            if parameter.kind is wanted.kind:
                return index
    return None


def _constructor(
    resolver: Resolver, cls: Class, owner: ProvidedModule
) -> tuple[Parameter, ...] | None:
    """What calling the class takes, when ``__init__``/``__new__`` can be found for sure."""
    if any("=" in base for base in cls.bases):
        return None
    initialiser = _own_or_inherited(resolver, cls, owner, "__init__")
    if initialiser is None:
        return None
    if isinstance(initialiser, Function):
        return bound_parameters(initialiser, "instance")
    constructor = _own_or_inherited(resolver, cls, owner, "__new__")
    if constructor is None:
        return None
    if isinstance(constructor, Function):
        # __new__ is an implicit static method: whatever its decorators say, cls comes first.
        plain = Function(constructor.name, constructor.parameters, kind=FunctionKind.METHOD)
        return bound_parameters(plain, "instance")
    return ()


def _own_or_inherited(
    resolver: Resolver, cls: Class, owner: ProvidedModule, name: str
) -> Function | bool | None:
    """The method, ``False`` when no class in a fully known hierarchy has it, ``None`` unknown.

    A decorated class without the method is unknown: ``@dataclass`` and friends write
    ``__init__`` themselves.
    """
    for method in cls.methods:
        if method.name == name:
            return method
    if cls.decorators:
        return None
    for base in resolver.bases(cls, owner, frozenset()):
        if base is None:
            return None
        found = _own_or_inherited(resolver, base[0], base[1], name)
        if found is not False:
            return found
    return False
