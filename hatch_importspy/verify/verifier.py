"""``verify``: hold installed distributions or wheels against their embedded manifests.

This module only wires readers to comparisons.  The readers (:mod:`.installed`,
:mod:`.wheelfile`) gather bytes and digests; the pure functions of :mod:`.compare` turn them into
findings.  It is read-only: nothing is written, and nothing from the environment under check is
imported or run -- a module is read as bytes, and re-described statically, only when its digest
differs from the manifest's, so an unchanged environment costs little more than hashing its files.
The one exception to "little more" is bytecode: each ``__pycache__`` file Python would run instead
of a vouched source is proven to be its compilation (:mod:`.bytecode`), which costs a compile --
unless an approval lock approves those very bytes (:mod:`.lock_bytecode`): then it costs a hash.

A problem with one distribution (an unreadable manifest, a missing RECORD) is a finding for that
distribution and verification goes on with the others.  Only input that makes the whole run
meaningless -- a site directory that cannot be listed, an unknown distribution name, a wheel that
is not a wheel -- raises :class:`~hatch_importspy.errors.UnusableInputError`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from hatch_importspy.compare.bytecode import bytecode_findings
from hatch_importspy.compare.dependencies import dependency_findings
from hatch_importspy.compare.integrity import (
    added_file_findings,
    claimed_file_findings,
    file_findings,
    package_directories,
    record_findings,
)
from hatch_importspy.compare.shadowing import (
    duplicate_findings,
    shadow_findings,
    unowned_module_findings,
)
from hatch_importspy.compare.startup import startup_findings
from hatch_importspy.errors import ManifestError, UnusableInputError
from hatch_importspy.facts import EnvironmentFacts
from hatch_importspy.findings import Finding, sort_key
from hatch_importspy.formats.manifest import (
    DOCUMENT_SEPARATOR,
    MANIFEST_LOCATION,
    FactsReader,
    StructureReader,
    load_bytes_deferred,
    load_facts_deferred,
)
from hatch_importspy.formats.record import data_directory, installed_path, stated_digests
from hatch_importspy.model import FileEntry, Module, ModuleStructure, SpyModel
from hatch_importspy.pyrules.finder import LoaderSuffixes
from hatch_importspy.results import (
    CHECK_DEPENDENCIES,
    CHECK_ENVIRONMENT,
    CHECK_EXPECTATIONS,
    CHECK_INTEGRITY,
    CHECK_STRUCTURE,
    NOTICE_NO_FACTS,
    NOTICE_NO_MANIFEST,
    NOTICE_NO_MARKERS,
    NOTICE_WHEEL_DEPENDENCIES,
    DistributionResult,
    VerifyResult,
)
from hatch_importspy.verify.bytecode import (
    BytecodeLoader,
    CacheFile,
    PendingProofs,
    cache_files,
    prove,
    prove_in_background,
)
from hatch_importspy.verify.declared import declared_findings
from hatch_importspy.verify.hashing import VouchedDigests
from hatch_importspy.verify.importable import (
    VouchedElsewhere,
    listed_files,
    top_level_modules,
    vouched_loads,
)
from hatch_importspy.verify.installed import (
    InstalledDistribution,
    InstalledVersions,
    RecordIndex,
    find_distributions,
    find_startup_files,
    has_manifest,
    read_file,
    read_manifest_bytes,
    read_manifest_start,
    unique_directories,
)
from hatch_importspy.verify.links import inspect_links, link_findings
from hatch_importspy.verify.listings import DirectoryListings
from hatch_importspy.verify.outside import outside_files, outside_findings, place
from hatch_importspy.verify.providers import ExpectationChecker
from hatch_importspy.verify.record_check import RecordCheck
from hatch_importspy.verify.schemes import InstallScheme
from hatch_importspy.verify.walk import walk_findings, walk_package_directories

if TYPE_CHECKING:
    from hatch_importspy.formats.wheel import WheelContents
    from hatch_importspy.surface import StartupFile
    from hatch_importspy.verify.lock import Lock, LockEntry

# The wheel reader and the structure comparison are imported where they are used: verifying an
# unchanged install reads no wheel and compares no structure.

# --------------------------------------------------------------------------- entry points

EARLY_HELPER_FROM = 10
"""Distributions from which ``verify`` starts the hashing helper before their files are known
(those of the environment, or the ones named): each is held to its RECORD, so this many usually
have a thousand files or more, and the helper's interpreter starts while the manifests and
RECORDs are read, instead of after.  What it is handed is decided once the files are known
(:meth:`.VouchedDigests.share`, and :func:`_verify_loaded`)."""


def verify_installed(
    site_dirs: Sequence[Path],
    names: Sequence[str],
    facts: EnvironmentFacts | None,
    *,
    suffixes: LoaderSuffixes | None = None,
    scheme: InstallScheme | None = None,
    loader: BytecodeLoader | None = None,
    lock: Lock | None = None,
    lock_entries: Sequence[LockEntry] | None = None,
) -> VerifyResult:
    """Verify installed distributions in ``site_dirs``.

    ``names`` selects distributions (any spelling of their names); empty means every distribution
    that carries a manifest.  Every installed copy of a selected distribution is verified.
    ``facts`` describes the interpreter the directories belong to; ``None`` skips the environment
    checks (and requirements with markers), saying so in a notice.  ``suffixes`` are that
    interpreter's loader suffixes (default: the running interpreter's), for what an import loads.
    ``scheme`` says where the interpreter installs ``.data`` scripts, data and headers; without
    it those files are reported as not visible (ISP344, see :mod:`.outside`).
    ``loader`` is the interpreter whose bytecode is proven (default: the running one; see
    :mod:`.bytecode`).  ``lock`` is the approval lock ``verify --lock`` holds the environment
    to: a cache file whose bytes it approves is accepted by their hash, without a proof, and
    unless it is a legacy lock, the bytecode of distributions without a manifest (of the sources
    their RECORD lists, which the lock pins) is held to it too (see :mod:`.lock_bytecode`).  The
    lock's own findings are added by :func:`~.gate.apply_gate`; ``lock_entries``, the
    environment's entries (:func:`~.lock.installed_entries`) when the caller has read them for
    the gate too (read here otherwise).
    """
    directories = unique_directories(site_dirs)
    for directory in directories:
        if not directory.is_dir():
            raise UnusableInputError(f"{directory}: not a directory")
    distributions = find_distributions(directories)
    with VouchedDigests(shared=False) as hashes:
        records = RecordIndex(distributions)
        first, notices = _imported_copies(distributions)
        carrying = {d.canonical_name for d in distributions if has_manifest(d)}
        targets = _select(names, distributions, carrying, directories)
        if len(targets if names else distributions) >= EARLY_HELPER_FROM:
            hashes.start()  # it starts while the manifests and RECORDs are read
        if not names and not targets:
            notices.append(NOTICE_NO_MANIFEST)
        if facts is None:
            notices.extend([NOTICE_NO_FACTS, NOTICE_NO_MARKERS])
        # The manifests and RECORDs first: the files they list are hashed (on two cores, at
        # scale) while the environment-wide checks run.
        loaded = [(distribution, _load_installed_model(distribution)) for distribution in targets]
        hashed = _Hashed(hashes)
        for distribution, model in loaded:
            if isinstance(model, _Loaded):
                hashed.add(distribution, model.expected)
        hashes.share(len(hashed.groups))  # the vouched files, from now, at scale (see below)
        startup = [file for directory in directories for file in find_startup_files(directory)]
        owners = {file.path: records.owners_of(file.owned_as) for file in startup}
        return _verify_loaded(
            directories,
            distributions,
            loaded,
            hashed,
            startup=startup,
            owners=owners,
            record_held=_held_to_record(distributions, loaded, named=names, owners=owners),
            records=records,
            first=first,
            carrying=carrying,
            notices=notices,
            facts=facts,
            suffixes=suffixes,
            scheme=scheme,
            loader=loader,
            lock=lock,
            lock_entries=lock_entries,
        )


def _verify_loaded(
    directories: tuple[Path, ...],
    distributions: Sequence[InstalledDistribution],
    loaded: Sequence[tuple[InstalledDistribution, _Loaded | DistributionResult]],
    hashed: _Hashed,
    *,
    startup: Sequence[StartupFile],
    owners: Mapping[Path, Sequence[str]],
    record_held: Sequence[tuple[InstalledDistribution, frozenset[str]]],
    records: RecordIndex,
    first: Mapping[str, InstalledDistribution],
    carrying: set[str],
    notices: list[str],
    facts: EnvironmentFacts | None,
    suffixes: LoaderSuffixes | None,
    scheme: InstallScheme | None,
    loader: BytecodeLoader | None,
    lock: Lock | None,
    lock_entries: Sequence[LockEntry] | None,
) -> VerifyResult:
    """:func:`verify_installed` once the targets' manifests are ``loaded`` (their vouched files
    being ``hashed``), the ``startup`` files found with their ``owners``, and the distributions
    ``record_held`` to their RECORD alone chosen (with the rows left out of that)."""
    unowned = startup_findings(startup, owners, carrying)
    listings = DirectoryListings(suffixes or LoaderSuffixes.running())
    unowned.extend(_surface_findings(distributions, directories, records, listings))
    surface = _Surface(directories, listings, records, frozenset(carrying))
    versions = InstalledVersions(first)
    check = RecordCheck.of(directories)
    recorded_only = [d for d, _ in record_held if not has_manifest(d)]
    # The bytecode is listed before anything else is hashed, and proven while the rest goes on.
    bytecode = _Bytecode(
        loader or BytecodeLoader.running(), _approved(lock, distributions, lock_entries)
    )
    for distribution, model in loaded:
        if isinstance(model, _Loaded):
            bytecode.add(distribution, model.expected, model.modules, model.model.files)
    if lock is not None and lock.approves_bytecode:
        for distribution in recorded_only:
            bytecode.add_recorded(distribution, records, check)
    bytecode.start()
    # A running helper (see EARLY_HELPER_FROM) takes the vouched files; every other file too
    # when no prover runs (the recorded shapes all matched here).  Beside provers, even a few,
    # a helper for those slowed the run on two cores: they and this process waited for each
    # other's start-up and for the core.
    if not bytecode.proving():
        hashed.hashes.share()
    # Then the RECORD rows each distribution is held to, and the bytecode a lock approves.
    for distribution, model in loaded:
        if isinstance(model, _Loaded):
            hashed.add(distribution, _hashed_rows(distribution, records, model.expected))
    for distribution, skip in record_held:
        hashed.add(distribution, _hashed_rows(distribution, records, skip))
    bytecode.hash_approved(hashed.hashes)
    expectations = ExpectationChecker(
        directories,
        versions=versions,
        records=records,
        facts=facts,
        distributions=first,
        manifests={
            distribution.source: (model.model, model.facts)
            for distribution, model in loaded
            if isinstance(model, _Loaded)
        },
    )
    results = tuple(
        model
        if isinstance(model, DistributionResult)
        else _verify_distribution(
            distribution,
            model,
            hashed.of(distribution),
            records,
            versions,
            facts,
            expectations,
            surface,
            check,
            notices,
            scheme,
            bytecode,
        )
        for distribution, model in loaded
    )
    unmanifested = {distribution.source for distribution in recorded_only}
    for distribution, skip in record_held:
        found, unchanged = check.installed_rows(
            distribution, records, skip=skip, hashed=hashed.of(distribution)
        )
        unowned.extend(found)
        if distribution.source in unmanifested:
            bytecode.unchanged(distribution, unchanged)
    results, stray = bytecode.proven(results)
    unowned.extend(stray)
    return VerifyResult(results, tuple(sorted(unowned, key=sort_key)), tuple(notices))


def _approved(
    lock: Lock | None,
    distributions: Sequence[InstalledDistribution],
    entries: Sequence[LockEntry] | None,
) -> Mapping[str, Mapping[str, str]] | None:
    """The cache files ``lock`` approves, by the source of each distribution it approves as
    installed; ``None`` without a lock."""
    if lock is None:
        return None
    from hatch_importspy.verify.lock import installed_entries
    from hatch_importspy.verify.lock_bytecode import approved_bytecode

    return approved_bytecode(lock, installed_entries(distributions) if entries is None else entries)


def verify_wheels(wheels: Sequence[Path], facts: EnvironmentFacts | None) -> VerifyResult:
    """Verify wheel files against the manifests they carry.

    Dependencies are not checked (nothing is installed); a notice says so.  A file that is not a
    readable wheel raises :class:`UnusableInputError` naming it.
    """
    from hatch_importspy.formats.wheel import read_wheel

    results = tuple(_verify_wheel(read_wheel(wheel), facts) for wheel in wheels)
    notices = [NOTICE_WHEEL_DEPENDENCIES] if wheels else []
    if facts is None:
        notices.append(NOTICE_NO_FACTS)
    return VerifyResult(results, (), tuple(notices))


# --------------------------------------------------------------------------- installed


def _imported_copies(
    distributions: Sequence[InstalledDistribution],
) -> tuple[dict[str, InstalledDistribution], list[str]]:
    """The copy of each distribution whose metadata is read first (the first on the path: the
    version requirements are held against), and a notice for each copy in a later site
    directory.  Every copy is verified; copies in one directory are ISP315."""
    first: dict[str, InstalledDistribution] = {}
    notices: list[str] = []
    for distribution in distributions:
        kept = first.setdefault(distribution.canonical_name, distribution)
        if kept is not distribution and kept.site_dir != distribution.site_dir:
            notices.append(
                f"{distribution.name} is installed more than once; {kept.metadata_dir} comes "
                "first on the path; every copy is verified"
            )
    return first, notices


def _select(
    names: Sequence[str],
    distributions: Sequence[InstalledDistribution],
    carrying: set[str],
    directories: Sequence[Path],
) -> list[InstalledDistribution]:
    """Every copy of each named distribution; when none is named, every copy that carries a
    manifest."""
    if not names:
        return [d for d in distributions if d.canonical_name in carrying and has_manifest(d)]
    wanted: dict[str, str] = {}
    for name in names:
        canonical = canonicalize_name(name)
        if not any(d.canonical_name == canonical for d in distributions):
            where = ", ".join(str(directory) for directory in directories) or "no directory"
            raise UnusableInputError(
                f"{name}: no distribution of that name is installed in {where}"
            )
        wanted.setdefault(canonical, name)
    order = list(wanted)
    chosen = [d for d in distributions if d.canonical_name in wanted]
    return sorted(chosen, key=lambda d: order.index(d.canonical_name))


def _held_to_record(
    distributions: Sequence[InstalledDistribution],
    loaded: Sequence[tuple[InstalledDistribution, _Loaded | DistributionResult]],
    *,
    named: Sequence[str],
    owners: Mapping[Path, Sequence[str]],
) -> list[tuple[InstalledDistribution, frozenset[str]]]:
    """The distributions held to their own RECORD alone (ISP316/ISP317), each with the rows
    left out: every one not verified against a manifest (those are held to their RECORD as part
    of that), and of one whose manifest is unusable (already ISP309) the manifest itself.
    Naming distributions narrows this to them and to the owners of start-up files."""
    verified = {d.source for d, model in loaded if isinstance(model, _Loaded)}
    stopped = {d.source for d, model in loaded if isinstance(model, DistributionResult)}
    chosen = {d.metadata_dir for d, _ in loaded} if named else None
    startup_owners = {owner for names in owners.values() for owner in names}
    return [
        (
            distribution,
            frozenset({_manifest_file(distribution.metadata_name)})
            if distribution.source in stopped and has_manifest(distribution)
            else frozenset(),
        )
        for distribution in distributions
        if distribution.source not in verified
        and (
            chosen is None
            or distribution.metadata_dir in chosen
            or distribution.name in startup_owners
        )
    ]


def _hashed_rows(
    distribution: InstalledDistribution, records: RecordIndex, skip: Container[str]
) -> dict[str, str]:
    """The RECORD rows of ``distribution`` that are hashed (:meth:`.RecordCheck.hashed_rows`);
    none when its RECORD is missing or cannot be read (a finding where it is checked)."""
    try:
        stated = records.digests(distribution)
    except UnusableInputError:
        return {}
    return RecordCheck.hashed_rows(stated, skip) if stated is not None else {}


@dataclasses.dataclass(frozen=True)
class _Hashed:
    """The run's digests (:class:`.VouchedDigests`) and the groups of each distribution."""

    hashes: VouchedDigests
    groups: dict[str, list[int]] = dataclasses.field(default_factory=dict)

    def add(self, distribution: InstalledDistribution, paths: Iterable[str]) -> None:
        """Hash these files of the distribution too (after what is already to be hashed)."""
        index = self.hashes.add(distribution.site_dir, list(paths))
        self.groups.setdefault(distribution.source, []).append(index)

    def of(self, distribution: InstalledDistribution) -> dict[str, str | None]:
        """The digests of every file added for the distribution."""
        found: dict[str, str | None] = {}
        for index in self.groups.get(distribution.source, ()):
            found.update(self.hashes.of(index))
        return found


