"""Inference: which names of *other* distributions' modules a package uses, and how it calls them.

A dependency's new release breaks a package most often by renaming a function, dropping a keyword
or moving a class.  To catch that after install, the build records what the code relies on, read
statically from the parsed modules (never imported), and ``verify`` later holds each recorded use
against the installed provider.  A recorded use that is not really there would become a false
alarm on every install, so the rules below choose precision over coverage: what cannot be known
for certain is left out, never guessed.

What is recorded, per module outside the package:

- ``import x`` / ``import x.y`` / ``import x.y as z``: the module ``x`` / ``x.y`` must exist.
- ``from x import y``: ``x`` must offer ``y`` (a name, or a submodule: ``verify`` accepts both).
- Attribute chains on a name bound that way, ``x.sub.Class.method``: the longest prefix that an
  ``import`` statement of the same file names as a module is the module (``import x.sub`` makes
  ``x.sub.Class`` the name ``Class`` of ``x.sub``), the rest is the expected dotted name.
- Calls of such a chain: the number of positional arguments and the keyword names, with
  ``*args`` / ``**kwargs`` in the call marked (:class:`~hatch_importspy.model.CallShape`).
- Instances, one step deep: ``x.C(...).m(...)``, and ``n.m(...)`` where ``n`` is bound exactly once
  in its scope, by ``n = x.C(...)``, record ``C().m`` (``verify`` checks ``m`` as a member of the
  class ``C``, with ``self`` bound; when ``C`` is not a class there, nothing past it is checked).
  A chain stops at a second call (``x.a().b().c`` records ``a().b``) and at a dunder segment
  (``x.C.__name__`` records ``C``), whose presence is Python's business, not the provider's.

When a name is *not* followed:

- Scoping follows Python's rules (functions, lambdas, comprehensions, class bodies; ``global`` and
  ``nonlocal``).  A name is followed in a scope only when every binding of it in the scope that
  owns it is the same import (or the one instance assignment above).  Re-assigned, deleted,
  shadowed by a parameter, a loop or ``with`` target, an ``except ... as`` name or a local
  definition, or bound by two different imports (``try: import ujson as json`` / ``except
  ImportError: import json``): not followed.
- Dynamic access is not seen: ``getattr(x, "name")``, ``importlib.import_module``,
  ``__import__``, ``globals()``, names brought in by ``from x import *``, and chains on call
  results other than the one-step instance above, on subscripts or on attributes of ``self``.
- Guarded code is skipped, because it is written to survive the provider's differences: the body
  of a ``try`` with a handler for ``ImportError``, ``ModuleNotFoundError``, ``AttributeError``,
  ``TypeError``, ``NameError``, ``Exception`` or ``BaseException`` (or a bare ``except``); a
  ``with contextlib.suppress(...)`` block; both branches of an ``if``, and every operand of an
  ``and``/``or`` or conditional expression, whose test mentions ``hasattr``, ``getattr``,
  ``version_info``, ``version``, ``VERSION``, ``__version__``, ``platform``, ``implementation``,
  ``find_spec`` or ``TYPE_CHECKING``, or a module-level *flag*: a name assigned at module level
  from such a test, or inside a guarded ``try`` (``try: import x; HAS_X = True``).  A flag
  computed in another module is not recognised.  ``if TYPE_CHECKING:`` bodies do not run and are
  skipped entirely, so a module imported only there is not recorded.
- Annotations are not recorded: under postponed evaluation (``from __future__ import
  annotations``, and by default from Python 3.14) they never run, and type checkers cover them.
- Relative imports and absolute imports of the package's own top-level names are the package's
  own code.  Standard-library modules (``sys.stdlib_module_names`` of the building interpreter)
  are skipped: the manifest's ``python`` constraint already says which standard library the
  package was built for, and re-describing the standard library on every ``verify`` would cost
  time without finding anything the Python version check does not.

One pass over each tree collects scopes, bindings and uses; resolving the uses afterwards touches
only the uses.  Output is deterministic: expectations sorted by module, names by dotted name, call
shapes by (positional count, keywords, star flags).
"""

from __future__ import annotations

import ast
import enum
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from hatch_importspy.build.extract import is_type_checking, last_name
from hatch_importspy.model import (
    INSTANCE,
    CallShape,
    Expectation,
    ExpectedName,
    is_dunder,
    join_path,
    top_level,
)

