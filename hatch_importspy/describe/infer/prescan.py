"""A cheap look before the walk: most modules import nothing external and need no walk at all.

Kept apart from the walk because it reads differently: module-level statements and the raw
source bytes, not scopes and bindings.  Its answer is only ever "certainly nothing" or "walk".
"""

from __future__ import annotations

import ast
from collections.abc import Callable

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