@dataclasses.dataclass(frozen=True)
class _Surface:
    """What deciding "which file does an import load" needs, shared by every distribution."""

    directories: tuple[Path, ...]
    listings: DirectoryListings
    records: RecordIndex
    carrying: frozenset[str]

    def findings(
        self, distribution: InstalledDistribution, vouched: Iterable[str]
    ) -> list[Finding]:
        """ISP313 for the distribution's vouched modules (see :mod:`.compare.shadowing`)."""
        site_dir = str(distribution.site_dir)
        paths = tuple(vouched)
        loads = vouched_loads(paths, self.directories, self.listings)
        excused = VouchedElsewhere(
            frozenset(f"{site_dir}/{path}" for path in paths),
            site_dir,
            distribution.canonical_name,
            self.records,
            self.carrying,
        )
        return shadow_findings(distribution.name, site_dir, loads, excused)


def _surface_findings(
    distributions: Sequence[InstalledDistribution],
    directories: Sequence[Path],
    records: RecordIndex,
    listings: DirectoryListings,
) -> list[Finding]:
    """ISP315 (a distribution twice in one site directory) and ISP314 (unowned top-level code)."""
    copies: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for distribution in distributions:
        key = (str(distribution.site_dir), distribution.canonical_name)
        copies.setdefault(key, []).append((distribution.name, distribution.metadata_name))
    modules = top_level_modules(directories, listings)
    wanted = [f"{module.site_dir}/{module.file}" for module in modules]
    owned = listed_files(distributions, records, wanted)
    return [*duplicate_findings(copies), *unowned_module_findings(modules, owned)]


