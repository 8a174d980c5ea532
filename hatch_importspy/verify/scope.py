"""Which environment a command looks at: the running interpreter's, another one's, or directories.

``verify`` and ``lock`` check the environment of the interpreter that runs them unless told
otherwise, and the recommended set-up tells them otherwise: the verifier lives in a tool
environment of its own and is pointed at the application's interpreter, so nothing it checks can
run inside it.  Two options choose the environment:

- ``--python PATH``: another interpreter (a venv, a container image's Python, another Python
  version).  It is asked, with ``-I -S -B`` only, for its site directories and for the facts the
  environment checks compare (:mod:`.interpreter`); those facts then describe the target for
  everything the command checks, wheel targets included.  Its word is not taken alone: its
  answer is held against its own files (:mod:`.layout`: ``pyvenv.cfg`` and the venv's
  site-packages), a disagreement is an ISP319 finding, and the directories the files show are
  verified whatever the answer said.
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
from typing import TYPE_CHECKING

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.facts import EnvironmentFacts, current_environment
from hatch_importspy.findings import Finding
from hatch_importspy.pyrules.finder import LoaderSuffixes
from hatch_importspy.verify.bytecode import BytecodeLoader
from hatch_importspy.verify.installed import (
    default_site_dirs,
    find_distributions,
    unique_directories,
)
from hatch_importspy.verify.schemes import InstallScheme, running_scheme

if TYPE_CHECKING:
    from hatch_importspy.verify.interpreter import PendingQuery


@dataclass(frozen=True)
class Scope:
    """The site directories a command reads and the facts of the interpreter they belong to."""

    site_dirs: tuple[Path, ...]
    """In ``sys.path`` order, each once: the first copy of a distribution is the one imported."""
    facts: EnvironmentFacts | None
    """``None`` when no interpreter is known (``--path`` alone): environment checks are skipped."""
    findings: tuple[Finding, ...] = ()
    """What choosing the environment found: the ``--python`` answer disagreeing with the
    interpreter's files (ISP319)."""
    suffixes: LoaderSuffixes | None = None
    """The target interpreter's loader suffixes; ``None``: the running interpreter's (``--path``
    alone names no interpreter)."""
    scheme: InstallScheme | None = None
    """Where the interpreter installs ``.data`` files; ``None`` with ``--path`` alone, when
    verify cannot see them (ISP344)."""
    loader: BytecodeLoader = field(default_factory=BytecodeLoader.running)
    """The interpreter whose bytecode is proven, and that proves it."""


def resolve_scope(
    python: str | None, paths: Sequence[Path], *, query: PendingQuery | None = None
) -> Scope:
    """The environment chosen by ``--python`` and ``--path`` (see the module docstring).
    ``query``: ``python``'s environment query, when the caller started it already
    (:func:`~.interpreter.start_query`).

    Raises :class:`UnusableInputError` for a ``--path`` that is not a directory or holds no
    distribution, or an interpreter that cannot be queried, naming it.
    """
    for path in paths:
        if not path.is_dir():
            raise UnusableInputError(f"--path {path}: not a directory")
        if not find_distributions([path]):  # a wrong directory must not pass as a clean one
            raise UnusableInputError(
                f"--path {path}: holds no installed distribution (no *.dist-info directory): "
                "not a site-packages directory?"
            )
    if python is not None:
        # --python only: the query, and the layout its answer is held against.
        from hatch_importspy.compare.layout import layout_findings
        from hatch_importspy.verify.interpreter import query_interpreter
        from hatch_importspy.verify.layout import read_layout

        try:
            answer = query.answer() if query is not None else query_interpreter(python)
        except UnusableInputError as error:
            raise UnusableInputError(f"--python {error}") from None
        if paths:
            return Scope(
                unique_directories(paths),
                answer.facts,
                suffixes=answer.suffixes,
                scheme=answer.scheme,
                loader=BytecodeLoader(
                    python, answer.cache_tag, pycache_prefix=answer.pycache_prefix
                ),
            )
        layout = read_layout(python)
        findings = layout_findings(
            python,
            layout_prefix=layout.venv_prefix,
            layout_version=layout.version,
            layout_site_dirs=layout.site_dirs,
            layout_problem=layout.problem,
            answered_prefix=Path(answer.prefix),
            answered_in_venv=answer.in_venv,
            answered_version=answer.facts.python_version,
            answered_site_dirs=answer.site_dirs,
        )
        # The files' own site-packages come first, as site would put them, whatever was answered.
        site_dirs = unique_directories((*layout.site_dirs, *answer.site_dirs))
        return Scope(
            site_dirs,
            answer.facts,
            tuple(findings),
            answer.suffixes,
            answer.scheme,
            BytecodeLoader(python, answer.cache_tag, pycache_prefix=answer.pycache_prefix),
        )
    if paths:
        return Scope(unique_directories(paths), None, loader=BytecodeLoader.unknown())
    return Scope(default_site_dirs(), current_environment(), scheme=running_scheme())
