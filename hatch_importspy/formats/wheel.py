"""Read a wheel in place: its metadata, RECORD, manifest and the sha256 of every member.

Nothing is extracted to disk.  Member names are checked before anything else is trusted: a wheel
with an absolute or ``..`` member name, or the same name twice, is unusable input, because every
installer would put such a member somewhere other than where its name claims.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path
from types import MappingProxyType

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.manifest import MANIFEST_LOCATION
from hatch_importspy.formats.record import RecordEntry, parse_record

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
    try:
        with zipfile.ZipFile(path) as archive:
            members = _checked_members(path, archive)
            metadata_dir = _metadata_dir(path, members)
            record_name = f"{metadata_dir}/RECORD"
            if record_name not in members:
                raise UnusableInputError(f"{path}: {record_name} is missing")
            if f"{metadata_dir}/METADATA" not in members:
                raise UnusableInputError(f"{path}: {metadata_dir}/METADATA is missing")
            headers = HeaderParser().parsestr(
                _text(path, archive, members[f"{metadata_dir}/METADATA"])
            )
            name, version = headers.get("Name"), headers.get("Version")
            if not name or not version:
                raise UnusableInputError(f"{path}: {metadata_dir}/METADATA lacks a Name or Version")
            record = parse_record(
                _text(path, archive, members[record_name]), source=f"{path}!{record_name}"
            )
            manifest_name = f"{metadata_dir}/{MANIFEST_LOCATION}"
            manifest = (
                _read(path, archive, members[manifest_name]) if manifest_name in members else None
            )
            digests = {
                member: _digest(path, archive, info)
                for member, info in members.items()
                if hash_members
            }
    except zipfile.BadZipFile as error:
        raise UnusableInputError(f"{path}: not a valid wheel (zip) file: {error}") from None
    except OSError as error:
        raise UnusableInputError(f"{path}: cannot read: {error.strerror or error}") from None
    return WheelContents(
        path=path,
        name=str(name),
        version=str(version),
        metadata_dir=metadata_dir,
        digests=MappingProxyType(digests),
        record=record,
        manifest=manifest,
    )


@dataclass(frozen=True)
class WheelManifest:
    """The manifest a wheel carries, read on its own."""

    data: bytes
    source: str
    """How error messages name the member: ``<wheel>!<name>-<version>.dist-info/...``."""


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
    try:
        with zipfile.ZipFile(path) as archive:
            members = _checked_members(path, archive)
            manifest_name = f"{_metadata_dir(path, members)}/{MANIFEST_LOCATION}"
            info = members.get(manifest_name)
            if info is None:
                return None
            return WheelManifest(_read(path, archive, info), f"{path}!{manifest_name}")
    except zipfile.BadZipFile as error:
        raise UnusableInputError(f"{path}: not a valid wheel (zip) file: {error}") from None
    except OSError as error:
        raise UnusableInputError(f"{path}: cannot read: {error.strerror or error}") from None


def read_member(path: Path, member: str) -> bytes:
    """One member's bytes (to re-describe a module whose digest differs)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(member)
    except KeyError:
        raise UnusableInputError(f"{path}: no member {member!r}") from None
    except _UNREADABLE_MEMBER as error:
        raise _unreadable(path, member, error) from None
    except OSError as error:
        raise UnusableInputError(f"{path}: cannot read: {error.strerror or error}") from None


def unsafe_member_problem(name: str) -> str | None:
    """Why a member name is unsafe to install, or ``None`` when it is a plain relative path."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if "\\" in name:
        return "contains a backslash"
    if ".." in name.split("/"):
        return "contains a '..' component"
    if "\x00" in name:
        return "contains a NUL character"
    return None


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


def _unreadable(path: Path, member: str, error: Exception) -> UnusableInputError:
    # zipfile's message for an encrypted member quotes the whole ZipInfo: say it in a word.
    problem = "is encrypted" if isinstance(error, RuntimeError) else f"cannot decompress: {error}"
    return UnusableInputError(f"{path}: {member}: {problem}")


def _read(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        return archive.read(info)
    except _UNREADABLE_MEMBER as error:
        raise _unreadable(path, info.filename, error) from None


def _text(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    try:
        return _read(path, archive, info).decode("utf-8")
    except UnicodeDecodeError:
        raise UnusableInputError(f"{path}: {info.filename}: not UTF-8 text") from None


def _digest(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    try:
        with archive.open(info) as stream:
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                digest.update(chunk)
    except _UNREADABLE_MEMBER as error:
        raise _unreadable(path, info.filename, error) from None
    return digest.hexdigest()
