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
import json
import os
import stat
import sys
from collections.abc import Iterable

CHUNK = 1 << 16
READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
"""Non-blocking, so that a FIFO planted where a module should be reads as empty (or fails)
instead of waiting for a writer forever; it changes nothing for regular files."""

READY = "ready"
"""The helper's first line: it has started and takes groups from now on."""

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
    """The helper: hash each group of files read from standard input, one JSON line per group,
    and answer it as one JSON line as soon as it is hashed; end at the end of the input.

    Output: :data:`READY` once started, then a line ``[index, [answer, ...]]`` per input line
    ``[index, base, [path, ...]]``, an answer per path as :func:`digests` gives it.  Groups
    come one or two at a time, as the answers go back: whoever sends them keeps the rest to
    share out (see :mod:`hatch_importspy.verify.hashing`).
    """
    out = sys.stdout
    out.write(f"{READY}\n")
    out.flush()
    for line in sys.stdin.buffer:
        index, base, paths = json.loads(line.decode("utf-8"))
        found = digests(base, paths)
        out.write(json.dumps([index, [found[path] for path in paths]]))
        out.write("\n")
        out.flush()


if __name__ == "__main__":
    main()
