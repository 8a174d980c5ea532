"""RECORD files, digests and the paths they name: shared by the wheel and installed readers.

RECORD is a CSV file of ``path,algorithm=urlsafe-base64-digest,size`` rows (PEP 376 / PEP 627).
The manifest carries sha256 digests as lower-case hex, so RECORD digests are converted to hex
here, once, and every comparison works on one spelling.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import os
import posixpath
from dataclasses import dataclass

from .errors import UnusableInputError

_CHUNK = 1 << 16

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
        """The hex sha256 RECORD states, or ``None`` when it states no sha256.

        A row that claims sha256 with an undecodable digest yields the raw text, which never equals
        a hex digest: a garbled hash must read as a disagreement, not as "no hash".
        """
        if self.hash is None:
            return None
        algorithm, _, value = self.hash.partition("=")
        if algorithm != "sha256":
            return None
        return record_digest_to_hex(value) or self.hash


def record_digest_to_hex(value: str) -> str | None:
    """RECORD's urlsafe base64 (unpadded) digest as hex; ``None`` if it is not a sha256 digest."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == hashlib.sha256().digest_size else None


def hex_to_record_digest(hex_digest: str) -> str:
    """The RECORD spelling of a hex sha256 digest (for messages and tests)."""
    return base64.urlsafe_b64encode(bytes.fromhex(hex_digest)).rstrip(b"=").decode("ascii")


def parse_record(text: str, *, source: str) -> tuple[RecordEntry, ...]:
    """Parse RECORD text; ``source`` names the file in the one-line error for a malformed row."""
    entries: list[RecordEntry] = []
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as error:
        raise UnusableInputError(f"{source}: not a valid CSV file: {error}") from None
    for number, row in enumerate(rows, start=1):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) > 3 or not row[0]:
            raise UnusableInputError(
                f"{source}: line {number}: expected 'path,hash,size', found {len(row)} fields"
            )
        path, digest, size = (*row, "", "")[:3]
        if size and not size.isdigit():
            raise UnusableInputError(f"{source}: line {number}: size {size!r} is not a number")
        entries.append(RecordEntry(path, digest or None, int(size) if size else None))
    return tuple(entries)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The hex sha256 of a file, read in chunks so that large files never sit in memory."""
    # A plain ``open`` on a string path and 64 KiB reads: this runs once per verified file, and
    # both pathlib's per-call overhead and ``hashlib.file_digest``'s 256 KiB buffer per call are
    # a measurable share of hashing a small module.
    with open(path, "rb") as stream:  # noqa: PTH123
        chunk = stream.read(_CHUNK)
        digest = hashlib.sha256(chunk)
        # A short first read is the whole file (a regular file is read in full up to the size
        # asked for): most modules are smaller than one chunk, and asking again for the end of
        # the file would double the system calls of hashing them.
        while len(chunk) == _CHUNK:
            chunk = stream.read(_CHUNK)
            digest.update(chunk)
        return digest.hexdigest()


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
    parent, _, name = path.rpartition("/")
    return name.endswith(".pyc") and (parent == "__pycache__" or parent.endswith("/__pycache__"))


def bytecode_source(path: str) -> str | None:
    """The source a cached ``.pyc`` was compiled from: ``pkg/__pycache__/m.cpython-311.pyc``
    -> ``pkg/m.py``; ``None`` for anything that is not in a ``__pycache__`` directory."""
    if not is_bytecode_cache(path):
        return None
    cache_dir, _, name = path.rpartition("/")
    package = cache_dir.removesuffix("__pycache__").rstrip("/")
    stem = name.partition(".")[0]
    return f"{package}/{stem}.py" if package else f"{stem}.py"
