"""What the guard approves: built by the verifier, before the guarded interpreter starts.

The guard (:mod:`.boot`) runs in the target interpreter and judges each load against a
*table*: plain JSON, so the guarded side needs nothing but the standard library.  This module
builds it from the environment's site directories, reading metadata only (manifests, RECORD
files, start-up files; no module is hashed here: each is hashed when it is loaded, which is the
moment that counts):

``files``
    absolute path -> hex sha256 of every file a distribution's manifest vouches for (several,
    comma-separated, when more than one distribution ships the path); with a
    lock, also every file of a manifest-less distribution the lock pins (its RECORD digest is
    the lock's, so its RECORD's digests are approved ones).  Without a lock a manifest vouches
    for its own distribution, as ``verify`` without a lock trusts it; a lock is what makes a
    forged distribution with a forged manifest fail (ISP330).
``bytecode``
    absolute path of a ``__pycache__`` file -> the hex sha256 the lock approves (proven to be
    its vouched source's compilation when the lock was made): the only bytecode the guard runs.
``refused``
    absolute path -> ``[code, message]`` for files of a distribution that must not run: not the
    build the lock approves (ISP330, ISP332, ISP333), installed twice in one directory (ISP315),
    without a manifest under ``require-manifest`` (ISP320), with an unusable manifest (ISP309);
    and start-up files ``verify`` would report (ISP307, ISP308, ISP318).
``accepted``
    absolute path -> the policy's reason, for files its ``accept`` entries let differ.
``modules`` / ``packages``
    module name -> distribution, for every module a vouched file provides, and every regular
    package: an unvouched file loading under such a name, or added to such a package, is
    refused wherever it is (ISP313, ISP303).
``startup``
    absolute path -> hex sha256 of each ``.pth`` file approved to run, read here and checked
    against the same digest when ``site`` reads it in the guarded interpreter.
``strict``, ``lenient``
    whether every environment file must be vouched for (a lock or ``require-manifest``), and
    the codes the policy lowered below an error (they warn instead of refusing).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hatch_importspy.compare.startup import ALLOWED_STARTUP, startup_findings
from hatch_importspy.errors import ManifestError, UnusableInputError
from hatch_importspy.findings import CODES, Severity
from hatch_importspy.formats.manifest import load_bytes_deferred
from hatch_importspy.formats.record import installed_path, is_outside, read_regular_file
from hatch_importspy.limits import PTH_BYTES
from hatch_importspy.pyrules.finder import LoaderSuffixes, module_of_path
from hatch_importspy.surface import StartupFile, StartupKind
from hatch_importspy.verify.installed import (
    InstalledDistribution,
    RecordIndex,
    find_distributions,
    find_startup_files,
    has_manifest,
    read_manifest_bytes,
    unique_directories,
)
from hatch_importspy.verify.lock import Lock, LockEntry, stated_digest
from hatch_importspy.verify.policy import Policy

MODES = ("enforce", "warn", "audit")
"""The guard's modes (:mod:`.boot` spells them too: it imports nothing of this package, and is not
imported by the process that launches it, which only reads its source)."""

GUARDED_CODES = (
    "ISP301",
    "ISP303",
    "ISP304",
    "ISP307",
    "ISP308",
    "ISP309",
    "ISP312",
    "ISP313",
    "ISP314",
    "ISP315",
    "ISP318",
    "ISP320",
    "ISP330",
    "ISP332",
    "ISP333",
)
"""The finding codes the guard acts on (each means what it means in ``verify``)."""


@dataclass(frozen=True)
class GuardOptions:
    """What ``run`` (or :func:`hatch_importspy.guard.install`) was asked for."""

    mode: str = "enforce"
    lock: Lock | None = None
    policy: Policy = field(default_factory=Policy)
    log: Path | None = None

    @property
    def strict(self) -> bool:
        """Every environment file must be vouched for: a lock approves the whole environment,
        and ``require-manifest`` asks that every distribution vouch for itself."""
        return self.lock is not None or self.policy.require_manifest


@dataclass
class _Builder:
    """Accumulates the table; one per build."""

    suffixes: LoaderSuffixes
    files: dict[str, str] = field(default_factory=dict)
    bytecode: dict[str, str] = field(default_factory=dict)
    refused: dict[str, list[str]] = field(default_factory=dict)
    accepted: dict[str, str] = field(default_factory=dict)
    modules: dict[str, str] = field(default_factory=dict)
    packages: dict[str, str] = field(default_factory=dict)
    startup: dict[str, str] = field(default_factory=dict)

    def vouch(self, distribution: InstalledDistribution, digests: Mapping[str, str]) -> None:
        """Vouch for ``digests`` (path relative to the site directory -> hex sha256)."""
        for path, digest in digests.items():
            where = str(distribution.site_dir / path)
            known = self.files.get(where)
            digest = digest.lower()
            if known is not None and digest not in known.split(","):
                # Two distributions ship this path (the __init__.py of a pkgutil-style namespace
                # package, say): whichever copy the installer left is vouched for.
                digest = f"{known},{digest}"
            self.files[where] = digest
            name = module_of_path(path, self.suffixes)
            if name is None:
                continue
            self.modules.setdefault(name, distribution.name)
            if path.endswith("/__init__.py") or "/__init__." in path:
                self.packages.setdefault(name, distribution.name)

    def refuse(
        self, distribution: InstalledDistribution, paths: Iterable[str], code: str, message: str
    ) -> None:
        for path in paths:
            self.refused[str(distribution.site_dir / path)] = [code, message]

    def as_json(self, options: GuardOptions, sites: Sequence[Path]) -> dict[str, Any]:
        lenient = sorted(
            code
            for code in GUARDED_CODES
            if _severity(code, options.policy) is not Severity.ERROR
            and not (options.policy.strict and _severity(code, options.policy) is Severity.WARNING)
        )
        return {
            "mode": options.mode,
            "files": self.files,
            "bytecode": self.bytecode,
            "refused": self.refused,
            "accepted": self.accepted,
            "modules": self.modules,
            "packages": self.packages,
            "startup": self.startup,
            "strict": options.strict,
            "lenient": lenient,
            "sites": [os.fspath(site) for site in sites],
            "log": None if options.log is None else os.fspath(options.log.absolute()),
        }


def _severity(code: str, policy: Policy) -> Severity:
    return policy.severities.get(code, CODES[code].severity)


def build_table(
    site_dirs: Sequence[Path], options: GuardOptions, suffixes: LoaderSuffixes
) -> dict[str, Any]:
    """The guard's table for an interpreter whose site directories are ``site_dirs``."""
    directories = unique_directories(site_dirs)
    distributions = find_distributions(directories)
    records = RecordIndex(distributions)
    builder = _Builder(suffixes)
    copies: dict[tuple[str, str], int] = {}
    for distribution in distributions:
        key = (os.fspath(distribution.site_dir), distribution.canonical_name)
        copies[key] = copies.get(key, 0) + 1
    locked = options.lock.by_name() if options.lock is not None else None
    seen: set[str] = set()
    for distribution in distributions:
        first = distribution.canonical_name not in seen
        seen.add(distribution.canonical_name)
        twice = copies[(os.fspath(distribution.site_dir), distribution.canonical_name)] > 1
        _add_distribution(builder, distribution, records, options, locked, first=first, twice=twice)
    carrying = {d.canonical_name for d in distributions if has_manifest(d)}
    _add_startup(builder, directories, records, carrying)
    return builder.as_json(options, directories)


