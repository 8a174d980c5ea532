"""The approval lock: which distributions, at which versions, with which manifests, were approved.

Manifests and RECORD files travel with the distributions they describe, so whoever can publish a
release can regenerate both consistently, and a verifier that only compares a distribution with
itself will agree.  The lock is the one thing such a publisher cannot touch: it lives in the
deploying team's repository.  ``python -m importspy lock -o importspy.lock`` writes it from an
environment the team approved; ``verify --lock importspy.lock`` holds any environment against it.

For each distribution the lock records its name and version and the sha256 of the bytes of its
embedded manifest, or of its ``RECORD`` when it carries no manifest (the manifest already vouches
for every file it lists, and RECORD for every file installed; a distribution with neither is
recorded as ``record: missing``, as are legacy ``.egg-info`` installs, which have no RECORD).
A manifest's digest is the same wherever its wheel is installed; a RECORD's also covers what the
installer added (byte-code paths, ``INSTALLER``), so lock an environment built the way the checked
one is built: the same image, or the same Python version and installer.

Each entry also lists, under ``bytecode``, the sha256 of every ``__pycache__`` file Python would
load instead of one of the distribution's vouched sources (listed by the manifest, or by RECORD
with a sha256 when there is no manifest), by its path in the site directory.  ``lock`` proves each
such file to be its source's compilation before it records it (:mod:`.lock_bytecode`) and refuses
to approve one that is not, so ``verify --lock`` can accept a cache file whose bytes are those the
lock approved by their hash alone: the same bytes next to the same source (the entry's manifest or
RECORD digest pins the source's) are the same proven compilation.  A cache file that differs, or
that the lock does not list, is proven as without a lock.

The file format, chosen to diff well in review: a YAML document, written by this module only in
the fixed layout below (one key per line, double-quoted strings, canonical names such as
``importlib-metadata`` whatever the installer's spelling, entries sorted by name then version,
``\\n`` line endings, no timestamps), so adding, removing or upgrading one distribution changes
exactly its own lines::

    # importspy lock: approved distributions (regenerate: python -m importspy lock -o FILE)
    schema: "importspy-lock/2"
    distributions:
    - name: "certifi"
      version: "2024.2.2"
      record: "sha256:0f3c...e1"
      bytecode:
        "certifi/__pycache__/__init__.cpython-311.pyc": "sha256:77d0...02"
    - name: "demo"
      version: "1.0"
      manifest: "sha256:9a1b...7c"

``bytecode`` is left out when a distribution has no such file, and its paths are sorted.  A lock
of schema ``importspy-lock/1`` (written before bytecode was approved) still loads: it approves no
bytecode, so ``verify`` proves every cache file as it does without a lock.

It is read back strictly with ``yaml.safe_load`` (so a hand-edited lock in any YAML spelling is
fine): an unknown schema, a missing or unknown key, a duplicate distribution or a digest that is
not ``sha256:`` and 64 hex digits stops with one line naming the file and the entry.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.findings import Finding, FindingCode
from hatch_importspy.formats.record import read_regular_file
from hatch_importspy.formats.yaml_safe import fast_safe_loader, load_one
from hatch_importspy.limits import DOCUMENT_BYTES
from hatch_importspy.pyrules.bytecode import CACHE_DIRECTORY, parse_cache_name
from hatch_importspy.render import did_you_mean
from hatch_importspy.results import CHECK_LOCK, DistributionResult, VerifyResult
from hatch_importspy.verify.installed import (
    InstalledDistribution,
    read_manifest_bytes,
    read_optional_bytes,
)

LOCK_SCHEMA = "importspy-lock/2"
LEGACY_SCHEMA = "importspy-lock/1"
"""Locks written before bytecode was approved: no entry has ``bytecode``."""
HEADER = "# importspy lock: approved distributions (regenerate: python -m importspy lock -o FILE)"
MANIFEST = "manifest"
RECORD = "record"
BYTECODE = "bytecode"
MISSING = "missing"
"""The digest of a distribution that has neither a manifest nor a RECORD."""

NOT_IN_LOCK: FindingCode = "ISP330"
NOT_INSTALLED: FindingCode = "ISP331"
OTHER_VERSION: FindingCode = "ISP332"
OTHER_DIGEST: FindingCode = "ISP333"

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_ENTRY_KEYS = frozenset({"name", "version", MANIFEST, RECORD, BYTECODE})
_FILE_KEYS = frozenset({"schema", "distributions"})


class LockError(UnusableInputError):
    """A lock file that cannot be read or is not a valid lock."""


@dataclass(frozen=True)
class LockEntry:
    """One approved (or, when read from an environment, one installed) distribution."""

    name: str
    version: str
    kind: str
    """What ``digest`` is the digest of: ``manifest`` or ``record``."""
    digest: str
    """``sha256:<hex>`` of the file's bytes, or ``missing``."""
    line: int = field(default=0, compare=False)
    """Line of the entry in the lock file it was read from (0: not read from a file)."""
    source: str = field(default="", compare=False)
    """The installed metadata directory, for entries read from an environment."""
    bytecode: tuple[tuple[str, str], ...] = ()
    """``(cache file, sha256:<hex>)`` of each approved cache file, sorted by path (relative to
    the site directory): the bytecode proven at lock time to be its source's compilation."""

    @property
    def canonical_name(self) -> str:
        return canonicalize_name(self.name)

    @property
    def stated(self) -> str:
        """``manifest sha256:...``: the digest with what it is the digest of."""
        return f"{self.kind} {self.digest}"