def _verify_distribution(
    distribution: InstalledDistribution,
    loaded: _Loaded,
    found: Mapping[str, str | None],
    records: RecordIndex,
    installed: Mapping[str, str],
    facts: EnvironmentFacts | None,
    expectations: ExpectationChecker,
    surface: _Surface,
    check: RecordCheck,
    notices: list[str],
    scheme: InstallScheme | None,
    bytecode: _Bytecode,
) -> DistributionResult:
    """Verify one installed distribution, whose manifest is ``loaded`` and whose vouched files
    hash to ``found``; what could not be checked is added to ``notices``."""
    name, site_dir, metadata_dir = (
        distribution.name,
        distribution.site_dir,
        distribution.metadata_name,
    )
    model, structures, expected, modules = (
        loaded.model,
        loaded.structures,
        loaded.expected,
        loaded.modules,
    )
    checks, findings = _environment_check(name, model, facts)

    checks.append(CHECK_INTEGRITY)
    module_names = {path: module.name for path, module in modules.items()}
    findings.extend(file_findings(name, expected, found, modules=module_names))
    bytecode.unchanged(
        distribution, {path: digest for path, digest in expected.items() if found[path] == digest}
    )
    record_problem: str | None = None
    try:
        stated = records.digests(distribution)
    except UnusableInputError as error:
        stated, record_problem = None, str(error)
    if stated is None:
        findings.append(
            Finding(
                "ISP310",
                name,
                record_problem or f"{metadata_dir}/RECORD is missing",
                file=f"{metadata_dir}/RECORD",
            )
        )
    else:
        findings.extend(record_findings(name, expected, stated, metadata_dir=metadata_dir))
        findings.extend(check.findings(name, site_dir, stated, skip=expected, hashed=found))
    declared = declared_findings(distribution, model, stated)
    findings.extend(declared.findings)
    notices.extend(declared.notices)
    findings.extend(
        _links_and_outside(name, model, site_dir, metadata_dir, expected, stated, scheme)
    )
    directories = package_directories(expected, metadata_dir=metadata_dir)
    walk = walk_package_directories(site_dir, directories, known=expected)
    findings.extend(walk_findings(name, walk))
    findings.extend(
        added_file_findings(name, walk.files, owned=records.relative_to(site_dir), vouched=expected)
    )
    findings.extend(_claimed_files(distribution, walk.files, expected, records))
    findings.extend(surface.findings(distribution, expected))

    checks.append(CHECK_STRUCTURE)
    read = functools.partial(read_file, site_dir)
    findings.extend(_changed_structures(name, model, structures, modules, found, read))

    checks.append(CHECK_DEPENDENCIES)
    markers = facts.markers if facts is not None else None
    findings.extend(dependency_findings(name, model.requires, installed, markers))
    if model.expects:
        checks.append(CHECK_EXPECTATIONS)
        findings.extend(expectations.findings(name, model.expects, generator=model.generator))
    return DistributionResult(
        name, distribution.version, distribution.source, True, tuple(findings), tuple(checks)
    )


