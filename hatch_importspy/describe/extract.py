"""The static extractor: Python source in, :class:`~hatch_importspy.model.ModuleStructure` out.

It parses with :mod:`ast` and never imports or runs the code, so describing a package at build time
and re-describing a modified file at verify time are both safe on untrusted input.

What it describes, and the rules for what static reading cannot know (also in docs/design.md):

- A module's names form one namespace: a later *unconditional* binding of a name replaces an earlier
  one, as it would at run time, and ``del NAME`` removes it when it is unconditional or follows
  the binding in the same block (``else: class X: ...; ...; del X``).  ``alias = name``,
  where ``name`` is a function or class bound earlier in the same body (private or not), describes
  ``alias`` as that function or class under its new name (``copy = deepcopy`` in a class is a
  method ``copy`` with ``deepcopy``'s signature), since that is what the attribute is at run time.
- Parameters of a method named ``__x`` (two leading underscores, not a dunder) are described by the
  name Python mangles them to, ``_Class__x``: that is the keyword a caller has to use.
- Definitions under control flow (``if``, ``try``, ``with``, loops, ``match``) are described and
  flagged ``conditional``.  If such a definition binds a name that is already bound, the first one
  is kept: for ``if sys.version_info >= (3, 11): ... else: ...`` and for ``try``/``except
  ImportError`` fallbacks the first branch is the one described.
- ``if TYPE_CHECKING:`` bodies are skipped (they do not exist at run time); their ``else`` branch
  is described as if unconditional.  ``if __name__ == "__main__":`` bodies are skipped too.
- Imports are not described as objects of the module (re-exports are covered by a literal
  ``__all__``), but they do bind their names: a ``try: from fast import f`` / ``except ImportError:
  def f(...)`` fallback is therefore not described, since at run time ``f`` is usually the import.
- ``@typing.overload`` stubs are skipped in favour of the implementation; ``@x.setter``,
  ``@x.getter`` and ``@x.deleter`` refine the property ``x`` rather than replace it.
- Instance attributes are the ``self.NAME = ...`` assignments found in the statements of a
  class's methods (not inside nested functions or classes).
- ``__all__`` is recorded when it is a literal list or tuple of strings, extended only by literal
  ``+=``, ``.append`` or ``.extend``; anything else makes it unknown (``None``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from hatch_importspy.errors import SourceError
from hatch_importspy.model import (
    Attribute,
    AttributeScope,
    Class,
    Function,
    FunctionKind,
    ModuleStructure,
    Parameter,
    ParameterKind,
    Variable,
    is_public,
    mangled,
)

_CALL_SHAPE_DECORATORS = {
    "staticmethod": FunctionKind.STATICMETHOD,
    "classmethod": FunctionKind.CLASSMETHOD,
    "property": FunctionKind.PROPERTY,
    "cached_property": FunctionKind.PROPERTY,
    # abc's deprecated spellings, still common in released code: they wrap property,
    # staticmethod and classmethod, so callers see the same call shapes.
    "abstractproperty": FunctionKind.PROPERTY,
    "abstractstaticmethod": FunctionKind.STATICMETHOD,
    "abstractclassmethod": FunctionKind.CLASSMETHOD,
}
_PROPERTY_REFINERS = frozenset({"setter", "getter", "deleter"})

Definition = Function | Class | Variable | Attribute


class ExtractionError(SourceError):
    """The source is not valid Python for this interpreter."""


def parse(source: bytes, filename: str) -> ast.Module:
    """Parse source, turning every way it can fail into one :class:`ExtractionError` line."""
    try:
        return ast.parse(source, filename=filename)
    except SyntaxError as error:
        line = f"line {error.lineno}" if error.lineno else "source"
        raise ExtractionError(f"{filename}: {line}: {error.msg}") from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise ExtractionError(f"{filename}: cannot parse: {error}") from None


def extract_structure(source: bytes, *, filename: str, private: bool = False) -> ModuleStructure:
    """Describe the module in ``source``; ``filename`` is used for error messages only."""
    return structure_of(parse(source, filename), private=private)


def structure_of(tree: ast.Module, *, private: bool = False) -> ModuleStructure:
    """Describe an already parsed module (lets callers that need the tree parse once)."""
    scope = _Scope(private=private, in_class=False)
    scope.visit(tree.body, conditional=False)
    definitions = scope.sorted()
    return ModuleStructure(
        variables=tuple(d for d in definitions if isinstance(d, Variable)),
        functions=tuple(d for d in definitions if isinstance(d, Function)),
        classes=tuple(d for d in definitions if isinstance(d, Class)),
        all=scope.all_names(),
    )


def _text(node: ast.expr | None) -> str | None:
    """The source text of an annotation or default, as :func:`ast.unparse` spells it."""
    if node is None:
        return None
    simple = _simple_text(node)
    return ast.unparse(node) if simple is None else simple


def _simple_text(node: ast.expr) -> str | None:
    """:func:`ast.unparse` of the shapes most annotations and defaults have, without its visitor
    (which is most of the cost of describing a module once it is parsed): names, dotted names,
    ``None``/``True``/``False``/integers, and ``X[...]`` of those.  ``None`` for anything else,
    which :func:`ast.unparse` then spells; the text is the same either way."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        value = node.value
        # ``1 .real`` and calls or subscripts before the dot are left to unparse.
        if isinstance(value, (ast.Name, ast.Attribute)):
            head = _simple_text(value)
            return None if head is None else f"{head}.{node.attr}"
        return None
    if isinstance(node, ast.Constant):
        constant = node.value
        if constant is None or isinstance(constant, bool) or type(constant) is int:
            return repr(constant)
        return None
    if isinstance(node, ast.Subscript) and isinstance(node.value, (ast.Name, ast.Attribute)):
        head = _simple_text(node.value)
        index = node.slice
        if head is None:
            return None
        if not isinstance(index, ast.Tuple):
            inner = _simple_text(index)
            return None if inner is None else f"{head}[{inner}]"
        if len(index.elts) < 2:  # ``X[()]`` and ``X[a,]`` are unparse's to spell
            return None
        items: list[str] = []
        for item in index.elts:
            text = _simple_text(item)
            if text is None:
                return None
            items.append(text)
        return f"{head}[{', '.join(items)}]"
    return None


