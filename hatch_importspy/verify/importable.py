"""What an import would load in the environment under check: the reader side of ISP313-ISP315.

:mod:`hatch_importspy.pyrules.finder` says which entry the path finder takes; this module applies
it to the site directories being verified (in ``sys.path`` order) and gathers what
:mod:`hatch_importspy.compare.shadowing` judges: for each vouched module the file its import
loads, every module at the top of a site directory with the file that would run, and the files
some RECORD lists.  Site directories are the only ``sys.path`` entries considered: the standard
library before them is the interpreter's own, and the script directory depends on the program.

Read-only: directories are listed and RECORDs read; nothing is imported or written.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from hatch_importspy.compare.shadowing import ModuleLoad, TopLevelModule
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.record import is_outside, normalise_record_path, parse_record
from hatch_importspy.pyrules.finder import (
    EntryKind,
    PathResolver,
    find_in_directory,
    module_names,
    module_of_path,
)
from hatch_importspy.verify.installed import (
    InstalledDistribution,
    RecordIndex,
)
from hatch_importspy.verify.listings import DirectoryListings

NOT_MODULES = frozenset({"__pycache__", "sitecustomize", "usercustomize"})
"""Top-level names never reported as unowned modules: ``__pycache__`` holds bytecode compiled for
a top-level module, never imported by that name; ``sitecustomize`` and ``usercustomize`` run at
start-up and are judged as start-up code (ISP307/ISP308), once."""

_NAMESPACE_DEPTH = 8
"""How deep namespace directories are followed (a symbolic link loop must not hang the run)."""


def vouched_loads(
    vouched: Iterable[str],
    search_path: Sequence[Path],
    listings: DirectoryListings,
) -> list[ModuleLoad]:
    """For each vouched file that is a module (``module_of_path``), the file an import of its
    name loads with ``search_path`` as ``sys.path`` (see :class:`finder.PathResolver`)."""
    resolve = PathResolver(
        [str(directory) for directory in search_path], listings, listings.suffixes
    )
    loads: list[ModuleLoad] = []
    for relative in vouched:
        module = module_of_path(relative, listings.suffixes)
        if module is None:
            continue
        resolved = resolve(module)
        loads.append(
            ModuleLoad(
                module,
                relative,
                None if resolved is None else resolved.file,
                None if resolved is None else resolved.found.kind,
            )
        )
    return loads


def top_level_modules(
    site_dirs: Sequence[Path], listings: DirectoryListings
) -> tuple[TopLevelModule, ...]:
    """Every module and package at the top of each site directory, with the file an import of
    it runs there; a namespace directory's own modules and packages are listed in its place
    (``ns.evil`` is as importable as ``evil``)."""
    found: list[TopLevelModule] = []
    for site_dir in site_dirs:
        found.extend(_modules_in(str(site_dir), "", listings, _NAMESPACE_DEPTH))
    return tuple(found)


def _modules_in(
    site_dir: str, prefix: str, listings: DirectoryListings, depth: int
) -> Iterator[TopLevelModule]:
    directory = f"{site_dir}/{prefix}".rstrip("/")
    listing = listings(directory)
    for name in module_names(listing, listings.suffixes):
        if name in NOT_MODULES:
            continue
        found = find_in_directory(listing, name, listings.suffixes)
        if found is None:
            continue
        if found.kind is EntryKind.NAMESPACE:
            if depth > 0:
                yield from _modules_in(site_dir, f"{prefix}{name}/", listings, depth - 1)
            continue
        module = (prefix.replace("/", ".") + name) if prefix else name
        yield TopLevelModule(site_dir, module, f"{prefix}{found.file}", found.kind)


def listed_files(
    distributions: Iterable[InstalledDistribution], records: RecordIndex, wanted: Iterable[str]
) -> frozenset[str]:
    """Those of the ``wanted`` files (``/``-joined absolute paths ``<site dir>/<relative>``) that
    some distribution's RECORD (or ``installed-files.txt``) lists.  An unreadable RECORD lists
    nothing; its owner's verification reports it.

    Every RECORD of the environment is read, but a row is split off only up to its first comma
    and kept only when it names a wanted file: parsing every row of every RECORD cost more than
    verifying an unchanged distribution.  Rows CSV quotes, or that leave the site directory, are
    parsed properly.
    """
    remaining = set(wanted)
    listed: set[str] = set()
    for distribution in distributions:
        if not remaining:
            break
        base = str(distribution.site_dir)
        prefix = base + "/"
        paths, unusual = _record_paths(distribution, records)
        keys = {prefix + path for path in paths & {k[len(prefix) :] for k in remaining}}
        for path in unusual:
            normal = normalise_record_path(path)
            outside = is_outside(normal)
            keys.add(os.path.normpath(prefix + normal) if outside else prefix + normal)
        found = keys & remaining
        remaining -= found
        listed |= found
    return frozenset(listed)


_FIRST_FIELD = re.compile(r"^([^,\n\"]*),", re.MULTILINE)
"""A RECORD row's path, when CSV does not quote it: everything before the first comma."""
_QUOTED = re.compile(r"^\".*$", re.MULTILINE)
_UNUSUAL = re.compile(
    r"^((?:[./]|[A-Za-z]:)[^,\n\"]*|[^,\n\"]*(?:\\|//|/\.)[^,\n\"]*),", re.MULTILINE
)
"""A row whose path is not already a plain relative ``/`` path: normalised before comparing."""


