"""Where the expectation checks get provider modules from, asked once per name.

The checks never read files: the caller passes a :data:`ModuleLookup` (parsed from site-packages,
or a provider's own manifest) and :class:`ModuleCache` keeps its answers for one expectation, so
following the same import from several names asks the lookup once.
"""

from __future__ import annotations

from collections.abc import Callable

from hatch_importspy.compare.provided import ProvidedModule
from hatch_importspy.errors import SourceError

ModuleLookup = Callable[[str], ProvidedModule | None]
"""Dotted module name -> the installed module as importers see it, ``None`` when absent.

May raise :class:`~hatch_importspy.errors.SourceError` (in practice
:class:`~hatch_importspy.describe.extract.ExtractionError`) for a module that does not parse."""


class ModuleCache:
    """The lookup's answers, cached: a module that does not parse raises once per cache."""

    def __init__(self, lookup: ModuleLookup) -> None:
        self._lookup = lookup
        self._modules: dict[str, ProvidedModule | None] = {}

    def module(self, name: str) -> ProvidedModule | None:
        """The module ``name``, ``None`` when absent; raises ``SourceError`` when unreadable."""
        if name not in self._modules:
            self._modules[name] = self._lookup(name)
        return self._modules[name]

    def quiet_module(self, name: str | None) -> ProvidedModule | None:
        """A module needed only to follow a path: one that does not parse is just unknown."""
        if not name:
            return None
        try:
            return self.module(name)
        except SourceError:
            self._modules[name] = None
            return None