STANDARD_LIBRARY: frozenset[str] = frozenset(sys.stdlib_module_names)

_FEATURE_MARKERS = frozenset(
    {
        "hasattr",
        "getattr",
        "version_info",
        "version",
        "VERSION",
        "__version__",
        "platform",
        "implementation",
        "find_spec",
        "TYPE_CHECKING",
    }
)
_GUARD_EXCEPTIONS = frozenset(
    {
        "ImportError",
        "ModuleNotFoundError",
        "AttributeError",
        "TypeError",
        "NameError",
        "Exception",
        "BaseException",
    }
)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def is_standard_library(module: str) -> bool:
    """Whether ``module`` belongs to the standard library of the running interpreter."""
    return top_level(module) in STANDARD_LIBRARY


def distribution_resolver(
    requires: Sequence[str], installed: Mapping[str, Sequence[str]]
) -> Callable[[str], str | None]:
    """Map a top-level module to the distribution expected to provide it.

    ``installed`` is :func:`importlib.metadata.packages_distributions` of the build environment
    (top-level name -> distribution names).  When several distributions provide one top-level
    name, one of ``requires`` wins, else the alphabetically first.  Isolated builds do not have
    the package's runtime dependencies installed, so a top-level name unknown there is matched
    against the ``Requires-Dist`` names (``requests`` -> ``requests``); anything else is ``None``
    and left for ``verify`` to resolve in the environment it checks.
    """
    required: set[str] = set()
    for text in requires:
        try:
            required.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement:
            continue
    known = {
        name: sorted({canonicalize_name(distribution) for distribution in distributions})
        for name, distributions in installed.items()
    }

    def resolve(module: str) -> str | None:
        candidates = known.get(module, [])
        preferred = [candidate for candidate in candidates if candidate in required]
        if preferred:
            return preferred[0]
        if candidates:
            return candidates[0]
        canonical = canonicalize_name(module)
        return canonical if canonical in required else None

    return resolve


def infer_expectations(
    trees: Mapping[str, ast.Module],
    *,
    own_top_level: Collection[str],
    distribution_of: Callable[[str], str | None],
) -> tuple[Expectation, ...]:
    """What the modules in ``trees`` (module name -> parsed tree) use from other distributions.

    ``own_top_level`` names the package's own top-level modules (never recorded);
    ``distribution_of`` maps a top-level module name to the distribution expected to provide it
    (see :func:`distribution_resolver`), canonicalised here.
    """
    recorder = ExpectationRecorder(own_top_level=own_top_level)
    for name in sorted(trees):
        recorder.add(trees[name])
    return recorder.expectations(distribution_of)


ModuleUses = Mapping[str, Mapping[str, frozenset[CallShape]]]
"""What one module of the package uses: external module -> dotted name -> call shapes.

An empty name set means the module is only imported; an empty set of call shapes means the name
is used but never called.  Plain, small and picklable, so a worker process that parsed a module
sends this back instead of the tree (see :func:`uses_of` and :meth:`ExpectationRecorder.merge`).
"""


def uses_of(
    tree: ast.Module, *, own_top_level: Collection[str], source: bytes | None = None
) -> ModuleUses:
    """What the module in ``tree`` uses from modules outside ``own_top_level``.

    ``source``, the bytes ``tree`` was parsed from, enables a shortcut that skips the walk of a
    module that cannot use anything external: see :func:`imports_nothing_external`.
    """
    record = _Record(own=frozenset(own_top_level))
    if source is not None and imports_nothing_external(tree, source, record.wanted):
        return {}
    try:
        collector = _Collector()
        collector.module(tree)
    except RecursionError:
        # Expressions nested deeper than the interpreter's recursion limit: this module's uses
        # are not recorded rather than half-recorded.
        return {}
    collector.resolve_into(record)
    return {
        module: {name: frozenset(entry.calls) for name, entry in names.items()}
        for module, names in record.modules.items()
    }


_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") | set(
    range(0x80, 0x100)
)
"""Bytes that can continue an identifier (every non-ASCII byte counts: UTF-8 identifiers)."""
_BLOCKS = tuple(
    getattr(ast, name)
    for name in ("If", "For", "AsyncFor", "While", "With", "AsyncWith", "Try", "TryStar", "Match")
    if hasattr(ast, name)
)
"""Statements whose bodies run as part of the module body (``TryStar`` from Python 3.11)."""


