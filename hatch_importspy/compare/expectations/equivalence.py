"""When two written forms mean the same: annotations, defaults and base classes of a contract.

A contract states them as source text, the provider's structure records them as source text too;
comparing the text would report spacing, quoting or a qualified name as drift.
"""

from __future__ import annotations

import ast


def normal_annotation(text: str) -> str:
    """Annotations compare as code, not text: spacing and quoting do not count."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return text.strip()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return normal_annotation(node.value)
    return ast.unparse(node)


def same_annotation(wanted: str, found: str | None) -> bool:
    return found is not None and normal_annotation(wanted) == normal_annotation(found)


def same_default(wanted: str, found: str | None) -> bool:
    """Literal defaults compare with Python ``==`` after ``ast.literal_eval`` (``10`` is
    ``10.0``, as ImportSpy compares them), others as code."""
    if found is None:
        return False
    try:
        left, right = ast.literal_eval(wanted), ast.literal_eval(found)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return normal_annotation(wanted) == normal_annotation(found)
    return bool(left == right)


def same_base(wanted: str, present: str) -> bool:
    """A stated superclass matches a base by its written or its final dotted name."""
    if wanted == present:
        return True
    return (
        normal_annotation(wanted).rpartition(".")[2]
        == normal_annotation(present).rpartition(".")[2]
    )


def literal(text: str | None) -> tuple[bool, object]:
    """``(True, value)`` for literal text ``ast.literal_eval`` reads, else ``(False, None)``."""
    if text is None:
        return False, None
    try:
        return True, ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def inferred_annotation(value: str | None) -> str | None:
    """The annotation ImportSpy infers for an unannotated literal (``8`` -> ``int``)."""
    known, evaluated = literal(value)
    if not known or evaluated is None:
        return None
    return type(evaluated).__name__
