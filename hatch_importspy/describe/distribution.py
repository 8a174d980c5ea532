"""Turn the files of a wheel into a :class:`~hatch_importspy.model.SpyModel`.

The caller says which file lands at which wheel path; this module reads each file once, hashes
those bytes and, for the Python modules that ``include``/``exclude`` select, extracts their
structure from the same bytes.  Everything else the wheel ships (data, stubs, ``.pth`` files,
extensions, and modules that are not selected or do not parse) is recorded by path and sha256, so
every shipped file is vouched for by the manifest one way or the other.

A module whose ``.py`` sits beside an extension module of the same stem (a mypyc-compiled wheel
keeps its sources) runs from the extension: its entry says so in ``runs`` and carries no
structure, since the source's structure is not what an import loads; the source is still hashed
under the module entry and the extension under a file entry
(:mod:`hatch_importspy.pyrules.extensions`).

The same parse feeds the inference of expectations (:mod:`hatch_importspy.describe.infer`): what the
selected modules use from other distributions' modules, recorded in the manifest's ``expects``
together with the expectations of the project's contracts.  Each module is parsed once, in the
worker process that describes it; only the structure and the (small) record of uses come back.
Each module's compilation is recorded meanwhile in an interpreter of its own
(:mod:`hatch_importspy.describe.compilations`), as an installer would compile it.

It knows nothing about hatchling: the build hook feeds it hatchling's file list, and ``importspy
embed`` the members of a wheel built by another backend.

Digests are lowercase hexadecimal sha256, the form ``sha256sum`` prints.
"""

from __future__ import annotations

import difflib
import gc
import hashlib
import os
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import repeat
from pathlib import Path
from pickle import PicklingError

from hatch_importspy import GENERATOR
from hatch_importspy.collection import collection_paused
from hatch_importspy.compare.expectations.lookup import ModuleLookup
from hatch_importspy.describe.bindings import module_bindings
from hatch_importspy.describe.build_check import BuildProviders, mark_unmet_at_build
from hatch_importspy.describe.compilations import CompilationRecorder
from hatch_importspy.describe.config import HOOK_TABLE, ConfigError, ImportSpyOptions
from hatch_importspy.describe.extract import ExtractionError, parse, structure_of
from hatch_importspy.describe.infer import (
    ExpectationRecorder,
    ModuleUses,
    attribute_to_requirements,
    distribution_resolver,
    uses_of,
)
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.entry_points import sort_entry_points
from hatch_importspy.model import (
    EntryPoint,
    Expectation,
    FileEntry,
    Module,
    ModuleBindings,
    ModuleStructure,
    SpyModel,
    module_name,
)
from hatch_importspy.pyrules.extensions import running_extensions

Warn = Callable[[str], None]
"""Receives one-line warnings: a module that does not parse, an ``include`` matching nothing."""


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