@dataclass(frozen=True)
class Lock:
    """The approved distributions, by canonical name."""

    entries: tuple[LockEntry, ...]
    source: str = field(default="", compare=False)
    """The lock file, for messages."""
    approves_bytecode: bool = True
    """Whether bytecode was approved when it was made (``False``: a legacy lock; see
    :data:`LEGACY_SCHEMA`): then a distribution that lists no ``bytecode`` had none to list."""

    def by_name(self) -> dict[str, LockEntry]:
        return {entry.canonical_name: entry for entry in self.entries}


# --------------------------------------------------------------------------- from an environment


def _digest(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def stated_digest(distribution: InstalledDistribution, manifest: bytes | None) -> tuple[str, str]:
    """``(kind, digest)`` as a lock entry states them for ``distribution``, whose embedded
    manifest's bytes the caller has read (``None``: it has none): the manifest's digest, else its
    RECORD's (``missing`` without one)."""
    if manifest is not None:
        return MANIFEST, _digest(manifest)
    record = read_optional_bytes(distribution.metadata_dir / "RECORD")
    return RECORD, MISSING if record is None else _digest(record)


def installed_entry(
    distribution: InstalledDistribution, bytecode: Iterable[tuple[str, str]] = ()
) -> LockEntry:
    """The lock entry describing ``distribution`` as it is installed now (reads one file), with
    the ``bytecode`` approved for it (``(cache file, hex sha256)``, see :mod:`.lock_bytecode`)."""
    kind, digest = stated_digest(distribution, read_manifest_bytes(distribution))
    return LockEntry(
        name=distribution.name,
        version=distribution.version,
        kind=kind,
        digest=digest,
        source=distribution.source,
        bytecode=tuple(sorted((path, f"sha256:{hex_}") for path, hex_ in bytecode)),
    )


def first_copies(
    distributions: Iterable[InstalledDistribution],
) -> tuple[InstalledDistribution, ...]:
    """The distribution Python would import of each canonical name: the first found in
    site-directory order (a shadowed copy of a name is never imported)."""
    first: dict[str, InstalledDistribution] = {}
    for distribution in distributions:
        first.setdefault(distribution.canonical_name, distribution)
    return tuple(first.values())


def installed_entries(
    distributions: Iterable[InstalledDistribution],
    bytecode: Mapping[str, Iterable[tuple[str, str]]] | None = None,
) -> tuple[LockEntry, ...]:
    """One entry per canonical name, for its first copy (:func:`first_copies`); ``bytecode``
    holds the approved cache files of each by its :attr:`~InstalledDistribution.source`."""
    approved = bytecode or {}
    return _sorted(
        installed_entry(distribution, approved.get(distribution.source, ()))
        for distribution in first_copies(distributions)
    )


def _sorted(entries: Iterable[LockEntry]) -> tuple[LockEntry, ...]:
    return tuple(sorted(entries, key=lambda e: (e.canonical_name, e.version, e.kind, e.digest)))


def make_lock(
    distributions: Iterable[InstalledDistribution],
    bytecode: Mapping[str, Iterable[tuple[str, str]]] | None = None,
) -> Lock:
    """The lock approving exactly the given installed distributions as they are now, and the
    bytecode ``bytecode`` approves of each (by source; see :func:`installed_entries`)."""
    return Lock(installed_entries(distributions, bytecode))


# --------------------------------------------------------------------------- the file


def _quoted(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: always quoted, so that a version such
    # as 1.10 never turns into the number 1.1, and names can hold any character.
    return json.dumps(text, ensure_ascii=True)


def dumps_lock(lock: Lock) -> str:
    """The lock file's text, byte-for-byte the same for equal locks."""
    lines = [HEADER, f"schema: {_quoted(LOCK_SCHEMA)}"]
    entries = _sorted(lock.entries)
    if not entries:
        lines.append("distributions: []")
    else:
        lines.append("distributions:")
        for entry in entries:
            # Canonical, as the entries are sorted and matched: an installer's spelling
            # (``importlib_metadata``) would sit oddly among the others and change on reinstall.
            lines.append(f"- name: {_quoted(entry.canonical_name)}")
            lines.append(f"  version: {_quoted(entry.version)}")
            lines.append(f"  {entry.kind}: {_quoted(entry.digest)}")
            if entry.bytecode:
                lines.append(f"  {BYTECODE}:")
                lines.extend(
                    f"    {_quoted(path)}: {_quoted(digest)}"
                    for path, digest in sorted(entry.bytecode)
                )
    return "\n".join(lines) + "\n"


def _entry_lines(text: str) -> list[int]:
    """1-based line of each item of ``distributions``, in order (from the YAML node tree)."""
    import yaml

    try:
        root = yaml.compose(text, Loader=fast_safe_loader())
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if (
            isinstance(key, yaml.ScalarNode)
            and key.value == "distributions"
            and isinstance(value, yaml.SequenceNode)
        ):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _bytecode(value: object, where: str, fail: Any) -> tuple[tuple[str, str], ...]:
    """An entry's ``bytecode``: cache file paths (relative, in ``__pycache__``, named as a
    loader looks for them) to digests."""
    if not isinstance(value, Mapping):
        raise fail(where, "must be a mapping of cache file paths to sha256 digests")
    pairs: list[tuple[str, str]] = []
    for path, digest in value.items():
        directory, _, name = str(path).rpartition("/")
        if (
            not isinstance(path, str)
            or path.startswith("/")
            or ".." in path.split("/")
            or directory.rpartition("/")[2] != CACHE_DIRECTORY
            or parse_cache_name(name) is None
        ):
            raise fail(f"{where}[{path!r}]", "is not a path of a __pycache__ file")
        if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
            raise fail(f"{where}[{path!r}]", "must be sha256: and 64 lower-case hex digits")
        pairs.append((path, digest))
    return tuple(sorted(pairs))


def _entry(item: object, where: str, line: int, fail: Any, *, legacy: bool = False) -> LockEntry:
    if not isinstance(item, Mapping):
        raise fail(where, "must be a mapping with name, version and manifest or record")
    unknown = sorted(set(map(str, item)) - _ENTRY_KEYS)
    if legacy and BYTECODE in item:
        unknown.insert(0, BYTECODE)  # schema 1 approved no bytecode
    if unknown:
        hint = did_you_mean(unknown[0], _ENTRY_KEYS)
        raise fail(f"{where}.{unknown[0]}", f"is not a key of a lock entry{hint}")
    for key in ("name", "version"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise fail(f"{where}.{key}", "must be a non-empty string")
    kinds = [kind for kind in (MANIFEST, RECORD) if kind in item]
    if len(kinds) != 1:
        raise fail(where, "must have exactly one of manifest or record")
    kind = kinds[0]
    digest = item[kind]
    if not isinstance(digest, str) or not (
        _DIGEST.fullmatch(digest) or (kind == RECORD and digest == MISSING)
    ):
        raise fail(f"{where}.{kind}", "must be sha256: and 64 lower-case hex digits")
    bytecode = _bytecode(item[BYTECODE], f"{where}.{BYTECODE}", fail) if BYTECODE in item else ()
    return LockEntry(
        name=item["name"],
        version=item["version"],
        kind=kind,
        digest=digest,
        line=line,
        bytecode=bytecode,
    )


def loads_lock(text: str, *, source: str) -> Lock:
    """A lock from its text.  Raises :class:`LockError` naming ``source`` and the entry."""

    def fail(where: str, problem: str) -> LockError:
        return LockError(f"{source}: {where} {problem}")

    data = load_one(
        text,
        source=source,
        error=LockError,
        invalid=lambda _: "not valid YAML",
        loader=fast_safe_loader(),
    )
    if not isinstance(data, Mapping):
        raise LockError(f"{source}: not a lock file (expected a mapping with schema)")
    unknown = sorted(set(map(str, data)) - _FILE_KEYS)
    if unknown:
        raise fail(unknown[0], f"is not a key of a lock file{did_you_mean(unknown[0], _FILE_KEYS)}")
    schema = data.get("schema")
    if schema not in (LOCK_SCHEMA, LEGACY_SCHEMA):
        raise fail(
            "schema", f"must be {LOCK_SCHEMA!r} or the older {LEGACY_SCHEMA!r} (found {schema!r})"
        )
    items = data.get("distributions")
    if not isinstance(items, list):
        raise fail("distributions", "must be a list")
    lines = _entry_lines(text)
    entries: list[LockEntry] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        line = lines[index] if index < len(lines) else 0
        where = f"distributions[{index}]" + (f" (line {line})" if line else "")
        entry = _entry(item, where, line, fail, legacy=schema == LEGACY_SCHEMA)
        if entry.canonical_name in seen:
            raise fail(f"{where}.name", f"repeats {entry.name!r}, listed before")
        seen[entry.canonical_name] = index
        entries.append(entry)
    return Lock(tuple(entries), source=source, approves_bytecode=schema == LOCK_SCHEMA)


def load_lock(path: Path) -> Lock:
    """The lock file at ``path``."""
    try:
        text = read_regular_file(path, limit=DOCUMENT_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise LockError(f"{path}: cannot read: {reason}") from None
    except UnusableInputError as error:
        raise LockError(str(error)) from None
    return loads_lock(text, source=str(path))


# --------------------------------------------------------------------------- comparing


def _at(lock: Lock, entry: LockEntry) -> str:
    where = lock.source or "the lock"
    return f"{where} line {entry.line}" if entry.line else where


def lock_findings(lock: Lock, installed: Iterable[LockEntry]) -> list[Finding]:
    """What differs between the approved distributions and the installed ones.

    ``installed`` are entries read from the environment (:func:`installed_entries`).  One
    finding per distribution at most: not in the lock (ISP330), locked but not installed
    (ISP331), another version (ISP332; the digest then differs as a matter of course and is not
    reported again), or the same version with another manifest or RECORD digest (ISP333).
    """
    approved = lock.by_name()
    current = {entry.canonical_name: entry for entry in installed}
    findings: list[Finding] = []
    for name in sorted(current.keys() - approved.keys()):
        entry = current[name]
        findings.append(
            Finding(
                code=NOT_IN_LOCK,
                distribution=entry.name,
                message=f"{entry.name} {entry.version} is installed but not approved "
                f"in {lock.source or 'the lock'}",
                expected="not installed",
                found=f"{entry.version} ({entry.stated})",
            )
        )
    for name in sorted(approved.keys() - current.keys()):
        locked = approved[name]
        findings.append(
            Finding(
                code=NOT_INSTALLED,
                distribution=locked.name,
                message=f"{locked.name} {locked.version} is approved in {_at(lock, locked)} "
                "but not installed",
                expected=locked.version,
                found="not installed",
            )
        )
    for name in sorted(approved.keys() & current.keys()):
        locked, entry = approved[name], current[name]
        if locked.version != entry.version:
            findings.append(
                Finding(
                    code=OTHER_VERSION,
                    distribution=entry.name,
                    message=f"{entry.name} is installed at {entry.version}, "
                    f"{_at(lock, locked)} approves {locked.version}",
                    expected=locked.version,
                    found=entry.version,
                )
            )
        elif (locked.kind, locked.digest) != (entry.kind, entry.digest):
            findings.append(
                Finding(
                    code=OTHER_DIGEST,
                    distribution=entry.name,
                    message=f"{entry.name} {entry.version} is not the build "
                    f"{_at(lock, locked)} approves: its {entry.kind} differs",
                    expected=locked.stated,
                    found=entry.stated,
                )
            )
    return findings


def apply_lock(result: VerifyResult, lock: Lock, installed: Iterable[LockEntry]) -> VerifyResult:
    """``result`` with the lock's findings added where they belong.

    A finding about a distribution ``result`` holds joins its findings (and ``lock`` its checks);
    one about an installed distribution ``result`` does not hold (one without a manifest) gets a
    distribution of its own; one about a locked distribution that is not installed is owned by
    no distribution and joins the environment findings.
    """
    entries = {entry.canonical_name: entry for entry in installed}
    findings: dict[str, list[Finding]] = {}
    for finding in lock_findings(lock, entries.values()):
        findings.setdefault(canonicalize_name(finding.distribution), []).append(finding)
    distributions = []
    for distribution in result.distributions:
        own = findings.pop(canonicalize_name(distribution.name), [])
        checks = distribution.checks
        if CHECK_LOCK not in checks:
            checks = (*checks, CHECK_LOCK)
        distributions.append(
            replace(distribution, findings=(*distribution.findings, *own), checks=checks)
        )
    unowned = list(result.environment_findings)
    for name in sorted(findings):
        entry = entries.get(name)
        if entry is None:
            unowned.extend(findings[name])
            continue
        distributions.append(
            DistributionResult(
                name=entry.name,
                version=entry.version,
                source=entry.source,
                has_manifest=entry.kind == MANIFEST,
                findings=tuple(findings[name]),
                checks=(CHECK_LOCK,),
            )
        )
    return replace(result, distributions=tuple(distributions), environment_findings=tuple(unowned))