def _claimed_files(
    distribution: InstalledDistribution,
    present: Sequence[str],
    vouched: Mapping[str, str],
    records: RecordIndex,
) -> list[Finding]:
    """Files in the distribution's package directories that another distribution's RECORD claims
    (see :func:`~hatch_importspy.compare.integrity.claimed_file_findings`).  Only files the
    manifest does not vouch for are looked up: a handful, so few RECORDs are read."""
    own = distribution.canonical_name
    claims: dict[str, tuple[str, ...]] = {}
    for path in present:
        if path in vouched:
            continue
        owners = tuple(
            owner
            for owner in records.owners_of(distribution.site_dir / path)
            if canonicalize_name(owner) != own
        )
        if owners:
            claims[path] = owners
    inits = {f"{path.rpartition('/')[0]}/__init__.py" for path in claims}
    init_owners = {
        init: tuple(canonicalize_name(o) for o in records.owners_of(distribution.site_dir / init))
        for init in inits
    }
    canonical_claims = {
        path: tuple(canonicalize_name(o) for o in owners) for path, owners in claims.items()
    }
    return claimed_file_findings(
        distribution.name, canonical_claims, vouched=vouched, init_owners=init_owners
    )


def _links_and_outside(
    name: str,
    model: SpyModel,
    site_dir: Path,
    metadata_dir: str,
    expected: Mapping[str, str],
    stated: Mapping[str, str | None] | None,
    scheme: InstallScheme | None,
) -> list[Finding]:
    """The files installed outside site-packages (:mod:`.outside`), and links under every
    vouched file (:mod:`.links`)."""
    digests = model.file_digests()
    placed, unseen = place(
        outside_files(digests, metadata_dir),
        site_dir=site_dir,
        scheme=scheme,
        record_paths=stated or (),
    )
    findings, reports = outside_findings(name, digests, placed, unseen, scheme)
    findings.extend(link_findings(name, [("", inspect_links(site_dir, expected)), *reports]))
    return findings


