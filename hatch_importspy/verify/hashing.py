"""Hash a run's files on two cores: a helper process takes parts of the work in order while this
process makes its other checks, and this process hashes itself any part it needs before the
helper was handed it.

Hashing is the one part of ``verify`` that needs nothing else: the paths are known once the
manifests and RECORDs are read.  So for a large run a helper process hashes them, distribution
by distribution in the order they will be needed (its vouched files and the other rows its RECORD
states a digest for; then the distributions held to their RECORD alone, and the cache files an
approval lock approves).  The groups are cut into parts of :data:`PART` files, and the helper is
handed a part only as it answers the ones before (:data:`WINDOW` at a time), after it has said it
started: the parts it has not been handed stay here, so when this process needs one it hashes it
at once instead of waiting, and while it waits for the helper it takes the last parts nobody has
taken.  The two share the work, and no file is hashed twice.

Which parts the helper may be handed is the caller's choice (:meth:`VouchedDigests.share`):
``verify`` hands it only the vouched files when provers run beside it, everything otherwise (see
:mod:`.verifier`).

The helper is this interpreter, started ``-I -S -B`` (no ``site``, nothing of the environment
under check imported, nothing written) with :mod:`hatch_importspy.formats.digest` as its
program: the same code that hashes in this process, so both read files the same way.  Whatever
it cannot answer -- it did not start, died, took too long or answered something else -- is
hashed here: the helper can spare work, never decide a digest differently.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import inspect
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

WINDOW = 8
"""Parts the helper holds at once: enough that it never waits for the next (handing one over
waits for this process's interpreter lock, up to its switch interval of 5 ms), few enough that
later parts can still be taken here.  Its unread answers stay under a pipe's 64 KiB (a part's
answer is at most about 7 KiB), so it never blocks on them while this process writes to it."""

PART = 100
"""Files per part, the unit the two processes share: small enough that neither is left with a
long tail, large enough that handing one over costs little next to hashing it."""

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
    """The digests of groups of files (a directory and paths relative to it), shared between a
    helper process and this one.

    ``shared``: ``None`` shares every group if they hold at least :data:`SHARED_FROM` files,
    ``True`` shares them whatever their number, ``False`` leaves it to :meth:`share`.
    :meth:`add` adds groups later.  Groups are cut into parts of :data:`PART` files, handed to
    the helper in order as it answers.  :meth:`of` returns a group's digests: for each part,
    the helper's answer when it was given the part, else hashed here there and then; while it
    waits for the helper it hashes the last parts nobody has taken.  Call :meth:`close` when
    done (it stops a helper still running).
    """

    def __init__(
        self, groups: Sequence[tuple[Path | str, Sequence[str]]] = (), *, shared: bool | None = None
    ) -> None:
        self._groups: list[range] = []
        """Each group's parts."""
        self._parts: list[tuple[str, list[str]]] = []
        """Each part: its directory and separator (``""`` for absolute paths), and its paths."""
        self._unsent: collections.deque[int] = collections.deque()
        """Parts not given to the helper (all of them when there is none)."""
        self._kept: set[int] = set()
        """Parts never given to the helper: a path in them holds a line end or the separator
        of its lines, which would let the path say where the next request starts."""
        self._sent: set[int] = set()
        """Parts given to the helper and not answered yet."""
        self._answers: dict[int, list[object]] = {}
        """The helper's answers, by part."""
        self._here: dict[int, dict[str, str | None]] = {}
        """Parts hashed here while waiting for the helper."""
        self._state = threading.Condition()
        self._writing = threading.Lock()
        self._ready = False
        """The helper said it has started: parts are handed over only from then on, so that
        nothing waits for an interpreter still starting."""
        self._finished = True
        """No more answers will come: the helper ended, or was stopped, or never started."""
        self._process: subprocess.Popen[bytes] | None = None
        self._handed = 0
        """Parts before this one may be handed to the helper (see :meth:`share`)."""
        self._every = False
        """Every part may be handed to the helper, also of groups added later."""
        for directory, paths in groups:
            self._append(directory, paths)
        if shared is None:
            self.share()
        elif shared:
            self.share(at_least=1)

    def share(self, groups: int | None = None, *, at_least: int | None = None) -> None:
        """Let the helper be handed the parts of the first ``groups`` groups (default: every
        group, also those added later), starting it if it does not run yet and they hold
        ``at_least`` files (default: :data:`SHARED_FROM`); the other parts are hashed here.
        Called again, it can hand over more, never less."""
        if groups is None:
            handed = len(self._parts)
        else:
            handed = self._groups[groups - 1].stop if groups else 0
        wanted = SHARED_FROM if at_least is None else at_least
        files = sum(len(paths) for _, paths in self._parts[:handed])
        if not files or (self._process is None and files < wanted):
            return
        with self._state:
            self._every = self._every or groups is None
            self._handed = max(self._handed, handed)
        if self._process is None:
            self.start()
        else:
            self._hand_over()

    def start(self) -> None:
        """Start the helper now, before anything is shared with it (its interpreter takes a
        while to start); nothing happens if it runs already or cannot be started."""
        if self._process is not None:
            return
        self._finished = False
        self._start()
        if self._process is None:
            self._finished = True

    @property
    def helped(self) -> bool:
        """Whether a helper process was started."""
        return self._process is not None

    @property
    def ready(self) -> bool:
        """Whether the helper has said it started (it is handed parts from then on)."""
        return self._ready

    @property
    def stopped(self) -> bool:
        """Whether no helper process runs (none was started, or it ended and was reaped)."""
        return self._process is None or self._process.returncode is not None

    def add(self, directory: Path | str, paths: Sequence[str]) -> int:
        """Another group (``directory`` may be ``""`` for absolute paths); its index for
        :meth:`of`.  A running helper gets to it after the groups before it."""
        with self._state:
            index = self._append(directory, paths)
        if self._process is not None:
            self._hand_over()
        return index

    def _append(self, directory: Path | str, paths: Sequence[str]) -> int:
        base = os.fspath(directory)
        base = base + os.sep if base else ""
        listed = list(paths)
        first = len(self._parts)
        for start in range(0, len(listed), PART):
            part = listed[start : start + PART]
            if _framable(base, part):
                self._unsent.append(len(self._parts))
            else:
                self._kept.add(len(self._parts))
            self._parts.append((base, part))
        self._groups.append(range(first, len(self._parts)))
        return len(self._groups) - 1

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
        threading.Thread(target=self._receive, daemon=True).start()

    def _handable(self) -> bool:
        """Whether the next part nobody has taken may be handed to the helper."""
        return bool(self._unsent) and (self._every or self._unsent[0] < self._handed)

    def _hand_over(self) -> None:
        """Hand the helper the next parts, up to :data:`WINDOW` unanswered.  Called where
        something changes (it said it started, it answered, more may be handed), on whichever
        thread that happens: no thread of its own, which would have to wait for the interpreter
        while this process works, and leave the helper idle meanwhile."""
        with self._state:
            parts: list[int] = []
            while (
                self._ready and not self._finished and self._handable() and len(self._sent) < WINDOW
            ):
                part = self._unsent.popleft()
                self._sent.add(part)
                parts.append(part)
        if not parts:
            return
        assert self._process is not None and self._process.stdin is not None
        lines = b"".join(_request(part, *self._parts[part]) for part in parts)
        with self._writing:
            try:
                self._process.stdin.write(lines)
                self._process.stdin.flush()
            except (OSError, ValueError):  # it died, or was stopped: its parts are hashed here
                pass

    def _receive(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        try:
            for line in self._process.stdout:
                if line.strip() == digest.READY.encode():
                    with self._state:
                        self._ready = True
                    self._hand_over()
                    continue
                answer = _answer(line)
                if answer is not None:
                    part, found = answer
                    with self._state:
                        if part in self._sent:  # an answer to anything else is not taken
                            self._sent.discard(part)
                            self._answers[part] = found
                            self._state.notify_all()
                    self._hand_over()
        except (OSError, ValueError):
            pass
        finally:
            with self._state:
                self._finished = True
                self._state.notify_all()

    def of(self, index: int) -> dict[str, str | None]:
        """Group ``index``'s digests: path -> hex sha256, ``None`` (not there) or the reason it
        cannot be read (see :func:`~hatch_importspy.formats.digest.digests`)."""
        parts = self._groups[index]
        if len(parts) == 1:
            return self._part(parts[0])
        found: dict[str, str | None] = {}
        for part in parts:
            found.update(self._part(part))
        return found

    def _part(self, part: int) -> dict[str, str | None]:
        base, paths = self._parts[part]
        while True:
            with self._state:
                here = self._here.pop(part, None)
                if here is not None:
                    return here
                if part in self._kept:
                    break
                if part in self._unsent:  # nobody has it: hashed here, now
                    self._unsent.remove(part)
                    break
                if part not in self._answers and not self._finished and self._unsent:
                    spare = self._unsent.pop()  # the helper is busy: take the last part
                else:
                    self._state.wait_for(
                        lambda: part in self._answers or self._finished, timeout=TIMEOUT
                    )
                    found = self._answers.pop(part, None)
                    if (
                        found is not None
                        and len(found) == len(paths)
                        and all(map(_is_answer, found))
                    ):
                        return dict(zip(paths, found, strict=True))  # type: ignore[arg-type]
                    spare = None
            if spare is None:
                self.close()  # too slow or confused: what is left is hashed here
                break
            spare_base, spare_paths = self._parts[spare]
            self._here[spare] = digest.digests(spare_base, spare_paths)
        return digest.digests(base, paths)

    def close(self) -> None:
        """Stop the helper if it still runs, and reap it."""
        with self._state:
            self._finished = True
            self._state.notify_all()
        process = self._process
        if process is not None and process.stdin is not None:
            with self._writing, contextlib.suppress(OSError):
                process.stdin.close()
        if process is not None and process.returncode is None:
            if process.poll() is None:
                process.kill()
            process.wait()

    def __enter__(self) -> VouchedDigests:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _request(part: int, base: str, paths: Sequence[str]) -> bytes:
    """The helper's request line for a part (see :func:`~hatch_importspy.formats.digest.main`)."""
    return os.fsencode(digest.SEPARATOR.join([str(part), base, *paths])) + b"\n"


def _framable(base: str, paths: Sequence[str]) -> bool:
    """Whether a part's request line says exactly its paths: none holds a line end or the
    separator."""
    return not any("\n" in text or digest.SEPARATOR in text for text in (base, *paths))


def _answer(line: bytes) -> tuple[int, list[object]] | None:
    """A part's index and answers from a line of the helper, ``None`` if it is not one."""
    index, *answers = os.fsdecode(line.rstrip(b"\n")).split(digest.SEPARATOR)
    if not (index.isascii() and index.isdigit()):
        return None
    return int(index), [None if answer == digest.NOT_THERE else answer for answer in answers]


def _is_answer(value: object) -> bool:
    """Whether a value can be an answer of :func:`~hatch_importspy.formats.digest.digests`:
    a string (a digest, or the reason a file cannot be read) or ``None``.  Any other string
    never equals a vouched digest, so it reads as a change, never as a pass."""
    return value is None or type(value) is str
