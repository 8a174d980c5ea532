"""The walk of statements that bind names: assignments, definitions, imports, ``match`` patterns.

Whether a name is followed depends on every binding of it, so each binding statement says what
it binds: an import, an instance of a followed call (``n = x.C(...)``), or anything else.
Import statements also note which modules the file loads, for splitting chains later.
"""

from __future__ import annotations

import ast
from abc import ABC, abstractmethod

from hatch_importspy.describe.infer.bindings import OTHER, Import, Instance, Kind
from hatch_importspy.describe.infer.expressions import ExpressionWalker
from hatch_importspy.describe.infer.guards import mentions_feature_test


class BindingStatements(ExpressionWalker, ABC):
    """Visits the statements that bind names; the walk of whole bodies is left to a subclass."""

    @abstractmethod
    def body(self, statements: list[ast.stmt]) -> None:
        """Visit a block of statements in the current scope."""

    def assign(self, node: ast.Assign) -> None:
        top = self.expr(node.value)
        if self.scope is self.root and mentions_feature_test(node.value, self.flags):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.flags.add(target.id)
        if len(node.targets) == 1 and type(node.targets[0]) is ast.Name and top is not None:
            self.bind(node.targets[0].id, Instance(top, self.scope))
            return
        for target in node.targets:
            self.target(target)

    def annotated_assign(self, node: ast.AnnAssign) -> None:
        top = self.expr(node.value) if node.value is not None else None
        if type(node.target) is ast.Name and top is not None:
            self.bind(node.target.id, Instance(top, self.scope))
        else:
            self.target(node.target)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.expr(decorator)
        self.defaults(node.args)
        self.bind(node.name, OTHER)
        scope = self.push(Kind.FUNCTION)
        self.parameters(node.args)
        self.body(node.body)
        self.pop(scope)

    def class_definition(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.expr(decorator)
        for base in node.bases:
            self.expr(base)
        for keyword in node.keywords:
            self.expr(keyword.value)
        scope = self.push(Kind.CLASS)
        self.body(node.body)
        self.pop(scope)
        self.bind(node.name, OTHER)

    def import_statement(self, node: ast.Import) -> None:
        for alias in node.names:
            parts = alias.name.split(".")
            for index in range(1, len(parts) + 1):
                self.loaded.add(".".join(parts[:index]))
            if alias.asname is not None:
                self.bind(alias.asname, Import(alias.name, None))
            else:
                self.bind(parts[0], Import(parts[0], None))
            if not self.guarded:
                self.imported.append((alias.name, self.fallback > 0))

    def import_from(self, node: ast.ImportFrom) -> None:
        if node.level or node.module is None:
            for alias in node.names:
                if alias.name != "*":
                    self.bind(alias.asname or alias.name, OTHER)
            return
        module = node.module
        parts = module.split(".")
        for index in range(1, len(parts) + 1):
            self.loaded.add(".".join(parts[:index]))
        for alias in node.names:
            if alias.name == "*":
                if not self.guarded:
                    self.imported.append((module, self.fallback > 0))
                continue
            self.bind(alias.asname or alias.name, Import(module, alias.name))
            if not self.guarded:
                self.from_names.append((module, alias.name, self.fallback > 0))

    def match_statement(self, node: ast.Match) -> None:
        self.expr(node.subject)
        for case in node.cases:
            self.pattern(case.pattern)
            if case.guard is not None:
                self.expr(case.guard)
            self.body(case.body)

    def pattern(self, node: ast.pattern) -> None:
        if isinstance(node, ast.MatchValue):
            self.expr(node.value)
        elif isinstance(node, ast.MatchClass):
            self.expr(node.cls)
            for sub in (*node.patterns, *node.kwd_patterns):
                self.pattern(sub)
        elif isinstance(node, ast.MatchAs):
            if node.pattern is not None:
                self.pattern(node.pattern)
            if node.name is not None:
                self.bind(node.name, OTHER)
        elif isinstance(node, ast.MatchStar):
            if node.name is not None:
                self.bind(node.name, OTHER)
        elif isinstance(node, ast.MatchMapping):
            for key in node.keys:
                self.expr(key)
            for sub in node.patterns:
                self.pattern(sub)
            if node.rest is not None:
                self.bind(node.rest, OTHER)
        elif isinstance(node, (ast.MatchSequence, ast.MatchOr)):
            for sub in node.patterns:
                self.pattern(sub)