def last_name(node: ast.expr) -> str | None:
    """``functools.cached_property`` -> ``cached_property``; calls use their callee.

    Shared by every static reader so that ``x``, ``mod.x`` and ``mod.x(...)`` are recognised alike.
    """
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def is_type_checking(test: ast.expr) -> bool:
    """``TYPE_CHECKING`` or ``typing.TYPE_CHECKING``: always false at run time."""
    return last_name(test) == "TYPE_CHECKING"


def known_at_run_time(test: ast.expr) -> bool | None:
    """The value an ``if`` test always has at run time, or ``None`` when only running could tell.

    ``if TYPE_CHECKING:`` never runs its body and ``if not TYPE_CHECKING:`` always does; every
    reader that follows module-level control flow must agree on that, so it is decided here once.
    """
    if is_type_checking(test):
        return False
    if (
        isinstance(test, ast.UnaryOp)
        and isinstance(test.op, ast.Not)
        and is_type_checking(test.operand)
    ):
        return True
    return None


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _string_list(node: ast.expr | None) -> list[str] | None:
    if isinstance(node, (ast.List, ast.Tuple)) and all(
        isinstance(element, ast.Constant) and isinstance(element.value, str)
        for element in node.elts
    ):
        return [element.value for element in node.elts]  # type: ignore[attr-defined]
    return None


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _parameters(arguments: ast.arguments, class_name: str | None) -> tuple[Parameter, ...]:
    positional = [*arguments.posonlyargs, *arguments.args]
    first_default = len(positional) - len(arguments.defaults)
    parameters: list[Parameter] = []
    for index, argument in enumerate(positional):
        default = arguments.defaults[index - first_default] if index >= first_default else None
        kind = (
            ParameterKind.POSITIONAL_ONLY
            if index < len(arguments.posonlyargs)
            else ParameterKind.POSITIONAL_OR_KEYWORD
        )
        parameters.append(_parameter(argument, kind, default, class_name))
    if arguments.vararg is not None:
        vararg = _parameter(arguments.vararg, ParameterKind.VAR_POSITIONAL, None, class_name)
        parameters.append(vararg)
    for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
        parameters.append(_parameter(argument, ParameterKind.KEYWORD_ONLY, default, class_name))
    if arguments.kwarg is not None:
        kwarg = _parameter(arguments.kwarg, ParameterKind.VAR_KEYWORD, None, class_name)
        parameters.append(kwarg)
    return tuple(parameters)


