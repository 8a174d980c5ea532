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
"""

import sys

sys.dont_write_bytecode = True

from hatch_importspy.cli import main  # noqa: E402  (must follow the line above)

raise SystemExit(main())
