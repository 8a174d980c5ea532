"""The walk of expressions: chains rooted at a name become uses, and new scopes open where
Python opens them (lambdas, comprehensions).

Expressions are where uses are born (``x.a.b(...)``); statements only decide where the names
bind and whether the code around them is guarded.  Assignment targets and parameters live here
too because lambdas and comprehensions bind them inside an expression.
"""

from __future__ import annotations

import ast

from hatch_importspy.describe.infer.bindings import OTHER, Kind, Use
from hatch_importspy.describe.infer.guards import mentions_feature_test
from hatch_importspy.describe.infer.scope_builder import ScopeBuilder
from hatch_importspy.model import INSTANCE

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


class ExpressionWalker(ScopeBuilder):
    """Visits expressions read at run time, recording each chain on a plain name."""

    def expr(self, node: ast.expr) -> Use | None:
        """Visit an expression read at run time; return the use when it is a plain chain call."""
        kind = type(node)
        if kind is ast.Name:
            # A bare name adds nothing: its import statement is already recorded.
            return None
        if kind is ast.Attribute or kind is ast.Call:
            return self.chain(node)
        if kind is ast.Constant:
            return None
        if kind is ast.BinOp:
            self.expr(node.left)  # type: ignore[attr-defined]
            self.expr(node.right)  # type: ignore[attr-defined]
        elif kind in (ast.Tuple, ast.List, ast.Set):
            for element in node.elts:  # type: ignore[attr-defined]
                self.expr(element)
        elif kind is ast.Compare:
            self.expr(node.left)  # type: ignore[attr-defined]
            for comparator in node.comparators:  # type: ignore[attr-defined]
                self.expr(comparator)
        elif kind is ast.Subscript:
            self.expr(node.value)  # type: ignore[attr-defined]
            self.expr(node.slice)  # type: ignore[attr-defined]
        elif kind is ast.Dict:
            for key in node.keys:  # type: ignore[attr-defined]
                if key is not None:
                    self.expr(key)
            for value in node.values:  # type: ignore[attr-defined]
                self.expr(value)
        elif kind is ast.BoolOp or kind is ast.IfExp:
            self.conditional(node)
        elif kind in _COMPREHENSIONS:
            self.comprehension(node)
        elif kind is ast.Lambda:
            self.defaults(node.args)  # type: ignore[attr-defined]
            scope = self.push(Kind.FUNCTION)
            self.parameters(node.args)  # type: ignore[attr-defined]
            self.expr(node.body)  # type: ignore[attr-defined]
            self.pop(scope)
        elif kind is ast.NamedExpr:
            self.expr(node.value)  # type: ignore[attr-defined]
            scope = self.scope
            while scope.kind is Kind.COMPREHENSION and scope.parent is not None:
                scope = scope.parent
            self.bind(node.target.id, OTHER, scope)  # type: ignore[attr-defined]
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child)
        return None

    def conditional(self, node: ast.expr) -> None:
        if isinstance(node, ast.BoolOp):
            parts = node.values
            test: ast.expr = node
        else:
            assert isinstance(node, ast.IfExp)
            parts = [node.test, node.body, node.orelse]
            test = node.test
        guard = mentions_feature_test(test, self.flags)
        self.guarded += guard
        try:
            for part in parts:
                self.expr(part)
        finally:
            self.guarded -= guard

    def comprehension(self, node: ast.expr) -> None:
        generators: list[ast.comprehension] = node.generators  # type: ignore[attr-defined]
        # The first iterable is evaluated in the enclosing scope; the rest inside.
        self.expr(generators[0].iter)
        scope = self.push(Kind.COMPREHENSION)
        for index, generator in enumerate(generators):
            if index:
                self.expr(generator.iter)
            self.target(generator.target)
            for condition in generator.ifs:
                self.conditional_test(condition)
        if isinstance(node, ast.DictComp):
            self.expr(node.key)
            self.expr(node.value)
        else:
            self.expr(node.elt)  # type: ignore[attr-defined]
        self.pop(scope)

    def conditional_test(self, node: ast.expr) -> None:
        guard = mentions_feature_test(node, self.flags)
        self.guarded += guard
        try:
            self.expr(node)
        finally:
            self.guarded -= guard

    def chain(self, node: ast.expr) -> Use | None:
        """``root.a.b(...).c(...)``: record each call along the chain and the whole chain."""
        steps: list[str | ast.Call] = []
        current = node
        while True:
            kind = type(current)
            if kind is ast.Attribute:
                steps.append(current.attr)  # type: ignore[attr-defined]
                current = current.value  # type: ignore[attr-defined]
            elif kind is ast.Call:
                steps.append(current)  # type: ignore[arg-type]
                current = current.func  # type: ignore[attr-defined]
            else:
                break
        for step in steps:
            if not isinstance(step, str):
                for argument in step.args:
                    self.expr(argument)
                for keyword in step.keywords:
                    self.expr(keyword.value)
        if type(current) is not ast.Name:
            self.expr(current)
            return None
        root: str = current.id
        steps.reverse()
        prefix: list[str] = []
        last = len(steps) - 1
        top: Use | None = None
        for index, step in enumerate(steps):
            if isinstance(step, str):
                prefix.append(step)
                continue
            use = self.use(root, tuple(prefix), step)
            if index == last and INSTANCE not in prefix:
                top = use
            if index != last:
                prefix.append(INSTANCE)
        if isinstance(steps[last], str):
            self.use(root, tuple(prefix), None)
        return top

    def target(self, node: ast.expr) -> None:
        """An assignment, ``for``, ``with`` or ``del`` target: names bind, the rest is read."""
        kind = type(node)
        if kind is ast.Name:
            self.bind(node.id, OTHER)  # type: ignore[attr-defined]
        elif kind in (ast.Tuple, ast.List):
            for element in node.elts:  # type: ignore[attr-defined]
                self.target(element)
        elif kind is ast.Starred:
            self.target(node.value)  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            self.expr(node.value)  # type: ignore[attr-defined]
        elif kind is ast.Subscript:
            self.expr(node.value)  # type: ignore[attr-defined]
            self.expr(node.slice)  # type: ignore[attr-defined]
        else:
            self.expr(node)

    def defaults(self, arguments: ast.arguments) -> None:
        for default in arguments.defaults:
            self.expr(default)
        for keyword_default in arguments.kw_defaults:
            if keyword_default is not None:
                self.expr(keyword_default)

    def parameters(self, arguments: ast.arguments) -> None:
        for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
            self.bind(argument.arg, OTHER)
        if arguments.vararg is not None:
            self.bind(arguments.vararg.arg, OTHER)
        if arguments.kwarg is not None:
            self.bind(arguments.kwarg.arg, OTHER)
