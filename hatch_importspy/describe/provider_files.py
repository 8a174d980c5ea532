"""Where an import would find an installed provider module, by file names only, and what it is.

The expectation checks need a provider module's file before they need its description: to read
its manifest entry or parse it (:mod:`.provider_source`), or to tell that it is still the file
the build checked (:func:`witness`).  Nothing here parses or imports: this module lists and stats
files, and hashes one when asked for a witness.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hatch_importspy.formats.digest import sha256_file
from hatch_importspy.pyrules.extensions import extensions_by_stem


@dataclass(frozen=True)
class SourceFile:
    """Where an importable module's source was found: ``directory / relative``."""

    directory: Path
    relative: str
    """The path relative to ``directory``, ``/``-separated: its RECORD and manifest path."""
    is_package: bool


COMPILED: Literal["compiled"] = "compiled"
NAMESPACE: Literal["namespace"] = "namespace"
Located = SourceFile | Literal["compiled", "namespace"] | None


@dataclass(frozen=True)
class Listing:
    """One directory's entries, as :func:`locate` reads them."""

    files: frozenset[str]
    """Its regular files (symbolic links followed, as ``stat`` does)."""
    subdirectories: frozenset[str]
    dotted: Mapping[str, tuple[str, ...]]
    """Every entry named ``<stem>.<rest>``, by its stem: what may load for module ``stem``."""

    def beside(self, stem: str) -> tuple[str, ...]:
        """The entries named ``<stem>.<something>``."""
        return self.dotted.get(stem, ())


class DirectoryNames:
    """The entries of directories, each listed once: ``names(directory)`` is its
    :class:`Listing`, ``None`` when it is not a readable directory.  :func:`locate` asks this
    instead of testing each candidate path, and reads names as the path finder does: exactly,
    by listing (an import does not find ``Foo.py`` for ``foo``, even where the file system
    ignores case).  Keep one for a run: the directories must not change meanwhile."""

    def __init__(self) -> None:
        self._listed: dict[Path, Listing | None] = {}

    def __call__(self, directory: Path) -> Listing | None:
        if directory not in self._listed:
            self._listed[directory] = _list(directory)
        return self._listed[directory]


def _list(directory: Path) -> Listing | None:
    files: set[str] = set()
    directories: set[str] = set()
    dotted: dict[str, list[str]] = {}
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    if entry.is_file():
                        files.add(entry.name)
                    elif entry.is_dir():
                        directories.add(entry.name)
                except OSError:
                    continue
                stem, dot, _ = entry.name.partition(".")
                if dot:
                    dotted.setdefault(stem, []).append(entry.name)
    except OSError:
        return None
    return Listing(
        frozenset(files),
        frozenset(directories),
        {stem: tuple(sorted(named)) for stem, named in dotted.items()},
    )


def locate(directories: Sequence[Path], name: str, names: DirectoryNames | None = None) -> Located:
    """Where an import of ``name`` would find it, by file names only (nothing is read).

    The first directory that has ``a/b/__init__.py``, ``a/b.py`` or a compiled ``a/b.*.so`` /
    ``.pyd`` / sourceless ``.pyc`` wins; a directory ``a/b`` without ``__init__.py`` anywhere is a
    namespace package.  ``None``: not found.  ``names``: the directory listings to use (a new
    one otherwise).
    """
    parts = name.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    names = names or DirectoryNames()
    namespace = False
    stem = parts[-1]
    for directory in directories:
        parent = directory.joinpath(*parts[:-1])
        listed = names(parent)
        if listed is None:
            continue
        inside = names(parent / stem) if stem in listed.subdirectories else None
        if inside is not None:
            if _extension_among(inside.beside("__init__"), "__init__"):
                return COMPILED
            if "__init__.py" in inside.files:
                return SourceFile(directory, "/".join([*parts, "__init__.py"]), True)
        beside = listed.beside(stem)
        if _extension_among(beside, stem):
            return COMPILED
        if f"{stem}.py" in listed.files:
            return SourceFile(directory, "/".join([*parts[:-1], f"{stem}.py"]), False)
        if any(entry.endswith((".so", ".pyd", ".pyc")) for entry in beside):
            return COMPILED
        namespace = namespace or stem in listed.subdirectories
    return NAMESPACE if namespace else None


ABSENT = "absent"
UNREADABLE = "unreadable"


def witness(directories: Sequence[Path], name: str, names: DirectoryNames | None = None) -> str:
    """What an import of ``name`` would find, as one string that two runs can compare: the
    source's path and sha256 (``pkg/mod.py <hex>``), ``compiled``, ``namespace`` or ``absent``;
    ``unreadable`` when the source cannot be read (which never equals a recorded witness).

    A provider module's description (:func:`.provider_source.read_source`) depends on nothing
    but these bytes and the path (which says whether it is a package), so two equal witnesses
    mean the same :class:`~hatch_importspy.compare.provided.ProvidedModule`.  ``names``: as
    for :func:`locate`.
    """
    located = locate(directories, name, names)
    if isinstance(located, SourceFile):
        try:
            digest = sha256_file(located.directory / located.relative)
        except OSError:
            return UNREADABLE
        return f"{located.relative} {digest}"
    return ABSENT if located is None else located


def _extension_among(beside: Sequence[str], stem: str) -> bool:
    """Whether an extension module of ``stem`` is among a directory's ``<stem>.*`` entries: the
    finder tries extension suffixes first, so that is what an import loads (a ``.py`` of the
    stem never runs)."""
    return bool(beside) and stem in extensions_by_stem(beside)
