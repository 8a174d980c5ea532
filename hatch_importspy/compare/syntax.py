"""Names read out of expressions: ``a.b.c`` as the parts a comparison looks up.

Comparisons meet source text written by others (a base class as a manifest records it, the call in
an installer's script wrapper) and need the dotted name it spells, if it spells one.  One walk
serves them all, so that ``a.b``, ``a .b`` and ``a.b`` inside a subscript read the same way.
"""

from __future__ import annotations

import ast


def attribute_chain(node: ast.expr) -> tuple[str, ...] | None:
    """``a.b.c`` -> ``("a", "b", "c")`` for a name or an attribute chain on one; ``None`` for
    anything else (a call, a subscript, a literal somewhere in the chain)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))
