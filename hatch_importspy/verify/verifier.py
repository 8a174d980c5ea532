"""``verify``: hold installed distributions against their embedded manifests.

This module only wires readers to comparisons.  The readers (:mod:`.installed` and its neighbours)
gather bytes and digests; the pure functions of :mod:`hatch_importspy.compare` turn them into
findings.  The checks a wheel shares with an installed distribution are :mod:`.manifest_checks`;
wheels themselves are verified by :mod:`.wheels`, and the run's bytecode is listed and proven by
:mod:`.cache_proofs`.  It is read-only: nothing is written, and nothing from the environment under
check is imported or run -- a module is read as bytes, and re-described statically, only when its
digest differs from the manifest's, so an unchanged environment costs little more than hashing its
files. The one exception to "little more" is bytecode: each ``__pycache__`` file Python would run
instead of a vouched source is proven to be its compilation (:mod:`.bytecode`), which costs a
compile -- unless an approval lock approves those very bytes (:mod:`.lock_bytecode`): then it costs
a hash.

A problem with one distribution (an unreadable manifest, a missing RECORD) is a finding for that
distribution and verification goes on with the others.  Only input that makes the whole run
meaningless -- a site directory that cannot be listed, an unknown distribution name, a wheel that is
not a wheel -- raises :class:`~hatch_importspy.errors.UnusableInputError`.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Container, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from hatch_importspy.collection import collection_paused
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
    FactsReader,
    load_facts_deferred,
)
from hatch_importspy.formats.record import data_directory, installed_path
from hatch_importspy.model import Module, ModuleStructure, SpyModel
from hatch_importspy.pyrules.finder import LoaderSuffixes
from hatch_importspy.results import (
    CHECK_DEPENDENCIES,
    CHECK_EXPECTATIONS,
    CHECK_INTEGRITY,
    CHECK_STRUCTURE,
    NOTICE_NO_FACTS,
    NOTICE_NO_MANIFEST,
    NOTICE_NO_MARKERS,
    DistributionResult,
    VerifyResult,
)
from hatch_importspy.verify.bytecode import (
    BytecodeLoader,
)
from hatch_importspy.verify.cache_proofs import CacheFileProofs
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
from hatch_importspy.verify.manifest_checks import (
    changed_structures,
    environment_check,
    identity_findings,
    manifest_file,
    no_manifest,
    stopped_result,
    unusable,
)
from hatch_importspy.verify.outside import outside_files, outside_findings, place
from hatch_importspy.verify.providers import ExpectationChecker
from hatch_importspy.verify.record_check import RecordCheck
from hatch_importspy.verify.schemes import InstallScheme
from hatch_importspy.verify.walk import walk_findings, walk_package_directories

if TYPE_CHECKING:
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


@collection_paused()
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
    bytecode = CacheFileProofs(
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
            frozenset({manifest_file(distribution.metadata_name)})
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
    bytecode: CacheFileProofs,
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
    checks, findings = environment_check(name, model, facts)

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
    findings.extend(changed_structures(name, model, structures, modules, found, read))

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
    where = manifest_file(distribution.metadata_name)
    try:
        data = read_manifest_start(distribution, until=DOCUMENT_SEPARATOR.encode())
    except UnusableInputError as error:
        return stopped_result(name, version, source, True, (unusable(name, str(error), where),))
    if data is None:
        return stopped_result(name, version, source, False, (no_manifest(name),))
    try:
        model, facts = load_facts_deferred(
            data,
            str(distribution.manifest_path),
            whole=lambda: read_manifest_bytes(distribution) or b"",
        )
    except ManifestError as error:
        return stopped_result(name, version, source, True, (unusable(name, str(error), where),))
    mismatch = identity_findings(name, version, model)
    if mismatch:
        return stopped_result(name, version, source, True, mismatch)
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
