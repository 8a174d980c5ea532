"""``importspy embed``: add a manifest to a wheel that another build backend made.

setuptools, flit, maturin or pdm wheels carry no manifest; this rewrites such a wheel with one at
``<name>-<version>.dist-info/extra_metadata/importspy.yaml``, exactly where the build hook puts it,
so ``verify`` treats the result like a wheel built with the hook.

The input is read with :func:`~hatch_importspy.formats.wheel.open_wheel`, like every wheel the
package reads, and checked before anything is trusted: it is refused with a one-line
:class:`~hatch_importspy.errors.UnusableInputError` naming the wheel when it is not a sound wheel:
not a zip file or a truncated one, a member that does not decompress, an absolute or ``..``
member name, a name twice, no single ``.dist-info`` with METADATA and RECORD, a file RECORD does
not list or lists with another sha256 or size, a RECORD row for a file that is not there, a signed
RECORD (``RECORD.jws``/``RECORD.p7s``: the signature would no longer match), or a manifest already
present (unless ``replace``).  The RECORD check matters: a manifest vouches for the files it
describes, so embedding one into a wheel whose files no longer match its RECORD would launder the
change.

The output is reproducible: the same input and options give the same bytes.  The original
members keep their order, dates, permissions and compression method (their bytes are
recompressed, their zip "extra" fields are dropped); the manifest goes just before RECORD (or
where the old manifest was) with fixed attributes (``-rw-r--r--``, deflated) and the date of
``SOURCE_DATE_EPOCH`` when it is set, else the date of the RECORD member; RECORD keeps its rows
and line endings and gains one row.  The new wheel is written to a temporary file beside the
target, checked like an input, and moved into place atomically, so a failure never leaves a
half-written wheel.

Configuration comes from the project's ``pyproject.toml``
(:func:`~hatch_importspy.describe.config.options_from_pyproject`) or is built by the caller;
``python``
defaults to the wheel's ``Requires-Python``, as the hook's defaults to ``[project]
requires-python``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from hatch_importspy.describe.build_check import build_environment_lookup
from hatch_importspy.describe.config import ImportSpyOptions
from hatch_importspy.describe.contracts import load_contracts
from hatch_importspy.describe.distribution import Warn, describe_distribution
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.entry_points import ENTRY_POINTS_FILENAME, parse_entry_points
from hatch_importspy.formats.manifest import dumps, load_bytes
from hatch_importspy.formats.record import hex_to_record_digest
from hatch_importspy.formats.wheel import WheelArchive, WheelContents, is_wheel_target, open_wheel
from hatch_importspy.model import EntryPoint, Expectation, SpyModel

SIGNATURE_FILES = ("RECORD.jws", "RECORD.p7s")

MANIFEST_MODE = stat.S_IFREG | 0o644
ZIP_EPOCH = 315532800
"""1980-01-01T00:00:00Z, the earliest date a zip member can carry."""

Check = Callable[[SpyModel], None]
"""Called with the new manifest before anything is written; raise to stop (a baseline gate)."""


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class SourceWheel:
    """A wheel that passed every check, with what describing and rewriting it needs."""

    contents: WheelContents
    members: tuple[zipfile.ZipInfo, ...]
    """Every member, directories included, in archive order."""
    requires: tuple[str, ...]
    requires_python: str | None
    record_name: str
    record_text: str
    """RECORD as the wheel carries it: rewriting keeps its rows and line endings."""
    manifest_name: str
    """Where the manifest goes (or is) in the wheel."""
    entry_points: tuple[EntryPoint, ...] = ()
    """From the wheel's own ``entry_points.txt`` (none: empty)."""


def read_source_wheel(wheel: Path, *, replace: bool = False) -> SourceWheel:
    """Open and check a wheel (see the module docstring for what is refused)."""
    with open_wheel(wheel) as archive:
        contents = archive.contents()
        headers = archive.metadata()
        record_name, manifest_name = archive.record_name, archive.manifest_name
        record_text = archive.text(record_name)
        members = archive.infos
        entry_points_name = f"{contents.metadata_dir}/{ENTRY_POINTS_FILENAME}"
        declared = archive.text(entry_points_name) if entry_points_name in archive.members else ""
        _check_record(archive, contents)
    if contents.manifest is not None and not replace:
        raise UnusableInputError(
            f"{wheel}: already carries an importspy manifest ({manifest_name}); replace it "
            "explicitly to describe the wheel again"
        )
    requires_python = headers.get("Requires-Python")
    if requires_python is not None:
        requires_python = str(requires_python).strip() or None
    if requires_python is not None:
        try:
            SpecifierSet(requires_python)
        except InvalidSpecifier:
            raise UnusableInputError(
                f"{wheel}: METADATA Requires-Python {requires_python!r} is not a valid specifier"
            ) from None
    requires = tuple(str(value) for value in headers.get_all("Requires-Dist") or [])
    return SourceWheel(
        contents=contents,
        members=members,
        requires=requires,
        requires_python=requires_python,
        record_name=record_name,
        record_text=record_text,
        manifest_name=manifest_name,
        entry_points=parse_entry_points(declared),
    )