def _parameter(
    argument: ast.arg, kind: ParameterKind, default: ast.expr | None, class_name: str | None
) -> Parameter:
    return Parameter(
        name=mangled(argument.arg, class_name),
        kind=kind,
        annotation=_text(argument.annotation),
        has_default=default is not None,
        default=_text(default),
    )


@dataclass
class _Scope:
    """Collects the bindings of one namespace (a module or a class body) in source order."""

    private: bool
    in_class: bool
    class_name: str | None = None
    """The class whose body this is: its name is what ``__x`` parameters are mangled with."""
    bindings: dict[str, Definition | None] = field(default_factory=dict)
    """Every name bound so far, private ones too, so that ``alias = _impl`` can be followed;
    only :meth:`sorted` leaves private names out.  ``None`` marks a name bound by an import or
    another statement: known, but not described."""
    all: list[str] | None = None
    all_known: bool = True

    def sorted(self) -> list[Definition]:
        return [
            definition
            for name, definition in sorted(self.bindings.items())
            if definition is not None and (self.private or is_public(name))
        ]

    def all_names(self) -> tuple[str, ...] | None:
        if self.all is None or not self.all_known:
            return None
        return tuple(self.all)

    def bind(self, definition: Definition, *, conditional: bool) -> None:
        self.bind_name(definition.name, definition, conditional=conditional)

    def bind_name(self, name: str, definition: Definition | None, *, conditional: bool) -> None:
        if conditional and name in self.bindings:
            return
        self.bindings[name] = definition

    # -- statements

    def visit(self, body: Iterable[ast.stmt], *, conditional: bool) -> None:
        bound_here: set[str] = set()
        for statement in body:
            if isinstance(statement, ast.Delete):
                self.delete(statement, unconditional=not conditional, bound_here=bound_here)
                continue
            self.statement(statement, conditional=conditional)
            bound_here.update(_names_bound_by(statement))

    def delete(self, node: ast.Delete, *, unconditional: bool, bound_here: set[str]) -> None:
        """``del NAME`` unbinds what it certainly removes: any binding when the ``del`` always
        runs, else one made earlier in its own block, which runs whenever the ``del`` does."""
        for target in node.targets:
            if isinstance(target, ast.Name) and (unconditional or target.id in bound_here):
                self.bindings.pop(target.id, None)

    def statement(self, node: ast.stmt, *, conditional: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(node, conditional=conditional)
        elif isinstance(node, ast.ClassDef):
            self.bind(self.cls(node, conditional=conditional), conditional=conditional)
        elif isinstance(node, ast.Assign):
            self.assignment(node.targets, node.value, None, node.lineno, conditional=conditional)
        elif isinstance(node, ast.AnnAssign):
            self.assignment(
                [node.target], node.value, node.annotation, node.lineno, conditional=conditional
            )
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    name = alias.asname or alias.name.partition(".")[0]
                    self.bind_name(name, None, conditional=conditional)
        elif isinstance(node, ast.AugAssign):
            self.augmented_all(node)
        elif isinstance(node, ast.Expr):
            self.all_method_call(node.value)
        elif isinstance(node, ast.If):
            self.branch(node)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            for block in self.try_blocks(node):
                self.visit(block, conditional=True)
        elif isinstance(node, (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)):
            self.visit(node.body, conditional=True)
            self.visit(getattr(node, "orelse", []), conditional=True)
        elif isinstance(node, ast.Match):
            for case in node.cases:
                self.visit(case.body, conditional=True)

    @staticmethod
    def try_blocks(node: ast.stmt) -> Iterator[list[ast.stmt]]:
        yield node.body  # type: ignore[attr-defined]
        for handler in node.handlers:  # type: ignore[attr-defined]
            yield handler.body
        yield node.orelse  # type: ignore[attr-defined]
        yield node.finalbody  # type: ignore[attr-defined]

    def branch(self, node: ast.If) -> None:
        known = known_at_run_time(node.test)
        if known is False:
            self.visit(node.orelse, conditional=False)
        elif known is True:
            self.visit(node.body, conditional=False)
        elif _is_main_guard(node.test):
            self.visit(node.orelse, conditional=True)
        else:
            self.visit(node.body, conditional=True)
            self.visit(node.orelse, conditional=True)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, *, conditional: bool) -> None:
        decorator_names = [last_name(d) for d in node.decorator_list]
        if "overload" in decorator_names:
            return
        for decorator in node.decorator_list:
            if (
                isinstance(decorator, ast.Attribute)
                and decorator.attr in _PROPERTY_REFINERS
                and isinstance(decorator.value, ast.Name)
                and decorator.value.id == node.name
                and node.name in self.bindings
            ):
                return
        kind = FunctionKind.FUNCTION
        if self.in_class:
            kind = FunctionKind.METHOD
            for name in decorator_names:
                if name in _CALL_SHAPE_DECORATORS:
                    kind = _CALL_SHAPE_DECORATORS[name]
        function = Function(
            name=node.name,
            parameters=_parameters(node.args, self.class_name),
            returns=_text(node.returns),
            is_async=isinstance(node, ast.AsyncFunctionDef),
            kind=kind,
            decorators=tuple(ast.unparse(d) for d in node.decorator_list),
            conditional=conditional,
            line=node.lineno,
        )
        self.bind(function, conditional=conditional)

    def cls(self, node: ast.ClassDef, *, conditional: bool) -> Class:
        body = _Scope(private=self.private, in_class=True, class_name=node.name)
        body.visit(node.body, conditional=False)
        for attribute in _instance_attributes(node):
            if attribute.name not in body.bindings:
                body.bind(attribute, conditional=False)
        members = body.sorted()
        bases = [ast.unparse(base) for base in node.bases]
        bases += [f"{keyword.arg}={ast.unparse(keyword.value)}" for keyword in node.keywords]
        return Class(
            name=node.name,
            bases=tuple(bases),
            methods=tuple(m for m in members if isinstance(m, Function)),
            attributes=tuple(m for m in members if isinstance(m, Attribute)),
            classes=tuple(m for m in members if isinstance(m, Class)),
            decorators=tuple(ast.unparse(d) for d in node.decorator_list),
            conditional=conditional,
            line=node.lineno,
        )

    def assignment(
        self,
        targets: list[ast.expr],
        value: ast.expr | None,
        annotation: ast.expr | None,
        line: int,
        *,
        conditional: bool,
    ) -> None:
        annotation_text = _text(annotation)
        aliased = self.aliased(value) if annotation is None else None
        for target in targets:
            literal = literal_text(value) if isinstance(target, ast.Name) else None
            for name in _target_names(target):
                if name == "__all__" and not self.in_class:
                    self.all = _string_list(value)
                    self.all_known = self.all is not None
                    continue
                definition: Definition
                if aliased is not None and isinstance(target, ast.Name):
                    definition = replace(aliased, name=name, conditional=conditional, line=line)
                elif self.in_class:
                    definition = Attribute(
                        name, AttributeScope.CLASS, annotation_text, conditional, line, literal
                    )
                else:
                    definition = Variable(name, annotation_text, conditional, line, literal)
                self.bind(definition, conditional=conditional)

    def aliased(self, value: ast.expr | None) -> Function | Class | None:
        """The function or class ``value`` names, when it is one bound earlier in this body."""
        if isinstance(value, ast.Name):
            found = self.bindings.get(value.id)
            if isinstance(found, (Function, Class)):
                return found
        return None

    def augmented_all(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name) and node.target.id == "__all__" and not self.in_class:
            self.extend_all(_string_list(node.value))

    def all_method_call(self, node: ast.expr) -> None:
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "__all__"
            and not self.in_class
        ):
            return
        if node.func.attr == "extend" and len(node.args) == 1:
            self.extend_all(_string_list(node.args[0]))
        elif node.func.attr == "append" and len(node.args) == 1:
            argument = node.args[0]
            is_name = isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            self.extend_all([argument.value] if is_name else None)  # type: ignore[attr-defined]
        else:
            self.all_known = False

    def extend_all(self, names: list[str] | None) -> None:
        if names is None or self.all is None:
            self.all_known = False
        else:
            self.all.extend(names)