def imports_nothing_external(
    tree: ast.Module, source: bytes, wanted: Callable[[str], bool]
) -> bool:
    """Whether every import statement of the module is visible at module level and none of them
    imports a ``wanted`` (external) module, so that the module cannot use anything external.

    Every use the walk records is rooted in a name an import statement bound, so a module whose
    imports are all of the standard library or of the package itself records nothing; most
    modules of most packages are like that, and this check costs a look at the module-level
    statements and a count of the word ``import`` in the source instead of a walk of the whole
    tree.  Import statements inside functions and classes are not visited here: each statement
    spells the keyword ``import`` exactly once, so when the source holds more ``import`` words
    than the visited statements (a nested import, or the word in a string or comment) the answer
    is "no" and the caller walks the tree.
    """
    seen = 0
    pending = list(tree.body)
    while pending:
        statement = pending.pop()
        kind = type(statement)
        if kind is ast.Import:
            seen += 1
            if any(wanted(alias.name) for alias in statement.names):  # type: ignore[attr-defined]
                return False
        elif kind is ast.ImportFrom:
            seen += 1
            module = statement.module  # type: ignore[attr-defined]
            if not statement.level and module and wanted(module):  # type: ignore[attr-defined]
                return False
        elif isinstance(statement, _BLOCKS):
            for block in ("body", "orelse", "finalbody"):
                pending.extend(getattr(statement, block, ()))
            for clause in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
                pending.extend(clause.body)
    return _import_words(source) == seen


def _import_words(source: bytes) -> int:
    """How many times ``import`` stands as a word in ``source``: at least once per statement.

    (A ``bytes.find`` loop: ten times faster than ``re`` with ``\\b``, which cannot skip ahead.)
    """
    count = 0
    start = source.find(b"import")
    while start >= 0:
        end = start + 6
        if (start == 0 or source[start - 1] not in _WORD_BYTES) and (
            end == len(source) or source[end] not in _WORD_BYTES
        ):
            count += 1
        start = source.find(b"import", end)
    return count


class ExpectationRecorder:
    """Accumulates uses module by module: a caller that parses each module once (the build hook)
    feeds the tree here right after describing it and can drop it afterwards, or merges what
    :func:`uses_of` found in another process.  The result does not depend on the order modules
    are added in."""

    def __init__(self, *, own_top_level: Collection[str]) -> None:
        self._own = frozenset(own_top_level)
        self._record = _Record(own=self._own)

    def add(self, tree: ast.Module, *, source: bytes | None = None) -> None:
        """Record the uses in one module of the package (``source``: see :func:`uses_of`)."""
        self.merge(uses_of(tree, own_top_level=self._own, source=source))

    def merge(self, uses: ModuleUses) -> None:
        """Record uses that :func:`uses_of` found (with the same ``own_top_level``)."""
        for module, names in uses.items():
            entries = self._record.module(module)
            for name, calls in names.items():
                entry = entries.setdefault(name, _Names())
                if calls:
                    entry.called = True
                    entry.calls.update(calls)

    def expectations(self, distribution_of: Callable[[str], str | None]) -> tuple[Expectation, ...]:
        """Everything recorded so far, sorted, with each module's distribution."""
        return self._record.expectations(distribution_of)


# --------------------------------------------------------------------------- collected facts


class _Kind(enum.Enum):
    MODULE = "module"
    FUNCTION = "function"
    CLASS = "class"
    COMPREHENSION = "comprehension"


@dataclass(frozen=True)
class _Import:
    """A name bound by an import: the module itself (``name`` None) or a name from it."""

    module: str
    name: str | None


@dataclass(frozen=True)
class _Use:
    """A chain rooted at a plain name, as written: ``root.parts...`` and its call, if called.

    The call stays a node until the use resolves: most calls in a module are on its own names,
    and their shapes are never needed.
    """

    root: str
    parts: tuple[str, ...]
    call: ast.Call | None
    guarded: bool


@dataclass(frozen=True, eq=False)
class _Instance:
    """``n = chain(...)``: ``n`` is an instance of whatever ``chain`` names."""

    use: _Use
    scope: _Scope


class _Other:
    """Any binding that is neither an import nor a followed instance assignment."""


_OTHER = _Other()
_Binding = _Import | _Instance | _Other


