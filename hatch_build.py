"""hatch-importspy's own wheel carries a manifest, made by its own hook from this checkout.

hatchling loads build hooks from ``build-system.requires`` only, and requiring hatch-importspy
to build hatch-importspy would need a previous release of it.  hatchling's ``custom`` hook type
loads a class from a file of the project instead (``[tool.hatch.build.hooks.custom]`` in
``pyproject.toml``): this file puts the checkout first on ``sys.path`` and subclasses the real hook,
so the wheel is described by exactly the code it ships.  Its extra dependencies (PyYAML, and the
``importlib_metadata`` backport before Python 3.12) are the table's ``dependencies``, which
hatchling asks the build frontend for, isolated builds included (``python -m build``, ``pip
wheel .``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

_CHECKOUT = str(Path(__file__).resolve().parent)
if _CHECKOUT not in sys.path:
    sys.path.insert(0, _CHECKOUT)

from hatch_importspy.hook import ImportSpyBuildHook  # noqa: E402  (needs the line above)

_CUSTOM_KEYS = frozenset({"path"})
"""Keys of the ``custom`` hook table that are hatchling's, not the importspy hook's options."""


class SelfBuildHook(ImportSpyBuildHook):
    """The importspy hook, configured by the ``custom`` table less hatchling's ``path`` key."""

    @property
    def config(self) -> dict[str, Any]:
        table: dict[str, Any] = super().config
        return {key: value for key, value in table.items() if key not in _CUSTOM_KEYS}


def get_build_hook() -> type[SelfBuildHook]:
    """The hook class hatchling uses (the module also holds the imported base class)."""
    return SelfBuildHook