def _record_paths(
    distribution: InstalledDistribution, records: RecordIndex
) -> tuple[set[str], list[str]]:
    """The paths a RECORD (or ``installed-files.txt``) lists: the plain ones, and those to
    normalise first.  Found with one regular-expression pass over the text, no row parsed
    unless CSV quotes it."""
    paths: list[str] = []
    if distribution.metadata_dir.suffix == ".egg-info":  # rows are few: take the slow path
        with contextlib.suppress(UnusableInputError):
            paths = [entry.path for entry in records.record(distribution) or ()]
    else:
        try:
            content = records.content(distribution)
        except UnusableInputError:
            content = None
        text = (content or b"").decode("utf-8", errors="replace")
        if '"' not in text:  # the common case: every row's path is what precedes its comma
            plain = {line.partition(",")[0] for line in text.split("\n") if "," in line}
            return plain, _UNUSUAL.findall(text) if _may_be_unusual(text) else []
        paths = _FIRST_FIELD.findall(text)
        unusual = _UNUSUAL.findall(text)
        for line in _QUOTED.findall(text):
            with contextlib.suppress(UnusableInputError):
                unusual.extend(entry.path for entry in parse_record(line, source=""))
        return set(paths), unusual
    return set(paths), paths  # installed-files.txt rows: normalise every one


def _may_be_unusual(text: str) -> bool:
    """Whether a RECORD may hold a row :data:`_UNUSUAL` matches: one that starts with ``.``, ``/``
    or a drive, or holds a backslash, ``//`` or ``/.``.  Most hold none, and these tests cost a
    tenth of the regular expression."""
    return (
        text.startswith((".", "/"))
        or "\n." in text
        or "\n/" in text
        or ":" in text
        or "\\" in text
        or "//" in text
        or "/." in text
    )


@dataclass(frozen=True)
class VouchedElsewhere(Container[str]):
    """The files a distribution's manifest vouches for (absolute), and files in another site
    directory owned by another copy of the same distribution that carries a manifest: that copy
    is verified against its own manifest, so its files shadowing this copy's are no payload."""

    own: frozenset[str]
    site_dir: str
    canonical_name: str
    records: RecordIndex
    carrying: Container[str]
    """Canonical names of the distributions that carry a manifest."""

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, str):
            return False
        if path in self.own:
            return True
        if path.startswith(self.site_dir.rstrip("/") + "/"):
            return False  # a second copy in the same directory is ISP315, no excuse
        if self.canonical_name not in self.carrying:
            return False
        owners = self.records.owners_of(path)
        return any(canonicalize_name(owner) == self.canonical_name for owner in owners)
