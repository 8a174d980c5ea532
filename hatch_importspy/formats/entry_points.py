"""Read ``entry_points.txt`` and the ``module:attr [extras]`` values it holds, never executing one.

The file is parsed by ``importlib.metadata`` itself (the ``importlib_metadata`` backport before
Python 3.12, the same choice as :mod:`hatch_importspy.verify.installed`): a distribution whose only
metadata is the given text is asked for its ``entry_points``, so what is read here is exactly what a
plugin host (pytest, hatch) or an installer reads.  Nothing is loaded: an entry point is only
ever looked at as its group, name and value.

The values are also turned into the manifest's form, ``group -> name -> value``, and back.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hatch_importspy.model import EntryPoint

if sys.version_info >= (3, 12):
    from importlib.metadata import Distribution
    from importlib.metadata import EntryPoint as MetadataEntryPoint
else:
    from importlib_metadata import Distribution
    from importlib_metadata import EntryPoint as MetadataEntryPoint

ENTRY_POINTS_FILENAME = "entry_points.txt"
"""Where entry points live inside a ``.dist-info`` directory."""


class _TextOnly(Distribution):
    """A distribution whose ``entry_points.txt`` is the given text and which has nothing else."""

    def __init__(self, text: str) -> None:
        self._text = text

    def read_text(self, filename: str) -> str | None:
        return self._text if filename == ENTRY_POINTS_FILENAME else None

    def locate_file(self, path: str | os.PathLike[str]) -> Any:
        raise FileNotFoundError(path)  # never asked: entry points are read from the text only


def parse_entry_points(text: str) -> tuple[EntryPoint, ...]:
    """Every entry point of an ``entry_points.txt`` text, sorted by group, name and value.

    Duplicates are kept: a second ``name = value`` line in a group is one more entry a plugin
    host sees, so it must show as a difference.
    """
    found = [
        EntryPoint(group=entry.group, name=entry.name, value=entry.value)
        for entry in _TextOnly(text).entry_points
    ]
    return sort_entry_points(found)


def sort_entry_points(entries: Iterable[EntryPoint]) -> tuple[EntryPoint, ...]:
    """The one order entry points are kept in: group, name, value."""
    return tuple(sorted(entries, key=lambda entry: (entry.group, entry.name, entry.value)))


@dataclass(frozen=True)
class ObjectReference:
    """What an entry point's value names: ``module:attr`` (``attr`` may be dotted or absent)."""

    module: str
    attr: str | None

    def __str__(self) -> str:
        return self.module if self.attr is None else f"{self.module}:{self.attr}"


def object_reference(value: str) -> ObjectReference | None:
    """The ``module`` and ``attr`` of a value, as ``importlib.metadata`` splits it; ``None`` when
    the value is not of the ``module:attr [extras]`` form."""
    entry = MetadataEntryPoint(name="", value=value, group="")
    try:
        module, attr = entry.module, entry.attr
    except (AttributeError, ValueError):  # the value did not match the pattern
        return None
    return ObjectReference(module, attr or None)


def to_data(entries: Iterable[EntryPoint]) -> dict[str, dict[str, str]]:
    """The manifest's ``entry_points``: ``{group: {name: value}}``, groups and names sorted."""
    data: dict[str, dict[str, str]] = {}
    for entry in sort_entry_points(entries):
        data.setdefault(entry.group, {})[entry.name] = entry.value
    return data


def from_data(data: Mapping[str, Mapping[str, str]]) -> tuple[EntryPoint, ...]:
    """The inverse of :func:`to_data` (the caller has checked the types)."""
    return sort_entry_points(
        EntryPoint(group=group, name=name, value=value)
        for group, entries in data.items()
        for name, value in entries.items()
    )
