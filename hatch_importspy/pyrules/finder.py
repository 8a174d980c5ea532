"""Which file CPython's path-based finder loads for a module name, modelled over directory listings.

``importlib.machinery.PathFinder`` asks one ``FileFinder`` per ``sys.path`` entry (or per entry of
a package's ``__path__``), in order, and the first that finds the name wins.  Inside one
directory, for a name ``x``, ``FileFinder.find_spec`` (CPython 3.11, unchanged in 3.12/3.13):

1. takes the directory ``x/`` when it holds a regular file ``__init__`` + a loader suffix, the
   suffixes tried in loader order -- extension modules (``EXTENSION_SUFFIXES``), then source
   (``.py``), then sourceless bytecode (``.pyc``): a regular package;
2. otherwise takes the first regular file ``x`` + suffix, in the same order;
3. otherwise, when ``x/`` is a directory, remembers it as a namespace portion: it becomes a
   namespace package only when no entry of the whole path found a module or package.

Nothing here touches a file system: a directory is a :class:`Listing` (its regular files, and for
each subdirectory the ``__init__`` files it holds), and the suffixes are parameters, so the rules
can be applied for another interpreter (``verify --python``) than the one running them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

INIT = "__init__"
"""The stem of a regular package's initialisation module."""


class EntryKind(str, enum.Enum):
    """What the finder found for a name in one directory."""

    PACKAGE = "package"
    """A directory holding ``__init__`` with a loader suffix."""
    EXTENSION = "extension module"
    SOURCE = "source module"
    BYTECODE = "sourceless bytecode module"
    NAMESPACE = "namespace portion"
    """A bare directory: used only when no directory of the path has anything else."""


@dataclass(frozen=True)
class LoaderSuffixes:
    """The file suffixes the path finder's loaders claim, as ``importlib.machinery`` lists them.

    Loader order is the order ``importlib._bootstrap_external._get_supported_file_loaders``
    returns: extension modules, then source, then bytecode.
    """

    extension: tuple[str, ...]
    """``importlib.machinery.EXTENSION_SUFFIXES`` of the target interpreter."""
    source: tuple[str, ...] = (".py",)
    """``importlib.machinery.SOURCE_SUFFIXES`` (``.pyw`` too on Windows)."""
    bytecode: tuple[str, ...] = (".pyc",)
    """``importlib.machinery.BYTECODE_SUFFIXES``."""

    @classmethod
    def running(cls) -> LoaderSuffixes:
        """The suffixes of the interpreter running this code."""
        import importlib.machinery as machinery

        return cls(
            tuple(machinery.EXTENSION_SUFFIXES),
            tuple(machinery.SOURCE_SUFFIXES),
            tuple(machinery.BYTECODE_SUFFIXES),
        )

    def ordered(self) -> tuple[tuple[str, EntryKind], ...]:
        """Every suffix with the kind of module it loads, in the order the finder tries them."""
        return self._ordered

    def init_names(self) -> tuple[str, ...]:
        """``__init__`` + each suffix, in loader order: the files that make a regular package."""
        return self._init_names

    # Computed once: the finder asks for them for every name of every directory it searches.
    @cached_property
    def _ordered(self) -> tuple[tuple[str, EntryKind], ...]:
        return (
            *((suffix, EntryKind.EXTENSION) for suffix in self.extension),
            *((suffix, EntryKind.SOURCE) for suffix in self.source),
            *((suffix, EntryKind.BYTECODE) for suffix in self.bytecode),
        )

    @cached_property
    def _init_names(self) -> tuple[str, ...]:
        return tuple(INIT + suffix for suffix, _ in self._ordered)


@dataclass(frozen=True)
class Listing:
    """What the finder sees of one directory."""

    files: frozenset[str] = frozenset()
    """Names of the regular files in it (symbolic links followed, as ``os.stat`` does)."""
    directories: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Each subdirectory's name -> the ``__init__`` + suffix regular files it holds.  A ``dict``
    is copied; any other mapping is taken as given (a reader may look the files up only when
    asked, see :mod:`hatch_importspy.verify.listings`), and must not change."""

    def __post_init__(self) -> None:
        if isinstance(self.directories, dict):
            object.__setattr__(self, "directories", MappingProxyType(dict(self.directories)))


@dataclass(frozen=True)
class Found:
    """The entry the finder takes for a name in one directory."""

    name: str
    """The module's last name component, e.g. ``x``."""
    kind: EntryKind
    entry: str
    """The directory entry, e.g. ``x.py``, ``x`` (a package or namespace portion)."""
    file: str | None
    """The file that runs, relative to the directory: ``x.py``, ``x/__init__.py``; ``None`` for
    a namespace portion."""


def find_in_directory(listing: Listing, name: str, suffixes: LoaderSuffixes) -> Found | None:
    """The entry ``FileFinder.find_spec`` takes for ``name`` in one directory (module docstring:
    a package directory first, then ``name`` + each suffix in loader order, then a namespace
    portion), ``None`` when the directory has nothing of that name."""
    inits = listing.directories.get(name)
    if inits is not None:
        for init in suffixes.init_names():
            if init in inits:
                return Found(name, EntryKind.PACKAGE, name, f"{name}/{init}")
    for suffix, kind in suffixes.ordered():
        candidate = name + suffix
        if candidate in listing.files:
            return Found(name, kind, candidate, candidate)
    if inits is not None:
        return Found(name, EntryKind.NAMESPACE, name, None)
    return None


