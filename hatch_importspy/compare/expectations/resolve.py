"""Following a dotted path (``Session().get``) through provider modules, imports and classes.

The answer is one of three: :class:`Found` (what the path names, and where), :class:`Missing`
(every place the name could come from was seen, and it is not there) or :data:`UNKNOWN` (static
reading cannot tell).  The rules for which is which are in
:mod:`hatch_importspy.compare.expectations`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hatch_importspy.compare.expectations.lookup import ModuleCache
from hatch_importspy.compare.provided import ProvidedModule
from hatch_importspy.compare.syntax import attribute_chain
from hatch_importspy.model import (
    INSTANCE,
    Attribute,
    Class,
    Function,
    ImportBinding,
    ModuleStructure,
    Variable,
    is_dunder,
    is_public,
    join_path,
)


@dataclass(frozen=True)
class Instance:
    """An instance of ``cls``: reached through ``Class()`` in a path."""

    cls: Class


Object = ProvidedModule | Class | Function | Variable | Attribute | Instance


@dataclass(frozen=True)
class Found:
    obj: Object
    owner: ProvidedModule
    """The module the object is defined in: where its class bases are looked up."""
    via: str
    """``module``, ``class`` (reached on the class) or ``instance``."""


@dataclass(frozen=True)
class Missing:
    container: str
    segment: str


@dataclass(frozen=True)
class Unknown:
    """Static reading cannot tell whether the name is there.

    ``reason`` is set when the module makes its names at import time (a module-level
    ``__getattr__``, a namespace write): that is reported as not checkable (ISP410); other
    unknowns (a compiled module, a class with a metaclass) stay silent.
    """

    reason: str | None = None


UNKNOWN = Unknown()
Result = Found | Missing | Unknown


class Resolver:
    """Dotted paths through modules, imports and classes, with the lookup's answers cached."""

    def __init__(self, modules: ModuleCache) -> None:
        self.modules = modules

    def path(self, start: Found, parts: Sequence[str]) -> Result:
        current = start
        for index, segment in enumerate(parts):
            obj = current.obj
            result: Result
            if segment == INSTANCE:
                if not isinstance(obj, Class):
                    return UNKNOWN
                result = Found(Instance(obj), current.owner, "instance")
            elif isinstance(obj, ProvidedModule):
                result = self.module_member(obj, segment, frozenset())
            elif isinstance(obj, Class):
                result = self.class_member(obj, current.owner, segment, "class", frozenset())
            elif isinstance(obj, Instance):
                result = self.class_member(obj.cls, current.owner, segment, "instance", frozenset())
            else:
                return UNKNOWN
            if isinstance(result, Missing):
                return Missing(join_path(parts[:index]), segment)
            if not isinstance(result, Found):
                return result
            current = result
        return current

    def module_member(
        self, module: ProvidedModule, name: str, seen: frozenset[tuple[str, str]]
    ) -> Result:
        """``name`` in ``module`` as Python binds it: the last binding wins, so a star import
        after the module's own definition or import of the name rebinds it, and one before
        does not (star imports are tried last first)."""
        own_line, own = self._own_binding(module, name)
        stars = list(zip(module.star_imports, module.star_lines or (), strict=False))
        if len(stars) < len(module.star_imports):  # lines unknown: own bindings come first
            stars = [(star, 0) for star in module.star_imports]
        if own is not None:
            stars = [(s, line) for s, line in stars if own_line and line > own_line]
        unknown = False
        for star, _ in reversed(stars):
            result = self._star_member(star, name, seen)
            if isinstance(result, Found):
                return result
            unknown = unknown or isinstance(result, Unknown)
        if isinstance(own, Found):
            return own
        if own is not None:
            return self.follow(module, own.module, own.name, seen)
        submodule = self.modules.quiet_module(f"{module.name}.{name}")
        if submodule is not None:
            return Found(submodule, submodule, "module")
        structure = module.structure
        if unknown or is_dunder(name):
            return UNKNOWN
        if module.dynamic:
            return Unknown(f"{module.name} writes its namespace at import time")
        if _has_module_getattr(structure):
            return Unknown(f"{module.name} makes names on demand (a module-level __getattr__)")
        if (
            not module.imports_known
            or (not module.private and not is_public(name))
            or (structure.all is not None and name in structure.all)
        ):
            return UNKNOWN
        return Missing(module.name, name)

    @staticmethod
    def _own_binding(module: ProvidedModule, name: str) -> tuple[int, Found | ImportBinding | None]:
        """The module's own binding of ``name`` (a definition, else an import) and its line."""
        structure = module.structure
        for definitions in (structure.functions, structure.classes, structure.variables):
            for definition in definitions:
                if definition.name == name:
                    return definition.line, Found(definition, module, "module")
        binding = module.imports.get(name)
        if binding is not None:
            return binding.line, binding
        return 0, None

    def _star_member(
        self, star: str | None, name: str, seen: frozenset[tuple[str, str]]
    ) -> Result | None:
        """``name`` through ``from star import *``; ``None`` when the star does not bind it."""
        target = self.modules.quiet_module(star)
        if target is None or (star, name) in seen:
            return UNKNOWN
        exported = target.structure.all
        if (exported is not None and name not in exported) or (
            exported is None and name.startswith("_")
        ):
            return None  # ``import *`` takes only ``__all__``, or else the public names
        return self.module_member(target, name, seen | {(star or "", name)})

    def follow(
        self,
        module: ProvidedModule,
        target_name: str | None,
        name: str | None,
        seen: frozenset[tuple[str, str]],
    ) -> Result:
        """A name the module imports: whatever it names, or unknown when that cannot be seen."""
        if target_name is None:
            return UNKNOWN
        if name is None:
            target = self.modules.quiet_module(target_name)
            return UNKNOWN if target is None else Found(target, target, "module")
        key = (target_name, name)
        target = self.modules.quiet_module(target_name)
        if target is not None and target.name != module.name and key not in seen:
            result = self.module_member(target, name, seen | {key})
            if isinstance(result, Found):
                return result
        submodule = self.modules.quiet_module(f"{target_name}.{name}")
        if submodule is not None:
            return Found(submodule, submodule, "module")
        # The provider's own import of it is broken or hidden: its problem, not ours to guess.
        return UNKNOWN

    def class_member(
        self,
        cls: Class,
        owner: ProvidedModule,
        name: str,
        via: str,
        seen: frozenset[tuple[str, str]],
    ) -> Result:
        for members in (cls.methods, cls.attributes, cls.classes):
            for member in members:
                if member.name == name:
                    return Found(member, owner, "class" if isinstance(member, Class) else via)
        if is_dunder(name) or _opaque(cls, via):
            return UNKNOWN
        if not owner.private and not is_public(name):
            return UNKNOWN
        for base in self.bases(cls, owner, seen):
            if base is None:
                return UNKNOWN
            base_cls, base_owner = base
            key = (base_owner.name, base_cls.name)
            result = self.class_member(base_cls, base_owner, name, via, seen | {key})
            if not isinstance(result, Missing):
                return result
        return Missing("", name)

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
            result = self.path(Found(owner, owner, "module"), parts)
            if (
                isinstance(result, Found)
                and isinstance(result.obj, Class)
                and (result.owner.name, result.obj.name) not in seen
            ):
                yield result.obj, result.owner
            else:
                yield None


def _has_module_getattr(structure: ModuleStructure) -> bool:
    """A module-level ``__getattr__``: a function, or bound by assignment (lazy loaders'
    ``__getattr__, __dir__, __all__ = attach(...)``)."""
    return any(f.name == "__getattr__" for f in structure.functions) or any(
        v.name == "__getattr__" for v in structure.variables
    )


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
    return attribute_chain(node)
