"""The ``hatch-importspy`` console script: ``python -m importspy`` for pipx and uvx.

Tool runners such as ``pipx`` and ``uvx`` start a package's console scripts, not its modules, so
this script is what lets the verifier live in an isolated tool environment of its own
(``uvx hatch-importspy verify --python .venv/bin/python``).  It behaves exactly like
``python -m importspy``: bytecode writing is switched off before the command line and everything
it imports are loaded, and any failure, even one importing the command line, is one line and
exit 2 (:mod:`hatch_importspy.failure`).

What runs before this function cannot be helped: the script pip or uv generates imports
``hatch_importspy`` and this module before it calls :func:`run`, and Python caches their bytecode
when the installer did not (``pip install --no-compile``, uv's default) and
``PYTHONDONTWRITEBYTECODE`` is unset.  docs/verify.md says how to keep even those two files out of
an environment under check.
"""

from __future__ import annotations

import gc
import os
import sys

# ``typing`` costs a few milliseconds to import, and ``python -m importspy --version`` loads this
# module: annotations are strings here, and ``typing`` is read only by type checkers, which take
# this as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

COLLECTION_THRESHOLD = 10_000
"""Allocations between two collections of the youngest generation (Python's default: 700)."""


def collect_rarely() -> None:
    """Let the cyclic garbage collector run seldom in a process of ours.

    A run of ``verify`` allocates many small objects (a manifest's structures, findings) and
    keeps most of them to the end, so the default thresholds make the collector walk them again
    and again for almost nothing: about a tenth of ``verify`` at application scale.  The
    command itself runs with the collector paused (:mod:`hatch_importspy.collection`); this
    keeps it rare for the rest of the process, its imports and the reading of its arguments.
    """
    gc.set_threshold(COLLECTION_THRESHOLD)


def finish(status: int) -> NoReturn:
    """End a process of ours with ``status`` once what it wrote is flushed, without tearing the
    interpreter down.

    At exit Python frees every object the run made and runs what ``atexit`` holds: about a
    twentieth of ``verify`` of an application, after its last line is written.  Nothing of
    hatch-importspy's waits for exit: reports are written and closed, provers and helpers
    reaped and temporary directories removed before the command returns.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a reader gone, a closed stream: nothing more to say
            pass
    os._exit(status)


def run() -> int:
    """Run the command line with ``sys.argv``; the exit status, which the script exits with
    (:func:`finish` ends the process once the command line has run)."""
    sys.dont_write_bytecode = True
    try:
        from hatch_importspy.cli import main

        collect_rarely()
        status = main()
    except Exception as error:  # the command line itself could not be loaded
        from hatch_importspy.failure import command_context, unexpected_failure

        return unexpected_failure(
            command_context("hatch-importspy"), error, debug="--debug" in sys.argv[1:]
        )
    finish(status)
