"""Read a wheel in place: its metadata, RECORD, manifest and the sha256 of every member.

This is the one place a wheel's zip is opened for reading: ``verify``, ``show``, ``diff``,
``embed`` and the build hook's self-check all go through :func:`open_wheel`, so every one of them
refuses the same unsound wheels with the same one-line messages.  Nothing is extracted to disk.
Member names are checked before anything else is trusted: a wheel with an absolute or ``..``
member name, or the same name twice, is unusable input, because every installer would put such a
member somewhere other than where its name claims.

A wheel may be hostile, so reading one holds to :mod:`hatch_importspy.limits`: at most
``WHEEL_MEMBERS`` entries (counted from the zip's end record before its directory is parsed),
METADATA, RECORD and the manifest read in chunks and refused past their limits whatever sizes the
zip headers claim, and at most ``WHEEL_UNPACKED_BYTES`` decompressed while hashing the members.
"""

from __future__ import annotations

import contextlib
import hashlib
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path
from types import MappingProxyType
from typing import IO

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.manifest import MANIFEST_LOCATION
from hatch_importspy.formats.paths import unsafe_path_problem
from hatch_importspy.formats.record import RecordEntry, open_regular_file, parse_record
from hatch_importspy.limits import (
    MANIFEST_BYTES,
    METADATA_BYTES,
    RECORD_BYTES,
    WHEEL_MEMBERS,
    WHEEL_UNPACKED_BYTES,
)

_CHUNK = 1 << 20

_UNREADABLE_MEMBER = (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, RuntimeError)
"""What zipfile raises for a member it cannot give back: damaged data, a compression method it
does not support, data that ends early, or (``RuntimeError``) an encrypted member."""


@dataclass(frozen=True)
class WheelContents:
    """What a wheel holds, read without extracting it."""

    path: Path
    name: str
    """``Name`` from the wheel's METADATA."""
    version: str
    metadata_dir: str
    """The ``<name>-<version>.dist-info`` directory inside the wheel."""
    digests: Mapping[str, str] = field(default_factory=dict)
    """Member path -> hex sha256, for every file member (directories excluded)."""
    record: tuple[RecordEntry, ...] = ()
    manifest: bytes | None = None
    """The embedded manifest, ``None`` when the wheel carries none."""

    @property
    def manifest_source(self) -> str:
        """How error messages name the manifest inside this wheel."""
        return f"{self.path}!{self.metadata_dir}/{MANIFEST_LOCATION}"


@dataclass(frozen=True)
class WheelManifest:
    """The manifest a wheel carries, read on its own."""

    data: bytes
    source: str
    """How error messages name the member: ``<wheel>!<name>-<version>.dist-info/...``."""


