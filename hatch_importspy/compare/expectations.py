"""ISP106 and ISP403-ISP408: does the installed provider still offer what the package expects?

An :class:`~hatch_importspy.model.Expectation` says which names of one external module a package
uses (inferred from its code, or stated by an ImportSpy contract) and, for a contract, where it may
run.  :func:`expectation_findings` holds it against the installed modules, reached through a
``lookup`` callable (dotted name -> :class:`~hatch_importspy.verify.provider_source.ProvidedModule`
or ``None``)
so that this module stays a pure comparison: the caller decides where modules come from (parsed
from site-packages, or a provider's own manifest) and caches them.

How a dotted name is looked up (``Session().get`` in ``requests``):

- In a module: its functions, classes and variables; then a name bound by an import there
  (followed to the module it names, so ``requests.get`` is checked as ``requests.api.get``); then
  a submodule (``x.sub``); then the modules it star-imports.
- In a class: its methods, attributes (class and instance) and nested classes; then its base
  classes when they resolve to classes the lookup can describe.
- ``()`` after a class is an instance of it: methods are then called with ``self`` bound.

"Cannot tell" is never reported.  A name is missing (ISP404) only when every place it could come
from was seen: not when the module defines ``__getattr__``, writes ``globals()``, star-imports
something unknown, lists the name in ``__all__``, or was described without the import facts or
without private names; not when a class has a base outside what the lookup describes, a
metaclass, ``__getattr__`` or ``__slots__``; never for a dunder.  Past a function, variable or
attribute, or past ``()`` on anything but a class, a path is not followed.

Call shapes (ISP405) are checked only against signatures that are what callers get: functions and
methods whose decorators are all known to keep the signature (``staticmethod``,
``classmethod``, ``functools.cache``/``lru_cache``, ``abc.abstractmethod``, ``contextlib``'s
context managers, ``typing.final``/``override``, ``deprecated``), and class constructors whose
``__init__`` (or ``__new__``) is found, on a class without a metaclass and, when decorated
(``@dataclass``...), only with an explicit ``__init__``.

Contract details (ISP406, ISP407) follow :mod:`hatch_importspy.build.contracts`: a stated
annotation,
default, kind or return annotation must match; stated arguments must keep their relative order;
a stated superclass must still be a base (by its written or final dotted name).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from hatch_importspy.build.extract import ExtractionError
from hatch_importspy.compare.constraints import (
    parse_python_version,
    platform_matches,
    unset_variables,
)
from hatch_importspy.facts import EnvironmentFacts, normalise_machine
from hatch_importspy.findings import Finding, FindingCode
from hatch_importspy.model import (
    INSTANCE,
    Attribute,
    CallShape,
    Class,
    Deployment,
    Expectation,
    ExpectedName,
    Function,
    FunctionKind,
    Parameter,
    ParameterKind,
    Variable,
    decorator_name,
    is_dunder,
    is_public,
    join_path,
    split_path,
)
from hatch_importspy.render import call_text, deployment_text, parameter_label, signature_text
from hatch_importspy.verify.provider_source import ProvidedModule

ModuleLookup = Callable[[str], ProvidedModule | None]
"""Dotted module name -> the installed module as importers see it, ``None`` when absent.

