"""The bytecode of one ``verify`` run: every cache file Python would run instead of a vouched
source, listed once, proven beside the run's other checks, and reported with the distribution it
belongs to.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence

from hatch_importspy.compare.bytecode import bytecode_findings
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.findings import Finding
from hatch_importspy.model import FileEntry, Module
from hatch_importspy.results import DistributionResult
from hatch_importspy.verify.bytecode import (
    BytecodeLoader,
    CacheFile,
    PendingProofs,
    cache_files,
    prove,
    prove_in_background,
)
from hatch_importspy.verify.hashing import VouchedDigests
from hatch_importspy.verify.installed import InstalledDistribution, RecordIndex
from hatch_importspy.verify.record_check import RecordCheck


class CacheFileProofs:
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
