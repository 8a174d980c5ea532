"""The sha256 of files, read the way ``verify`` reads what it vouches for.

One implementation for two places: ``verify`` hashes in its own process, and at application
scale also in a helper process (:mod:`hatch_importspy.verify.hashing`), which runs this very file
as ``python -I -S -B -c``.  So this module imports only the standard library and nothing of
hatch-importspy, and :func:`main` is the helper's whole protocol.

Reading is by file descriptor, non-blocking, and a file that fills a read is checked to be a
regular file before it is read on: a FIFO planted where a module should be reads as empty (or
fails) instead of waiting for a writer, and a device is never hashed forever.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys

TYPE_CHECKING = False  # not typing's: the helper imports nothing it does not use
if TYPE_CHECKING:
    from collections.abc import Iterable

CHUNK = 1 << 16
READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
"""Non-blocking, so that a FIFO planted where a module should be reads as empty (or fails)
instead of waiting for a writer forever; it changes nothing for regular files."""

READY = "ready"
"""The helper's first line: it has started and takes groups from now on."""

SEPARATOR = "\0"
"""Between the fields of the helper's lines: no path holds it."""

NOT_THERE = "-"
"""The helper's answer for a file that is not there (``None`` from :func:`digests`)."""

UNREADABLE = "unreadable: "
"""How :func:`digests` starts the answer for a file that is there but cannot be read: never a
digest, so it always reads as changed."""


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The hex sha256 of a regular file, read in chunks so that large files never sit in memory.

    Raises :class:`OSError` for anything that is not a regular file and reads as more than one
    chunk (a device such as ``/dev/zero`` would otherwise be hashed forever).
    """
    # The file descriptor is used directly: this runs once per verified file, and ``open()``
    # builds two file objects and asks whether the file is a terminal before the first byte is
    # read, which together cost about as much as hashing a small module.  It only reads, so no
    # buffering is lost.
    descriptor = os.open(path, READ_FLAGS)
    try:
        chunk = os.read(descriptor, CHUNK)
        digest = hashlib.sha256(chunk)
        # A short read of a regular file is its end: most modules are smaller than one chunk, and
        # asking again for the end of the file would double the system calls of hashing them.
        # (Were a file system to return less, the digest would differ: a finding, never a pass.)
        if len(chunk) == CHUNK:
            require_regular_file(descriptor)  # only what fills a chunk can be endless
        while len(chunk) == CHUNK:
            chunk = os.read(descriptor, CHUNK)
            digest.update(chunk)
    finally:
        os.close(descriptor)
    return digest.hexdigest()


def require_regular_file(descriptor: int) -> None:
    """Raise :class:`OSError` unless the open file is a regular file."""
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        raise OSError(errno.EINVAL, "not a regular file")


def digests(base: str, paths: Iterable[str]) -> dict[str, str | None]:
    """The hex sha256 of each path under ``base`` (a directory and its separator), ``None`` when
    it is not there, :data:`UNREADABLE` and the reason when it is there but cannot be read."""
    found: dict[str, str | None] = {}
    for path in paths:
        try:
            found[path] = sha256_file(base + path)
        except (FileNotFoundError, NotADirectoryError):
            found[path] = None
        except OSError as error:
            found[path] = f"{UNREADABLE}{error.strerror or error}"
    return found


def main() -> None:
    """The helper: hash the files of each request line read from standard input, and answer it
    with one line as soon as they are hashed; end at the end of the input.

    First it writes :data:`READY`.  A request is ``index``, ``base`` and each path, joined by
    :data:`SEPARATOR`; its answer is ``index`` and an answer per path as :func:`digests` gives
    it (:data:`NOT_THERE` for ``None``), joined the same way.  Text is the file system's
    encoding (:func:`os.fsencode`), so any path a file system allows goes through.  Who sends
    the requests never puts a line end or the separator in a path (see
    :mod:`hatch_importspy.verify.hashing`).  No JSON: importing it would double the time this
    process takes to start.
    """
    out = sys.stdout.buffer
    out.write(f"{READY}\n".encode())
    out.flush()
    for line in sys.stdin.buffer:
        index, base, *paths = os.fsdecode(line.rstrip(b"\n")).split(SEPARATOR)
        found = digests(base, paths)
        answers = [NOT_THERE if found[path] is None else str(found[path]) for path in paths]
        out.write(os.fsencode(SEPARATOR.join([index, *answers])) + b"\n")
        out.flush()


if __name__ == "__main__":
    main()
