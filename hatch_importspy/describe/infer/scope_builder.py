"""The state of one walk and its bookkeeping: the scope stack, where a name binds, guard depth.

Every layer of the walk (:mod:`hatch_importspy.describe.infer.expressions`, ``.statements``,
``.guarded``, ``.collector``) builds on this class, so Python's scoping rules (``global``,
``nonlocal``, class bodies) and the module-level flag rule are applied in one place only.
"""

from __future__ import annotations

import ast

from hatch_importspy.describe.infer.bindings import Binding, Kind, Scope, Use


class ScopeBuilder:
    """Scopes and bindings of one module, and what its import statements load."""

    def __init__(self) -> None:
        self.root = Scope(Kind.MODULE, None)
        self.scope = self.root
        self.scopes: list[Scope] = [self.root]
        self.guarded = 0
        self.flag_context = 0
        """Depth of module-level guarded ``try`` statements: assignments there are flags."""
        self.flags: set[str] = set()
        self.fallback = 0
        """Depth of ``except`` handlers of guarded ``try`` statements: what they use is optional."""
        self.imported: list[tuple[str, bool]] = []
        """Modules named by unguarded import statements, each with whether it is only a fallback
        (optional); each must exist."""
        self.from_names: list[tuple[str, str, bool]] = []
        """``(module, name, optional)`` of unguarded ``from module import name`` statements."""
        self.loaded: set[str] = set()
        """Every module an import statement of the file loads, for splitting chains."""

    def push(self, kind: Kind) -> Scope:
        scope = Scope(kind, self.scope)
        self.scopes.append(scope)
        self.scope = scope
        return scope

    def pop(self, scope: Scope) -> None:
        assert scope.parent is not None
        self.scope = scope.parent

    def bind(self, name: str, binding: Binding, scope: Scope | None = None) -> None:
        scope = scope or self.scope
        if name in scope.globals:
            scope = self.root
        elif name in scope.nonlocals:
            scope = self._enclosing_function(scope, name)
        scope.bindings.setdefault(name, []).append(binding)
        if self.flag_context and scope is self.root and self.guarded:
            self.flags.add(name)

    def _enclosing_function(self, scope: Scope, name: str) -> Scope:
        candidate = scope.parent
        fallback: Scope | None = None
        while candidate is not None and candidate.kind is not Kind.MODULE:
            if candidate.kind is Kind.FUNCTION:
                if name in candidate.bindings:
                    return candidate
                fallback = fallback or candidate
            candidate = candidate.parent
        return fallback or self.root

    def use(self, root: str, parts: tuple[str, ...], call: ast.Call | None) -> Use:
        use = Use(root, parts, call, self.guarded > 0, self.fallback > 0)
        self.scope.uses.append(use)
        return use
