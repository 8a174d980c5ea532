"""RECORD files, digests and the paths they name: shared by the wheel and installed readers.

RECORD is a CSV file of ``path,algorithm=urlsafe-base64-digest,size`` rows (PEP 376 / PEP 627).
The manifest carries sha256 digests as lower-case hex, so RECORD digests are converted to hex
here, once, and every comparison works on one spelling.
"""

from __future__ import annotations

import binascii
import hashlib
import os
import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.digest import CHUNK, READ_FLAGS, require_regular_file
from hatch_importspy.limits import SIZE_DIGITS

_SHA256_SIZE = hashlib.sha256().digest_size
_URLSAFE_TO_STANDARD = bytes.maketrans(b"-_", b"+/")

INSTALL_SCHEMES_INSIDE = frozenset({"purelib", "platlib"})
"""The ``.data/`` categories a wheel installer puts into site-packages itself."""


@dataclass(frozen=True)
class RecordEntry:
    """One row of RECORD."""

    path: str
    """The path as written, ``/``-separated, relative to site-packages (or the wheel root)."""
    hash: str | None = None
    """The ``algorithm=digest`` text, or ``None`` for unhashed rows (RECORD itself, ``.pyc``)."""
    size: int | None = None

    @property
    def sha256(self) -> str | None:
        """The hex sha256 RECORD states, or ``None`` when it states no sha256 (see
        :func:`stated_sha256`)."""
        return stated_sha256(self.hash)


def stated_sha256(hash_text: str | None) -> str | None:
    """The hex sha256 of a RECORD hash field (``sha256=<urlsafe base64>``), ``None`` when the
    field states no sha256.

    A field that claims sha256 with an undecodable digest yields the raw text, which never equals
    a hex digest: a garbled hash must read as a disagreement, not as "no hash".
    """
    algorithm, _, value = (hash_text or "").partition("=")
    if algorithm != "sha256":
        return None
    return record_digest_to_hex(value) or hash_text


def record_digest_to_hex(value: str) -> str | None:
    """RECORD's urlsafe base64 (unpadded) digest as hex; ``None`` if it is not a sha256 digest."""
    # ``base64.urlsafe_b64decode`` spelled out on bytes: this runs for every row of the RECORD
    # of every verified distribution, and the ``str`` translation it starts with is the slow part.
    try:
        encoded = value.encode("ascii").translate(_URLSAFE_TO_STANDARD)
        raw = binascii.a2b_base64(encoded + b"=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):  # UnicodeEncodeError is a ValueError
        return None
    return raw.hex() if len(raw) == _SHA256_SIZE else None


def hex_to_record_digest(hex_digest: str) -> str:
    """The RECORD spelling of a hex sha256 digest (for messages and tests)."""
    import base64  # writing RECORD (the build side) only

    return base64.urlsafe_b64encode(bytes.fromhex(hex_digest)).rstrip(b"=").decode("ascii")


def parse_record(text: str, *, source: str) -> tuple[RecordEntry, ...]:
    """Parse RECORD text; ``source`` names the file in the one-line error for a malformed row."""
    return tuple(
        RecordEntry(path, digest or None, int(size) if size else None)
        for path, digest, size in _rows(text, source)
    )


def record_digests(text: str, *, source: str) -> dict[str, str | None]:
    """RECORD text as ``{normalised path: stated hex sha256 or None}``, checked as
    :func:`parse_record` checks it.

    What verification compares: it skips building a :class:`RecordEntry` per row, which is most
    of the cost of reading the RECORD of a large distribution.
    """
    return {
        normalise_record_path(path): stated_sha256(digest) if digest else None
        for path, digest, _ in _rows(text, source)
    }


def stated_digests(entries: Iterable[RecordEntry]) -> dict[str, str | None]:
    """Parsed RECORD rows as ``{normalised path: stated hex sha256 or None}``."""
    return {normalise_record_path(entry.path): entry.sha256 for entry in entries}


def _rows(text: str, source: str) -> Iterator[tuple[str, str, str]]:
    """The ``(path, hash, size)`` of each non-blank row; a malformed row raises
    :class:`UnusableInputError` naming ``source`` and the line."""
    lines = text.splitlines()
    if '"' in text:
        import csv  # only quoted rows need the CSV reader; most RECORDs have none

        try:
            rows = list(csv.reader(lines))
        except csv.Error as error:
            raise UnusableInputError(f"{source}: not a valid CSV file: {error}") from None
    else:  # without a quote character, a CSV row is its line split at the commas
        rows = [line.split(",") for line in lines]
    for number, row in enumerate(rows, start=1):
        if len(row) != 3 or not row[0]:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) > 3 or not row[0]:
                raise UnusableInputError(
                    f"{source}: line {number}: expected 'path,hash,size', found {len(row)} fields"
                )
            row = [*row, "", ""][:3]
        path, digest, size = row
        if size and not (size.isascii() and size.isdigit() and len(size) <= SIZE_DIGITS):
            raise UnusableInputError(f"{source}: line {number}: size {size!r} is not a number")
        yield path, digest, size