@collection_paused()
def describe_distribution(
    files: Iterable[tuple[str, Path]],
    *,
    name: str,
    version: str,
    requires: Sequence[str],
    options: ImportSpyOptions,
    warn: Warn | None = None,
    workers: int | None = None,
    distribution_of: Callable[[str], str | None] | None = None,
    contracts: Sequence[Expectation] = (),
    entry_points: Iterable[EntryPoint] | None = None,
    build_lookup: ModuleLookup | None = None,
    where: str = HOOK_TABLE,
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

    With ``options.infer_expectations`` the selected modules' uses of other distributions are
    recorded in ``expects`` (modules not selected, or not parseable, are not read as Python);
    ``distribution_of`` maps a top-level module name to the distribution that provides it
    (default: none does; the build hook passes :func:`build_environment_resolver`); a module
    (inferred or a contract's) it leaves unknown is attributed to the ``requires`` entry named
    like it, marked as a guess (see
    :func:`~hatch_importspy.describe.infer.attribute_to_requirements`).  ``contracts`` (already
    loaded, see :mod:`hatch_importspy.describe.contracts`) are recorded in ``expects`` as given.
    ``entry_points`` are those of the wheel's ``entry_points.txt`` (sorted here); ``None`` leaves
    them unrecorded.  With ``build_lookup`` (the build environment's modules) each inferred
    expectation is held against its installed provider, and what that provider already falls
    short of is recorded as ``unmet_at_build`` (see :mod:`.build_check`); a
    :class:`~.build_check.BuildProviders` also records what a fully met expectation was checked
    against (``met_at_build``).
    An ``include`` or ``exclude`` entry that matches no module raises
    :class:`ConfigError` naming ``where`` (the options' table) and the entry.
    """
    entries: list[FileEntry] = []
    pending: list[tuple[str, str, str, bytes]] = []  # path, dotted name, digest, content
    loose: list[tuple[str, str, bytes]] = []  # path, digest, content
    sources: dict[str, Path] = {}
    for raw_path, source in files:
        path = wheel_path(raw_path)
        if path in sources:
            raise UnusableInputError(f"{path}: given twice (two files for one wheel path)")
        sources[path] = source
        content = _read(source, path)
        digest = hashlib.sha256(content).hexdigest()
        dotted = module_name(path)
        if dotted is None and _is_source(path):
            # Python source importlib can still load by path (``unicode10-0-0.py``): its
            # compilation is recorded as a module's is, to prove its bytecode without compiling.
            loose.append((path, digest, content))
        elif dotted is None or not is_selected(dotted, options):
            entries.append(FileEntry(path=path, sha256=digest))
        else:
            pending.append((path, dotted, digest, content))
    seen = sources.keys()
    recorded = [(path, digest, content) for path, _, digest, content in pending] + loose
    compilations = CompilationRecorder([(sources[path], digest) for path, digest, _ in recorded])

    count = default_workers(len(pending)) if workers is None else workers
    own = own_top_level(seen) if options.infer_expectations else None
    outcomes = extract_all(
        [(path, content) for path, _, _, content in pending],
        private=options.private,
        workers=count,
        infer_for=own,
    )
    recordings = compilations.recordings([content for _, _, content in recorded])
    for (path, digest, _), (code, pyc) in zip(loose, recordings[len(pending) :], strict=True):
        entries.append(FileEntry(path=path, sha256=digest, code=code, pyc=pyc))
    recorder = ExpectationRecorder(own_top_level=own or ())
    extensions = running_extensions(seen)
    modules: list[Module] = []
    for (path, dotted, digest, _), (outcome, uses), (code, pyc) in zip(
        pending, outcomes, recordings[: len(pending)], strict=True
    ):
        recorder.merge(uses)
        runs = extensions.get(path)
        if runs is not None:  # the extension runs: the source's structure is not described
            if isinstance(outcome, str):  # nor does the source parse: it compiles to nothing
                code = pyc = None
            modules.append(
                Module(name=dotted, path=path, sha256=digest, runs=runs, code=code, pyc=pyc)
            )
        elif isinstance(outcome, str):
            if warn is not None:
                warn(f"{outcome}; recorded as a plain file, its structure is not described")
            entries.append(FileEntry(path=path, sha256=digest))
        else:
            structure, bindings = outcome
            modules.append(Module(dotted, path, digest, structure, bindings, code=code, pyc=pyc))

    check_unmatched(options, seen, where=where)
    inferred: tuple[Expectation, ...] = ()
    if own is not None:
        inferred = recorder.expectations(distribution_of or distribution_resolver(requires, {}))
        inferred = attribute_to_requirements(inferred, requires)
        if build_lookup is not None:
            witness = build_lookup.witness if isinstance(build_lookup, BuildProviders) else None
            inferred = mark_unmet_at_build(inferred, build_lookup, witness=witness)
    contracts = attribute_to_requirements(contracts, requires)
    return SpyModel(
        name=name,
        version=version,
        environment=options.environment(),
        requires=tuple(requires),
        modules=tuple(sorted(modules, key=lambda module: module.path)),
        files=tuple(sorted(entries, key=lambda entry: entry.path)),
        expects=tuple(sorted([*inferred, *contracts], key=_expectation_key)),
        entry_points=None if entry_points is None else sort_entry_points(entry_points),
        private=options.private,
        generator=GENERATOR,
    )


def own_top_level(paths: Iterable[str]) -> frozenset[str]:
    """The top-level import names a wheel's files provide: the package's own code.

    ``pkg/mod.py`` and ``pkg/data.json`` give ``pkg``, ``mod.py`` and ``mod.cpython-311-x86_64-
    linux-gnu.so`` give ``mod``; ``.dist-info`` is skipped and ``<name>.data/purelib/...`` (or
    ``platlib``) is read from below that prefix, where it is installed.
    """
    names: set[str] = set()
    for path in paths:
        parts = path.split("/")
        if parts[0].endswith(".dist-info"):
            continue
        if parts[0].endswith(".data"):
            if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                continue
            parts = parts[2:]
        name = parts[0].partition(".")[0]
        if name.isidentifier():
            names.add(name)
    return frozenset(names)


def build_environment_resolver(requires: Sequence[str]) -> Callable[[str], str | None]:
    """:func:`~hatch_importspy.describe.infer.distribution_resolver` over the running environment.

    ``importlib.metadata.packages_distributions()`` (which distribution installed which top-level
    name) costs tens of milliseconds, so it is read on the first question only: a package that
    uses nothing outside the standard library never pays for it.  In an isolated build only the
    build requirements are installed; names it cannot tell are ``None`` here, and
    :func:`describe_distribution` tries the ``requires`` names for them.
    """
    resolver: Callable[[str], str | None] | None = None

    def resolve(module: str) -> str | None:
        nonlocal resolver
        if resolver is None:
            resolver = distribution_resolver(requires, _packages_distributions())
        return resolver(module)

    return resolve


def module_owner_resolver(
    base: Callable[[str], str | None],
    file_owners: Callable[[], Mapping[str, str]] | None = None,
) -> Callable[[str], str | None]:
    """``base`` (top-level name -> distribution), made right for submodules when several
    distributions install one top-level name: a dotted module is credited to the distribution
    whose RECORD lists the module's own file (``importspy/policy.py`` of ``importspy``, not
    ``hatch-importspy``, which ships ``importspy/__main__.py`` beside it).  Only when no
    installed distribution lists that file does the top-level answer stand.  ``file_owners``
    (relative path -> distribution) defaults to the RECORDs of the running environment."""
    owners: Mapping[str, str] | None = None

    def resolve(module: str) -> str | None:
        nonlocal owners
        if "." in module:
            if owners is None:
                owners = (file_owners or _file_owners)()
            path = module.replace(".", "/")
            for candidate in (f"{path}.py", f"{path}/__init__.py"):
                if candidate in owners:
                    return owners[candidate]
        return base(module.partition(".")[0])

    return resolve


def _file_owners() -> dict[str, str]:
    """Relative path of every installed ``.py`` file -> the distribution that installed it (the
    first found on the path, as imported)."""
    from importlib.metadata import distributions

    owners: dict[str, str] = {}
    for distribution in distributions():
        name = distribution.metadata["Name"]
        for file in distribution.files or ():
            text = str(file).replace("\\", "/")
            if name and text.endswith(".py"):
                owners.setdefault(text, name)
    return owners


def _packages_distributions() -> dict[str, list[str]]:
    if sys.version_info >= (3, 12):  # the same choice as :mod:`hatch_importspy.verify.installed`
        from importlib.metadata import packages_distributions
    else:
        from importlib_metadata import packages_distributions
    return dict(packages_distributions())


def _expectation_key(expectation: Expectation) -> tuple[str, str, str]:
    """Inferred expectations first for a module, then contracts by path: a stable order."""
    origin = "" if expectation.origin == "inferred" else expectation.origin
    return (expectation.module, origin, expectation.distribution or "")


# ------------------------------------------------------------------------------ extraction


def _is_source(path: str) -> bool:
    """A ``.py`` file outside the wheel's ``.data`` and ``.dist-info`` directories."""
    top = path.partition("/")[0]
    return path.endswith(".py") and not top.endswith((".data", ".dist-info"))


PARALLEL_THRESHOLD = 64
"""Fewest modules worth a second process: below it, starting one costs more than it saves."""

MAX_WORKERS = 2
"""Parsing is CPU-bound and holds the GIL; two processes halve it on the usual 2-core runner."""

Outcome = tuple[ModuleStructure, ModuleBindings] | str
"""A module's structure and bindings, or the one-line reason it could not be described."""

Extracted = tuple[Outcome, ModuleUses]
"""What one module gave: its outcome and, when inference is on, what it uses of others."""


def default_workers(modules: int) -> int:
    """How many processes to extract ``modules`` modules with.

    Measured on a 491-module package (2 cores, fork): extraction takes 0.56 s with two
    processes against 0.95 s in one; a small package gains nothing from the start-up cost.
    """
    if modules < PARALLEL_THRESHOLD:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def extract_all(
    sources: Sequence[tuple[str, bytes]],
    *,
    private: bool,
    workers: int = 1,
    infer_for: Collection[str] | None = None,
) -> list[Extracted]:
    """Extract every ``(wheel path, source)``, in order, with up to ``workers`` processes.

    With ``infer_for`` (the package's own top-level names) each module's uses of other modules
    are read from the same tree (:func:`~hatch_importspy.describe.infer.uses_of`); otherwise, and
    for a
    module that does not parse, they are empty.  If worker processes cannot be started or die
    (a sandbox without process support, memory limits), the work is done again in this process:
    the result never depends on it.  Trees are freed by reference counting as each module is
    described, so the workers pause the cyclic garbage collector, as
    :func:`describe_distribution` does here (:mod:`hatch_importspy.collection`).
    """
    own = None if infer_for is None else frozenset(infer_for)
    if workers > 1 and len(sources) > 1:
        chunk = max(1, len(sources) // (workers * 4))
        try:
            with ProcessPoolExecutor(max_workers=workers, initializer=gc.disable) as pool:
                return list(
                    pool.map(_extract_one, sources, repeat(private), repeat(own), chunksize=chunk)
                )
        except (OSError, BrokenProcessPool, PicklingError):
            pass
    return [_extract_one(source, private, own) for source in sources]


def _extract_one(source: tuple[str, bytes], private: bool, own: frozenset[str] | None) -> Extracted:
    path, content = source
    name = module_name(path) or ""
    try:
        tree = parse(content, path)
        structure = structure_of(tree, private=private)
        bindings = module_bindings(
            tree, name=name, is_package=path.endswith("/__init__.py"), source=content
        )
    except ExtractionError as error:
        return str(error), {}
    except RecursionError:
        return f"{path}: nested too deeply to describe", {}
    uses = {} if own is None else uses_of(tree, own_top_level=own, source=content)
    return (structure, bindings), uses


def _read(source: Path, path: str) -> bytes:
    try:
        return source.read_bytes()
    except OSError as error:
        raise UnusableInputError(f"{path}: cannot read {source.name}: {error.strerror}") from None


def check_unmatched(options: ImportSpyOptions, paths: Iterable[str], *, where: str) -> None:
    """Stop on an ``include``/``exclude`` entry that matches no module in the wheel.

    Such an entry is almost always a typo, and a typo in ``include`` silently leaves the modules
    meant undescribed (in ``exclude``, silently describes them): the build stops, as it does
    for a ``contracts`` glob that matches no file, with every such entry and the closest module
    name.  Raises :class:`ConfigError`.
    """
    modules = sorted({dotted for dotted in map(module_name, paths) if dotted is not None})
    # Suggestions are every package and module name, so a misspelt package is matched whole.
    names = sorted(
        {
            ".".join(parts[:end])
            for parts in map(str.split, modules, repeat("."))
            for end in range(1, len(parts) + 1)
        }
    )
    problems: list[str] = []
    for key, prefixes in (("include", options.include), ("exclude", options.exclude)):
        for prefix in prefixes:
            if not any(matches(module, (prefix,)) for module in modules):
                close = difflib.get_close_matches(prefix, names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                problems.append(f"{where}.{key}: {prefix!r} matches no module in the wheel{hint}")
    if problems:
        raise ConfigError(tuple(problems))