@dataclass(frozen=True)
class WheelArchive:
    """An open wheel whose member names were checked and whose ``.dist-info`` was found.

    Only valid inside the ``with open_wheel(...)`` block that made it.  Every read raises a
    one-line :class:`UnusableInputError` naming the wheel and the member; an error that the
    caller's own code raises (writing a copy, say) is never relabelled as the wheel's.
    """

    path: Path
    metadata_dir: str
    """The wheel's single ``<name>-<version>.dist-info`` directory."""
    members: Mapping[str, zipfile.ZipInfo]
    """Every file member (directories excluded) by name."""
    infos: tuple[zipfile.ZipInfo, ...]
    """Every member, directories included, in archive order (what a rewrite copies)."""
    _zip: zipfile.ZipFile = field(repr=False, compare=False)

    @property
    def record_name(self) -> str:
        return f"{self.metadata_dir}/RECORD"

    @property
    def manifest_name(self) -> str:
        return f"{self.metadata_dir}/{MANIFEST_LOCATION}"

    def read(self, name: str, *, limit: int = MANIFEST_BYTES) -> bytes:
        """One member's bytes; more than ``limit`` of them (decompressed, counted as they come,
        whatever the zip header claims) is unusable input."""
        pieces: list[bytes] = []
        total = 0
        for chunk in self.chunks(name):
            total += len(chunk)
            if total > limit:
                raise UnusableInputError(
                    f"{self.path}: {name}: larger than {limit} bytes decompressed: not read"
                )
            pieces.append(chunk)
        return b"".join(pieces)

    def text(self, name: str, *, limit: int = MANIFEST_BYTES) -> str:
        """One member as UTF-8 text."""
        try:
            return self.read(name, limit=limit).decode("utf-8")
        except UnicodeDecodeError:
            raise UnusableInputError(f"{self.path}: {name}: not UTF-8 text") from None

    def chunks(self, name: str) -> Iterator[bytes]:
        """One member's bytes in pieces, for members too large to hold at once."""
        info = self._info(name)
        with self._reading(name), self._zip.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                yield chunk

    def copy(self, name: str, target: IO[bytes]) -> None:
        """Stream one member into ``target`` (errors writing are the caller's, not the wheel's)."""
        for chunk in self.chunks(name):
            target.write(chunk)

    def sha256(self, name: str) -> str:
        """One member's hex sha256, read in pieces."""
        digest = hashlib.sha256()
        for chunk in self.chunks(name):
            digest.update(chunk)
        return digest.hexdigest()

    def metadata(self) -> Message:
        """The headers of the ``.dist-info``'s METADATA."""
        name = f"{self.metadata_dir}/METADATA"
        if name not in self.members:
            raise UnusableInputError(f"{self.path}: {name} is missing")
        return HeaderParser().parsestr(self.text(name, limit=METADATA_BYTES))

    def contents(self, *, hash_members: bool = True) -> WheelContents:
        """Everything verification needs: see :func:`read_wheel`."""
        if self.record_name not in self.members:
            raise UnusableInputError(f"{self.path}: {self.record_name} is missing")
        headers = self.metadata()
        name, version = headers.get("Name"), headers.get("Version")
        if not name or not version:
            raise UnusableInputError(
                f"{self.path}: {self.metadata_dir}/METADATA lacks a Name or Version"
            )
        record = parse_record(
            self.text(self.record_name, limit=RECORD_BYTES),
            source=f"{self.path}!{self.record_name}",
        )
        manifest = self.manifest()
        digests = self._hash_members() if hash_members else {}
        return WheelContents(
            path=self.path,
            name=str(name),
            version=str(version),
            metadata_dir=self.metadata_dir,
            digests=MappingProxyType(digests),
            record=record,
            manifest=manifest,
        )

    def _hash_members(self, limit: int = WHEEL_UNPACKED_BYTES) -> dict[str, str]:
        """Every member's hex sha256, refusing a wheel that unpacks to more than ``limit``."""
        digests: dict[str, str] = {}
        total = 0
        for member in self.members:
            digest = hashlib.sha256()
            for chunk in self.chunks(member):
                total += len(chunk)
                if total > limit:
                    raise UnusableInputError(
                        f"{self.path}: unpacks to more than {limit} bytes: not read"
                    )
                digest.update(chunk)
            digests[member] = digest.hexdigest()
        return digests

    def manifest(self) -> bytes | None:
        """The embedded manifest's bytes, ``None`` when the wheel carries none."""
        return self.read(self.manifest_name) if self.manifest_name in self.members else None

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = self.members.get(name)
        if info is None:
            raise UnusableInputError(f"{self.path}: no member {name!r}")
        return info

    @contextlib.contextmanager
    def _reading(self, name: str) -> Iterator[None]:
        """Turn what zipfile raises for one unreadable member into a one-line message."""
        try:
            yield
        except _UNREADABLE_MEMBER as error:
            # zipfile's message for an encrypted member quotes the whole ZipInfo: say it in a word.
            problem = (
                "is encrypted" if isinstance(error, RuntimeError) else f"cannot decompress: {error}"
            )
            raise UnusableInputError(f"{self.path}: {name}: {problem}") from None
        except OSError as error:
            raise UnusableInputError(
                f"{self.path}: cannot read: {error.strerror or error}"
            ) from None


@contextlib.contextmanager
def open_wheel(path: Path) -> Iterator[WheelArchive]:
    """Open ``path``, check every member name and find its single ``.dist-info`` directory.

    Raises :class:`UnusableInputError` naming the wheel when it is not a readable zip file, has an
    unsafe or duplicate member name, or lacks a single ``.dist-info`` directory.  Only opening is
    guarded here: what the ``with`` block itself raises passes through unchanged.
    """
    try:
        _check_member_count(path)
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, NotImplementedError, EOFError, ValueError) as error:
        # NotImplementedError: a member needing a zip version zipfile does not read (6.4, say).
        raise UnusableInputError(f"{path}: not a valid wheel (zip) file: {error}") from None
    except OSError as error:
        raise UnusableInputError(f"{path}: cannot read: {error.strerror or error}") from None
    with archive:
        if len(archive.infolist()) > WHEEL_MEMBERS:  # the end record undercounted
            raise UnusableInputError(f"{path}: more than {WHEEL_MEMBERS} members: not read")
        members = _checked_members(path, archive)
        yield WheelArchive(
            path=path,
            metadata_dir=_metadata_dir(path, members),
            members=MappingProxyType(members),
            infos=tuple(archive.infolist()),
            _zip=archive,
        )


