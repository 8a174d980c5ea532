"""Read what is installed in site-packages directories, without importing any of it.

Distributions are found by their metadata directories, as ``importlib.metadata`` finds them, but
read directly, so that the directories of another interpreter can be read as easily as our own and
without the start-up cost of ``importlib.metadata`` and the email parser.  RECORD is parsed here
rather than through ``Distribution.files``: that API drops rows whose file is missing (so a deleted
file would look unlisted) and stats every row, which costs more than the verification it serves.
``Name`` and ``Version`` are read from the metadata's header block (see :func:`_identity_headers`).
Every file is opened only if it is a regular file, non-blocking, and read within the limits
of :mod:`hatch_importspy.limits`: a FIFO, a device or a huge file planted in a distribution is an
unusable RECORD or manifest (a finding), never a hang.

Every function here only reads.  Nothing is written, nothing is imported from the directories read.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import sysconfig
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.digest import digests
from hatch_importspy.formats.manifest import MANIFEST_LOCATION
from hatch_importspy.formats.record import (
    RecordEntry,
    is_outside,
    normalise_record_path,
    open_regular_file,
    parse_record,
    read_regular_file,
    record_digests,
    stated_digests,
)
from hatch_importspy.limits import MANIFEST_BYTES, METADATA_BYTES, RECORD_BYTES
from hatch_importspy.verify.startup_path import (  # re-exported: its home moved
    find_startup_files as find_startup_files,
)

_METADATA_SUFFIXES = (".dist-info", ".egg-info")


@dataclass(frozen=True)
class InstalledDistribution:
    """One installed distribution: where its metadata lives, and its names and version.

    The name and version are read from the metadata when first asked for.  Verifying one
    distribution needs the versions of only the few it requires, and reading every
    distribution's metadata up front made the environment's size a large part of verifying a
    single package.
    """

    site_dir: Path
    """The directory its RECORD paths are relative to."""
    metadata_dir: Path
    """``<site_dir>/<name>-<version>.dist-info`` (or an ``.egg-info`` for legacy installs)."""

    @functools.cached_property
    def _identity(self) -> tuple[str, str]:
        return _read_identity(self.metadata_dir)

    @property
    def name(self) -> str:
        """The ``Name`` from its metadata, as written (the directory's, when unreadable)."""
        return self._identity[0]

    @property
    def version(self) -> str:
        """The ``Version`` from its metadata (the directory's, when unreadable)."""
        return self._identity[1]

    @functools.cached_property
    def canonical_name(self) -> str:
        """The PEP 503 normalised name: how requirements and command-line targets match.

        Taken from a well-formed ``<name>-<version>.dist-info`` directory name, as
        ``importlib.metadata`` finds a distribution by name, without reading the metadata;
        otherwise from the metadata's ``Name``.
        """
        name, version, suffix = _directory_name_parts(self.metadata_dir)
        if suffix == "dist-info" and name and version and "-" not in version:
            return canonicalize_name(name)
        return canonicalize_name(self.name)

    @property
    def metadata_name(self) -> str:
        """The metadata directory's name, e.g. ``pkg-1.0.dist-info``."""
        return self.metadata_dir.name

    @property
    def manifest_path(self) -> Path:
        """Where the embedded manifest would be."""
        return self.metadata_dir / MANIFEST_LOCATION

    @property
    def source(self) -> str:
        """The metadata directory, for display."""
        return str(self.metadata_dir)


class InstalledVersions(Mapping[str, str]):
    """Canonical name -> version of each distribution given, its metadata read only when that
    name is looked up (see :class:`InstalledDistribution`)."""

    def __init__(self, distributions: Mapping[str, InstalledDistribution]) -> None:
        self._distributions = distributions

    def __getitem__(self, name: str) -> str:
        return self._distributions[name].version

    def __iter__(self) -> Iterator[str]:
        return iter(self._distributions)

    def __len__(self) -> int:
        return len(self._distributions)


def find_distributions(site_dirs: Sequence[Path]) -> tuple[InstalledDistribution, ...]:
    """Every distribution in ``site_dirs``, in path order (so the first of a name is the one
    imported), each directory listed once even when named twice or through a symlink."""
    found: list[InstalledDistribution] = []
    for site_dir in unique_directories(site_dirs):
        try:
            entries = sorted(os.scandir(site_dir), key=lambda entry: entry.name)
        except OSError as error:
            raise UnusableInputError(
                f"{site_dir}: cannot list directory: {error.strerror}"
            ) from None
        for entry in entries:
            if entry.name.endswith(_METADATA_SUFFIXES):
                found.append(InstalledDistribution(site_dir, Path(entry.path)))
    return tuple(found)


def unique_directories(directories: Iterable[Path]) -> tuple[Path, ...]:
    """Directories in order, dropping any that resolves to one already listed."""
    seen: set[str] = set()
    unique: list[Path] = []
    for directory in directories:
        key = os.path.normcase(os.path.realpath(directory))
        if key not in seen:
            seen.add(key)
            unique.append(directory)
    return tuple(unique)


def _read_identity(metadata_dir: Path) -> tuple[str, str]:
    """Name and version from the metadata, falling back to the directory name when unreadable."""

    def read(path: Path) -> str | None:
        # Only a regular file, and only so much: a FIFO planted there would block the run.
        try:
            return read_regular_file(path, limit=METADATA_BYTES).decode("utf-8")
        except (OSError, UnusableInputError, UnicodeDecodeError):
            return None  # a broken one is no name

    text = read(metadata_dir / "METADATA") or read(metadata_dir / "PKG-INFO")
    if text is None and metadata_dir.is_file():  # a distutils-era single-file .egg-info
        text = read(metadata_dir)
    fallback_name, rest, _ = _directory_name_parts(metadata_dir)
    fallback_version = rest.partition("-")[0]  # egg-info: ``name-1.0-py3.11.egg-info``
    headers = _identity_headers(text or "")
    return headers.get("name") or fallback_name, headers.get("version") or fallback_version


def _directory_name_parts(metadata_dir: Path) -> tuple[str, str, str]:
    """``pkg-1.0.dist-info`` -> ``("pkg", "1.0", "dist-info")``: what the directory name says
    before the first ``-``, after it, and the suffix."""
    stem, _, suffix = metadata_dir.name.rpartition(".")
    name, _, rest = stem.partition("-")
    return name, rest, suffix


_IDENTITY_HEADER = re.compile(
    r"^(Name|Version)[ \t]*:[ \t]*(.*?)[ \t]*\r?$", re.MULTILINE | re.IGNORECASE
)


def _identity_headers(text: str) -> dict[str, str]:
    """The ``Name`` and ``Version`` headers of a core metadata file, first of each.

    Core metadata is an email-style header block, but ``Name`` and ``Version`` are single-line
    values (the specification allows no continuation for them), so one anchored pattern over the
    header block reads them exactly.  Parsing with :mod:`email` instead would import the email
    package, about a third of the time a small ``verify`` takes to start, to read two lines.
    Only the header block is scanned, never the long description after the first blank line.
    """
    found: dict[str, str] = {}
    for match in _IDENTITY_HEADER.finditer(text.partition("\n\n")[0]):
        found.setdefault(match.group(1).lower(), match.group(2))
        if len(found) == 2:
            break
    return found


def read_record(distribution: InstalledDistribution) -> tuple[RecordEntry, ...] | None:
    """The RECORD rows, ``None`` when the distribution has no RECORD.

    Raises :class:`UnusableInputError` naming RECORD when it cannot be read or parsed.
    Legacy ``.egg-info`` installs list their files in ``installed-files.txt`` (relative to the
    metadata directory, without hashes); those are turned into rows relative to the site directory.
    """
    return RecordIndex((distribution,)).record(distribution)


def _read_installed_files(distribution: InstalledDistribution) -> tuple[RecordEntry, ...] | None:
    listing = distribution.metadata_dir / "installed-files.txt"
    content = read_optional_bytes(listing, limit=RECORD_BYTES)  # a FIFO there: unusable
    try:
        text = "" if content is None else content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if content is None:
        return None
    prefix = distribution.metadata_name
    return tuple(
        RecordEntry(normalise_record_path(f"{prefix}/{line.strip()}"))
        for line in text.splitlines()
        if line.strip()
    )


def read_manifest_bytes(distribution: InstalledDistribution) -> bytes | None:
    """The embedded manifest's bytes, ``None`` when the distribution carries none.

    Raises :class:`UnusableInputError` when something is at the manifest's path but cannot be
    read -- a directory, say: that is a damaged manifest, not a missing one (and reading a FIFO
    there would hang the run).  See :func:`has_manifest`.
    """
    path = distribution.manifest_path
    if has_manifest(distribution) and not path.is_file():
        kind = "is a directory" if path.is_dir() else "is not a regular file"
        raise UnusableInputError(f"{path}: cannot read: {kind}")
    return read_optional_bytes(path, limit=MANIFEST_BYTES)


def read_manifest_start(distribution: InstalledDistribution, *, until: bytes) -> bytes | None:
    """The manifest's bytes up to and including the first ``until``, or all of them.

    Verifying unchanged files needs only the manifest's first document; its second (the module
    structures) is most of the file.  Errors as :func:`read_manifest_bytes`.
    """
    path = distribution.manifest_path
    if has_manifest(distribution) and not path.is_file():
        return read_manifest_bytes(distribution)  # raises the one-line error
    try:
        with open_regular_file(path) as stream:
            content = b""
            while chunk := stream.read(_MANIFEST_CHUNK):
                searched_from = max(0, len(content) - len(until))
                content += chunk
                end = content.find(until, searched_from)
                if end >= 0:
                    return content[: end + len(until)]
                if len(content) > MANIFEST_BYTES:
                    raise UnusableInputError(
                        f"{path}: larger than {MANIFEST_BYTES} bytes: not read"
                    )
            return content
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise UnusableInputError(f"{path}: cannot read: {error.strerror or error}") from None


_MANIFEST_CHUNK = 1 << 16


def has_manifest(distribution: InstalledDistribution) -> bool:
    """Whether anything is at the manifest's path.  A distribution with something there is
    verified, and a manifest that cannot be read is an ISP309 finding, not "no manifest"."""
    return distribution.manifest_path.exists()


def read_optional_bytes(path: Path, *, limit: int | None = None) -> bytes | None:
    """A metadata file's bytes, ``None`` when it is absent.

    Absence is an answer (no manifest, no RECORD); a file that exists but cannot be read, or
    holds more than ``limit`` bytes, is not, so that raises :class:`UnusableInputError` naming it.
    """
    try:
        return read_regular_file(path, limit=limit)  # a FIFO planted there must not hang the run
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise UnusableInputError(f"{path}: cannot read: {error.strerror or error}") from None


def owns(row: str) -> bool:
    """Whether a RECORD row can make its distribution the owner of a file: only rows inside the
    site directory the ``.dist-info`` sits in.

    A row that leaves it -- an absolute path, or one whose ``..`` segments climb out -- owns
    nothing, wherever it lands.  Installers do write such rows for the ``scripts``, ``headers``
    and ``data`` schemes (``../../../bin/tool``); those are part of the distribution, but no
    question verify asks is about them (it asks only about files in site directories and on the
    start-up path), and a climbing row is exactly what someone with write access to
    site-packages would add to claim a planted file (``../site-packages/evil.pth``).  Such a row
    landing in a site directory is reported by :mod:`.record_check` (ISP316).
    """
    return not is_outside(normalise_record_path(row))


def _key(base: str, path: str) -> str:
    """One spelling per file, for ownership lookups.  ``os.path`` rather than ``Path``: this runs
    for every row of every RECORD, and an absolute row (some installers write them) must win."""
    return os.path.normcase(os.path.normpath(os.path.join(base, path)))  # noqa: PTH118


class RecordIndex:
    """Every distribution's RECORD, read when first needed, and "who installed this file?".

    Answering that question for one file does not need every RECORD parsed: a RECORD whose text
    does not contain the file's name cannot list it, so only the few that do are parsed.  In a
    typical environment verification asks about a handful of files (startup files, files found
    in a package directory that the manifest does not vouch for), and this is what keeps it close
    to the cost of hashing the files it verifies.
    """

    def __init__(self, distributions: Sequence[InstalledDistribution]) -> None:
        self._distributions = tuple(distributions)
        self._contents: dict[Path, bytes | None] = {}
        self._texts: dict[Path, str | None] = {}
        self._records: dict[Path, tuple[RecordEntry, ...] | None] = {}
        self._digests: dict[Path, dict[str, str | None] | None] = {}

    def record(self, distribution: InstalledDistribution) -> tuple[RecordEntry, ...] | None:
        """The distribution's RECORD rows (see :func:`read_record`), parsed once."""
        where = distribution.metadata_dir
        if where not in self._records:
            if distribution.metadata_dir.suffix == ".egg-info":
                self._records[where] = _read_installed_files(distribution)
            else:
                text = self._text(distribution)
                self._records[where] = (
                    None if text is None else parse_record(text, source=str(where / "RECORD"))
                )
        return self._records[where]

    def digests(self, distribution: InstalledDistribution) -> dict[str, str | None] | None:
        """The distribution's RECORD as ``{normalised path: stated hex sha256 or None}``
        (see :func:`~hatch_importspy.formats.record.record_digests`), ``None`` without a RECORD.

        Read once per distribution (the same mapping each time: do not change it).  Raises
        :class:`UnusableInputError` as :meth:`record` does.
        """
        where = distribution.metadata_dir
        if where not in self._digests:
            self._digests[where] = self._read_digests(distribution)
        return self._digests[where]

    def _read_digests(self, distribution: InstalledDistribution) -> dict[str, str | None] | None:
        if distribution.metadata_dir.suffix == ".egg-info" or distribution.metadata_dir in (
            self._records
        ):
            record = self.record(distribution)
            return None if record is None else stated_digests(record)
        text = self._text(distribution)
        where = distribution.metadata_dir / "RECORD"
        return None if text is None else record_digests(text, source=str(where))

    def owners_of(self, path: Path | str) -> tuple[str, ...]:
        """The names of the distributions whose RECORD lists ``path`` (absolute)."""
        key = _key("", str(path))
        name = os.path.basename(key)  # noqa: PTH119  (a str key, see _key)
        owners: list[str] = []
        for distribution in self._distributions:
            if self._lists(distribution, key, name) and distribution.name not in owners:
                owners.append(distribution.name)
        return tuple(owners)

    def _lists(self, distribution: InstalledDistribution, key: str, name: str) -> bool:
        """Whether the distribution's RECORD lists the file ``key`` (whose base name is ``name``).

        Only the RECORD lines that mention the base name are parsed; on a case-insensitive
        file system, or for a name CSV would quote, the whole RECORD is.
        """
        base = str(distribution.site_dir)
        if (
            distribution.metadata_dir.suffix == ".egg-info"
            or os.path.normcase("A") != "A"
            or ('"' in name)
        ):
            entries: Iterable[RecordEntry] = self._record_or_empty(distribution)
        else:
            try:
                content = self.content(distribution)
                wanted = name.encode("utf-8")
            except (UnusableInputError, UnicodeEncodeError):
                return False  # unreadable: owns nothing; a name RECORD cannot spell: not listed
            if content is None or wanted not in content:
                return False  # the common answer, found without decoding the RECORD
            text = self._text_or_none(distribution)
            if text is None:
                return False
            lines = [line for line in text.splitlines() if name in line]
            try:
                entries = parse_record("\n".join(lines), source="")
            except UnusableInputError:
                entries = self._record_or_empty(distribution)
        return any(owns(entry.path) and _key(base, entry.path) == key for entry in entries)

    def _record_or_empty(self, distribution: InstalledDistribution) -> tuple[RecordEntry, ...]:
        try:
            return self.record(distribution) or ()
        except UnusableInputError:
            return ()  # an unreadable RECORD owns nothing; verify reports it for its owner

    def relative_to(self, site_dir: Path) -> Container[str]:
        """A view answering ``"pkg/x.py" in view`` for paths relative to ``site_dir``."""
        return _RelativeOwnership(self, str(site_dir))

    def content(self, distribution: InstalledDistribution) -> bytes | None:
        """The RECORD's bytes, read once (``None`` without one); :class:`UnusableInputError`
        when it cannot be read or is larger than :data:`RECORD_BYTES`."""
        where = distribution.metadata_dir
        if where not in self._contents:
            self._contents[where] = read_optional_bytes(where / "RECORD", limit=RECORD_BYTES)
        return self._contents[where]

    def _text(self, distribution: InstalledDistribution) -> str | None:
        where = distribution.metadata_dir
        if where not in self._texts:
            content = self.content(distribution)
            try:
                self._texts[where] = None if content is None else content.decode("utf-8")
            except UnicodeDecodeError:
                raise UnusableInputError(
                    f"{where / 'RECORD'}: cannot read: not UTF-8 text"
                ) from None
        return self._texts[where]

    def _text_or_none(self, distribution: InstalledDistribution) -> str | None:
        try:
            return self._text(distribution)
        except UnusableInputError:
            return None  # an unreadable RECORD owns nothing; verify reports it for its owner


@dataclass(frozen=True)
class _RelativeOwnership(Container[str]):
    index: RecordIndex
    site_dir: str

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, str):
            return False
        return bool(self.index.owners_of(os.path.join(self.site_dir, path)))  # noqa: PTH118


