"""The bytecode an approval lock vouches for: proven when the lock is made, hashed when it is used.

``verify`` proves every cache file Python would load instead of a vouched source to be that
source's compilation (:mod:`.bytecode`): a ``compile()`` of the source per file.  The lock makes
that cost a hash.  ``lock`` proves every such file of the environment it approves -- the same
proof, in the same interpreter -- and records the sha256 of each proven file; a file that is not
proven (not the compilation, unreadable, not provable here) is never approved: ``lock`` refuses
(:class:`BytecodeNotApproved`).  ``verify --lock`` then accepts a cache file whose sha256 is the
one the lock records for that path by that hash alone.

Why equal hashes are enough: the recorded bytes were proven to be the compilation of the source
that was vouched at lock time, at the optimization level the path names.  The approval is only
used for a distribution whose version and manifest (or RECORD) digest are the ones the lock
approves, so the vouched source digests are the same as at lock time, and only for a source whose
bytes still have its vouched digest (a changed one is ``ISP301``/``ISP317``, and its bytecode is
not looked at).  The same bytes next to the same source are the same proven compilation.  Any
other cache file -- other bytes, a path the lock does not list, a distribution the lock does not
approve as installed -- is proven as without a lock.

The vouched sources are those the manifest lists or, for a distribution without one, those its
RECORD lists with a sha256 (the lock pins RECORD by its digest, so those digests are the team's;
without a lock they are the publisher's word only, and ``verify`` proves no bytecode for them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from hatch_importspy.compare.bytecode import NOT_RUN
from hatch_importspy.errors import ManifestError, UnusableInputError
from hatch_importspy.formats.manifest import load_bytes_deferred
from hatch_importspy.formats.record import installed_path, is_outside
from hatch_importspy.model import FileEntry, Module
from hatch_importspy.pyrules import bytecode as rules
from hatch_importspy.verify.bytecode import (
    BytecodeLoader,
    CacheFile,
    cache_digests,
    cache_files,
    prove,
)
from hatch_importspy.verify.installed import (
    InstalledDistribution,
    RecordIndex,
    has_manifest,
    hash_files,
    read_manifest_bytes,
)
from hatch_importspy.verify.lock import Lock, LockEntry, first_copies


class BytecodeNotApproved(Exception):
    """A cache file Python would load is not proven its source's compilation: ``lock`` does not
    approve an environment that holds one (the command exits 1, as ``verify`` would)."""


# --------------------------------------------------------------------------- vouched sources


def _is_source(path: str) -> bool:
    return path.endswith(rules.SOURCE_SUFFIXES)


def manifest_sources(
    distribution: InstalledDistribution,
) -> tuple[dict[str, str], dict[str, Module | FileEntry]]:
    """The sources the distribution's manifest vouches for, as installed (path relative to the
    site directory -> hex sha256), and its modules (and other sources) by the same paths, whose
    recorded compilations prove their cache files; empty when it has no usable manifest
    (``verify`` reports that as ``ISP309``, and vouches for nothing then)."""
    try:
        data = read_manifest_bytes(distribution)
        if data is None:
            return {}, {}
        model, _ = load_bytes_deferred(data, str(distribution.manifest_path))
    except (ManifestError, UnusableInputError):
        return {}, {}
    sources: dict[str, str] = {}
    for path, digest in model.file_digests().items():
        target = installed_path(path, distribution.metadata_name)
        if target is not None and _is_source(target):
            sources[target] = digest.lower()
    recorded: dict[str | None, Module | FileEntry] = {
        installed_path(file.path, distribution.metadata_name): file
        for file in model.files
        if file.code or file.pyc
    }
    recorded.update(
        (installed_path(module.path, distribution.metadata_name), module)
        for module in model.modules
    )
    return sources, {path: item for path, item in recorded.items() if path in sources}


def recorded_sources(distribution: InstalledDistribution, records: RecordIndex) -> dict[str, str]:
    """The sources the distribution's RECORD lists with a sha256 inside its site directory;
    empty without a usable RECORD (``ISP310`` when it cannot be read)."""
    try:
        digests = records.digests(distribution)
    except UnusableInputError:
        return {}
    return {
        path: digest
        for path, digest in (digests or {}).items()
        if digest is not None and not is_outside(path) and _is_source(path)
    }


def sources_among(rows: Mapping[str, str]) -> dict[str, str]:
    """The sources among RECORD rows (path -> hex sha256) already found unchanged inside the
    site directory (:meth:`~.record_check.RecordCheck.installed_rows`): what
    :func:`recorded_sources` then :func:`unchanged` give, without hashing the files again."""
    return {path: digest for path, digest in rows.items() if _is_source(path)}


def unchanged(distribution: InstalledDistribution, sources: Mapping[str, str]) -> dict[str, str]:
    """The ``sources`` whose bytes still have their vouched digest (only these have bytecode
    that can be its vouched source's compilation)."""
    found = hash_files(distribution.site_dir, sources)
    return {path: digest for path, digest in sources.items() if found[path] == digest}


def vouched_sources(
    distribution: InstalledDistribution, records: RecordIndex
) -> tuple[dict[str, str], dict[str, Module | FileEntry]]:
    """The unchanged sources whose bytecode the lock approves: the manifest's, or RECORD's for
    a distribution without a manifest; and the manifest's recorded compilations by the same
    paths."""
    if has_manifest(distribution):
        sources, modules = manifest_sources(distribution)
    else:
        sources, modules = recorded_sources(distribution, records), {}
    return unchanged(distribution, sources), modules


# --------------------------------------------------------------------------- making the lock


@dataclass(frozen=True)
class _Listed:
    distribution: InstalledDistribution
    file: CacheFile
    digest: str | None
    """The file's hex sha256 before it was proven."""


def approve_bytecode(
    distributions: Sequence[InstalledDistribution], loader: BytecodeLoader
) -> dict[str, tuple[tuple[str, str], ...]]:
    """The cache files to approve of each distribution Python would import, by its source:
    ``(path, hex sha256)`` of every one the loader would run, each proven its source's
    compilation (in one batch of prover processes).

    Raises :class:`BytecodeNotApproved` naming the first file that is not proven (and how many
    more), or that changed while it was proven (hashed before and after: the lock records the
    bytes that were proven).
    """
    records = RecordIndex(distributions)
    listed: list[_Listed] = []
    for distribution in first_copies(distributions):
        sources, modules = vouched_sources(distribution, records)
        # A lock names cache files inside site-packages; those under a cache prefix (absolute
        # paths, see :func:`.bytecode.prefixed_cache_directory`) are proven at every verify.
        files = [
            file
            for file in cache_files(distribution.site_dir, sources, loader, modules)
            if not Path(file.cache).is_absolute()
        ]
        digests = cache_digests(files)
        listed.extend(_Listed(distribution, file, digests[file.cache]) for file in files)
    proofs = prove([item.file for item in listed], loader)
    refused: list[str] = []
    approved: dict[str, list[tuple[str, str]]] = {}
    for item, proof in zip(listed, proofs, strict=True):
        if proof.verdict == rules.UNUSED:
            continue
        where = item.file.site_dir / item.file.cache
        if proof.verdict != rules.PROVEN:
            hint = (
                "; name that interpreter with --python"
                if proof.verdict
                in (
                    rules.OTHER_PYTHON,
                    NOT_RUN,
                )
                else ""
            )
            refused.append(
                f"{where}: Python would run it instead of {item.file.source}, and "
                f"{proof.reason or 'it is not proven'}{hint}"
            )
            continue
        after = hash_files(item.file.site_dir, [item.file.cache])[item.file.cache]
        if item.digest is None or after != item.digest:
            refused.append(f"{where}: it changed while it was being proven")
            continue
        approved.setdefault(item.distribution.source, []).append((item.file.cache, item.digest))
    if refused:
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        raise BytecodeNotApproved(f"not approved: {refused[0]}{more}")
    return {source: tuple(sorted(pairs)) for source, pairs in approved.items()}


# --------------------------------------------------------------------------- using the lock


def approved_bytecode(lock: Lock, entries: Iterable[LockEntry]) -> dict[str, dict[str, str]]:
    """By distribution source: the cache files (path -> hex sha256) ``lock`` approves of it,
    for each installed first copy (``entries``: :func:`~.lock.installed_entries`) whose version
    and manifest or RECORD digest are the lock's (for any other, the approval was of other
    sources: nothing is accepted by hash).  Every such source is a key, with no files when the
    lock approves none: its manifest is the approved one, the only kind whose recorded
    compilations ``verify --lock`` proves bytecode by."""
    approved = lock.by_name()
    accepted: dict[str, dict[str, str]] = {}
    for entry in entries:
        locked = approved.get(entry.canonical_name)
        if locked is None or (locked.version, locked.kind, locked.digest) != (
            entry.version,
            entry.kind,
            entry.digest,
        ):
            continue
        accepted[entry.source] = {
            path: digest.removeprefix("sha256:") for path, digest in locked.bytecode
        }
    return accepted


def split_by_hash(
    files: Sequence[CacheFile], approved: Mapping[str, str]
) -> tuple[list[CacheFile], list[CacheFile]]:
    """``files`` split into those whose bytes hash to ``approved``'s digest for their path
    (accepted without proof) and the rest (to be proven).  Only listed files are hashed."""
    listed = [file for file in files if file.cache in approved]
    if not listed:
        return [], list(files)
    digests = cache_digests(listed)
    accepted = [file for file in listed if digests[file.cache] == approved[file.cache]]
    kept = {id(file) for file in accepted}
    return accepted, [file for file in files if id(file) not in kept]
