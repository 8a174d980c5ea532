"""What a module binds besides its definitions: imports, re-exports, star imports, namespace writes.

An importer of a module sees more than the module defines: ``requests.get`` is ``requests.api.get``
bound by ``from .api import get``; ``from .models import *`` brings in another module's public
names; ``globals()[...] = ...`` or ``sys.modules[...] = ...`` make names nobody can list.  The build
records these facts in the manifest (:class:`~hatch_importspy.model.ModuleBindings`), and ``verify``
reads them from the same parsed tree when a provider has no manifest or its file changed, so the
expectation checks see one description either way.

Bindings follow Python's rule that the last binding of a name wins, as the extractor's namespace
does (:mod:`hatch_importspy.describe.extract`): an import at the top level of the module replaces
an earlier binding of its name; one under control flow (``try``/``except ImportError`` fallbacks,
version branches) is kept only when the name is not bound yet, since the first branch is the one
that usually runs.  ``if TYPE_CHECKING:`` bodies never run and are skipped.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from hatch_importspy.describe.extract import known_at_run_time
from hatch_importspy.model import ImportBinding, ModuleBindings


def module_bindings(
    tree: ast.Module, *, name: str, is_package: bool, source: bytes | None = None
) -> ModuleBindings:
    """The bindings of the module ``name`` parsed into ``tree``.

    ``is_package`` is true for a package's ``__init__.py``: relative imports resolve against the
    package itself rather than its parent.  ``source``, the bytes ``tree`` was parsed from, lets
    :func:`writes_namespace` skip walking the tree of a module that cannot write its namespace.
    """
    package = name if is_package else name.rpartition(".")[0]
    imports: dict[str, ImportBinding] = {}
    stars: list[tuple[str | None, int]] = []
    for statement, conditional in _module_level(tree.body, conditional=False):
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname is not None:
                    bound, binding = alias.asname, ImportBinding(alias.name, None, statement.lineno)
                else:
                    first = alias.name.partition(".")[0]
                    bound, binding = first, ImportBinding(first, None, statement.lineno)
                _bind(imports, bound, binding, conditional=conditional)
        elif isinstance(statement, ast.ImportFrom):
            module = _absolute(statement, package)
            for alias in statement.names:
                if alias.name == "*":
                    stars.append((module, statement.lineno))
                else:
                    binding = ImportBinding(module, alias.name, statement.lineno)
                    _bind(imports, alias.asname or alias.name, binding, conditional=conditional)
    return ModuleBindings(
        imports=tuple(sorted(imports.items(), key=lambda item: item[0])),
        star_imports=tuple(module for module, _ in stars),
        star_lines=tuple(line for _, line in stars),
        dynamic=writes_namespace(tree, source),
    )


def _bind(
    imports: dict[str, ImportBinding], name: str, binding: ImportBinding, *, conditional: bool
) -> None:
    if conditional and name in imports:
        return
    imports[name] = binding


def _absolute(node: ast.ImportFrom, package: str) -> str | None:
    if not node.level:
        return node.module
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts) or (node.level - 1 == len(parts) and not node.module):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    if node.module:
        base.append(node.module)
    return ".".join(base) if base else None


def _module_level(body: list[ast.stmt], *, conditional: bool) -> Iterator[tuple[ast.stmt, bool]]:
    """Statements that run at import time, through control flow, each with whether it runs only
    on some branch; a branch known never to run (``if TYPE_CHECKING:``) is skipped."""
    for statement in body:
        yield statement, conditional
        if isinstance(statement, ast.If):
            known = known_at_run_time(statement.test)
            if known is not False:
                yield from _module_level(statement.body, conditional=conditional or known is None)
            if known is not True:
                yield from _module_level(statement.orelse, conditional=conditional or known is None)
        elif isinstance(statement, (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)):
            yield from _module_level(statement.body, conditional=True)
            yield from _module_level(getattr(statement, "orelse", []), conditional=True)
        elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            for block in (
                statement.body,  # type: ignore[attr-defined]
                *(handler.body for handler in statement.handlers),  # type: ignore[attr-defined]
                statement.orelse,  # type: ignore[attr-defined]
                statement.finalbody,  # type: ignore[attr-defined]
            ):
                yield from _module_level(block, conditional=True)
        elif isinstance(statement, ast.Match):
            for case in statement.cases:
                yield from _module_level(case.body, conditional=True)


_BETWEEN = rb"(?:[\s)\\]|#[^\r\n]*(?=[\r\n]))*"
"""What may stand between a name and the bracket that calls or subscripts it: white space
(newlines inside brackets), closing parentheses (``(globals)()``), backslash continuations and
comments.  A comment runs to its line's end and no further, so a line of ``#`` cannot be split
in more than one way: the search stays linear in the source's length."""
_GLOBALS_CALLED = re.compile(rb"globals" + _BETWEEN + rb"\(")
_MODULES_SUBSCRIPTED = re.compile(rb"modules" + _BETWEEN + rb"\[")


def writes_namespace(tree: ast.Module, source: bytes | None = None) -> bool:
    """``globals()`` anywhere, or an assignment to ``sys.modules[...]``: names we cannot list.

    Walking every node of every module was half the time of describing a package.  Both shapes
    need their identifier spelled in the source: in ASCII source a name has no other spelling
    (identifiers take no escapes), so when an ASCII ``source`` never spells ``globals`` followed
    by a call's ``(``, nor ``modules`` followed by a subscript's ``[`` (with only white space,
    closing parentheses, line continuations and comments between, which is all Python allows
    there), the answer is no without a walk.  That spares the walk for the many modules that
    only read ``sys.modules.get(...)`` or name "modules" in prose (checked against the walk on
    every module of the standard library and of the benchmarks' environments: it never missed
    one the walk found).  Non-ASCII source is always walked, since Python NFKC-normalises
    identifiers (``globals`` spelled in fullwidth letters is ``globals``).
    """
    if (
        source is not None
        and source.isascii()
        and _GLOBALS_CALLED.search(source) is None
        and _MODULES_SUBSCRIPTED.search(source) is None
    ):
        return False
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "globals"
        ):
            return True
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "modules"
        ):
            return True
    return False
