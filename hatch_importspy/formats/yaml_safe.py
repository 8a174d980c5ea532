"""Load YAML from untrusted files within the limits of :mod:`hatch_importspy.limits`.

``yaml.safe_load`` constructs no arbitrary objects, but it still lets a small document do a lot
of damage: aliases expand a few lines into a tree of 10**8 nodes (built as shared references,
then walked by every reader as if copied), deep nesting exhausts the stack, and an integer past
Python's digit limit raises :class:`ValueError`.  Here the document is composed into its node
graph first, which takes time and memory in proportion to its text; the graph is checked for
depth, expanded size and (where the format never writes them) any alias at all; only then are
Python objects built.  Every problem is one :class:`UnusableInputError` (or the subclass the
caller names) whose message names the source and the line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.limits import YAML_DEPTH, YAML_NODES

_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"


def fast_safe_loader() -> type[yaml.SafeLoader]:
    """libyaml's parser under PyYAML's own safe constructor and resolver (``yaml.CSafeLoader``)
    when PyYAML was built with it, else the pure-Python :class:`yaml.SafeLoader`.

    Both build the same nodes and the same Python objects; libyaml scans and parses about ten
    times faster, which matters for the documents read on every run (an approval lock of a
    large environment lists thousands of cache files).
    """
    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader


def load_documents(
    text: str,
    *,
    source: str,
    error: type[UnusableInputError] = UnusableInputError,
    aliases: bool = True,
    depth: int = YAML_DEPTH,
    nodes: int = YAML_NODES,
    invalid: Callable[[str], str] = str,
    loader: type[yaml.SafeLoader] = yaml.SafeLoader,
) -> list[Any]:
    """Every document of a YAML stream, each checked before it is constructed.

    ``aliases=False`` refuses any alias (for formats whose writer never uses them); otherwise the
    documents' size with every alias expanded must stay within ``nodes``.  ``invalid`` words
    the parser's problem for the message (each format has its own spelling).  ``loader`` picks
    the scalar rules (:class:`~hatch_importspy.formats.yaml12.CoreSchemaLoader` for YAML 1.2).
    """
    documents: list[Any] = []
    budget = [nodes]
    reader: yaml.SafeLoader | None = None
    try:
        reader = loader(text)  # refuses a NUL or other unprintable character already
        while reader.check_node():
            node = reader.get_node()
            if node is None:
                break
            _check(node, source=source, error=error, aliases=aliases, depth=depth, budget=budget)
            documents.append(reader.construct_document(node))
    except yaml.YAMLError as problem:
        if getattr(problem, "problem", None) == _LIBYAML_TOO_DEEP:  # libyaml's own depth limit
            raise error(f"{source}: nested too deeply to read") from None
        mark = getattr(problem, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        reason = getattr(problem, "problem", None) or "not valid YAML"
        raise error(f"{source}: {where}{invalid(reason)}") from None
    except RecursionError:
        raise error(f"{source}: nested too deeply to read") from None
    except ValueError as problem:  # an integer past the interpreter's digit limit, say
        raise error(f"{source}: a value cannot be read: {str(problem).splitlines()[0]}") from None
    finally:
        if reader is not None:
            reader.dispose()
    return documents


def load_one(
    text: str,
    *,
    source: str,
    error: type[UnusableInputError] = UnusableInputError,
    aliases: bool = True,
    invalid: Callable[[str], str] = str,
    loader: type[yaml.SafeLoader] = yaml.SafeLoader,
) -> Any:
    """The single document of ``text`` (``None`` when empty), checked as
    :func:`load_documents` checks it."""
    documents = load_documents(
        text, source=source, error=error, aliases=aliases, invalid=invalid, loader=loader
    )
    if len(documents) > 1:
        raise error(f"{source}: expected one YAML document, found {len(documents)}")
    return documents[0] if documents else None


def _check(
    root: yaml.Node,
    *,
    source: str,
    error: type[UnusableInputError],
    aliases: bool,
    depth: int,
    budget: list[int],
) -> None:
    """Refuse a node graph that is too deep, uses an alias where none is allowed, or expands to
    more than ``budget[0]`` nodes.  Iterative, with the expanded size of each shared node
    computed once, so checking costs time in proportion to the text, not to the expansion."""
    expanded: dict[int, int] = {}
    anchored: set[int] = set()
    # (node, level, children done?): post-order, so a node's size is known after its children's
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, level, done = stack.pop()
        key = id(node)
        if done:
            size = 1 + sum(expanded[id(child)] for child in _children(node))
            expanded[key] = size
            if size > budget[0]:
                raise error(
                    f"{source}: line {node.start_mark.line + 1}: expands to more than "
                    f"{budget[0]} YAML nodes"
                )
            continue
        if key in anchored:  # met again: an alias (or a node holding itself)
            if not aliases:
                raise error(
                    f"{source}: line {node.start_mark.line + 1}: YAML aliases are not allowed here"
                )
            if key not in expanded:
                raise error(f"{source}: line {node.start_mark.line + 1}: a node contains itself")
            continue
        anchored.add(key)
        if level > depth:
            raise error(
                f"{source}: line {node.start_mark.line + 1}: nested deeper than {depth} levels"
            )
        stack.append((node, level, True))
        stack.extend((child, level + 1, False) for child in _children(node))
    budget[0] -= expanded[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
