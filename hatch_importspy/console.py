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

import sys


def run() -> int:
    """Run the command line with ``sys.argv``; the exit status (the script exits with it)."""
    sys.dont_write_bytecode = True
    try:
        from hatch_importspy.cli import main

        return main()
    except Exception as error:  # the command line itself could not be loaded
        from hatch_importspy.failure import command_context, unexpected_failure

        return unexpected_failure(
            command_context("hatch-importspy"), error, debug="--debug" in sys.argv[1:]
        )
