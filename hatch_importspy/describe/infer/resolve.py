"""Resolution, once a module has been walked: which recorded chains name something external.

Kept apart from the walk because it needs the whole module: a name is followed only when every
binding of it in the scope that owns it is the same import (or the one instance assignment), and
a later binding can undo an earlier one.  Resolving touches only the uses, never the tree.
"""

from __future__ import annotations

from hatch_importspy.describe.infer.bindings import Binding, Import, Instance, Kind, Scope, Use
from hatch_importspy.describe.infer.record import Record, call_shape
from hatch_importspy.describe.infer.scope_builder import ScopeBuilder
from hatch_importspy.model import INSTANCE, CallShape, is_dunder


class UseResolver:
    """Turns what one walk collected into names of external modules, in a :class:`Record`."""

    def __init__(self, walk: ScopeBuilder) -> None:
        self.root = walk.root
        self.scopes = walk.scopes
        self.imported = walk.imported
        self.from_names = walk.from_names
        self.loaded = walk.loaded

    def resolve_into(self, record: Record) -> None:
        for module, optional in self.imported:
            if record.wanted(module):
                record.module(module, optional=optional)
        for module, name, optional in self.from_names:
            if record.wanted(module) and not is_dunder(name):
                record.name(module, (name,), None, optional=optional)
        for scope in self.scopes:
            for use in scope.uses:
                if use.guarded:
                    continue
                target = self.resolve(use, scope, depth=0)
                if target is None:
                    continue
                module, parts, call = target
                if record.wanted(module):
                    record.name(module, parts, call, optional=use.optional)

    def resolve(
        self, use: Use, scope: Scope, *, depth: int
    ) -> tuple[str, tuple[str, ...], CallShape | None] | None:
        bindings = self.bindings_of(use.root, scope)
        if not bindings:
            return None
        first = bindings[0]
        call = None if use.call is None else call_shape(use.call)
        if isinstance(first, Import) and all(binding == first for binding in bindings):
            module = first.module
            parts: tuple[str, ...] = () if first.name is None else (first.name,)
            parts += use.parts
            if first.name is None:
                # ``import a`` + ``a.b.c``: when the file imports ``a.b``, ``c`` is a name of it.
                taken = 0
                while (
                    taken < len(parts)
                    and parts[taken] != INSTANCE
                    and f"{module}.{parts[taken]}" in self.loaded
                ):
                    module = f"{module}.{parts[taken]}"
                    taken += 1
                parts = parts[taken:]
        elif len(bindings) == 1 and isinstance(first, Instance) and depth == 0 and use.parts:
            origin = self.resolve(first.use, first.scope, depth=1)
            if origin is None or not origin[1] or INSTANCE in origin[1]:
                return None
            module, parts = origin[0], (*origin[1], INSTANCE, *use.parts)
        else:
            return None
        return (module, *_trim(parts, call))

    def bindings_of(self, name: str, scope: Scope) -> list[Binding] | None:
        if name in scope.globals:
            return self.root.bindings.get(name)
        current: Scope | None = scope
        first = True
        while current is not None:
            if (first or current.kind is not Kind.CLASS) and name in current.bindings:
                return current.bindings[name]
            first = False
            current = current.parent
        return None


def _trim(
    parts: tuple[str, ...], call: CallShape | None
) -> tuple[tuple[str, ...], CallShape | None]:
    """Stop a chain at a dunder segment or a second instance step; its call goes with the cut."""
    seen_instance = False
    for index, part in enumerate(parts):
        if part == INSTANCE:
            if seen_instance:
                return parts[:index], None
            seen_instance = True
        elif is_dunder(part):
            return parts[:index], None
    return parts, call
