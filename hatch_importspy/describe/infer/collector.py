"""One walk of one module: every statement dispatched to the layer that knows it.

The layers (:mod:`hatch_importspy.describe.infer.expressions`, ``.statements``, ``.guarded``) each
handle one family of nodes on top of
:class:`~hatch_importspy.describe.infer.scope_builder.ScopeBuilder`; this class ties them together
with the dispatch over statement kinds, and what it collects is judged afterwards by
:mod:`hatch_importspy.describe.infer.resolve`.
"""

from __future__ import annotations

import ast

from hatch_importspy.describe.infer.bindings import OTHER
from hatch_importspy.describe.infer.guarded import GuardedStatements

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


class Collector(GuardedStatements):
    """Walks one module once, recording scopes, bindings and chain uses."""

    def module(self, tree: ast.Module) -> None:
        self.body(tree.body)

    def body(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        kind = type(node)
        if kind is ast.Expr:
            self.expr(node.value)  # type: ignore[attr-defined]
        elif kind is ast.Assign:
            self.assign(node)  # type: ignore[arg-type]
        elif kind is ast.Return:
            if node.value is not None:  # type: ignore[attr-defined]
                self.expr(node.value)  # type: ignore[attr-defined]
        elif kind is ast.If:
            self.if_statement(node)  # type: ignore[arg-type]
        elif kind in _FUNCTIONS:
            self.function(node)  # type: ignore[arg-type]
        elif kind is ast.ClassDef:
            self.class_definition(node)  # type: ignore[arg-type]
        elif kind is ast.AnnAssign:
            self.annotated_assign(node)  # type: ignore[arg-type]
        elif kind is ast.AugAssign:
            self.expr(node.value)  # type: ignore[attr-defined]
            self.target(node.target)  # type: ignore[attr-defined]
        elif kind in (ast.For, ast.AsyncFor):
            self.expr(node.iter)  # type: ignore[attr-defined]
            self.target(node.target)  # type: ignore[attr-defined]
            self.body(node.body)  # type: ignore[attr-defined]
            self.body(node.orelse)  # type: ignore[attr-defined]
        elif kind is ast.While:
            self.while_statement(node)  # type: ignore[arg-type]
        elif kind in (ast.With, ast.AsyncWith):
            self.with_statement(node)  # type: ignore[arg-type]
        elif kind is ast.Try or kind.__name__ == "TryStar":
            self.try_statement(node)
        elif kind is ast.Import:
            self.import_statement(node)  # type: ignore[arg-type]
        elif kind is ast.ImportFrom:
            self.import_from(node)  # type: ignore[arg-type]
        elif kind is ast.Raise:
            for part in (node.exc, node.cause):  # type: ignore[attr-defined]
                if part is not None:
                    self.expr(part)
        elif kind is ast.Assert:
            self.expr(node.test)  # type: ignore[attr-defined]
            if node.msg is not None:  # type: ignore[attr-defined]
                self.expr(node.msg)  # type: ignore[attr-defined]
        elif kind is ast.Delete:
            for target in node.targets:  # type: ignore[attr-defined]
                self.target(target)
        elif kind is ast.Global:
            self.scope.globals.update(node.names)  # type: ignore[attr-defined]
        elif kind is ast.Nonlocal:
            self.scope.nonlocals.update(node.names)  # type: ignore[attr-defined]
        elif kind is ast.Match:
            self.match_statement(node)  # type: ignore[arg-type]
        elif kind.__name__ == "TypeAlias":
            self.bind(node.name.id, OTHER)  # type: ignore[attr-defined]
