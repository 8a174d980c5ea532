"""Follow class bases inside one distribution: which class a base names, what a class inherits.

A release comparison that looked only at the members a class defines itself would report a
method moved into a base class as removed, and a base replaced by a subclass of it as a lost
base.  The manifest records bases as source text (``ParamType``, ``types.ParamType``,
``Generic[T]``), so they are resolved here by name, statically, within the distribution:

- the text before any ``[`` is the class's dotted name; ``metaclass=...`` and other keywords are
  not bases;
- a plain name is a class of the same module if there is one, else the only class of that name
  in the distribution; a dotted name is the class whose module ends with its prefix
  (``types.ParamType`` is ``ParamType`` in ``click.types``);
- anything else (``Exception``, a class of another distribution, a name two modules define) is not
  followed.

Ancestors are walked depth first, left to right, each once: Python's C3 order differs only for
diamonds, where it matters only if two bases define the same member differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hatch_importspy.compare.structure import Member
from hatch_importspy.model import Class, Module


@dataclass(frozen=True)
class ClassRef:
    """A class and the dotted name of the module defining it."""

    module: str
    cls: Class


@dataclass(frozen=True)
class ClassIndex:
    """The top-level classes of one release, by module and by name."""

    by_module: Mapping[str, Mapping[str, Class]]
    by_name: Mapping[str, tuple[ClassRef, ...]]

    @classmethod
    def of(cls, modules: Iterable[Module]) -> ClassIndex:
        by_module: dict[str, dict[str, Class]] = {}
        by_name: dict[str, list[ClassRef]] = {}
        for module in modules:
            for defined in module.structure.classes:
                by_module.setdefault(module.name, {})[defined.name] = defined
                by_name.setdefault(defined.name, []).append(ClassRef(module.name, defined))
        return cls(by_module, {name: tuple(refs) for name, refs in by_name.items()})

    def resolve(self, base: str, module: str) -> ClassRef | None:
        """The class a base's text names, seen from ``module`` (``None``: not followed)."""
        text = base.partition("[")[0].strip()
        if "=" in text or not text:
            return None
        prefix, _, name = text.rpartition(".")
        candidates = self.by_name.get(name, ())
        if prefix:
            matching = [
                ref
                for ref in candidates
                if ref.module == prefix or ref.module.endswith(f".{prefix}")
            ]
            return matching[0] if len(matching) == 1 else None
        local = self.by_module.get(module, {}).get(name)
        if local is not None:
            return ClassRef(module, local)
        return candidates[0] if len(candidates) == 1 else None

    def ancestors(self, cls: Class, module: str) -> list[ClassRef]:
        """Every base that resolves, depth first and left to right, each once."""
        found: list[ClassRef] = []
        seen: set[tuple[str, str]] = set()
        pending = [(base, module) for base in cls.bases]
        while pending:
            base, where = pending.pop(0)
            ref = self.resolve(base, where)
            if ref is None or (ref.module, ref.cls.name) in seen:
                continue
            seen.add((ref.module, ref.cls.name))
            found.append(ref)
            pending[0:0] = [(grand, ref.module) for grand in ref.cls.bases]
        return found

    def base_texts(self, cls: Class, module: str) -> set[str]:
        """The bases as written on the class and on every ancestor that resolves."""
        texts = set(cls.bases)
        for ancestor in self.ancestors(cls, module):
            texts.update(ancestor.cls.bases)
        return texts

    def inherited(self, cls: Class, module: str, name: str) -> tuple[ClassRef, Member] | None:
        """The first ancestor that defines a member ``name``, and that member."""
        for ancestor in self.ancestors(cls, module):
            members: list[Member] = [
                *ancestor.cls.attributes,
                *ancestor.cls.methods,
                *ancestor.cls.classes,
            ]
            member = next((m for m in members if m.name == name), None)
            if member is not None:
                return ancestor, member
        return None
