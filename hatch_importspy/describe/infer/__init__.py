"""Inference: which names of *other* distributions' modules a package uses, and how it calls them.

A dependency's new release breaks a package most often by renaming a function, dropping a keyword
or moving a class.  To catch that after install, the build records what the code relies on, read
statically from the parsed modules (never imported), and ``verify`` later holds each recorded use
against the installed provider.  A recorded use that is not really there would become a false
alarm on every install, so the rules below choose precision over coverage: what cannot be known
for certain is left out, never guessed.

What is recorded, per module outside the package:

- ``import x`` / ``import x.y`` / ``import x.y as z``: the module ``x`` / ``x.y`` must exist.
- ``from x import y``: ``x`` must offer ``y`` (a name, or a submodule: ``verify`` accepts both).
- Attribute chains on a name bound that way, ``x.sub.Class.method``: the longest prefix that an
  ``import`` statement of the same file names as a module is the module (``import x.sub`` makes
  ``x.sub.Class`` the name ``Class`` of ``x.sub``), the rest is the expected dotted name.
- Calls of such a chain: the number of positional arguments and the keyword names, with
  ``*args`` / ``**kwargs`` in the call marked (:class:`~hatch_importspy.model.CallShape`).
- Instances, one step deep: ``x.C(...).m(...)``, and ``n.m(...)`` where ``n`` is bound exactly once
  in its scope, by ``n = x.C(...)``, record ``C().m`` (``verify`` checks ``m`` as a member of the
  class ``C``, with ``self`` bound; when ``C`` is not a class there, nothing past it is checked).
  A chain stops at a second call (``x.a().b().c`` records ``a().b``) and at a dunder segment
  (``x.C.__name__`` records ``C``), whose presence is Python's business, not the provider's.

When a name is *not* followed:

- Scoping follows Python's rules (functions, lambdas, comprehensions, class bodies; ``global`` and
  ``nonlocal``).  A name is followed in a scope only when every binding of it in the scope that
  owns it is the same import (or the one instance assignment above).  Re-assigned, deleted,
  shadowed by a parameter, a loop or ``with`` target, an ``except ... as`` name or a local
  definition, or bound by two different imports (``try: import ujson as json`` / ``except
  ImportError: import json``): not followed.
- Dynamic access is not seen: ``getattr(x, "name")``, ``importlib.import_module``,
  ``__import__``, ``globals()``, names brought in by ``from x import *``, and chains on call
  results other than the one-step instance above, on subscripts or on attributes of ``self``.
- Guarded code is skipped, because it is written to survive the provider's differences: the body
  of a ``try`` with a handler for ``ImportError``, ``ModuleNotFoundError``, ``AttributeError``,
  ``TypeError``, ``NameError``, ``Exception`` or ``BaseException`` (or a bare ``except``); a
  ``with contextlib.suppress(...)`` block; both branches of an ``if``, and every operand of an
  ``and``/``or`` or conditional expression, whose test mentions ``hasattr``, ``getattr``,
  ``version_info``, ``version``, ``VERSION``, ``__version__``, ``platform``, ``implementation``,
  ``find_spec`` or ``TYPE_CHECKING``, or a module-level *flag*: a name assigned at module level
  from such a test, or inside a guarded ``try`` (``try: import x; HAS_X = True``).  A flag
  computed in another module is not recognised.  ``if TYPE_CHECKING:`` bodies do not run and are
  skipped entirely, so a module imported only there is not recorded.
- Annotations are not recorded: under postponed evaluation (``from __future__ import
  annotations``, and by default from Python 3.14) they never run, and type checkers cover them.
- Relative imports and absolute imports of the package's own top-level names are the package's
  own code.  Standard-library modules (``sys.stdlib_module_names`` of the building interpreter)
  are skipped: the manifest's ``python`` constraint already says which standard library the
  package was built for, and re-describing the standard library on every ``verify`` would cost
  time without finding anything the Python version check does not.

One pass over each tree collects scopes, bindings and uses; resolving the uses afterwards touches
only the uses.  Output is deterministic: expectations sorted by module, names by dotted name, call
shapes by (positional count, keywords, star flags).

The work is split by job: :mod:`~hatch_importspy.describe.infer.distributions` (which distribution
provides a module; the standard library), :mod:`~hatch_importspy.describe.infer.prescan` (the
shortcut past modules that import nothing external), the walk in layers
(:mod:`~hatch_importspy.describe.infer.scope_builder`, ``.expressions``, ``.statements``,
``.guarded``, ``.collector``, with :mod:`~hatch_importspy.describe.infer.guards` deciding what
guards), :mod:`~hatch_importspy.describe.infer.resolve` (uses to external names) and
:mod:`~hatch_importspy.describe.infer.record` (the merged record and its sorted output).  This
module holds the entry points.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Mapping

from hatch_importspy.describe.infer.collector import Collector
from hatch_importspy.describe.infer.distributions import (
    STANDARD_LIBRARY,
    attribute_to_requirements,
    distribution_resolver,
    is_standard_library,
    requirement_resolver,
)
from hatch_importspy.describe.infer.prescan import imports_nothing_external
from hatch_importspy.describe.infer.record import Names, Record
from hatch_importspy.describe.infer.resolve import UseResolver
from hatch_importspy.model import CallShape, Expectation

__all__ = [
    "STANDARD_LIBRARY",
    "ExpectationRecorder",
    "ModuleUses",
    "attribute_to_requirements",
    "distribution_resolver",
    "imports_nothing_external",
    "infer_expectations",
    "is_standard_library",
    "requirement_resolver",
    "uses_of",
]


def infer_expectations(
    trees: Mapping[str, ast.Module],
    *,
    own_top_level: Collection[str],
    distribution_of: Callable[[str], str | None],
) -> tuple[Expectation, ...]:
    """What the modules in ``trees`` (module name -> parsed tree) use from other distributions.

    ``own_top_level`` names the package's own top-level modules (never recorded);
    ``distribution_of`` maps a top-level module name to the distribution expected to provide it
    (see :func:`distribution_resolver`), canonicalised here.
    """
    recorder = ExpectationRecorder(own_top_level=own_top_level)
    for name in sorted(trees):
        recorder.add(trees[name])
    return recorder.expectations(distribution_of)


OPTIONAL = "?"
"""Marks an optional use in :data:`ModuleUses` (never the start of a dotted name)."""

ModuleUses = Mapping[str, Mapping[str, frozenset[CallShape]]]
"""What one module of the package uses: external module -> dotted name -> call shapes.

