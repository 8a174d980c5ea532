"""Hash the vouched files of a run on another core, while ``verify`` makes its other checks.

Hashing what the manifests vouch for is about a fifth of ``verify`` of an application, and it is
the one part that needs nothing else: the paths are known once the manifests are read.  So for
a large run a helper process hashes them, distribution by distribution in the order they will
be verified, while this process goes on (start-up files, shadowing, the first distributions'
other checks); each distribution's digests are taken when its turn comes.

The helper is this interpreter, started ``-I -S -B`` (no ``site``, nothing of the environment
under check imported, nothing written) with :mod:`hatch_importspy.formats.digest` as its
program: the same code that hashes in this process, so both read files the same way.  Whatever
it cannot answer -- it did not start, died, took too long or answered something else -- is
hashed here: the helper can spare work, never decide a digest differently.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from hatch_importspy.formats import digest

ISOLATION_FLAGS = ("-I", "-S", "-B")
"""How the helper is started: isolated, without ``site``, writing no bytecode."""

SHARED_FROM = 1_000
"""Files from which a run's hashing is shared with a helper: below, starting a process costs
more than hashing them here."""

TIMEOUT = 60.0
"""Seconds to wait for one group's answer before hashing the rest here."""


@functools.cache
def helper_script() -> str:
    """The source of :mod:`hatch_importspy.formats.digest`, run as ``python -c``."""
    return inspect.getsource(digest)


def helper_command() -> list[str]:
    """The exact command the helper runs: ``PYTHON -I -S -B -c <formats/digest.py>``."""
    return [sys.executable, *ISOLATION_FLAGS, "-c", helper_script()]


class VouchedDigests:
    """The digests of groups of files (a site directory and paths relative to it), in order.

    With at least :data:`SHARED_FROM` files (or ``shared``), a helper process hashes them from
    the start; :meth:`of` waits for a group's answer, or hashes the group here when the helper
    has none.  Call :meth:`close` when done (it stops a helper still running).
    """

    def __init__(
        self, groups: Sequence[tuple[Path, Sequence[str]]], *, shared: bool | None = None
    ) -> None:
        self._groups = [(os.fspath(site_dir) + os.sep, list(paths)) for site_dir, paths in groups]
        self._answers: dict[int, list[object]] = {}
        self._arrived = threading.Condition()
        self._finished = False
        self._process: subprocess.Popen[bytes] | None = None
        if shared is None:
            shared = sum(len(paths) for _, paths in self._groups) >= SHARED_FROM
        if shared and self._groups:
            self._start()

    @property
    def helped(self) -> bool:
        """Whether a helper process was started."""
        return self._process is not None

    @property
    def stopped(self) -> bool:
        """Whether no helper process runs (none was started, or it ended and was reaped)."""
        return self._process is None or self._process.returncode is not None

    def _start(self) -> None:
        if not sys.executable:  # an embedded interpreter: everything is hashed here
            return
        try:
            command = helper_command()
        except OSError:  # installed without its sources: everything is hashed here
            return
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return
        request = json.dumps({"groups": self._groups}).encode("utf-8")
        threading.Thread(target=self._send, args=(request,), daemon=True).start()
        threading.Thread(target=self._receive, daemon=True).start()

    def _send(self, request: bytes) -> None:
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(request)
            self._process.stdin.close()
        except OSError:  # it died: :meth:`of` hashes here what it did not answer
            pass

    def _receive(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        try:
            for line in self._process.stdout:
                answer = _answer(line)
                if answer is not None:
                    index, found = answer
                    with self._arrived:
                        self._answers[index] = found
                        self._arrived.notify_all()
        except (OSError, ValueError):
            pass
        finally:
            with self._arrived:
                self._finished = True
                self._arrived.notify_all()

    def of(self, index: int) -> dict[str, str | None]:
        """Group ``index``'s digests: path -> hex sha256, ``None`` (not there) or the reason it
        cannot be read (see :func:`~hatch_importspy.formats.digest.digests`)."""
        base, paths = self._groups[index]
        if self._process is not None:
            with self._arrived:
                self._arrived.wait_for(
                    lambda: index in self._answers or self._finished, timeout=TIMEOUT
                )
                found = self._answers.pop(index, None)
            if found is not None and len(found) == len(paths) and all(map(_is_answer, found)):
                return dict(zip(paths, found, strict=True))  # type: ignore[arg-type]
            if not self._finished:
                self.close()  # too slow or confused: what is left is hashed here
        return digest.digests(base, paths)

    def close(self) -> None:
        """Stop the helper if it still runs, and reap it."""
        process = self._process
        if process is not None and process.returncode is None:
            if process.poll() is None:
                process.kill()
            process.wait()
        with self._arrived:
            self._finished = True
            self._arrived.notify_all()

    def __enter__(self) -> VouchedDigests:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _answer(line: bytes) -> tuple[int, list[object]] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and type(value[0]) is int
        and isinstance(value[1], list)
    ):
        return value[0], value[1]
    return None


def _is_answer(value: object) -> bool:
    """Whether a value can be an answer of :func:`~hatch_importspy.formats.digest.digests`:
    a string (a digest, or the reason a file cannot be read) or ``None``.  Any other string
    never equals a vouched digest, so it reads as a change, never as a pass."""
    return value is None or type(value) is str
