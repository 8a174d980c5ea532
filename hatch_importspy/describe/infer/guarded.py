"""The walk of statements that may guard their bodies: ``if``, ``while``, ``with``, ``try``.

Code written to survive a provider's differences is walked (its bindings count) but its uses
are marked guarded and never recorded; a ``try`` at module level also turns the names it
assigns into flags, so later tests of those names guard too.
"""

from __future__ import annotations

import ast

from hatch_importspy.describe.extract import is_type_checking, last_name
from hatch_importspy.describe.infer.bindings import OTHER
from hatch_importspy.describe.infer.guards import catches_guard, mentions_feature_test
from hatch_importspy.describe.infer.statements import BindingStatements


class GuardedStatements(BindingStatements):
    """Visits the statements whose bodies a feature test or an exception handler may guard."""

    def guarded_body(self, statements: list[ast.stmt]) -> None:
        self.guarded += 1
        try:
            self.body(statements)
        finally:
            self.guarded -= 1

    def if_statement(self, node: ast.If) -> None:
        if is_type_checking(node.test):
            # The body never runs; the else branch always does.
            self.body(node.orelse)
            return
        if mentions_feature_test(node.test, self.flags):
            self.guarded += 1
            try:
                self.expr(node.test)
                self.body(node.body)
                self.body(node.orelse)
            finally:
                self.guarded -= 1
            return
        self.expr(node.test)
        self.body(node.body)
        self.body(node.orelse)

    def while_statement(self, node: ast.While) -> None:
        guard = mentions_feature_test(node.test, self.flags)
        self.guarded += guard
        try:
            self.expr(node.test)
            self.body(node.body)
            self.body(node.orelse)
        finally:
            self.guarded -= guard

    def with_statement(self, node: ast.With | ast.AsyncWith) -> None:
        suppressing = False
        for item in node.items:
            if isinstance(item.context_expr, ast.Call) and (
                last_name(item.context_expr.func) == "suppress"
            ):
                suppressing = True
            self.expr(item.context_expr)
            if item.optional_vars is not None:
                self.target(item.optional_vars)
        if suppressing:
            self.guarded_body(node.body)
        else:
            self.body(node.body)

    def try_statement(self, node: ast.stmt) -> None:
        handlers: list[ast.ExceptHandler] = node.handlers  # type: ignore[attr-defined]
        guarding = any(catches_guard(handler.type) for handler in handlers)
        at_module = self.scope is self.root
        if guarding:
            self.guarded += 1
            self.flag_context += at_module
        try:
            self.body(node.body)  # type: ignore[attr-defined]
            for handler in handlers:
                if handler.type is not None:
                    self.expr(handler.type)
                if handler.name is not None:
                    self.bind(handler.name, OTHER)
                if guarding:
                    # Handlers of a guarded try are fallbacks: they run, so their uses count, as
                    # optional expectations (the package runs without them)...
                    self.guarded -= 1
                    self.fallback += 1
                    try:
                        self.body(handler.body)
                    finally:
                        self.guarded += 1
                        self.fallback -= 1
                else:
                    self.body(handler.body)
        finally:
            if guarding:
                self.guarded -= 1
                self.flag_context -= at_module
        # ...but flags they set are flags all the same.
        if guarding and at_module:
            for handler in handlers:
                for statement in handler.body:
                    if isinstance(statement, ast.Assign):
                        self.flags.update(
                            target.id
                            for target in statement.targets
                            if isinstance(target, ast.Name)
                        )
        self.body(node.orelse)  # type: ignore[attr-defined]
        self.body(node.finalbody)  # type: ignore[attr-defined]