May raise :class:`~hatch_importspy.build.extract.ExtractionError` for a module that does not
parse."""

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

_POSITIONAL = (ParameterKind.POSITIONAL_ONLY, ParameterKind.POSITIONAL_OR_KEYWORD)
_VARIADIC = (ParameterKind.VAR_POSITIONAL, ParameterKind.VAR_KEYWORD)


def expectation_findings(
    expectation: Expectation,
    lookup: ModuleLookup,
    *,
    distribution: str,
    provider_version: str | None,
    facts: EnvironmentFacts | None,
) -> list[Finding]:
    """Every way the installed modules fall short of ``expectation``.

    ``distribution`` is the consumer (it owns the findings); ``provider_version`` is the installed
    version of ``expectation.distribution``, ``None`` when that distribution is not installed or
    unknown; ``facts`` is the environment for a contract's ``deployments`` (``None`` skips them).
    An inferred module that cannot be found is reported only when its provider is installed: an
    absent provider is a requirement finding (ISP401) or an optional dependency, not drift.
    """
    check = _Check(expectation, _Resolver(lookup), distribution)
    if facts is not None and expectation.deployments:
        check.deployments(facts)
    try:
        provided = check.resolver.module(expectation.module)
    except ExtractionError as error:
        check.unreadable(expectation.module, str(error))
        return check.findings
    if provided is None:
        if expectation.origin != "inferred" or provider_version is not None:
            check.module_missing(provider_version)
        return check.findings
    for name in expectation.names:
        check.name(provided, name)
    return check.findings


def python_version_matches(stated: str, actual: str) -> bool:
    """A contract's Python version against the interpreter's: ``3.11`` matches ``3.11.7``.

    A version of release segments only matches every version that starts with those segments; one
    with a pre-, post- or dev-release part must be equal.
    """
    try:
        wanted = Version(stated)
    except InvalidVersion:
        return False
    found = parse_python_version(actual)
    if found is None:
        return False
    if wanted.pre is None and wanted.post is None and wanted.dev is None:
        return found.release[: len(wanted.release)] == wanted.release
    return found == wanted


# --------------------------------------------------------------------------- lookups


@dataclass(frozen=True)
class _Instance:
    """An instance of ``cls``: reached through ``Class()`` in a path."""

    cls: Class


_Object = ProvidedModule | Class | Function | Variable | Attribute | _Instance


@dataclass(frozen=True)
class _Found:
    obj: _Object
    owner: ProvidedModule
    """The module the object is defined in: where its class bases are looked up."""
    via: str
    """``module``, ``class`` (reached on the class) or ``instance``."""


@dataclass(frozen=True)
class _Missing:
    container: str
    segment: str


class _Unknown:
    """Static reading cannot tell whether the name is there."""


_UNKNOWN = _Unknown()
_Result = _Found | _Missing | _Unknown


class _Resolver:
    """Dotted paths through modules, imports and classes, with the lookup's answers cached."""

    def __init__(self, lookup: ModuleLookup) -> None:
        self._lookup = lookup
        self._modules: dict[str, ProvidedModule | None] = {}

    def module(self, name: str) -> ProvidedModule | None:
        if name not in self._modules:
            self._modules[name] = self._lookup(name)
        return self._modules[name]

    def quiet_module(self, name: str | None) -> ProvidedModule | None:
        """A module needed only to follow a path: one that does not parse is just unknown."""
        if not name:
            return None
        try:
            return self.module(name)
        except ExtractionError:
            self._modules[name] = None
            return None

    def path(self, start: _Found, parts: Sequence[str]) -> _Result:
        current = start
        for index, segment in enumerate(parts):
            obj = current.obj
            result: _Result
            if segment == INSTANCE:
                if not isinstance(obj, Class):
                    return _UNKNOWN
                result = _Found(_Instance(obj), current.owner, "instance")
            elif isinstance(obj, ProvidedModule):
                result = self.module_member(obj, segment, frozenset())
            elif isinstance(obj, Class):
                result = self.class_member(obj, current.owner, segment, "class", frozenset())
            elif isinstance(obj, _Instance):
                result = self.class_member(obj.cls, current.owner, segment, "instance", frozenset())
            else:
                return _UNKNOWN
            if isinstance(result, _Missing):
                return _Missing(join_path(parts[:index]), segment)
            if not isinstance(result, _Found):
                return result
            current = result
        return current

    def module_member(
        self, module: ProvidedModule, name: str, seen: frozenset[tuple[str, str]]
    ) -> _Result:
        structure = module.structure
        for definitions in (structure.functions, structure.classes, structure.variables):
            for definition in definitions:
                if definition.name == name:
                    return _Found(definition, module, "module")
        unknown = False
        binding = module.imports.get(name)
        if binding is not None:
            return self.follow(module, binding.module, binding.name, seen)
        submodule = self.quiet_module(f"{module.name}.{name}")
        if submodule is not None:
            return _Found(submodule, submodule, "module")
        for star in module.star_imports:
            target = self.quiet_module(star)
            if target is None or (star, name) in seen:
                unknown = True
                continue
            exported = target.structure.all
            if (exported is not None and name not in exported) or (
                exported is None and name.startswith("_")
            ):
                continue  # ``import *`` takes only ``__all__``, or else the public names
            result = self.module_member(target, name, seen | {(star or "", name)})
            if isinstance(result, _Found):
                return result
            unknown = unknown or isinstance(result, _Unknown)
        if (
            unknown
            or is_dunder(name)
            or module.dynamic
            or not module.imports_known
            or (not module.private and not is_public(name))
            or any(function.name == "__getattr__" for function in structure.functions)
            or (structure.all is not None and name in structure.all)
        ):
            return _UNKNOWN
        return _Missing(module.name, name)

    def follow(
        self,
        module: ProvidedModule,
        target_name: str | None,
        name: str | None,
        seen: frozenset[tuple[str, str]],
    ) -> _Result:
        """A name the module imports: whatever it names, or unknown when that cannot be seen."""
        if target_name is None:
            return _UNKNOWN
        if name is None:
            target = self.quiet_module(target_name)
            return _UNKNOWN if target is None else _Found(target, target, "module")
        key = (target_name, name)
        target = self.quiet_module(target_name)
        if target is not None and target.name != module.name and key not in seen:
            result = self.module_member(target, name, seen | {key})
            if isinstance(result, _Found):
                return result
        submodule = self.quiet_module(f"{target_name}.{name}")
        if submodule is not None:
            return _Found(submodule, submodule, "module")
        # The provider's own import of it is broken or hidden: its problem, not ours to guess.
        return _UNKNOWN

    def class_member(
        self,
        cls: Class,
        owner: ProvidedModule,
        name: str,
        via: str,
        seen: frozenset[tuple[str, str]],
    ) -> _Result:
        for members in (cls.methods, cls.attributes, cls.classes):
            for member in members:
                if member.name == name:
                    return _Found(member, owner, "class" if isinstance(member, Class) else via)
        if is_dunder(name) or _opaque(cls, via):
            return _UNKNOWN
        if not owner.private and not is_public(name):
            return _UNKNOWN
        for base in self.bases(cls, owner, seen):
            if base is None:
                return _UNKNOWN
            base_cls, base_owner = base
            key = (base_owner.name, base_cls.name)
            result = self.class_member(base_cls, base_owner, name, via, seen | {key})
            if not isinstance(result, _Missing):
                return result
        return _Missing("", name)

    def bases(
        self, cls: Class, owner: ProvidedModule, seen: frozenset[tuple[str, str]]
    ) -> Iterable[tuple[Class, ProvidedModule] | None]:
        """Each base as a class the lookup describes, or ``None`` for one it cannot."""
        for text in cls.bases:
            if text == "object":
                continue
            parts = _base_path(text)
            if parts is None:
                yield None
                continue
            result = self.path(_Found(owner, owner, "module"), parts)
            if (
                isinstance(result, _Found)
                and isinstance(result.obj, Class)
                and (result.owner.name, result.obj.name) not in seen
            ):
                yield result.obj, result.owner
            else:
                yield None