def hash_files(site_dir: Path, paths: Iterable[str]) -> dict[str, str | None]:
    """The hex sha256 of each path relative to ``site_dir``, ``None`` when it is not there.

    A file that exists but cannot be read maps to ``"unreadable: <reason>"``, which never equals a
    digest: it is reported as modified rather than crashing the run.
    """
    return digests(os.fspath(site_dir) + os.sep, paths)


def read_file(site_dir: Path, path: str) -> bytes | None:
    """A file's bytes (for re-describing a modified module), ``None`` when it cannot be read."""
    try:
        return read_regular_file(site_dir / path)
    except OSError:
        return None


def list_files(
    site_dir: Path, directories: Iterable[str], *, known: Container[str] = frozenset()
) -> tuple[str, ...]:
    """The files under the given directories (relative to ``site_dir``), as sorted relative ``/``
    paths, except those in ``known`` and the ``__pycache__`` files named for one of them (the
    bytecode proof, :mod:`.bytecode`, holds those the loader would run to their sources).

    Verification asks for what nobody vouches for: leaving the known files out here, while each
    directory is listed, saves building and sorting a path for every file of a large package.
    Symbolic links are listed, never followed, and a package directory that links out of
    ``site_dir`` is not walked: see :mod:`hatch_importspy.verify.walk`, which also reports it.
    """
    from hatch_importspy.verify.walk import walk_package_directories

    return walk_package_directories(site_dir, directories, known=known).files


def default_site_dirs() -> tuple[Path, ...]:
    """Every site directory the running interpreter's ``site`` processes, in ``sys.path`` order.

    Not only purelib and platlib: in a ``--system-site-packages`` virtual environment the base
    interpreter's site-packages is processed too, and the user site when ``site`` enabled it (its
    ``.pth`` files and a ``usercustomize`` run at every start, so they are part of what this
    interpreter executes).  Directories are ordered as ``sys.path`` has them, those not on it
    last, each once; only directories that exist are listed.
    """
    import site

    paths = sysconfig.get_paths()
    candidates = [Path(paths[key]) for key in ("purelib", "platlib") if key in paths]
    candidates += [Path(path) for path in site.getsitepackages()]
    if site.ENABLE_USER_SITE:  # None (site did not run) and False both mean: not processed
        candidates.append(Path(site.getusersitepackages()))
    on_path = {Path(entry).resolve(): index for index, entry in enumerate(sys.path) if entry}

    def position(path: Path) -> int:
        return on_path.get(path.resolve(), len(on_path))

    existing = sorted((path for path in candidates if path.is_dir()), key=position)
    return unique_directories(existing)
