"""Which environment a command looks at: the running interpreter's, another one's, or directories.

``verify`` and ``lock`` check the environment of the interpreter that runs them unless told
otherwise, and the recommended set-up tells them otherwise: the verifier lives in a tool
environment of its own and is pointed at the application's interpreter, so nothing it checks can
run inside it.  Two options choose the environment:

- ``--python PATH``: another interpreter (a venv, a container image's Python, another Python
  version).  It is asked, with ``-I -S`` only, for its site directories and for the facts the
  environment checks compare (:mod:`.interpreter`); those facts then describe the target for
  everything the command checks, wheel targets included.
- ``--path DIR`` (repeatable): site-packages directories read as they are, without starting any
  interpreter.  Nothing then says where they would run, so the environment checks are skipped
  with a notice, unless ``--python`` is given too: it then supplies the facts, and ``--path`` the
  directories.

With neither, the running interpreter's own site directories and facts are used.

The bytecode proofs (:mod:`.bytecode`) run in the interpreter the environment belongs to: the
running one, or ``--python``'s.  With ``--path`` alone none is known, and the running one stands
in for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.facts import EnvironmentFacts, current_environment
from hatch_importspy.verify.bytecode import BytecodeLoader
from hatch_importspy.verify.installed import default_site_dirs, unique_directories
from hatch_importspy.verify.interpreter import query_interpreter


@dataclass(frozen=True)
class Scope:
    """The site directories a command reads and the facts of the interpreter they belong to."""

    site_dirs: tuple[Path, ...]
    """In ``sys.path`` order, each once: the first copy of a distribution is the one imported."""
    facts: EnvironmentFacts | None
    """``None`` when no interpreter is known (``--path`` alone): environment checks are skipped."""
    loader: BytecodeLoader = field(default_factory=BytecodeLoader.running)
    """The interpreter whose bytecode is proven, and that proves it."""


def resolve_scope(python: str | None, paths: Sequence[Path]) -> Scope:
    """The environment chosen by ``--python`` and ``--path`` (see the module docstring).

    Raises :class:`UnusableInputError` for a ``--path`` that is not a directory or an
    interpreter that cannot be queried, naming it.
    """
    for path in paths:
        if not path.is_dir():
            raise UnusableInputError(f"--path {path}: not a directory")
    if python is not None:
        try:
            answer = query_interpreter(python)
        except UnusableInputError as error:
            raise UnusableInputError(f"--python {error}") from None
        site_dirs = tuple(paths) or answer.site_dirs
        loader = BytecodeLoader(python, answer.cache_tag)
        return Scope(unique_directories(site_dirs), answer.facts, loader)
    if paths:
        return Scope(unique_directories(paths), None, BytecodeLoader.unknown())
    return Scope(default_site_dirs(), current_environment(), BytecodeLoader.running())
