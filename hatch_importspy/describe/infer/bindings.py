"""What one walk of a module collects: scopes, the bindings of each name in them, and chain uses.

These are plain facts, gathered in one pass and judged afterwards
(:mod:`hatch_importspy.describe.infer.resolve`): whether a name is followed depends on *every*
binding of it in its scope, which is known only once the whole module has been walked.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass, field


class Kind(enum.Enum):
    MODULE = "module"
    FUNCTION = "function"
    CLASS = "class"
    COMPREHENSION = "comprehension"


@dataclass(frozen=True)
class Import:
    """A name bound by an import: the module itself (``name`` None) or a name from it."""

    module: str
    name: str | None


@dataclass(frozen=True)
class Use:
    """A chain rooted at a plain name, as written: ``root.parts...`` and its call, if called.

    The call stays a node until the use resolves: most calls in a module are on its own names,
    and their shapes are never needed.
    """

    root: str
    parts: tuple[str, ...]
    call: ast.Call | None
    guarded: bool
    optional: bool = False
    """Made in the fallback of a guarded ``try`` (``except ImportError:``): the package runs
    without it, so it is recorded as an optional expectation."""


@dataclass(frozen=True, eq=False)
class Instance:
    """``n = chain(...)``: ``n`` is an instance of whatever ``chain`` names."""

    use: Use
    scope: Scope


class Other:
    """Any binding that is neither an import nor a followed instance assignment."""


OTHER = Other()
Binding = Import | Instance | Other


@dataclass(eq=False)
class Scope:
    kind: Kind
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    uses: list[Use] = field(default_factory=list)
