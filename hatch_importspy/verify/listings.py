"""Directory listings as the path finder sees them, read once per directory and kept.

:mod:`hatch_importspy.pyrules.finder` models the finder over :class:`Listing` values; this module
reads them.  For each subdirectory only the ``__init__`` + suffix files are looked up (a regular
package is recognised by them), and only when the finder first asks for that subdirectory: so
listing a directory costs one ``scandir``, and a subdirectory no import reaches (``__pycache__``,
a package's data) costs nothing more.  Read-only: nothing is written or imported.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

from hatch_importspy.pyrules.finder import Listing, LoaderSuffixes


class DirectoryListings:
    """``listings("/site/pkg") -> Listing``, each directory read at most once.

    A directory that cannot be read lists as empty: the finder would find nothing in it either.
    """

    def __init__(self, suffixes: LoaderSuffixes) -> None:
        self.suffixes = suffixes
        self._inits = suffixes.init_names()
        self._cache: dict[str, Listing] = {}

    def __call__(self, directory: str) -> Listing:
        listing = self._cache.get(directory)
        if listing is None:
            listing = self._cache[directory] = self._read(directory)
        return listing

    def _read(self, directory: str) -> Listing:
        files: set[str] = set()
        directories: dict[str, str] = {}
        try:
            with os.scandir(directory) as entries:
                found = list(entries)
        except OSError:
            return Listing()
        for entry in found:
            try:
                # The finder stats through symbolic links (``_path_isfile``/``_path_isdir``).
                if entry.is_file():
                    files.add(entry.name)
                elif entry.is_dir() and "." not in entry.name:
                    directories[entry.name] = entry.path
            except OSError:
                continue
        return Listing(frozenset(files), _InitFiles(directories, self._inits))


class _InitFiles(Mapping[str, frozenset[str]]):
    """Each subdirectory's name -> the ``__init__`` + suffix regular files it holds, looked up
    (with ``stat``, through symbolic links as the finder does) when first asked for.  Measured on
    the application benchmark, looking them up for every subdirectory of every listed directory
    cost 965 ``stat`` calls per ``verify``, mostly for ``__pycache__`` directories."""

    def __init__(self, paths: dict[str, str], inits: tuple[str, ...]) -> None:
        self._paths = paths
        self._inits = inits
        self._found: dict[str, frozenset[str]] = {}

    def __getitem__(self, name: str) -> frozenset[str]:
        found = self._found.get(name)
        if found is None:
            path = self._paths[name]  # KeyError: not a subdirectory
            found = self._found[name] = frozenset(
                init
                for init in self._inits
                if os.path.isfile(os.path.join(path, init))  # noqa: PTH113, PTH118
            )
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, name: object) -> bool:
        return name in self._paths