@dataclasses.dataclass(frozen=True)
class _Loaded:
    """An installed distribution's manifest, read (structures deferred) and placed: what every
    check of it starts from."""

    model: SpyModel
    facts: FactsReader
    """Each module's structure and ``binds``, read when asked for."""
    expected: dict[str, str]
    """The vouched files' hex sha256 by their path in site-packages."""
    modules: dict[str, Module]
    """The described modules by the same paths."""

    def structures(self, path: str) -> ModuleStructure:
        """The structure of the module at ``path`` (a wheel path), read now."""
        return self.facts(path)[0]


def _load_installed_model(distribution: InstalledDistribution) -> _Loaded | DistributionResult:
    """The manifest (structures deferred), or the result that stops here: no manifest, or one
    that cannot be used (ISP309)."""
    name, version, source = distribution.name, distribution.version, distribution.source
    where = _manifest_file(distribution.metadata_name)
    try:
        data = read_manifest_start(distribution, until=DOCUMENT_SEPARATOR.encode())
    except UnusableInputError as error:
        return _stopped(name, version, source, True, (_unusable(name, str(error), where),))
    if data is None:
        return _stopped(name, version, source, False, (_no_manifest(name),))
    try:
        model, facts = load_facts_deferred(
            data,
            str(distribution.manifest_path),
            whole=lambda: read_manifest_bytes(distribution) or b"",
        )
    except ManifestError as error:
        return _stopped(name, version, source, True, (_unusable(name, str(error), where),))
    mismatch = _identity_findings(name, version, model)
    if mismatch:
        return _stopped(name, version, source, True, mismatch)
    expected, modules = _installed_expectations(model, distribution.metadata_name)
    return _Loaded(model, facts, expected, modules)


