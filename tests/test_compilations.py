"""The build records compilations in an interpreter of its own (``describe.compilations``)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from hatch_importspy.describe import compilations
from hatch_importspy.describe.compilations import CompilationRecorder
from hatch_importspy.pyrules.bytecode import matches_template, recorded_compilation
from tests.test_bytecode import written_by_another_process

SOURCE = b'OPEN = "["\n\n\ndef closes(x):\n    return x in {"]", "{", "}", "!"}\n'
"""Single-character strings, one alone and four in a frozenset: marshal writes each as interned
or not by the state of the process, and a frozenset's members in an order that follows."""

BUILD_PROCESS = textwrap.dedent(
    """
    import json, sys
    for character in "[]{}!":
        sys.intern(character)  # as a backend, a plugin or a C extension may have done
    from hatch_importspy.describe.compilations import CompilationRecorder
    from hatch_importspy.pyrules.bytecode import recorded_compilation
    path, digest = sys.argv[1], sys.argv[2]
    content = open(path, "rb").read()
    (elsewhere,) = CompilationRecorder([(path, digest)]).recordings([content])
    print(json.dumps([elsewhere, recorded_compilation(content)]))
    """
)


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_recorded_elsewhere_the_shape_is_a_fresh_installers_whatever_the_build_interned(
    tmp_path: Path,
) -> None:
    module = tmp_path / "m.py"
    module.write_bytes(SOURCE)
    completed = subprocess.run(
        [sys.executable, "-c", BUILD_PROCESS, str(module), sha(SOURCE)],
        capture_output=True,
        text=True,
        check=True,
    )
    (code, template), (code_here, template_here) = json.loads(completed.stdout)
    written = written_by_another_process(module)
    assert template is not None and matches_template(written, template)
    # Recorded in the build process itself, the same module's shape is not the installer's
    # (what this module exists to avoid); the code digest never depends on the process.
    assert template_here is not None and not matches_template(written, template_here)
    assert code == code_here


def test_the_recordings_are_those_of_the_described_bytes_in_order(tmp_path: Path) -> None:
    sources = [b"x = 1\n", SOURCE, b"def broken(:\n"]
    files = []
    for index, content in enumerate(sources):
        path = tmp_path / f"m{index}.py"
        path.write_bytes(content)
        files.append((path, sha(content)))
    recordings = CompilationRecorder(files).recordings(sources)
    assert [code for code, _ in recordings] == [recorded_compilation(s)[0] for s in sources]
    assert recordings[2] == (None, None)  # a source that does not compile records nothing


def test_a_file_changed_since_it_was_described_is_recorded_from_the_described_bytes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"x = 2\n")  # what the recorder will read
    described = b"x = 1\n"
    (recording,) = CompilationRecorder([(path, sha(described))]).recordings([described])
    assert recording == recorded_compilation(described)
    assert recording != recorded_compilation(b"x = 2\n")


@pytest.mark.parametrize(
    "python",
    [
        "/nonexistent/python",
        f"{sys.executable}\0",  # cannot even be passed to the system
    ],
)
def test_without_a_recorder_the_recordings_are_made_here(tmp_path: Path, python: str) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(SOURCE)
    recordings = CompilationRecorder([(path, sha(SOURCE))], python=python).recordings([SOURCE])
    assert recordings == [recorded_compilation(SOURCE)]


@pytest.mark.parametrize(
    "answer",
    [
        "not json",
        "[]",  # too few answers
        '[["digest", 1, null]]',  # not a recording
        '{"a": 1}',
    ],
)
def test_a_recorder_that_answers_wrongly_or_fails_is_not_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(SOURCE)
    for script, status in ((f"print({answer!r})", 0), ("import sys; sys.exit(3)", 3)):
        monkeypatch.setattr(compilations, "_script", lambda script=script: script)
        recorder = CompilationRecorder([(path, sha(SOURCE))])
        assert recorder.recordings([SOURCE]) == [recorded_compilation(SOURCE)], status


def test_a_recorder_that_answers_for_the_described_bytes_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The answer is used as given, not recomputed here: a stand-in's recordings come back.
    path = tmp_path / "m.py"
    path.write_bytes(SOURCE)
    answer = json.dumps([[sha(SOURCE), "stand-in code", None]])
    monkeypatch.setattr(compilations, "_script", lambda: f"print({answer!r})")
    recordings = CompilationRecorder([(path, sha(SOURCE))]).recordings([SOURCE])
    assert recordings == [("stand-in code", None)]


def test_nothing_to_record_starts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []
    monkeypatch.setattr(compilations, "_start", lambda *args: started.append(args))
    assert CompilationRecorder([]).recordings([]) == []
    assert started == []


def test_the_recorder_command_fits_a_windows_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Windows refuses a command line over 32,767 characters; the recorder's source alone, quoted
    # for it, is about that long, so it is read from standard input instead.
    commands: list[list[str]] = []
    real = subprocess.Popen

    def popen(command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        commands.append(command)
        return real(command, **kwargs)

    path = tmp_path / "m.py"
    path.write_bytes(SOURCE)
    written = written_by_another_process(path)
    monkeypatch.setattr(subprocess, "Popen", popen)
    (code, template) = CompilationRecorder([(path, sha(SOURCE))]).recordings([SOURCE])[0]
    assert code == recorded_compilation(SOURCE)[0]
    assert template is not None and matches_template(written, template)
    (command,) = commands
    assert len(subprocess.list2cmdline(command)) < len(sys.executable) + 200
    assert len(subprocess.list2cmdline([sys.executable, "-c", compilations._script()])) > 30_000