def module_names(listing: Listing, suffixes: LoaderSuffixes) -> tuple[str, ...]:
    """Every name an import could find in the directory, sorted: each subdirectory, and each
    file named ``<name><suffix>`` for a loader suffix.  A name holding a dot is left out: the
    import system reads a dot as a package boundary, so no import reaches such an entry."""
    names = {name for name in listing.directories if "." not in name}
    ordered = suffixes.ordered()
    for file in listing.files:
        for suffix, _ in ordered:
            stem = file[: -len(suffix)] if file.endswith(suffix) else ""
            if stem and "." not in stem:
                names.add(stem)
    return tuple(sorted(names))


@dataclass(frozen=True)
class Resolved:
    """Where an import of a dotted name ends, on a given path."""

    directory: str
    """The directory (as given in the search path, joined with ``/``) that holds the entry."""
    found: Found

    @property
    def file(self) -> str | None:
        """The file that runs, as ``directory/file``; ``None`` for a namespace package."""
        return None if self.found.file is None else f"{self.directory}/{self.found.file}"


def find_on_path(
    name: str, path: Sequence[str], listing_of: Callable[[str], Listing], suffixes: LoaderSuffixes
) -> tuple[Resolved | None, tuple[str, ...]]:
    """``PathFinder.find_spec`` for one name component: the first directory of ``path`` whose
    finder takes a module or package wins; bare directories met on the way are namespace
    portions, and become the package's ``__path__`` when nothing wins.

    Returns the winner (``None`` when there is none) and the namespace portions' directories.
    """
    portions: list[str] = []
    for directory in path:
        found = find_in_directory(listing_of(directory), name, suffixes)
        if found is None:
            continue
        if found.kind is EntryKind.NAMESPACE:
            portions.append(f"{directory}/{name}")
            continue
        return Resolved(directory, found), ()
    return None, tuple(portions)


def resolve(
    dotted: str,
    path: Sequence[str],
    listing_of: Callable[[str], Listing],
    suffixes: LoaderSuffixes,
) -> Resolved | None:
    """The entry an ``import a.b.c`` loads with ``path`` as ``sys.path``: each parent is found
    first, and the next name is searched in the parent's ``__path__`` -- the package directory
    of a regular package, every portion of a namespace package.  ``None`` when the import would
    fail (a parent is missing, or is a plain module) or ends at a namespace package.  For many
    names on one path, :class:`PathResolver` finds each parent once."""
    return PathResolver(path, listing_of, suffixes)(dotted)


class PathResolver:
    """:func:`resolve` for many names on one ``sys.path``: the ``__path__`` of each package is
    found once and kept, so the modules of one package cost one directory lookup each.  The
    listings must not change while it is used."""

    def __init__(
        self, path: Sequence[str], listing_of: Callable[[str], Listing], suffixes: LoaderSuffixes
    ) -> None:
        self._path = tuple(path)
        self._listing_of = listing_of
        self._suffixes = suffixes
        self._package_paths: dict[str, tuple[str, ...] | None] = {}

    def __call__(self, dotted: str) -> Resolved | None:
        parent, _, name = dotted.rpartition(".")
        search = self._package_path(parent) if parent else self._path
        if search is None:
            return None
        winner, _ = find_on_path(name, search, self._listing_of, self._suffixes)
        return winner  # ``None`` also for a namespace package: nothing of it runs

    def _package_path(self, package: str) -> tuple[str, ...] | None:
        """The ``__path__`` an import of ``package`` gives it: its directory for a regular
        package, every portion for a namespace package; ``None`` when it is missing or a plain
        module (which has no ``__path__``: no submodule can be found in it)."""
        if package in self._package_paths:
            return self._package_paths[package]
        parent, _, name = package.rpartition(".")
        search = self._package_path(parent) if parent else self._path
        found: tuple[str, ...] | None = None
        if search is not None:
            winner, portions = find_on_path(name, search, self._listing_of, self._suffixes)
            if winner is None:
                found = portions or None
            elif winner.found.kind is EntryKind.PACKAGE:
                found = (f"{winner.directory}/{name}",)
        self._package_paths[package] = found
        return found


def module_of_path(path: str, suffixes: LoaderSuffixes) -> str | None:
    """The dotted name a file is imported as, from its ``/`` path relative to a ``sys.path``
    directory: ``a/b/c.py`` -> ``a.b.c``, ``a/b/__init__.py`` -> ``a.b``; ``None`` when the file
    has no loader suffix or a component holds a dot (no import reaches it)."""
    directory, _, file = path.rpartition("/")
    for suffix, _ in suffixes.ordered():
        if file.endswith(suffix) and len(file) > len(suffix):
            stem = file[: -len(suffix)]
            break
    else:
        return None
    parts = [*directory.split("/")] if directory else []
    if stem != INIT:
        parts.append(stem)
    if not parts or any(not part or "." in part for part in parts):
        return None
    return ".".join(parts)