def _names_bound_by(statement: ast.stmt) -> Iterator[str]:
    """The names a statement binds directly in its own scope (not inside its blocks)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield statement.name
    elif isinstance(statement, ast.Assign):
        for target in statement.targets:
            yield from _target_names(target)
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        yield from _target_names(statement.target)
    elif isinstance(statement, (ast.Import, ast.ImportFrom)):
        for alias in statement.names:
            yield alias.asname or alias.name.partition(".")[0]


def _instance_attributes(node: ast.ClassDef) -> Iterator[Attribute]:
    """``self.NAME`` bindings in the statements of the class's own methods, first one wins."""
    seen: set[str] = set()
    for method in node.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        decorators = {last_name(d) for d in method.decorator_list}
        arguments = [*method.args.posonlyargs, *method.args.args]
        if not arguments or decorators & {"staticmethod", "classmethod"}:
            continue
        self_name = arguments[0].arg
        for statement in _statements(method.body):
            for target, annotation in _assignment_targets(statement):
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == self_name
                    and target.attr not in seen
                ):
                    seen.add(target.attr)
                    yield Attribute(
                        target.attr,
                        AttributeScope.INSTANCE,
                        _text(annotation),
                        False,
                        statement.lineno,
                    )


def _assignment_targets(statement: ast.stmt) -> Iterator[tuple[ast.expr, ast.expr | None]]:
    if isinstance(statement, ast.Assign):
        for target in statement.targets:
            if isinstance(target, (ast.Tuple, ast.List)):
                for element in target.elts:
                    yield element, None
            else:
                yield target, None
    elif isinstance(statement, ast.AnnAssign):
        yield statement.target, statement.annotation


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement in a function body, through control flow, not into nested scopes."""
    stack = list(reversed(body))
    while stack:
        statement = stack.pop()
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        yield statement
        nested: list[ast.stmt] = []
        for name in ("body", "orelse", "finalbody"):
            nested.extend(getattr(statement, name, ()))
        for handler in getattr(statement, "handlers", ()):
            nested.extend(handler.body)
        for case in getattr(statement, "cases", ()):
            nested.extend(case.body)
        stack.extend(reversed(nested))


def literal_text(value: ast.expr | None) -> str | None:
    """``value`` as Python literal text when ``ast.literal_eval`` reads it (what ImportSpy can
    compare without running the module), else ``None``."""
    if value is None:
        return None
    try:
        evaluated = ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    if evaluated is None or isinstance(evaluated, (bool, int, float, str)):
        return repr(evaluated)
    return ast.unparse(value)
