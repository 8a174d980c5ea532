"""Turn the files of a wheel into a :class:`~hatch_importspy.model.SpyModel`.

The caller says which file lands at which wheel path; this module reads each file once, hashes
those bytes and, for the Python modules that ``include``/``exclude`` select, extracts their
structure from the same bytes.  Everything else the wheel ships (data, stubs, ``.pth`` files,
extensions, and modules that are not selected or do not parse) is recorded by path and sha256, so
every shipped file is vouched for by the manifest one way or the other.

It knows nothing about hatchling: the build hook feeds it hatchling's file list, and ``importspy
embed`` will feed it the members of a wheel built by another backend.

Digests are lowercase hexadecimal sha256, the form ``sha256sum`` prints.
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from itertools import repeat
from pathlib import Path
from pickle import PicklingError

from . import __version__
from .config import ImportSpyOptions
from .errors import UnusableInputError
from .extract import ExtractionError, extract_structure, module_name
from .model import FileEntry, Module, ModuleStructure, SpyModel

Warn = Callable[[str], None]
"""Receives one-line warnings: a module that does not parse, an ``include`` matching nothing."""

GENERATOR = f"hatch-importspy {__version__}"
"""The manifest's ``generator`` field."""


def wheel_path(path: str) -> str:
    """A wheel member path in its one canonical spelling: ``/`` separators, no ``./``.

    Raises :class:`UnusableInputError` for paths that could escape the install directory
    (absolute, drive letters, ``..``): a manifest must never vouch for such a file.
    """
    normalised = path.replace("\\", "/")
    while normalised.startswith("./"):
        normalised = normalised[2:]
    parts = normalised.split("/")
    if (
        not normalised
        or normalised.startswith("/")
        or ":" in parts[0]
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise UnusableInputError(f"{path}: not a relative path inside a wheel")
    return normalised


def matches(module: str, prefixes: Iterable[str]) -> bool:
    """Whether a dotted module name is one of ``prefixes`` or inside one (``a`` covers ``a.b``)."""
    return any(module == prefix or module.startswith(f"{prefix}.") for prefix in prefixes)


def is_selected(module: str, options: ImportSpyOptions) -> bool:
    """Whether ``include``/``exclude`` select a module for description (exclude wins)."""
    if options.include and not matches(module, options.include):
        return False
    return not matches(module, options.exclude)


def describe_distribution(
    files: Iterable[tuple[str, Path]],
    *,
    name: str,
    version: str,
    requires: Sequence[str],
    options: ImportSpyOptions,
    warn: Warn | None = None,
    workers: int | None = None,
) -> SpyModel:
    """Describe a distribution from ``(wheel path, source file)`` pairs.

    ``name`` and ``version`` are the distribution's, as in its metadata; ``requires`` its
    ``Requires-Dist`` values, kept in order and as written.  Modules and files come out sorted by
    wheel path, so the model (and the manifest written from it) does not depend on the order the
    files were given in.  A selected module that does not parse is recorded as a plain file and
    reported through ``warn``; nothing here raises for bad Python source.  Raises
    :class:`UnusableInputError` for an unreadable file, a path that is not a relative wheel path,
    or two files given for one wheel path.

    ``workers`` is how many processes extract structures; ``None`` chooses (see
    :func:`default_workers`).  The result is the same whatever the number.
    """
    entries: list[FileEntry] = []
    pending: list[tuple[str, str, str, bytes]] = []  # path, dotted name, digest, content
    seen: set[str] = set()
    for raw_path, source in files:
        path = wheel_path(raw_path)
        if path in seen:
            raise UnusableInputError(f"{path}: given twice (two files for one wheel path)")
        seen.add(path)
        content = _read(source, path)
        digest = hashlib.sha256(content).hexdigest()
        dotted = module_name(path)
        if dotted is None or not is_selected(dotted, options):
            entries.append(FileEntry(path=path, sha256=digest))
        else:
            pending.append((path, dotted, digest, content))

    count = default_workers(len(pending)) if workers is None else workers
    outcomes = extract_all(
        [(path, content) for path, _, _, content in pending], private=options.private, workers=count
    )
    modules: list[Module] = []
    for (path, dotted, digest, _), outcome in zip(pending, outcomes, strict=True):
        if isinstance(outcome, str):
            if warn is not None:
                warn(f"{outcome}; recorded as a plain file, its structure is not described")
            entries.append(FileEntry(path=path, sha256=digest))
        else:
            modules.append(Module(name=dotted, path=path, sha256=digest, structure=outcome))

    if warn is not None:
        _warn_unmatched(options, seen, warn)
    return SpyModel(
        name=name,
        version=version,
        environment=options.environment(),
        requires=tuple(requires),
        modules=tuple(sorted(modules, key=lambda module: module.path)),
        files=tuple(sorted(entries, key=lambda entry: entry.path)),
        private=options.private,
        generator=GENERATOR,
    )


# ------------------------------------------------------------------------------ extraction


PARALLEL_THRESHOLD = 64
"""Fewest modules worth a second process: below it, starting one costs more than it saves."""

MAX_WORKERS = 2
"""Parsing is CPU-bound and holds the GIL; two processes halve it on the usual 2-core runner."""

Outcome = ModuleStructure | str
"""A module's structure, or the one-line reason it could not be described."""


def default_workers(modules: int) -> int:
    """How many processes to extract ``modules`` modules with.

    Measured on a 491-module package (2 cores, fork): extraction takes 0.56 s with two
    processes against 0.95 s in one; a small package gains nothing from the start-up cost.
    """
    if modules < PARALLEL_THRESHOLD:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def extract_all(
    sources: Sequence[tuple[str, bytes]], *, private: bool, workers: int = 1
) -> list[Outcome]:
    """Extract every ``(wheel path, source)``, in order, with up to ``workers`` processes.

    If worker processes cannot be started or die (a sandbox without process support, memory
    limits), the work is done again in this process: the result never depends on it.
    """
    if workers > 1 and len(sources) > 1:
        chunk = max(1, len(sources) // (workers * 4))
        try:
            with ProcessPoolExecutor(max_workers=workers, initializer=gc.disable) as pool:
                return list(pool.map(_extract_one, sources, repeat(private), chunksize=chunk))
        except (OSError, BrokenProcessPool, PicklingError):
            pass
    with _gc_paused():
        return [_extract_one(source, private) for source in sources]


def _extract_one(source: tuple[str, bytes], private: bool) -> Outcome:
    path, content = source
    try:
        return extract_structure(content, filename=path, private=private)
    except ExtractionError as error:
        return str(error)
    except RecursionError:
        return f"{path}: nested too deeply to describe"


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while syntax trees are built and dropped.

    Trees are freed by reference counting as soon as a module is described; the collector only
    rescans them (about 15% of the extraction time, measured), so it is paused and restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read(source: Path, path: str) -> bytes:
    try:
        return source.read_bytes()
    except OSError as error:
        raise UnusableInputError(f"{path}: cannot read {source.name}: {error.strerror}") from None


def _warn_unmatched(options: ImportSpyOptions, paths: Iterable[str], warn: Warn) -> None:
    """An ``include``/``exclude`` entry that matches no module is almost always a typo."""
    modules = {dotted for dotted in map(module_name, paths) if dotted is not None}
    for key, prefixes in (("include", options.include), ("exclude", options.exclude)):
        for prefix in prefixes:
            if not any(matches(module, (prefix,)) for module in modules):
                warn(f"{key} entry {prefix!r} matches no module in the wheel")