An empty name set means the module is only imported; an empty set of call shapes means the name
is used but never called.  A use made only in fallbacks (the ``except ImportError:`` of a ``try``)
is optional: its name carries the prefix :data:`OPTIONAL`, and a module imported only there has
the key :data:`OPTIONAL` itself.  Plain, small and picklable, so a worker process that parsed a
module sends this back instead of the tree (see :func:`uses_of` and
:meth:`ExpectationRecorder.merge`).
"""


def uses_of(
    tree: ast.Module, *, own_top_level: Collection[str], source: bytes | None = None
) -> ModuleUses:
    """What the module in ``tree`` uses from modules outside ``own_top_level``.

    ``source``, the bytes ``tree`` was parsed from, enables a shortcut that skips the walk of a
    module that cannot use anything external: see :func:`imports_nothing_external`.
    """
    record = Record(own=frozenset(own_top_level))
    if source is not None and imports_nothing_external(tree, source, record.wanted):
        return {}
    try:
        collector = Collector()
        collector.module(tree)
    except RecursionError:
        # Expressions nested deeper than the interpreter's recursion limit: this module's uses
        # are not recorded rather than half-recorded.
        return {}
    UseResolver(collector).resolve_into(record)
    uses: dict[str, dict[str, frozenset[CallShape]]] = {}
    for module, names in record.modules.items():
        entries = uses[module] = {
            (name if entry.required else OPTIONAL + name): frozenset(entry.calls)
            for name, entry in names.items()
        }
        if module not in record.required_modules:
            entries[OPTIONAL] = frozenset()
    return uses


class ExpectationRecorder:
    """Accumulates uses module by module: a caller that parses each module once (the build hook)
    feeds the tree here right after describing it and can drop it afterwards, or merges what
    :func:`uses_of` found in another process.  The result does not depend on the order modules
    are added in."""

    def __init__(self, *, own_top_level: Collection[str]) -> None:
        self._own = frozenset(own_top_level)
        self._record = Record(own=self._own)

    def add(self, tree: ast.Module, *, source: bytes | None = None) -> None:
        """Record the uses in one module of the package (``source``: see :func:`uses_of`)."""
        self.merge(uses_of(tree, own_top_level=self._own, source=source))

    def merge(self, uses: ModuleUses) -> None:
        """Record uses that :func:`uses_of` found (with the same ``own_top_level``)."""
        for module, names in uses.items():
            entries = self._record.module(module, optional=OPTIONAL in names)
            for marked, calls in names.items():
                if marked == OPTIONAL:
                    continue
                name = marked.removeprefix(OPTIONAL)
                entry = entries.setdefault(name, Names())
                entry.required = entry.required or not marked.startswith(OPTIONAL)
                if calls:
                    entry.called = True
                    entry.calls.update(calls)

    def expectations(self, distribution_of: Callable[[str], str | None]) -> tuple[Expectation, ...]:
        """Everything recorded so far, sorted, with each module's distribution."""
        return self._record.expectations(distribution_of)