def _installed_expectations(
    model: SpyModel, metadata_dir: str
) -> tuple[dict[str, str], dict[str, Module]]:
    """The manifest's digests and modules keyed by their path in site-packages.

    Files a wheel installs outside site-packages (``.data`` scripts, headers, data) are left out
    here and checked where the install scheme put them (:mod:`.outside`).
    """
    digests = model.file_digests()
    modules = model.module_by_path()
    elsewhere = f"{data_directory(metadata_dir)}/"  # only ``.data/`` paths move on install
    if not any(path.startswith(elsewhere) for path in digests):
        return {path: digest.lower() for path, digest in digests.items()}, modules
    expected: dict[str, str] = {}
    for path, digest in digests.items():
        target = installed_path(path, metadata_dir)
        if target is not None:
            expected[target] = digest.lower()
    installed: dict[str, Module] = {}
    for path, module in modules.items():
        target = installed_path(path, metadata_dir)
        if target is not None:
            installed[target] = module
    return expected, installed


class _Bytecode:
    """The cache files named for the vouched sources of every verified distribution, listed
    before any source is hashed and proven while the other checks go on: one set of prover
    processes per run (see :func:`.bytecode.prove_in_background`).  Those an approval lock
    approves are hashed with the run's other files instead, and accepted when their bytes are
    the approved ones; the few that are not are proven at the end.  A proof counts only for a
    source later found unchanged (:meth:`unchanged`): a changed one is already ISP301 or
    ISP317, and its bytecode cannot be the vouched source's."""

    def __init__(
        self, loader: BytecodeLoader, approved: Mapping[str, Mapping[str, str]] | None
    ) -> None:
        self.loader = loader
        self.hashes: VouchedDigests | None = None
        """Where the approved cache files are hashed (:meth:`hash_approved`)."""
        self.approved = approved or {}
        """By distribution source: the approved cache files' hex sha256 by path."""
        self.locked = approved is not None
        """Under a lock, the compilations a manifest records are trusted only where the lock
        approves that manifest (:attr:`approved` has its source): a manifest rewritten after
        the lock would otherwise vouch for the bytecode rewritten with it."""
        self.pending: dict[str, tuple[str, Mapping[str, str], list[CacheFile]]] = {}
        """By distribution source: its name, module names by path, and its cache files to prove."""
        self.by_hash: dict[str, tuple[list[CacheFile], int]] = {}
        """By distribution source: its cache files the lock approves, and their hash group
        (-1 until :meth:`hash_approved`)."""
        self.confirmed: dict[str, frozenset[str]] = {}
        """By distribution source: its sources found unchanged."""
        self._proofs: PendingProofs | None = None

    def add(
        self,
        distribution: InstalledDistribution,
        sources: Mapping[str, str],
        modules: Mapping[str, Module] | None = None,
        other: Sequence[FileEntry] = (),
    ) -> None:
        """List the cache files of the distribution's vouched ``sources`` (path -> hex
        sha256); ``modules``: its manifest's modules by path, whose recorded compilations
        prove their cache files, and whose names the findings give; ``other``: its manifest's
        other files, whose recorded compilations (of sources that are not modules) do too."""
        names = {path: module.name for path, module in (modules or {}).items()}
        recorded: dict[str, Module | FileEntry] | None = {
            **{file.path: file for file in other if file.code or file.pyc},
            **(modules or {}),
        }
        if self.locked and distribution.source not in self.approved:
            recorded = None  # a manifest the lock did not approve: do not take its word
        files = cache_files(distribution.site_dir, sources, self.loader, recorded)
        approved = self.approved.get(distribution.source, {})
        listed = [file for file in files if file.cache in approved]
        if listed:
            files = [file for file in files if file.cache not in approved]
            self.by_hash[distribution.source] = (listed, -1)
        if files or listed:
            self.pending[distribution.source] = (distribution.name, names, files)

    def add_recorded(
        self, distribution: InstalledDistribution, records: RecordIndex, check: RecordCheck
    ) -> None:
        """List the cache files of the sources a distribution without a manifest lists in its
        RECORD with a digest, inside its site directory: the rows
        :meth:`.RecordCheck.installed_rows` hashes (a RECORD that cannot be read is its ISP310
        there)."""
        from hatch_importspy.verify.lock_bytecode import sources_among

        try:
            stated = records.digests(distribution)
        except UnusableInputError:
            return
        if stated is not None:
            self.add(distribution, sources_among(check.hashed_rows(stated)))

    def start(self) -> None:
        """Start proving everything listed (nothing is started when nothing is listed)."""
        every = [file for _, _, files in self.pending.values() for file in files]
        if every:
            self._proofs = prove_in_background(every, self.loader)

    def proving(self) -> bool:
        """Whether prover processes work beside this one."""
        return self._proofs is not None and self._proofs.proving

    def unchanged(self, distribution: InstalledDistribution, sources: Mapping[str, str]) -> None:
        """The distribution's vouched ``sources`` found with their vouched digest."""
        self.confirmed[distribution.source] = frozenset(sources)

    def hash_approved(self, hashes: VouchedDigests) -> None:
        """Have the cache files the lock approves hashed by ``hashes``, after what it has."""
        self.hashes = hashes
        for source, (files, _) in self.by_hash.items():
            paths = [os.path.join(file.site_dir, file.cache) for file in files]  # noqa: PTH118
            self.by_hash[source] = (files, hashes.add("", paths))

    def _not_approved(self) -> dict[str, list[CacheFile]]:
        """By distribution source: its cache files the lock approves whose bytes are not the
        approved ones (they are proven like any other)."""
        late: dict[str, list[CacheFile]] = {}
        for source, (files, index) in self.by_hash.items():
            approved = self.approved[source]
            assert self.hashes is not None, "the approved cache files were never hashed"
            found = self.hashes.of(index)
            differing = [
                file
                for file in files
                if found[os.path.join(file.site_dir, file.cache)] != approved[file.cache]  # noqa: PTH118
            ]
            if differing:
                late[source] = differing
        return late

    def proven(
        self, results: tuple[DistributionResult, ...]
    ) -> tuple[tuple[DistributionResult, ...], list[Finding]]:
        """``results`` with the findings of the proofs added (ISP311, ISP312), and the findings
        about distributions ``results`` does not hold (those without a manifest)."""
        late = self._not_approved()
        if self._proofs is None and not late:
            return results, []
        proofs = iter(self._proofs.result() if self._proofs is not None else ())
        late_proofs = iter(prove([f for files in late.values() for f in files], self.loader))
        added: dict[str, list[Finding]] = {}
        for source, (name, modules, files) in self.pending.items():
            kept = self.confirmed.get(source, frozenset())
            mine = [proof for proof in (next(proofs) for _ in files) if proof.source in kept]
            mine.extend(
                proof
                for proof in (next(late_proofs) for _ in late.get(source, ()))
                if proof.source in kept
            )
            added[source] = bytecode_findings(name, mine, modules=modules)
        held = {result.source for result in results}
        stray = [
            finding for source, found in added.items() if source not in held for finding in found
        ]
        return tuple(
            dataclasses.replace(result, findings=(*result.findings, *added[result.source]))
            if added.get(result.source)
            else result
            for result in results
        ), stray