def _opaque(cls: Class, via: str) -> bool:
    """Classes whose members static reading cannot list."""
    if any("=" in base for base in cls.bases):  # metaclass=... or other class keywords
        return True
    names = {method.name for method in cls.methods} | {a.name for a in cls.attributes}
    if "__slots__" in names:
        return True
    return via == "instance" and bool(names & {"__getattr__", "__getattribute__"})


def _base_path(text: str) -> tuple[str, ...] | None:
    """``pkg.Base`` -> ``("pkg", "Base")``; ``Generic[T]`` -> ``("Generic",)``; else ``None``."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.Subscript):
        node = node.value
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))


# --------------------------------------------------------------------------- checks


class _Check:
    """Collects the findings for one expectation."""

    def __init__(self, expectation: Expectation, resolver: _Resolver, distribution: str) -> None:
        self.expectation = expectation
        self.resolver = resolver
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

    # -- module level

    def unreadable(self, module: str, problem: str) -> None:
        self.add(
            "ISP408",
            None,
            f"module {module} cannot be described: {problem}",
            expected="valid Python source",
            found=problem,
        )

    def module_missing(self, provider_version: str | None) -> None:
        provider = self.expectation.distribution
        if provider and provider_version is not None:
            found = f"{provider} {provider_version} installed, without it"
        else:
            found = "not installed"
        self.add(
            "ISP403",
            None,
            f"module {self.expectation.module} is not installed",
            expected=f"module {self.expectation.module}"
            + (f" from {provider}" if provider else ""),
            found=found,
        )

    # -- names

    def name(self, provided: ProvidedModule, expected: ExpectedName) -> None:
        parts = split_path(expected.name)
        result = self.resolver.path(_Found(provided, provided, "module"), parts)
        if isinstance(result, _Missing):
            container = result.container or self.expectation.module
            where = f"{self.expectation.module}.{container}" if result.container else container
            self.add(
                "ISP404",
                expected.name,
                f"{expected.name} is missing: {where} has no {result.segment}",
                expected=expected.name,
                found="missing",
            )
            return
        if not isinstance(result, _Found):
            return
        if not self.kind_fits(expected, result):
            return
        for call in expected.calls:
            self.call(expected.name, result, call)
        if expected.function is not None and isinstance(result.obj, Function):
            self.signature(expected.name, expected.function, result.obj)
        if expected.variable is not None:
            self.annotation(
                expected.name, "annotation", expected.variable.annotation, _annotation_of(result)
            )
        if expected.cls is not None and isinstance(result.obj, Class):
            self.cls(expected.name, expected.cls, result)

    def kind_fits(self, expected: ExpectedName, result: _Found) -> bool:
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
        self.add(
            "ISP406",
            expected.name,
            f"{expected.name} is {_a(_describe(result.obj))}, not {_a(kind)}",
            expected=kind,
            found=_describe(result.obj),
        )
        return False

    def call(self, name: str, result: _Found, call: CallShape) -> None:
        parameters = self.callable_parameters(result)
        if parameters is None:
            return
        written = call_text(name, call)
        signature = signature_text(parameters, annotations=False)
        for problem in call_problems(parameters, call):
            self.add(
                "ISP405",
                name,
                f"the call {written} no longer fits: {problem}",
                expected=written,
                found=f"{join_path(split_path(name)[-1:])}{signature}",
            )

    def callable_parameters(self, result: _Found) -> tuple[Parameter, ...] | None:
        obj = result.obj
        if isinstance(obj, Function):
            return _bound_parameters(obj, result.via)
        if isinstance(obj, Class) and result.via in ("module", "class"):
            return self.constructor(obj, result.owner)
        return None

    def constructor(self, cls: Class, owner: ProvidedModule) -> tuple[Parameter, ...] | None:
        """What calling the class takes, when ``__init__``/``__new__`` can be found for sure."""
        if any("=" in base for base in cls.bases):
            return None
        initialiser = self.own_or_inherited(cls, owner, "__init__")
        if initialiser is None:
            return None
        if isinstance(initialiser, Function):
            return _bound_parameters(initialiser, "instance")
        constructor = self.own_or_inherited(cls, owner, "__new__")
        if constructor is None:
            return None
        if isinstance(constructor, Function):
            # __new__ is an implicit static method: whatever its decorators say, cls comes first.
            plain = Function(constructor.name, constructor.parameters, kind=FunctionKind.METHOD)
            return _bound_parameters(plain, "instance")
        return ()

    def own_or_inherited(
        self, cls: Class, owner: ProvidedModule, name: str
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
        for base in self.resolver.bases(cls, owner, frozenset()):
            if base is None:
                return None
            found = self.own_or_inherited(base[0], base[1], name)
            if found is not False:
                return found
        return False

    # -- contract details

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
            index = _find_parameter(parameters, wanted)
            if index is None:
                self.add(
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
            if wanted.kind is ParameterKind.KEYWORD_ONLY or found.kind not in _POSITIONAL:
                continue
            if previous is not None and index < previous[1]:
                self.add(
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
            not kind_stated and found.kind in _VARIADIC
        ):
            self.add(
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
            self.add(
                "ISP406",
                name,
                f"{label} has no default",
                expected=f"default {wanted.default}" if wanted.default else "a default",
                found="no default",
            )
        elif wanted.default is not None and not _same_default(wanted.default, found.default):
            self.add(
                "ISP406",
                name,
                f"{label} defaults to {found.default}, not {wanted.default}",
                expected=wanted.default,
                found=found.default,
            )

    def annotation(self, name: str, what: str, wanted: str | None, found: str | None) -> None:
        if wanted is None or _same_annotation(wanted, found):
            return
        object_name = name.partition("(")[0]
        self.add(
            "ISP406",
            object_name,
            f"{name}: {what} is {found or 'missing'}, not {wanted}",
            expected=wanted,
            found=found or "none",
        )

    def cls(self, name: str, expected: Class, found: _Found) -> None:
        actual = found.obj
        assert isinstance(actual, Class)
        for base in expected.bases:
            if not any(_same_base(base, present) for present in actual.bases):
                self.add(
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

    def member(self, path: str, owner: _Found, expected: Attribute | Function | Class) -> None:
        segment = path.rpartition(".")[2]
        result = self.resolver.path(owner, (segment,))
        if isinstance(result, _Missing):
            self.add(
                "ISP404",
                path,
                f"{path} is missing",
                expected=path,
                found="missing",
            )
            return
        if not isinstance(result, _Found):
            return
        obj = result.obj
        if isinstance(expected, Attribute):
            if not isinstance(obj, (Attribute, Variable)):
                self.add(
                    "ISP406",
                    path,
                    f"{path} is {_a(_describe(obj))}, not an attribute",
                    expected=f"{expected.scope.value} attribute",
                    found=_describe(obj),
                )
                return
            if isinstance(obj, Attribute) and obj.scope is not expected.scope:
                self.add(
                    "ISP406",
                    path,
                    f"{path} is {_a(obj.scope.value)} attribute, "
                    f"not {_a(expected.scope.value)} one",
                    expected=f"{expected.scope.value} attribute",
                    found=f"{obj.scope.value} attribute",
                )
            self.annotation(path, "annotation", expected.annotation, obj.annotation)
        elif isinstance(expected, Function):
            if not isinstance(obj, Function):
                self.add(
                    "ISP406",
                    path,
                    f"{path} is {_a(_describe(obj))}, not a method",
                    expected="method",
                    found=_describe(obj),
                )
                return
            self.signature(path, expected, obj)
        elif not isinstance(obj, Class):
            self.add(
                "ISP406",
                path,
                f"{path} is {_a(_describe(obj))}, not a class",
                expected="class",
                found=_describe(obj),
            )
        else:
            self.cls(path, expected, result)

    # -- deployments

    def deployments(self, facts: EnvironmentFacts) -> None:
        if any(
            self.deployment_holds(deployment, facts) for deployment in self.expectation.deployments
        ):
            return
        self.add(
            "ISP106",
            None,
            "no deployment of the contract matches this environment",
            expected=" | ".join(deployment_text(d) for d in self.expectation.deployments),
            found=f"{facts.machine} {facts.platform} {facts.implementation} {facts.python_version}",
        )

    def deployment_holds(self, deployment: Deployment, facts: EnvironmentFacts) -> bool:
        if deployment.machine is not None and normalise_machine(
            deployment.machine
        ) != normalise_machine(facts.machine):
            return False
        if deployment.platform is not None and not platform_matches(
            facts.platform, deployment.platform
        ):
            return False
        if deployment.pythons and not any(
            python_version_matches(python, facts.python_version) for python in deployment.pythons
        ):
            return False
        if deployment.interpreters and facts.implementation.lower() not in {
            interpreter.lower() for interpreter in deployment.interpreters
        }:
            return False
        if unset_variables(deployment.env, facts):
            return False
        return all(self.resolver.quiet_module(module) is not None for module in deployment.modules)


# --------------------------------------------------------------------------- call shapes


def call_problems(parameters: Sequence[Parameter], call: CallShape) -> list[str]:
    """Why a call of this shape fails against these (already bound) parameters; empty if it fits.

    ``*args`` in the call makes the positional count a lower bound, ``**kwargs`` makes unseen
    keywords possible: only what fails for every value they could hold is reported.
    """
    positional = [p for p in parameters if p.kind in _POSITIONAL]
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
        elif parameter.kind in _POSITIONAL and positional.index(parameter) < call.positional:
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


def _bound_parameters(function: Function, via: str) -> tuple[Parameter, ...] | None:
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
        if not function.parameters or function.parameters[0].kind not in _POSITIONAL:
            return None
        return function.parameters[1:]
    return function.parameters


def _find_parameter(parameters: Sequence[Parameter], wanted: Parameter) -> int | None:
    for index, parameter in enumerate(parameters):
        if parameter.name == wanted.name:
            return index
    if wanted.kind in _VARIADIC:
        for index, parameter in enumerate(parameters):
            if parameter.kind is wanted.kind:
                return index
    return None


# --------------------------------------------------------------------------- text


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _describe(obj: _Object) -> str:
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


def _annotation_of(result: _Found) -> str | None:
    obj = result.obj
    if isinstance(obj, (Variable, Attribute)):
        return obj.annotation
    return None


def _normal_annotation(text: str) -> str:
    """Annotations compare as code, not text: spacing and quoting do not count."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return text.strip()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _normal_annotation(node.value)
    return ast.unparse(node)


def _same_annotation(wanted: str, found: str | None) -> bool:
    return found is not None and _normal_annotation(wanted) == _normal_annotation(found)


def _same_default(wanted: str, found: str | None) -> bool:
    if found is None:
        return False
    try:
        left, right = ast.literal_eval(wanted), ast.literal_eval(found)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _normal_annotation(wanted) == _normal_annotation(found)
    return type(left) is type(right) and left == right


def _same_base(wanted: str, present: str) -> bool:
    if wanted == present:
        return True
    return (
        _normal_annotation(wanted).rpartition(".")[2]
        == _normal_annotation(present).rpartition(".")[2]
    )