def is_wheel_target(target: str) -> bool:
    """Whether a command-line target names a wheel file (``.whl``, any case) rather than an
    installed distribution or a manifest: the one rule every command applies."""
    return target.lower().endswith(".whl")


def read_wheel(path: Path, *, hash_members: bool = True) -> WheelContents:
    """Open ``path`` and read everything verification needs from it.

    ``hash_members=False`` skips hashing (``digests`` stays empty) when only the manifest matters.

    Raises :class:`UnusableInputError` naming the wheel when it is not a readable zip file, has an
    unsafe or duplicate member name, lacks a single ``.dist-info`` directory with METADATA and
    RECORD, or a member cannot be decompressed.
    """
    with open_wheel(path) as archive:
        return archive.contents(hash_members=hash_members)


def read_wheel_manifest(path: Path) -> WheelManifest | None:
    """Only the embedded manifest, ``None`` when the wheel carries none.

    For ``show`` and ``diff``, which need nothing else: RECORD and METADATA are not parsed, so a
    wheel whose RECORD is damaged can still be shown (``verify`` reports the damage).  Member names
    are still checked, and the manifest is looked for only in the wheel's single ``.dist-info``
    directory, exactly where :func:`read_wheel` finds it.

    Raises :class:`UnusableInputError` naming the wheel when it is not a readable zip file, has an
    unsafe or duplicate member name, lacks a single ``.dist-info`` directory, or the manifest
    cannot be decompressed.
    """
    with open_wheel(path) as archive:
        manifest = archive.manifest()
        if manifest is None:
            return None
        return WheelManifest(manifest, f"{path}!{archive.manifest_name}")


def read_member(path: Path, member: str) -> bytes:
    """One member's bytes (to re-describe a module whose digest differs)."""
    with open_wheel(path) as archive:
        return archive.read(member)


def unsafe_member_problem(name: str) -> str | None:
    """Why a member name is unsafe to install, or ``None`` when it is a plain relative path."""
    return unsafe_path_problem(name)


_END_RECORD = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_END_RECORD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_END_SIGNATURE = b"PK\x06\x06"


def _check_member_count(path: Path, limit: int = WHEEL_MEMBERS) -> None:
    """Refuse a zip whose end record declares more than ``limit`` entries, before
    :mod:`zipfile` builds an object for every one of them.  What cannot be found here is left to
    :mod:`zipfile` (which reports a damaged zip) and the count checked after it."""
    with open_regular_file(path) as stream:  # a FIFO named as the wheel must not block
        size = stream.seek(0, 2)
        start = stream.seek(max(0, size - _END_RECORD.size - 0xFFFF))
        tail = stream.read()
        at = tail.rfind(_END_SIGNATURE)
        if at < 0 or at + _END_RECORD.size > len(tail):
            return
        count = _END_RECORD.unpack_from(tail, at)[4]
        locator_at = at - _ZIP64_LOCATOR.size
        if locator_at >= 0 and tail[locator_at : locator_at + 4] == _ZIP64_LOCATOR_SIGNATURE:
            offset = _ZIP64_LOCATOR.unpack_from(tail, locator_at)[2]
            if 0 <= offset < start + locator_at:
                stream.seek(offset)
                record = stream.read(_ZIP64_END_RECORD.size)
                if len(record) == _ZIP64_END_RECORD.size and record[:4] == _ZIP64_END_SIGNATURE:
                    count = max(count, _ZIP64_END_RECORD.unpack(record)[7])
    if count > limit:
        raise UnusableInputError(f"{path}: declares {count} members, more than {limit}: not read")


def _checked_members(path: Path, archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        problem = unsafe_member_problem(info.filename)
        if problem is not None:
            raise UnusableInputError(f"{path}: member {info.filename!r} {problem}")
        if info.is_dir():
            continue
        if info.filename in members:
            raise UnusableInputError(f"{path}: member {info.filename!r} appears twice")
        members[info.filename] = info
    return members


def _metadata_dir(path: Path, members: Mapping[str, zipfile.ZipInfo]) -> str:
    candidates = sorted(
        {
            name.partition("/")[0]
            for name in members
            if "/" in name and name.partition("/")[0].endswith(".dist-info")
        }
    )
    if not candidates:
        raise UnusableInputError(f"{path}: no .dist-info directory")
    if len(candidates) > 1:
        raise UnusableInputError(
            f"{path}: several .dist-info directories ({', '.join(candidates)})"
        )
    return candidates[0]
