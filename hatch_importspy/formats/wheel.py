"""Read a wheel in place: its metadata, RECORD, manifest and the sha256 of every member.

This is the one place a wheel's zip is opened for reading: ``verify``, ``show``, ``diff``,
``embed`` and the build hook's self-check all go through :func:`open_wheel`, so every one of them
refuses the same unsound wheels with the same one-line messages.  Nothing is extracted to disk.
Member names are checked before anything else is trusted: a wheel with an absolute or ``..``
member name, or the same name twice, is unusable input, because every installer would put such a
member somewhere other than where its name claims.
"""

from __future__ import annotations

import contextlib
import hashlib
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

    def read(self, name: str) -> bytes:
        """One member's bytes."""
        info = self._info(name)
        with self._reading(name):
            return self._zip.read(info)

    def text(self, name: str) -> str:
        """One member as UTF-8 text."""
        try:
            return self.read(name).decode("utf-8")
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
        return HeaderParser().parsestr(self.text(name))

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
        record = parse_record(self.text(self.record_name), source=f"{self.path}!{self.record_name}")
        manifest = self.manifest()
        digests = {member: self.sha256(member) for member in self.members if hash_members}
        return WheelContents(
            path=self.path,
            name=str(name),
            version=str(version),
            metadata_dir=self.metadata_dir,
            digests=MappingProxyType(digests),
            record=record,
            manifest=manifest,
        )

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
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise UnusableInputError(f"{path}: not a valid wheel (zip) file: {error}") from None
    except OSError as error:
        raise UnusableInputError(f"{path}: cannot read: {error.strerror or error}") from None
    with archive:
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