def _recorded(distribution: InstalledDistribution, records: RecordIndex) -> dict[str, str | None]:
    try:
        digests = records.digests(distribution)
    except UnusableInputError:
        return {}
    return {path: digest for path, digest in (digests or {}).items() if not is_outside(path)}


def _add_distribution(
    builder: _Builder,
    distribution: InstalledDistribution,
    records: RecordIndex,
    options: GuardOptions,
    locked: Mapping[str, LockEntry] | None,
    *,
    first: bool,
    twice: bool,
) -> None:
    recorded = _recorded(distribution, records)
    name = distribution.name
    if twice:
        builder.refuse(
            distribution,
            recorded,
            "ISP315",
            f"{name} is installed twice in {distribution.site_dir}: which copy is real is unknown",
        )
        return
    manifest = read_manifest_bytes(distribution)
    if locked is not None:
        problem = _lock_problem(distribution, manifest, locked, options)
        if problem is not None:
            builder.refuse(distribution, recorded, *problem)
            return
    if manifest is None:
        if locked is not None and first:
            digests = {path: digest for path, digest in recorded.items() if digest is not None}
            builder.vouch(distribution, digests)
            _approve_bytecode(builder, distribution, locked)
        elif options.policy.require_manifest and not options.policy.allows(name):
            builder.refuse(
                distribution, recorded, "ISP320", f"{name} carries no manifest to vouch for it"
            )
        return
    try:
        model, _ = load_bytes_deferred(manifest, str(distribution.manifest_path))
    except (ManifestError, UnusableInputError) as error:
        builder.refuse(distribution, recorded, "ISP309", f"{name}'s manifest is unusable: {error}")
        return
    vouched: dict[str, str] = {}
    for path, digest in model.file_digests().items():
        target = installed_path(path, distribution.metadata_name)
        if target is not None and not is_outside(target):
            vouched[target] = digest
    builder.vouch(distribution, vouched)
    for path in vouched:
        for entry in options.policy.accept:
            if entry.matches(name, path):
                builder.accepted[str(distribution.site_dir / path)] = entry.reason
    if locked is not None and first:
        _approve_bytecode(builder, distribution, locked)


