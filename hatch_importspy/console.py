"""The ``hatch-importspy`` console script: ``python -m importspy`` for pipx and uvx.

Tool runners such as ``pipx`` and ``uvx`` start a package's console scripts, not its modules, so
this script is what lets the verifier live in an isolated tool environment of its own
(``uvx hatch-importspy verify --python .venv/bin/python``).  It behaves exactly like
``python -m importspy``, including switching bytecode writing off before the command line and
everything it imports are loaded.
"""

from __future__ import annotations

import sys


def run() -> int:
    """Run the command line with ``sys.argv``; the exit status (the script exits with it)."""
    sys.dont_write_bytecode = True
    from hatch_importspy.cli import main

    return main()
