"""Start the import probe in the target interpreter and read what it saw (``verify --import``).

``--import`` runs the code it checks, so never in the verifier's process: the probe
(:mod:`.probe_child`) runs in a child of the target interpreter, started by
:func:`probe_command` -- the one place that says how, so that the import guard's launcher can
take its place.  The request goes in on standard input (a command line has a length limit; a
pipe has none); the answer comes back in a temporary file rather than a pipe, so that a child
that writes too much, or leaves grandchildren holding the pipe open, can neither fill our memory
nor keep us waiting, and the child's standard error (where everything the imported code prints
goes) is another temporary file, of which only the last line is ever read.

The child gets :data:`TIMEOUT` seconds, runs in an empty temporary working directory (code that
writes relative paths at import writes there, not into the user's tree), and in a session of its
own, so that on timeout everything it started is killed with it.  A child that cannot be started,
dies, overruns its time or answers outside the protocol is a :class:`ProbeFailed`, one line
naming the interpreter and, when known, the module it was importing: ``verify`` exits 2.  A module
that *raises* is not a failure of the probe but a finding (``ISP209``).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import signal
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from typing import IO

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.probe import (
    ModuleQuery,
    ProbeAnswer,
    ProbeAnswerError,
    decode_answer,
    encode_request,
)
from hatch_importspy.limits import PROBE_ANSWER_BYTES
from hatch_importspy.verify import probe_child

ISOLATION_FLAGS = ("-I", "-S", "-B")
"""Isolated (no ``PYTHON*`` variables, no current directory or user site on ``sys.path``), no
``site`` until the probe has read its request and set its answer aside (it then runs
``site.main()`` itself), and no bytecode written into the environment (``-I`` ignores
``PYTHONDONTWRITEBYTECODE``)."""
TIMEOUT = 120.0
"""Seconds one probe (one distribution's modules) gets: importing a large package with its
dependencies takes seconds; a module that waits for something that never comes does not end."""
ANSWER_BYTES = PROBE_ANSWER_BYTES
"""The most answer read back (:mod:`hatch_importspy.limits`); the probe cuts texts and parameter
lists, so its answer is a few hundred bytes per object asked about."""
STDERR_TAIL = 4096
"""Bytes of the child's standard error read for the one-line report of a failure."""

Launcher = Callable[[str], list[str]]
"""Builds the command that starts the probe in an interpreter: :func:`probe_command`, or a
launcher that runs it under the import guard."""


class ProbeFailed(UnusableInputError):
    """The probe could not give a usable answer: ``verify`` cannot say what Python sees."""


@functools.cache
def probe_script() -> str:
    """The source of :mod:`.probe_child`, run as ``python -c``."""
    return inspect.getsource(probe_child)


def probe_command(python: str) -> list[str]:
    """The exact command the probe runs as: ``PYTHON -I -S -B -c <probe_child.py>``."""
    return [python, *ISOLATION_FLAGS, "-c", probe_script()]


def run_probe(
    python: str,
    queries: Sequence[ModuleQuery],
    *,
    timeout: float = TIMEOUT,
    launcher: Launcher = probe_command,
    answer_bytes: int = ANSWER_BYTES,
) -> ProbeAnswer:
    """Import ``queries``' modules in a child of ``python`` and return what it saw.

    Raises :class:`ProbeFailed` (one line) when the child gives no complete, well-formed answer
    (or one longer than ``answer_bytes``).
    """
    try:
        command = launcher(python)
    except OSError as error:  # hatch-importspy installed without its sources
        raise ProbeFailed(f"--import: cannot read the import probe's source: {error}") from None
    with (
        tempfile.TemporaryFile() as answer_file,
        tempfile.TemporaryFile() as error_file,
        tempfile.TemporaryDirectory(
            prefix="importspy-probe-", ignore_cleanup_errors=True
        ) as workdir,
    ):
        status, timed_out = _run(
            command,
            encode_request(queries),
            answer_file,
            error_file,
            workdir,
            timeout=timeout,
            python=python,
        )
        answer_file.seek(0)
        data = answer_file.read(answer_bytes + 1)
        error_file.seek(0, os.SEEK_END)
        error_file.seek(max(0, error_file.tell() - STDERR_TAIL))
        last_error = _last_line(error_file.read())
    where = f"--import: {python}: the import probe"
    if len(data) > answer_bytes:
        raise ProbeFailed(f"{where} answered more than {answer_bytes:,} bytes")
    try:
        answer = decode_answer(data.decode("utf-8", "replace").splitlines(), queries)
    except ProbeAnswerError as error:
        raise ProbeFailed(f"{where} gave an unusable answer: {error}") from None
    if answer.site_error is not None:
        kind, line = answer.site_error
        raise ProbeFailed(f"{where} could not run site.main(): {kind}: {line}")
    if answer.complete and status == 0:
        return answer
    stage = _stage(answer, queries)
    if timed_out:
        raise ProbeFailed(f"{where} did not finish within {timeout:g} s ({stage})")
    detail = f": {last_error}" if last_error else ""
    raise ProbeFailed(f"{where} stopped with exit status {status} ({stage}){detail}")


def _run(
    command: list[str],
    request: bytes,
    answer_file: IO[bytes],
    error_file: IO[bytes],
    workdir: str,
    *,
    timeout: float,
    python: str,
) -> tuple[int, bool]:
    """Run the child to its end or its time limit: ``(exit status, timed out)``."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=answer_file,
            stderr=error_file,
            cwd=workdir,
            start_new_session=os.name == "posix",
        )
    except OSError as error:
        raise ProbeFailed(
            f"--import: {python}: cannot run the import probe: {error.strerror or error}"
        ) from None
    try:
        process.communicate(request, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        process.wait()
        return process.returncode, True
    except BaseException:  # interrupted (Ctrl-C): the child and what it started go too
        _kill(process)
        process.wait()
        raise
    return process.returncode, False


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the child and what it started (its session's process group, on POSIX)."""
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
    process.kill()


def _stage(answer: ProbeAnswer, queries: Sequence[ModuleQuery]) -> str:
    """Where the probe was when it stopped, for the one-line report."""
    if answer.python is None:
        return "before it read the request"
    if not answer.site_ran:
        return "while running site.main()"
    importing = answer.importing(queries)
    if importing is not None:
        return f"while importing {importing}"
    return "while inspecting the imported modules"


def _last_line(data: bytes, *, limit: int = 300) -> str:
    """The last line of the child's standard error (what killed it, usually), cut to ``limit``."""
    lines = data.decode("utf-8", "replace").strip().splitlines()
    last = lines[-1].strip() if lines else ""
    return last if len(last) <= limit else last[: limit - 1] + "\u2026"
