"""Registers the ``importspy`` build hook with hatchling (entry point group ``hatch``).

hatchling imports every installed ``hatch`` plugin module whenever any project looks up its build
hooks, so this module imports nothing of its own until hatchling asks for the hook class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hatchling.plugin import hookimpl

if TYPE_CHECKING:
    from hatch_importspy.hook import ImportSpyBuildHook


@hookimpl
def hatch_register_build_hook() -> type[ImportSpyBuildHook]:
    """Hand hatchling the hook class; imported here so unrelated builds do not pay for it."""
    from hatch_importspy.hook import ImportSpyBuildHook

    return ImportSpyBuildHook
