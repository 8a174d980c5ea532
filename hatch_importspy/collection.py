"""The cyclic garbage collector, paused while a run builds what it keeps until it ends.

A ``verify`` or a build allocates hundreds of thousands of objects that live until the run ends:
decoded manifests and RECORDs, parsed providers, syntax trees.  Hardly any of them is in a
reference cycle, so reference counting frees what is dropped, and the cyclic collector, which
starts whenever enough objects were allocated, walks the same live objects again and again and
finds almost nothing: on the application benchmark (37 distributions) it found about 500 objects
per ``verify`` and cost about a tenth of it (183 to 162 ms in process).  So the runs pause it,
and restore it as they found it when they end, when whatever cycles were made are collected as
usual.

The runs are :func:`~hatch_importspy.verify.verifier.verify_installed`,
:func:`~hatch_importspy.verify.wheels.verify_wheels`,
:func:`~hatch_importspy.describe.distribution.describe_distribution` and every command of the
command line.  Called as a library, they pause the caller's collector too, for as long as the
call lasts: cycles the caller's other threads make meanwhile are collected after it.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (or the decorated function), if it is
    running: nested and concurrent uses leave it to the outermost one to start it again."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
