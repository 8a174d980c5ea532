"""Record each module's compilation in a fresh interpreter, as an installer writes its cache file.

The build records two things about compiling each module
(:func:`~hatch_importspy.pyrules.bytecode.recorded_compilation`): its code digest, and the shape
of its cache file, by which ``verify`` proves most cache files with a hash.  The shape is made of
``marshal``'s bytes, and those depend on the process that writes them: a one-character string is
written as interned when anything in that process interned the interpreter's one object for that
character (a backend, a plugin, a C extension), and that also changes the order in which marshal
writes the members of a frozenset.  Recorded in the build process, with hatchling and this hook
loaded, the shapes of 11 of hatch-importspy's own 143 modules differed from the cache files pip
wrote for them, and ``verify`` needed a prover process to check those files; recorded in a fresh
``python -I -S -B`` that ran nothing but the recorder, every one matched.

So the recordings are made by the build's own interpreter (``sys.executable``) in a process of its
own, started before the modules are parsed and working beside that parse.  It reads the files
itself and answers the digest of the bytes it compiled; a recording is taken only for the bytes
the manifest describes.  Where the process cannot be started, fails, or read other bytes, the
recording is made in this process: still exact, only matched less often.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from hatch_importspy.pyrules import bytecode as rules

Recording = tuple[str | None, str | None]
"""A module's recorded code digest and cache-file shape (see
:func:`~hatch_importspy.pyrules.bytecode.recorded_compilation`)."""


class CompilationRecorder:
    """The recordings of some files, made in a recorder process started at once (see the module
    docstring).  ``files``: each file's path and the sha256 of the bytes described."""

    def __init__(self, files: Sequence[tuple[Path, str]], python: str | None = None) -> None:
        self._files = files
        self._process: subprocess.Popen[bytes] | None = None
        python = sys.executable if python is None else python
        if files and python:
            self._process = _start(python, [os.fspath(path) for path, _ in files])

    def recordings(self, contents: Sequence[bytes]) -> list[Recording]:
        """The recordings, in order; ``contents``: the files' bytes, as described, for any
        recording the process did not make."""
        answers = self._answers()
        recordings: list[Recording] = []
        for (_, digest), content, answer in zip(self._files, contents, answers, strict=True):
            if answer is not None and answer[0] == digest:
                recordings.append((answer[1], answer[2]))
            else:
                recordings.append(rules.recorded_compilation(content))
        return recordings

    def _answers(self) -> list[tuple[str, str | None, str | None] | None]:
        nothing: list[tuple[str, str | None, str | None] | None] = [None] * len(self._files)
        if self._process is None:
            return nothing
        assert self._process.stdout is not None
        with self._process.stdout:
            output = self._process.stdout.read()
        if self._process.wait() != 0:
            return nothing
        try:
            answers = json.loads(output)
        except ValueError:
            return nothing
        if not isinstance(answers, list) or len(answers) != len(self._files):
            return nothing
        return [_answer(answer) for answer in answers]


def _start(python: str, paths: list[str]) -> subprocess.Popen[bytes] | None:
    """The recorder, handed its source and paths (it reads them all before it answers anything,
    so the request never waits on its answer); ``None`` when it cannot be started."""
    try:
        given = rules.script_input(_script(), json.dumps(paths).encode())  # JSON: ASCII
        process = subprocess.Popen(
            [python, *rules.ISOLATION_FLAGS, "-c", rules.FROM_INPUT, rules.RECORD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except (OSError, ValueError):  # no such interpreter (or no path at all: a NUL in it), or
        return None  # hatch-importspy installed without its sources
    assert process.stdin is not None
    try:
        # Written and closed now, before any worker process is forked: a worker holding the
        # write end would keep the recorder waiting for the end of its input.
        process.stdin.write(given)
        process.stdin.close()
    except OSError:  # it stopped at once
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
        return None
    return process


def _script() -> str:
    return rules.script_source()


def _answer(answer: object) -> tuple[str, str | None, str | None] | None:
    """One well-formed answer, or ``None``."""
    if not isinstance(answer, list) or len(answer) != 3:
        return None
    digest, code, template = answer
    if not isinstance(digest, str) or not all(
        value is None or isinstance(value, str) for value in (code, template)
    ):
        return None
    return digest, code, template