def read_regular_file(path: str | os.PathLike[str], *, limit: int | None = None) -> bytes:
    """A regular file's bytes; :class:`OSError` for anything else (a FIFO, a device), which
    could block or never end.

    With ``limit``, a file of more bytes raises :class:`UnusableInputError` naming it; at most
    one chunk past the limit is read, whatever the file's size claims (see :mod:`..limits`).
    """
    descriptor = os.open(path, READ_FLAGS)
    try:
        require_regular_file(descriptor)
        chunks = []
        total = 0
        while chunk := os.read(descriptor, CHUNK):
            chunks.append(chunk)
            total += len(chunk)
            if limit is not None and total > limit:
                raise UnusableInputError(f"{os.fspath(path)}: larger than {limit} bytes: not read")
    finally:
        os.close(descriptor)
    return b"".join(chunks)


def open_regular_file(path: str | os.PathLike[str]) -> BinaryIO:
    """A regular file opened for reading in binary; :class:`OSError` for anything else.

    Opened non-blocking and checked with ``fstat`` before anything is read, so that a FIFO or a
    device planted at ``path`` can neither block the run nor feed it endless bytes.
    """
    descriptor = os.open(path, READ_FLAGS)
    try:
        require_regular_file(descriptor)
    except OSError:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, "rb")


def normalise_record_path(path: str) -> str:
    """``./a//b`` -> ``a/b``; ``..`` segments are kept, so paths outside stay recognisable."""
    if not (
        "\\" in path or "//" in path or "/." in path or path.startswith(".") or path.endswith("/")
    ):
        return path  # already normal: the common case, checked without normpath's cost
    return posixpath.normpath(path.replace("\\", "/"))


def is_outside(path: str) -> bool:
    """Whether a normalised record path leaves the directory it is relative to."""
    return path == ".." or path.startswith(("../", "/")) or (len(path) > 1 and path[1] == ":")


def data_directory(metadata_dir: str) -> str:
    """``pkg-1.0.dist-info`` -> ``pkg-1.0.data``: where a wheel keeps files for other schemes."""
    return metadata_dir.removesuffix(".dist-info") + ".data"


def installed_path(wheel_path: str, metadata_dir: str) -> str | None:
    """Where a wheel member ends up, relative to site-packages; ``None`` when elsewhere.

    ``pkg-1.0.data/purelib/x`` and ``.../platlib/x`` install to ``x``; ``scripts``, ``headers``
    and ``data`` go outside site-packages (and scripts get their shebang rewritten), so their
    installed copies cannot be located from site-packages alone.
    """
    prefix = data_directory(metadata_dir) + "/"
    if not wheel_path.startswith(prefix):
        return wheel_path
    scheme, _, rest = wheel_path[len(prefix) :].partition("/")
    return rest if scheme in INSTALL_SCHEMES_INSIDE and rest else None


def is_bytecode_cache(path: str) -> bool:
    """``pkg/__pycache__/mod.cpython-311.pyc``: compiled on install or first import."""
    return bytecode_source(path) is not None


def bytecode_source(path: str) -> str | None:
    """The source a cached ``.pyc`` was compiled from: ``pkg/__pycache__/m.cpython-311.pyc``
    -> ``pkg/m.py``; ``None`` for anything that is not in a ``__pycache__`` directory."""
    # One split of the path: this runs for every file found in a verified package directory.
    cache_dir, _, name = path.rpartition("/")
    if not name.endswith(".pyc") or not (
        cache_dir == "__pycache__" or cache_dir.endswith("/__pycache__")
    ):
        return None
    package = cache_dir.removesuffix("__pycache__").rstrip("/")
    stem = name.partition(".")[0]
    return f"{package}/{stem}.py" if package else f"{stem}.py"
