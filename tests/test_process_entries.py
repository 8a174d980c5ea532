"""The two process entries (``python -m importspy`` and the ``hatch-importspy`` script) set up
the process they own the same way; a library call of :func:`hatch_importspy.cli.main` does not."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from typing import NoReturn

import pytest

import hatch_importspy.cli
from hatch_importspy import __version__, console
from hatch_importspy.console import COLLECTION_THRESHOLD

PROBE = """
import gc, runpy, sys
import hatch_importspy.cli as cli
cli.main = lambda: print(gc.get_threshold()[0], sys.dont_write_bytecode) or 0
runpy.run_module("importspy", run_name="__main__")
"""


@pytest.fixture
def thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_the_script_collects_rarely_and_writes_no_bytecode(
    thresholds: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, bool]] = []

    def main() -> int:
        seen.append((gc.get_threshold()[0], sys.dont_write_bytecode))
        return 0

    def finish(status: int) -> NoReturn:
        raise Finished(status)

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(hatch_importspy.cli, "main", main)
    monkeypatch.setattr(console, "finish", finish)  # (the real one ends this process)
    with pytest.raises(Finished) as ended:
        console.run()
    assert ended.value.args == (0,)
    assert seen == [(COLLECTION_THRESHOLD, True)]


class Finished(Exception):
    """What :func:`console.finish` raises in these tests instead of ending the process."""


@pytest.mark.parametrize(
    ("arguments", "status", "out", "err"),
    [
        (["--version"], 0, f"hatch-importspy {__version__}\n", ""),
        (["verify", "--path", "/nowhere/at/all"], 2, "", "/nowhere/at/all: not a directory"),
    ],
)
def test_the_process_ends_with_the_status_and_every_line_written(
    arguments: list[str], status: int, out: str, err: str
) -> None:
    """:func:`console.finish` skips the interpreter's teardown: nothing written is lost."""
    completed = subprocess.run(
        [sys.executable, "-m", "importspy", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == status
    assert completed.stdout == out
    assert err in completed.stderr


def test_python_m_importspy_collects_rarely_and_writes_no_bytecode() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stdout.split() == [str(COLLECTION_THRESHOLD), "True"]


def test_a_library_call_leaves_the_callers_collector_alone(
    thresholds: None, capsys: pytest.CaptureFixture[str]
) -> None:
    gc.set_threshold(700, 10, 10)
    assert hatch_importspy.cli.main(["--help"]) == 0
    assert gc.get_threshold() == (700, 10, 10)
