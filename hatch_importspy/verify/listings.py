"""Directory listings as the path finder sees them, read once per directory and kept.

:mod:`hatch_importspy.pyrules.finder` models the finder over :class:`Listing` values; this module
reads them.  For each subdirectory only the ``__init__`` + suffix files are looked up (a regular
package is recognised by them), so listing a site directory costs one ``scandir`` and a few
``stat`` calls per subdirectory.  Read-only: nothing is written or imported.
"""

from __future__ import annotations

import os

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
        directories: dict[str, frozenset[str]] = {}
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
                    directories[entry.name] = self._init_files(entry.path)
            except OSError:
                continue
        return Listing(frozenset(files), directories)

    def _init_files(self, path: str) -> frozenset[str]:
        return frozenset(
            name
            for name in self._inits
            if os.path.isfile(os.path.join(path, name))  # noqa: PTH113, PTH118
        )
