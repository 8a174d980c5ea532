"""What a module offers its importers: what it defines, plus the names it binds by import.

A :class:`~hatch_importspy.model.ModuleStructure` lists what a module *defines*.  An importer sees
more: ``requests.get`` is ``requests.api.get``, imported into ``requests/__init__.py``;
``from .models import *`` brings in every public name of another module; a module-level
``__getattr__`` or a write to ``globals()`` can provide names nobody can list statically.  Checking
an expected name against the structure alone would turn every re-export into a false "missing",
so the expectation checks (:mod:`hatch_importspy.compare.expectations`) take a
:class:`ProvidedModule` instead: the structure plus those import facts.

These are plain data, kept here so that the comparison does not depend on the reader that
produces them (:mod:`hatch_importspy.describe.provider_source`, which reads them from the parsed
tree, never by importing the module).

A provider's own manifest records these facts too (the ``binds`` of each module, see
:class:`~hatch_importspy.model.ModuleBindings`): :meth:`ProvidedModule.from_bindings` builds the
same description from it, without reading the source.  A structure without them (a manifest
written before they were recorded) is :meth:`ProvidedModule.from_structure`, and a name absent
from it is then "cannot tell", never "missing".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from hatch_importspy.model import ImportBinding, ModuleBindings, ModuleStructure

__all__ = ["ImportBinding", "ProvidedModule"]


@dataclass(frozen=True)
class ProvidedModule:
    """One installed module, as an importer sees it."""

    name: str
    """Dotted import name."""
    structure: ModuleStructure
    imports: Mapping[str, ImportBinding] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    """Names bound at module level by ``import``/``from ... import`` (the binding that stands
    after the module ran, see :mod:`hatch_importspy.describe.bindings`)."""
    star_imports: tuple[str | None, ...] = ()
    """Modules named by ``from M import *`` (``None``: a relative one that cannot be resolved)."""
    star_lines: tuple[int, ...] = ()
    """The line of each star import, in the order of ``star_imports``; empty when unknown.  A
    star import after a name's own binding rebinds it (the last binding wins)."""
    dynamic: bool = False
    """The module writes its namespace in ways static reading cannot list (``globals()``,
    ``sys.modules[__name__] = ...``)."""
    private: bool = True
    """Whether ``_private`` names were described: if not, a missing private name is unknown."""
    imports_known: bool = True
    """Whether ``imports``/``star_imports``/``dynamic`` were read at all (a manifest lacks them)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "imports", MappingProxyType(dict(self.imports)))

    @classmethod
    def from_bindings(
        cls, name: str, structure: ModuleStructure, bindings: ModuleBindings, *, private: bool
    ) -> ProvidedModule:
        """A module described by its structure and recorded bindings (parsed or from a manifest)."""
        return cls(
            name=name,
            structure=structure,
            imports=dict(bindings.imports),
            star_imports=bindings.star_imports,
            star_lines=bindings.star_lines,
            dynamic=bindings.dynamic,
            private=private,
        )

    @classmethod
    def from_structure(
        cls, name: str, structure: ModuleStructure, *, private: bool
    ) -> ProvidedModule:
        """A module known only by its structure (e.g. from a provider's manifest)."""
        return cls(name=name, structure=structure, private=private, imports_known=False)