@dataclass(eq=False)
class _Scope:
    kind: _Kind
    parent: _Scope | None
    bindings: dict[str, list[_Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    uses: list[_Use] = field(default_factory=list)


@dataclass
class _Names:
    called: bool = False
    calls: set[CallShape] = field(default_factory=set)


@dataclass
class _Record:
    """What every module of the package uses, merged: module -> dotted name -> how."""

    own: frozenset[str]
    modules: dict[str, dict[str, _Names]] = field(default_factory=dict)

    def wanted(self, module: str) -> bool:
        return (
            bool(module) and top_level(module) not in self.own and not is_standard_library(module)
        )

    def module(self, module: str) -> dict[str, _Names]:
        return self.modules.setdefault(module, {})

    def name(self, module: str, parts: tuple[str, ...], call: CallShape | None) -> None:
        names = self.module(module)
        if not parts:
            return
        entry = names.setdefault(join_path(parts), _Names())
        if call is not None:
            entry.called = True
            entry.calls.add(call)

    def expectations(self, distribution_of: Callable[[str], str | None]) -> tuple[Expectation, ...]:
        result = []
        for module in sorted(self.modules):
            distribution = distribution_of(top_level(module))
            names = tuple(
                ExpectedName(
                    name=name,
                    kind="callable" if entry.called else "any",
                    calls=tuple(sorted(entry.calls, key=_call_key)),
                )
                for name, entry in sorted(self.modules[module].items())
            )
            result.append(
                Expectation(
                    module=module,
                    distribution=None if distribution is None else canonicalize_name(distribution),
                    origin="inferred",
                    names=names,
                )
            )
        return tuple(result)


def _call_key(call: CallShape) -> tuple[int, tuple[str, ...], bool, bool]:
    return (call.positional, call.keywords, call.star_args, call.star_kwargs)


def _call_shape(node: ast.Call) -> CallShape:
    positional = 0
    star_args = False
    for argument in node.args:
        if type(argument) is ast.Starred:
            star_args = True
        else:
            positional += 1
    keywords = []
    star_kwargs = False
    for keyword in node.keywords:
        if keyword.arg is None:
            star_kwargs = True
        else:
            keywords.append(keyword.arg)
    return CallShape(positional, tuple(sorted(set(keywords))), star_args, star_kwargs)


# --------------------------------------------------------------------------- the single pass


class _Collector:
    """Walks one module once, recording scopes, bindings and chain uses."""

    def __init__(self) -> None:
        self.root = _Scope(_Kind.MODULE, None)
        self.scope = self.root
        self.scopes: list[_Scope] = [self.root]
        self.guarded = 0
        self.flag_context = 0
        """Depth of module-level guarded ``try`` statements: assignments there are flags."""
        self.flags: set[str] = set()
        self.imported: list[str] = []
        """Modules named by unguarded import statements: each must exist."""
        self.from_names: list[tuple[str, str]] = []
        """``(module, name)`` of unguarded ``from module import name`` statements."""
        self.loaded: set[str] = set()
        """Every module an import statement of the file loads, for splitting chains."""

    # -- scopes and bindings

    def push(self, kind: _Kind) -> _Scope:
        scope = _Scope(kind, self.scope)
        self.scopes.append(scope)
        self.scope = scope
        return scope

    def pop(self, scope: _Scope) -> None:
        assert scope.parent is not None
        self.scope = scope.parent

    def bind(self, name: str, binding: _Binding, scope: _Scope | None = None) -> None:
        scope = scope or self.scope
        if name in scope.globals:
            scope = self.root
        elif name in scope.nonlocals:
            scope = self._enclosing_function(scope, name)
        scope.bindings.setdefault(name, []).append(binding)
        if self.flag_context and scope is self.root and self.guarded:
            self.flags.add(name)

    def _enclosing_function(self, scope: _Scope, name: str) -> _Scope:
        candidate = scope.parent
        fallback: _Scope | None = None
        while candidate is not None and candidate.kind is not _Kind.MODULE:
            if candidate.kind is _Kind.FUNCTION:
                if name in candidate.bindings:
                    return candidate
                fallback = fallback or candidate
            candidate = candidate.parent
        return fallback or self.root

    def use(self, root: str, parts: tuple[str, ...], call: ast.Call | None) -> _Use:
        use = _Use(root, parts, call, self.guarded > 0)
        self.scope.uses.append(use)
        return use

    # -- statements

    def module(self, tree: ast.Module) -> None:
        self.body(tree.body)

    def body(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def guarded_body(self, statements: list[ast.stmt]) -> None:
        self.guarded += 1
        try:
            self.body(statements)
        finally:
            self.guarded -= 1

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
            self.bind(node.name.id, _OTHER)  # type: ignore[attr-defined]

    def assign(self, node: ast.Assign) -> None:
        top = self.expr(node.value)
        if self.scope is self.root and self.mentions_feature_test(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.flags.add(target.id)
        if len(node.targets) == 1 and type(node.targets[0]) is ast.Name and top is not None:
            self.bind(node.targets[0].id, _Instance(top, self.scope))
            return
        for target in node.targets:
            self.target(target)

    def annotated_assign(self, node: ast.AnnAssign) -> None:
        top = self.expr(node.value) if node.value is not None else None
        if type(node.target) is ast.Name and top is not None:
            self.bind(node.target.id, _Instance(top, self.scope))
        else:
            self.target(node.target)

    def target(self, node: ast.expr) -> None:
        """An assignment, ``for``, ``with`` or ``del`` target: names bind, the rest is read."""
        kind = type(node)
        if kind is ast.Name:
            self.bind(node.id, _OTHER)  # type: ignore[attr-defined]
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

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.expr(decorator)
        self.defaults(node.args)
        self.bind(node.name, _OTHER)
        scope = self.push(_Kind.FUNCTION)
        self.parameters(node.args)
        self.body(node.body)
        self.pop(scope)

    def defaults(self, arguments: ast.arguments) -> None:
        for default in arguments.defaults:
            self.expr(default)
        for keyword_default in arguments.kw_defaults:
            if keyword_default is not None:
                self.expr(keyword_default)

    def parameters(self, arguments: ast.arguments) -> None:
        for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
            self.bind(argument.arg, _OTHER)
        if arguments.vararg is not None:
            self.bind(arguments.vararg.arg, _OTHER)
        if arguments.kwarg is not None:
            self.bind(arguments.kwarg.arg, _OTHER)

    def class_definition(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.expr(decorator)
        for base in node.bases:
            self.expr(base)
        for keyword in node.keywords:
            self.expr(keyword.value)
        scope = self.push(_Kind.CLASS)
        self.body(node.body)
        self.pop(scope)
        self.bind(node.name, _OTHER)

    def if_statement(self, node: ast.If) -> None:
        if is_type_checking(node.test):
            # The body never runs; the else branch always does.
            self.body(node.orelse)
            return
        if self.mentions_feature_test(node.test):
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
        guard = self.mentions_feature_test(node.test)
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
        guarding = any(_catches_guard(handler.type) for handler in handlers)
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
                    self.bind(handler.name, _OTHER)
                if guarding:
                    # Handlers of a guarded try are fallbacks: they run, so their uses count...
                    self.guarded -= 1
                    try:
                        self.body(handler.body)
                    finally:
                        self.guarded += 1
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

    def import_statement(self, node: ast.Import) -> None:
        for alias in node.names:
            parts = alias.name.split(".")
            for index in range(1, len(parts) + 1):
                self.loaded.add(".".join(parts[:index]))
            if alias.asname is not None:
                self.bind(alias.asname, _Import(alias.name, None))
            else:
                self.bind(parts[0], _Import(parts[0], None))
            if not self.guarded:
                self.imported.append(alias.name)

    def import_from(self, node: ast.ImportFrom) -> None:
        if node.level or node.module is None:
            for alias in node.names:
                if alias.name != "*":
                    self.bind(alias.asname or alias.name, _OTHER)
            return
        module = node.module
        parts = module.split(".")
        for index in range(1, len(parts) + 1):
            self.loaded.add(".".join(parts[:index]))
        for alias in node.names:
            if alias.name == "*":
                if not self.guarded:
                    self.imported.append(module)
                continue
            self.bind(alias.asname or alias.name, _Import(module, alias.name))
            if not self.guarded:
                self.from_names.append((module, alias.name))

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
                self.bind(node.name, _OTHER)
        elif isinstance(node, ast.MatchStar):
            if node.name is not None:
                self.bind(node.name, _OTHER)
        elif isinstance(node, ast.MatchMapping):
            for key in node.keys:
                self.expr(key)
            for sub in node.patterns:
                self.pattern(sub)
            if node.rest is not None:
                self.bind(node.rest, _OTHER)
        elif isinstance(node, (ast.MatchSequence, ast.MatchOr)):
            for sub in node.patterns:
                self.pattern(sub)

    # -- expressions

    def expr(self, node: ast.expr) -> _Use | None:
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
            scope = self.push(_Kind.FUNCTION)
            self.parameters(node.args)  # type: ignore[attr-defined]
            self.expr(node.body)  # type: ignore[attr-defined]
            self.pop(scope)
        elif kind is ast.NamedExpr:
            self.expr(node.value)  # type: ignore[attr-defined]
            scope = self.scope
            while scope.kind is _Kind.COMPREHENSION and scope.parent is not None:
                scope = scope.parent
            self.bind(node.target.id, _OTHER, scope)  # type: ignore[attr-defined]
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
        guard = self.mentions_feature_test(test)
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
        scope = self.push(_Kind.COMPREHENSION)
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
        guard = self.mentions_feature_test(node)
        self.guarded += guard
        try:
            self.expr(node)
        finally:
            self.guarded -= guard

    def chain(self, node: ast.expr) -> _Use | None:
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
        top: _Use | None = None
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

    def mentions_feature_test(self, node: ast.expr) -> bool:
        # A hand-rolled walk: tests are mostly names, attributes, calls and comparisons, and
        # ``ast.walk`` spent a fifth of the whole inference on its generic field iteration.
        pending: list[ast.AST] = [node]
        while pending:
            child = pending.pop()
            kind = type(child)
            if kind is ast.Name:
                name = child.id  # type: ignore[attr-defined]
                if name in _FEATURE_MARKERS or name in self.flags:
                    return True
            elif kind is ast.Attribute:
                if child.attr in _FEATURE_MARKERS:  # type: ignore[attr-defined]
                    return True
                pending.append(child.value)  # type: ignore[attr-defined]
            elif kind is ast.Call:
                pending.append(child.func)  # type: ignore[attr-defined]
                pending.extend(child.args)  # type: ignore[attr-defined]
                pending.extend(keyword.value for keyword in child.keywords)  # type: ignore[attr-defined]
            elif kind is ast.Compare:
                pending.append(child.left)  # type: ignore[attr-defined]
                pending.extend(child.comparators)  # type: ignore[attr-defined]
            elif kind is ast.BoolOp:
                pending.extend(child.values)  # type: ignore[attr-defined]
            elif kind is ast.UnaryOp:
                pending.append(child.operand)  # type: ignore[attr-defined]
            elif kind is not ast.Constant:
                pending.extend(ast.iter_child_nodes(child))
        return False

    # -- resolution, once the whole module is known

    def resolve_into(self, record: _Record) -> None:
        for module in self.imported:
            if record.wanted(module):
                record.module(module)
        for module, name in self.from_names:
            if record.wanted(module) and not is_dunder(name):
                record.name(module, (name,), None)
        for scope in self.scopes:
            for use in scope.uses:
                if use.guarded:
                    continue
                target = self.resolve(use, scope, depth=0)
                if target is None:
                    continue
                module, parts, call = target
                if record.wanted(module):
                    record.name(module, parts, call)

    def resolve(
        self, use: _Use, scope: _Scope, *, depth: int
    ) -> tuple[str, tuple[str, ...], CallShape | None] | None:
        bindings = self.bindings_of(use.root, scope)
        if not bindings:
            return None
        first = bindings[0]
        call = None if use.call is None else _call_shape(use.call)
        if isinstance(first, _Import) and all(binding == first for binding in bindings):
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
        elif len(bindings) == 1 and isinstance(first, _Instance) and depth == 0 and use.parts:
            origin = self.resolve(first.use, first.scope, depth=1)
            if origin is None or not origin[1] or INSTANCE in origin[1]:
                return None
            module, parts = origin[0], (*origin[1], INSTANCE, *use.parts)
        else:
            return None
        return (module, *_trim(parts, call))

    def bindings_of(self, name: str, scope: _Scope) -> list[_Binding] | None:
        if name in scope.globals:
            return self.root.bindings.get(name)
        current: _Scope | None = scope
        first = True
        while current is not None:
            if (first or current.kind is not _Kind.CLASS) and name in current.bindings:
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


def _catches_guard(node: ast.expr | None) -> bool:
    if node is None:
        return True
    names = node.elts if isinstance(node, ast.Tuple) else [node]
    return any(last_name(name) in _GUARD_EXCEPTIONS for name in names)
