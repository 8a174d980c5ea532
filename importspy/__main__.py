"""``python -m importspy``: the command line of hatch-importspy.

hatch-importspy ships this one file in ``importspy/`` and deliberately no ``__init__.py``.  Alone,
the directory is a namespace package and ``python -m importspy`` finds this module.  Next to the
unrelated ImportSpy library from PyPI, which owns ``importspy/__init__.py`` and ships no
``__main__.py``, the directory is that library's regular package and this file is still its
``__main__``: the two distributions own disjoint files, so either may be installed, upgraded or
removed without breaking the other.

``verify`` must leave the environment it checks exactly as it found it, so bytecode writing is
switched off before anything from hatch_importspy is imported (the import below would otherwise
drop ``__pycache__`` directories into site-packages when pip installed without compiling).

This file itself is compiled, and its bytecode cached, by ``runpy`` before its first line runs:
measured on CPython 3.10 to 3.13, ``python -m`` writes ``importspy/__pycache__/__main__.*.pyc``
whether ``importspy`` is a namespace package or not, unless ``-B`` or ``PYTHONDONTWRITEBYTECODE``
is given.  Nothing a module can do prevents it, so docs/verify.md says to run ``python -B -m
importspy`` where the verifier is installed in the environment it checks without bytecode.
"""

import sys

sys.dont_write_bytecode = True

try:
    from hatch_importspy.cli import main
    from hatch_importspy.console import collect_rarely, finish
except Exception as error:  # the command line itself could not be loaded: still one line, exit 2
    from hatch_importspy.failure import command_context, unexpected_failure

    raise SystemExit(
        unexpected_failure(
            command_context("python -m importspy"), error, debug="--debug" in sys.argv
        )
    ) from None

collect_rarely()
finish(main())
