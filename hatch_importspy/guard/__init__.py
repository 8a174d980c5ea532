"""The runtime import guard: only vouched modules execute.

``python -m importspy run`` starts an application under the guard (:mod:`.launch`); this
module is the API for applications that cannot change how they are started::

    from hatch_importspy import guard

    guard.install(lock="importspy.lock")      # first thing in the program

:func:`install` puts the guard (:mod:`.boot`) into the running interpreter: every module
imported from then on is judged before it runs, exactly as under ``run``.  What ran before it
cannot be undone -- ``site``, the ``.pth`` files, ``sitecustomize``, and every module already
imported (the guard's own dependencies among them): those modules are judged once, on the spot
(a refused or changed one is a finding like any other), but their code has already run.  Use
``run`` where the start-up matters.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from hatch_importspy.guard.table import GuardOptions, build_table

if TYPE_CHECKING:
    from hatch_importspy.guard.boot import Guard

__all__ = ["GuardOptions", "install", "options_from"]


def options_from(
    *,
    mode: str = "enforce",
    lock: str | os.PathLike[str] | None = None,
    policy: str | os.PathLike[str] | None = None,
    require_manifest: bool = False,
    allow: tuple[str, ...] = (),
    strict: bool = False,
    log: str | os.PathLike[str] | None = None,
) -> GuardOptions:
    """:class:`GuardOptions` from file names, reading the lock and the policy (a bad file
    raises :class:`~hatch_importspy.errors.UnusableInputError` naming it)."""
    from hatch_importspy.guard.table import MODES
    from hatch_importspy.verify.lock import load_lock
    from hatch_importspy.verify.policy import Policy, load_policy

    if mode not in MODES:
        from hatch_importspy.errors import UnusableInputError

        raise UnusableInputError(f"unknown guard mode {mode!r} (choose from {', '.join(MODES)})")
    loaded = Policy() if policy is None else load_policy(Path(policy))
    return GuardOptions(
        mode=mode,
        lock=None if lock is None else load_lock(Path(lock)),
        policy=loaded.with_command_line(
            require_manifest=require_manifest, allow=allow, strict=strict
        ),
        log=None if log is None else Path(log),
    )


def install(
    *,
    mode: str = "enforce",
    lock: str | os.PathLike[str] | None = None,
    policy: str | os.PathLike[str] | None = None,
    require_manifest: bool = False,
    log: str | os.PathLike[str] | None = None,
) -> Guard:
    """Guard this interpreter from now on, and judge the modules it has already imported.

    In enforce mode a module imported before the call that the guard would refuse (or a vouched
    one whose file has changed) raises :class:`ImportError` here, naming the code and the file.
    """
    import sys

    from hatch_importspy.guard import boot
    from hatch_importspy.pyrules.finder import LoaderSuffixes
    from hatch_importspy.verify.installed import default_site_dirs

    options = options_from(
        mode=mode, lock=lock, policy=policy, require_manifest=require_manifest, log=log
    )
    table = build_table(default_site_dirs(), options, LoaderSuffixes.running())
    guard = boot.install(table)
    boot.check_loaded(guard, dict(sys.modules))
    return guard