# --------------------------------------------------------------------------- wheels


def _verify_wheel(contents: WheelContents, facts: EnvironmentFacts | None) -> DistributionResult:
    from hatch_importspy.formats.wheel import read_member

    name, version, source = contents.name, contents.version, str(contents.path)
    if contents.manifest is None:
        return _stopped(name, version, source, False, (_no_manifest(name),))
    try:
        model, structures = load_bytes_deferred(contents.manifest, contents.manifest_source)
    except ManifestError as error:
        finding = _unusable(name, str(error), _manifest_file(contents.metadata_dir))
        return _stopped(name, version, source, True, (finding,))
    mismatch = _identity_findings(name, version, model)
    if mismatch:
        return _stopped(name, version, source, True, mismatch)

    checks, findings = _environment_check(name, model, facts)

    checks.append(CHECK_INTEGRITY)
    expected = {path: digest.lower() for path, digest in model.file_digests().items()}
    modules = model.module_by_path()
    found = {path: contents.digests.get(path) for path in expected}
    findings.extend(
        file_findings(name, expected, found, modules={p: m.name for p, m in modules.items()})
    )
    stated = stated_digests(contents.record)
    findings.extend(record_findings(name, expected, stated, metadata_dir=contents.metadata_dir))
    members = [m for m in contents.digests if not m.startswith(f"{contents.metadata_dir}/")]
    findings.extend(
        added_file_findings(name, members, owned=stated, vouched=expected, in_wheel=True)
    )

    checks.append(CHECK_STRUCTURE)
    read = functools.partial(read_member, contents.path)
    findings.extend(_changed_structures(name, model, structures, modules, found, read))
    return DistributionResult(name, version, source, True, tuple(findings), tuple(checks))


