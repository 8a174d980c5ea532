"""The record of uses: what the package uses from each external module, merged across modules.

The walk of each module ends here, and so does every merge of another process's findings; the
record is the one place that decides what counts as wanted (not the package's own, not the
standard library), how a call is reduced to its shape, and the sorted order of the output.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name

from hatch_importspy.describe.infer.distributions import is_standard_library
from hatch_importspy.model import CallShape, Expectation, ExpectedName, join_path, top_level


@dataclass
class Names:
    """How one dotted name is used: whether it is ever called, and with which shapes."""

    called: bool = False
    calls: set[CallShape] = field(default_factory=set)
    required: bool = False
    """Used outside fallbacks at least once; otherwise an optional expectation."""


@dataclass
class Record:
    """What every module of the package uses, merged: module -> dotted name -> how."""

    own: frozenset[str]
    modules: dict[str, dict[str, Names]] = field(default_factory=dict)
    required_modules: set[str] = field(default_factory=set)
    """Modules imported, or used, outside fallbacks at least once; the others are optional."""

    def wanted(self, module: str) -> bool:
        return (
            bool(module) and top_level(module) not in self.own and not is_standard_library(module)
        )

    def module(self, module: str, *, optional: bool = False) -> dict[str, Names]:
        if not optional:
            self.required_modules.add(module)
        return self.modules.setdefault(module, {})

    def name(
        self, module: str, parts: tuple[str, ...], call: CallShape | None, *, optional: bool = False
    ) -> None:
        names = self.module(module, optional=optional)
        if not parts:
            return
        entry = names.setdefault(join_path(parts), Names())
        entry.required = entry.required or not optional
        if call is not None:
            entry.called = True
            entry.calls.add(call)

    def expectations(self, distribution_of: Callable[[str], str | None]) -> tuple[Expectation, ...]:
        result = []
        for module in sorted(self.modules):
            distribution = distribution_of(top_level(module))
            names = tuple(
                ExpectedName(
                    name=name,
                    kind="callable" if entry.called else "any",
                    calls=tuple(sorted(entry.calls, key=_call_key)),
                    optional=not entry.required,
                )
                for name, entry in sorted(self.modules[module].items())
            )
            result.append(
                Expectation(
                    module=module,
                    distribution=None if distribution is None else canonicalize_name(distribution),
                    origin="inferred",
                    names=names,
                    optional=module not in self.required_modules,
                )
            )
        return tuple(result)


def _call_key(call: CallShape) -> tuple[int, tuple[str, ...], bool, bool]:
    return (call.positional, call.keywords, call.star_args, call.star_kwargs)


def call_shape(node: ast.Call) -> CallShape:
    """The shape of a call as written: positional count, keyword names, star flags."""
    positional = 0
    star_args = False
    for argument in node.args:
        if type(argument) is ast.Starred:
            star_args = True
        else:
            positional += 1
    keywords = []
    star_kwargs = False
    for keyword in node.keywords:
        if keyword.arg is None:
            star_kwargs = True
        else:
            keywords.append(keyword.arg)
    return CallShape(positional, tuple(sorted(set(keywords))), star_args, star_kwargs)
