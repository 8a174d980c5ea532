"""Where an import would find an installed provider module, by file names only, and what it is.

The expectation checks need a provider module's file before they need its description: to read
its manifest entry or parse it (:mod:`.provider_source`), or to tell that it is still the file
the build checked (:func:`witness`).  Nothing here parses or imports: this module lists and stats
files, and hashes one when asked for a witness.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hatch_importspy.formats.record import sha256_file
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


def locate(directories: Sequence[Path], name: str) -> Located:
    """Where an import of ``name`` would find it, by file names only (nothing is read).

    The first directory that has ``a/b/__init__.py``, ``a/b.py`` or a compiled ``a/b.*.so`` /
    ``.pyd`` / sourceless ``.pyc`` wins; a directory ``a/b`` without ``__init__.py`` anywhere is a
    namespace package.  ``None``: not found.
    """
    parts = name.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    namespace = False
    for directory in directories:
        base = directory.joinpath(*parts)
        for path, is_package in (
            (base / "__init__.py", True),
            (base.with_name(f"{parts[-1]}.py"), False),
        ):
            if _extension_beside(path):  # the finder loads the extension, not this source
                return COMPILED
            if path.is_file():
                relative = "/".join(
                    [*parts, "__init__.py"] if is_package else [*parts[:-1], path.name]
                )
                return SourceFile(directory, relative, is_package)
        if base.parent.is_dir() and any(
            candidate.suffix in (".so", ".pyd", ".pyc")
            for candidate in base.parent.glob(f"{parts[-1]}.*")
        ):
            return COMPILED
        namespace = namespace or base.is_dir()
    return NAMESPACE if namespace else None


ABSENT = "absent"
UNREADABLE = "unreadable"


def witness(directories: Sequence[Path], name: str) -> str:
    """What an import of ``name`` would find, as one string that two runs can compare: the
    source's path and sha256 (``pkg/mod.py <hex>``), ``compiled``, ``namespace`` or ``absent``;
    ``unreadable`` when the source cannot be read (which never equals a recorded witness).

    A provider module's description (:func:`.provider_source.read_source`) depends on nothing
    but these bytes and the path (which says whether it is a package), so two equal witnesses
    mean the same :class:`~hatch_importspy.compare.provided.ProvidedModule`.
    """
    located = locate(directories, name)
    if isinstance(located, SourceFile):
        try:
            digest = sha256_file(located.directory / located.relative)
        except OSError:
            return UNREADABLE
        return f"{located.relative} {digest}"
    return ABSENT if located is None else located


def _extension_beside(source: Path) -> bool:
    """Whether an extension module of the source's stem sits in its directory: the finder tries
    extension suffixes first, so that is what an import loads (the ``.py`` never runs)."""
    stem = source.name[: -len(".py")]
    if not source.parent.is_dir():
        return False
    names = [candidate.name for candidate in source.parent.glob(f"{stem}.*")]
    return stem in extensions_by_stem(names)