def _lock_problem(
    distribution: InstalledDistribution,
    manifest: bytes | None,
    locked: Mapping[str, LockEntry],
    options: GuardOptions,
) -> tuple[str, str] | None:
    """Why the lock does not approve this copy (``(code, message)``), or ``None``."""
    name, version = distribution.name, distribution.version
    entry = locked.get(distribution.canonical_name)
    where = options.lock.source if options.lock is not None and options.lock.source else "the lock"
    if entry is None:
        return "ISP330", f"{name} {version} is installed but not approved in {where}"
    if entry.version != version:
        return "ISP332", f"{name} is installed at {version}, {where} approves {entry.version}"
    kind, digest = stated_digest(distribution, manifest)  # the bytes about to be vouched for
    if (entry.kind, entry.digest) != (kind, digest):
        return "ISP333", f"{name} {version} is not the build {where} approves: its {kind} differs"
    return None


def _approve_bytecode(
    builder: _Builder, distribution: InstalledDistribution, locked: Mapping[str, LockEntry]
) -> None:
    entry = locked.get(distribution.canonical_name)
    if entry is None:
        return
    for path, digest in entry.bytecode:
        builder.bytecode[str(distribution.site_dir / path)] = digest.removeprefix("sha256:")


def _add_startup(
    builder: _Builder,
    directories: Sequence[Path],
    records: RecordIndex,
    carrying: set[str],
) -> None:
    """Approve or refuse each start-up file as ``verify`` judges it.

    A ``.pth`` file is approved with the digest its distribution vouches for; failing that, with
    its current digest when ``verify`` would pass it as it is (it only adds directories, or every
    line it runs has a known harmless shape); otherwise it is refused with ``verify``'s code.
    ``sitecustomize`` and ``usercustomize`` are modules: vouched like any other, refused here
    when ``verify`` reports them.
    """
    for directory in directories:
        for file in find_startup_files(directory):
            path = os.fspath(file.path)
            vouched = builder.files.get(path)
            if vouched is not None:
                if file.kind is StartupKind.PTH and not file.added_by:
                    builder.startup[path] = vouched
                continue
            if path in builder.refused:
                continue
            owners = records.owners_of(file.owned_as)
            findings = startup_findings([file], {file.path: owners}, carrying)
            if file.kind is StartupKind.PTH and not file.added_by and not file.problem:
                harmless = not file.executable_lines or any(
                    entry.admits(file, list(owners)) for entry in ALLOWED_STARTUP
                )
                if harmless:
                    digest = _current_digest(file)
                    if digest is not None:
                        builder.startup[path] = digest
                    continue
            if findings:
                builder.refused[path] = [findings[0].code, findings[0].message]
            elif file.kind is StartupKind.PTH:
                builder.refused[path] = [
                    "ISP304",
                    f"{file.relative} runs at start-up and the manifest of its distribution "
                    f"({', '.join(owners)}) does not list it",
                ]


def _current_digest(file: StartupFile) -> str | None:
    """The digest of the start-up file as it is now (read as ``verify`` reads it: a regular file
    of bounded size; ``None`` when it no longer is one, and it then stays unapproved)."""
    try:
        return hashlib.sha256(read_regular_file(Path(file.path), limit=PTH_BYTES)).hexdigest()
    except (OSError, UnusableInputError):
        return None