# --------------------------------------------------------------------------- shared


def _environment_check(
    name: str, model: SpyModel, facts: EnvironmentFacts | None
) -> tuple[list[str], list[Finding]]:
    """The checks run and findings so far: the environment check, when there are facts about
    the target interpreter to hold the manifest's constraints against (none: skipped, and a
    notice of the run says so)."""
    if facts is None:
        return [], []
    from hatch_importspy.compare.constraints import environment_findings

    return [CHECK_ENVIRONMENT], environment_findings(name, model.environment, facts)


def _changed_structures(
    name: str,
    model: SpyModel,
    structures: StructureReader,
    modules: Mapping[str, Module],
    found: Mapping[str, str | None],
    read: Callable[[str], bytes | None],
) -> list[Finding]:
    """Structure findings for every module whose digest differs from the manifest's.

    ``found`` maps a module's path to its actual digest (``None``: missing, already an
    integrity finding); ``read`` gives a changed module's bytes, ``None`` when it has gone.
    Unchanged modules are neither read nor described: that keeps a clean run cheap.  A module
    that runs from an extension beside it (``runs``) is not re-described either: its source's
    structure is not what an import loads, so comparing it would report on code that never runs
    (its changed digest is already ``ISP301``, and the extension is hashed as a file).
    """
    findings: list[Finding] = []
    for path, module in modules.items():
        digest = found.get(path)
        if digest is None or digest == module.sha256.lower() or not module.described:
            continue
        source = read(path)
        if source is not None:
            findings.extend(_structure_of_changed(name, module, structures, source, model.private))
    return findings


def _structure_of_changed(
    distribution: str,
    module: Module,
    structures: StructureReader,
    source: bytes,
    private: bool,
) -> list[Finding]:
    """Re-describe a module whose digest differs and compare it with the manifest's structure.

    Only here is the manifest's description of the module read: for unchanged files it is never
    needed, and reading it costs more than hashing the file.
    """
    from hatch_importspy.compare.structure import structure_findings
    from hatch_importspy.describe.extract import ExtractionError, extract_structure

    try:
        module = dataclasses.replace(module, structure=structures(module.path))
    except ManifestError as error:
        return [_unusable(distribution, str(error), module.path)]
    try:
        structure = extract_structure(source, filename=module.path, private=private)
    except ExtractionError as error:
        problem = str(error).removeprefix(f"{module.path}: ")
    except RecursionError:
        problem = "nested too deeply to describe"
    else:
        return structure_findings(distribution, module, structure)
    return [
        Finding(
            "ISP208",
            distribution,
            f"{module.path} does not parse: {problem}",
            module=module.name,
            file=module.path,
            object=module.name,
            expected="valid Python source",
            found=problem,
        )
    ]


def _same_version(left: str, right: str) -> bool:
    try:
        return Version(left) == Version(right)
    except InvalidVersion:
        return left == right


def _identity_findings(name: str, version: str, model: SpyModel) -> tuple[Finding, ...]:
    """ISP309 when the manifest describes another distribution or another version."""
    findings: list[Finding] = []
    if canonicalize_name(model.name) != canonicalize_name(name):
        findings.append(
            Finding(
                "ISP309",
                name,
                f"the manifest describes distribution {model.name!r}, not {name!r}",
                expected=name,
                found=model.name,
            )
        )
    if not _same_version(model.version, version):
        findings.append(
            Finding(
                "ISP309",
                name,
                f"the manifest describes version {model.version}, not {version}",
                expected=version,
                found=model.version,
            )
        )
    return tuple(findings)


def _no_manifest(name: str) -> Finding:
    return Finding(
        "ISP309",
        name,
        f"{name} carries no importspy manifest",
        expected="an embedded manifest",
        found="none",
    )


def _stopped(
    name: str, version: str, source: str, has_manifest: bool, findings: tuple[Finding, ...]
) -> DistributionResult:
    """The result of a distribution whose manifest is missing or unusable: nothing else can be
    held against it, so only the manifest check (part of integrity) ran."""
    return DistributionResult(name, version, source, has_manifest, findings, (CHECK_INTEGRITY,))


def _manifest_file(metadata_dir: str) -> str:
    return f"{metadata_dir}/{MANIFEST_LOCATION}"


def _unusable(name: str, problem: str, where: str) -> Finding:
    return Finding("ISP309", name, problem, file=where)
