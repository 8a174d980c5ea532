"""Which code is written to survive a provider's differences, and is therefore not recorded.

The walk asks two questions of a node, answered here without any walk state beyond the module's
flags: does a test mention a feature or version check (``hasattr``, ``version_info``,
``TYPE_CHECKING``, a flag...), and does an ``except`` clause catch what a missing name raises.
"""

from __future__ import annotations

import ast
from collections.abc import Collection

from hatch_importspy.describe.extract import last_name

FEATURE_MARKERS = frozenset(
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
GUARD_EXCEPTIONS = frozenset(
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


def mentions_feature_test(node: ast.expr, flags: Collection[str]) -> bool:
    """Whether ``node`` mentions a feature marker or one of the module's ``flags``."""
    # A hand-rolled walk: tests are mostly names, attributes, calls and comparisons, and
    # ``ast.walk`` spent a fifth of the whole inference on its generic field iteration.
    pending: list[ast.AST] = [node]
    while pending:
        child = pending.pop()
        kind = type(child)
        if kind is ast.Name:
            name = child.id  # type: ignore[attr-defined]
            if name in FEATURE_MARKERS or name in flags:
                return True
        elif kind is ast.Attribute:
            if child.attr in FEATURE_MARKERS:  # type: ignore[attr-defined]
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


def catches_guard(node: ast.expr | None) -> bool:
    """Whether an ``except`` clause of type ``node`` (None: bare) catches a missing name."""
    if node is None:
        return True
    names = node.elts if isinstance(node, ast.Tuple) else [node]
    return any(last_name(name) in GUARD_EXCEPTIONS for name in names)