def _check_record(archive: WheelArchive, contents: WheelContents) -> None:
    """Refuse a wheel whose files and RECORD disagree, or whose RECORD is signed."""
    wheel, metadata_dir, record_name = archive.path, archive.metadata_dir, archive.record_name
    for signature in SIGNATURE_FILES:
        if f"{metadata_dir}/{signature}" in contents.digests:
            raise UnusableInputError(
                f"{wheel}: RECORD is signed ({signature}); embedding would break the signature"
            )
    listed: dict[str, tuple[str | None, int | None, str | None]] = {}
    for entry in contents.record:
        if entry.path in listed:
            raise UnusableInputError(f"{wheel}: RECORD lists {entry.path!r} twice")
        listed[entry.path] = (entry.sha256, entry.size, entry.hash)
    for member, digest in sorted(contents.digests.items()):
        if member == record_name:
            continue
        if member not in listed:
            raise UnusableInputError(f"{wheel}: {member} is not listed in RECORD")
        sha256, size, stated = listed.pop(member)
        if stated is None:
            raise UnusableInputError(f"{wheel}: RECORD lists {member} without a hash")
        if sha256 is None:
            raise UnusableInputError(
                f"{wheel}: RECORD hashes {member} with {stated.partition('=')[0]!r}; only sha256 "
                "can be checked"
            )
        if sha256 != digest:
            raise UnusableInputError(f"{wheel}: {member} does not match its RECORD hash")
        if size is not None and size != archive.members[member].file_size:
            raise UnusableInputError(f"{wheel}: {member} does not match its RECORD size")
    listed.pop(record_name, None)
    if listed:
        raise UnusableInputError(
            f"{wheel}: RECORD lists {sorted(listed)[0]!r}, which is not in the wheel"
        )


# --------------------------------------------------------------------------- describing


def describe_wheel(
    wheel: Path,
    *,
    options: ImportSpyOptions,
    replace: bool = True,
    warn: Warn | None = None,
    project: Path | None = None,
) -> SpyModel:
    """Describe a wheel's files as the build hook would have (its manifest, if any, is ignored
    unless ``replace`` is false, in which case a wheel carrying one is refused).  ``project`` is
    the directory ``options.contracts`` globs are relative to."""
    return _describe(read_source_wheel(wheel, replace=replace), options, warn, project)


def _describe(
    source: SourceWheel, options: ImportSpyOptions, warn: Warn | None, project: Path | None
) -> SpyModel:
    """Every member outside ``.dist-info`` is described; ``.data/`` members are plain files."""
    contents = source.contents
    contracts: tuple[Expectation, ...] = ()
    if options.contracts:
        if project is None:
            raise UnusableInputError(
                f"{contents.path}: contracts are configured but no project directory was given "
                "to find them in (name the project's pyproject.toml)"
            )
        # Providers are not asked of this environment: describe_distribution below attributes
        # them, as it does inferred modules, to the Requires-Dist entries named like them.
        contracts = load_contracts(options.contracts, root=project)
    if options.python is None and source.requires_python is not None:
        options = replace(options, python=source.requires_python)
    prefix = f"{contents.metadata_dir}/"
    members = [
        info
        for info in source.members
        if not info.is_dir() and not info.filename.startswith(prefix)
    ]
    with _extracted(contents.path, members) as files:
        return describe_distribution(
            files,
            name=contents.name,
            version=contents.version,
            requires=source.requires,
            options=options,
            warn=warn,
            contracts=contracts,
            entry_points=source.entry_points,
            build_lookup=build_environment_lookup(),
        )


@contextlib.contextmanager
def _extracted(wheel: Path, members: Sequence[zipfile.ZipInfo]) -> Iterator[list[tuple[str, Path]]]:
    """Members written to numbered temporary files: no member name ever becomes a path."""
    with tempfile.TemporaryDirectory(prefix="importspy-embed-") as directory:
        files: list[tuple[str, Path]] = []
        with open_wheel(wheel) as archive:
            for index, info in enumerate(members):
                target = Path(directory) / str(index)
                with target.open("wb") as out:
                    archive.copy(info.filename, out)
                files.append((info.filename, target))
        yield files


# --------------------------------------------------------------------------- writing


def embed_manifest(
    wheel: Path,
    *,
    options: ImportSpyOptions,
    output: Path | None = None,
    replace: bool = False,
    check: Check | None = None,
    warn: Warn | None = None,
    project: Path | None = None,
) -> Path:
    """Write ``wheel`` again with a manifest in its ``.dist-info``; return the path written.

    ``output`` is the new wheel's path, or a directory to write it into under the same name;
    ``None`` replaces ``wheel`` itself (atomically).  ``replace`` lets a wheel that already
    carries a manifest be described again (the old manifest is replaced in place).  ``check``
    sees the new manifest before anything is written (a baseline gate raises there).
    ``project`` is the directory the ``contracts`` globs of ``options`` are relative to (the
    project's root).  Raises :class:`UnusableInputError` naming the wheel for a wheel that is not
    sound (module docstring).
    """
    target = _target(wheel, output)
    source = read_source_wheel(wheel, replace=replace)
    model = _describe(source, options, warn, project)
    if check is not None:
        check(model)
    manifest = dumps(model).encode("utf-8")
    descriptor, temporary_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    os.close(descriptor)
    temporary = Path(temporary_name)
    try:
        _write(source, manifest, temporary)
        written = read_source_wheel(temporary, replace=True)
        load_bytes(written.contents.manifest or b"", f"{target}!{source.manifest_name}")
        shutil.copymode(wheel, temporary)
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def _target(wheel: Path, output: Path | None) -> Path:
    if output is None:
        return wheel
    if output.is_dir():
        return output / wheel.name
    if not is_wheel_target(output.name):
        # ``-o dist2/`` for a directory that does not exist must not become a file named dist2
        raise UnusableInputError(f"{output}: neither an existing directory nor a .whl file name")
    if not output.parent.is_dir():
        raise UnusableInputError(f"{output}: its directory does not exist")
    return output


def _write(source: SourceWheel, manifest: bytes, destination: Path) -> None:
    contents = source.contents
    manifest_name, record_name = source.manifest_name, source.record_name
    record_info = next(info for info in source.members if info.filename == record_name)
    manifest_info = _manifest_info(manifest_name, record_info)
    record_text = _record_with(source, manifest_name, manifest)
    written_manifest = False
    with open_wheel(contents.path) as archive, zipfile.ZipFile(destination, "w") as out:
        for info in source.members:
            if info.filename == manifest_name:
                out.writestr(manifest_info, manifest)
                written_manifest = True
            elif info.filename == record_name:
                if not written_manifest:
                    out.writestr(manifest_info, manifest)
                    written_manifest = True
                out.writestr(_copied_info(info), record_text.encode("utf-8"))
            else:
                _copy_member(archive, out, info)


def _copied_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """The attributes a member keeps: name, date, permissions, compression, comment."""
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    copy.comment = info.comment
    return copy


def _copy_member(archive: WheelArchive, out: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    copy = _copied_info(info)
    if info.is_dir():
        out.writestr(copy, b"")
        return
    copy.file_size = info.file_size  # lets zipfile choose zip64 up front for large members
    with out.open(copy, "w") as target:
        archive.copy(info.filename, target)


def _manifest_info(name: str, record: zipfile.ZipInfo) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_manifest_date(record))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so that the permission bits below are read
    info.external_attr = MANIFEST_MODE << 16
    return info


def _manifest_date(record: zipfile.ZipInfo) -> tuple[int, int, int, int, int, int]:
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or not value.strip():
        return record.date_time
    try:
        epoch = int(value)
    except ValueError:
        raise UnusableInputError(
            f"SOURCE_DATE_EPOCH: {value!r} is not a number of seconds"
        ) from None
    moment = time.gmtime(max(epoch, ZIP_EPOCH))
    return (
        moment.tm_year,
        moment.tm_mon,
        moment.tm_mday,
        moment.tm_hour,
        moment.tm_min,
        moment.tm_sec,
    )


def _record_with(source: SourceWheel, manifest_name: str, manifest: bytes) -> str:
    """RECORD's text, rows and line endings kept, with the manifest's row in place."""
    archive_text = source.record_text
    ending = "\r\n" if "\r\n" in archive_text else "\n"
    digest = hex_to_record_digest(hashlib.sha256(manifest).hexdigest())
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=ending).writerow(
        [manifest_name, f"sha256={digest}", str(len(manifest))]
    )
    row = buffer.getvalue()
    lines = archive_text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += ending
    paths = [_first_field(line) for line in lines]
    if manifest_name in paths:
        lines[paths.index(manifest_name)] = row
    elif source.record_name in paths:
        lines.insert(paths.index(source.record_name), row)
    else:
        lines.append(row)
    return "".join(lines)


def _first_field(line: str) -> str | None:
    fields = next(csv.reader([line]), [])
    return fields[0] if fields else None
