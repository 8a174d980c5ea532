"""What changed between two descriptions of one module, and how ``verify`` reports it.

Two layers, on purpose:

- :func:`structure_changes` is neutral: it lists every difference between an *old* and a *new*
  :class:`~hatch_importspy.model.ModuleStructure` as :class:`Change` values, without judging
  them.  ``verify`` holds the manifest (old) against a re-described installed file (new); a
  release diff holds the previous release against this one and classifies the same changes as
  breaking or not.
- :func:`structure_findings` maps changes to the ISP2xx codes for ``verify``.

Matching rules.  Objects are matched by name within their scope (the module, or a class body).
Within one name, equal objects pair first, then objects of the same category (function, class,
variable, class attribute, instance attribute), then whatever is left pairs across categories as
a kind change (a method that became a property, a class attribute that became an instance
attribute).  Unpaired old objects are removed, unpaired new ones added.  Line numbers never count;
nor does the order of definitions, nor the order of names in ``__all__``.  Conditional definitions
(under ``if``/``try``) are compared like any other, and becoming (un)conditional is a change.

Parameters are matched by name.  A removed and an added parameter at the same position with the
same kind are a rename; matched positional parameters whose relative order differs are a reorder.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from hatch_importspy.findings import Finding, FindingCode
from hatch_importspy.model import (
    Attribute,
    Class,
    Function,
    Module,
    ModuleStructure,
    Parameter,
    ParameterKind,
    Variable,
    decorator_name,
)
from hatch_importspy.render import Element, element_text, noun, parameter_text

Member = Function | Class | Variable | Attribute
"""Something a module or a class body defines."""


class ChangeKind(str, enum.Enum):
    """The kinds of difference :func:`structure_changes` reports."""

    REMOVED = "removed"
    ADDED = "added"
    KIND_CHANGED = "kind-changed"
    ASYNC_CHANGED = "async-changed"
    DECORATORS_CHANGED = "decorators-changed"
    CONDITIONAL_CHANGED = "conditional-changed"
    BASES_CHANGED = "bases-changed"
    ANNOTATION_CHANGED = "annotation-changed"
    RETURN_ANNOTATION_CHANGED = "return-annotation-changed"
    PARAMETER_REMOVED = "parameter-removed"
    PARAMETER_ADDED = "parameter-added"
    PARAMETER_RENAMED = "parameter-renamed"
    PARAMETER_REORDERED = "parameter-reordered"
    PARAMETER_KIND_CHANGED = "parameter-kind-changed"
    DEFAULT_ADDED = "default-added"
    DEFAULT_REMOVED = "default-removed"
    DEFAULT_CHANGED = "default-changed"
    ALL_CHANGED = "all-changed"


@dataclass(frozen=True)
class Change:
    """One difference between an old and a new module structure."""

    kind: ChangeKind
    path: str
    """The object inside the module: ``func``, ``Class``, ``Class.method``, ``Outer.Inner.attr``;
    ``__all__`` for :attr:`ChangeKind.ALL_CHANGED`."""
    old: str | None = None
    """The old state as text (a signature, an annotation, a kind), ``None`` when absent."""
    new: str | None = None
    parameter: str | None = None
    """For parameter-level changes, the parameter's name (the new name after a rename)."""
    before: Element | None = None
    """The old object the change is about (a parameter for parameter-level changes)."""
    after: Element | None = None
    line: int | None = None
    """Where the object is in the new source, when known."""


# --------------------------------------------------------------------------- rendering

_NO_ANNOTATION = "no annotation"
_CALL_SHAPE_DECORATORS = frozenset({"property", "staticmethod", "classmethod", "cached_property"})


def _category(member: Member) -> str:
    if isinstance(member, Function):
        return "function"
    if isinstance(member, Attribute):
        return f"{member.scope.value} attribute"
    return noun(member)


def _all_text(names: tuple[str, ...] | None) -> str:
    if names is None:
        return "no literal __all__"
    return ", ".join(names) if names else "empty"


def _decorators_text(decorators: tuple[str, ...]) -> str:
    return ", ".join(f"@{decorator}" for decorator in decorators) or "no decorators"


def _conditional_text(conditional: bool) -> str:
    return "conditional" if conditional else "unconditional"


# --------------------------------------------------------------------------- comparing


def structure_changes(old: ModuleStructure, new: ModuleStructure) -> list[Change]:
    """Every difference between two descriptions of a module, old to new."""
    changes: list[Change] = []
    _compare_members(
        "",
        [*old.variables, *old.functions, *old.classes],
        [*new.variables, *new.functions, *new.classes],
        changes,
    )
    old_all = None if old.all is None else set(old.all)
    new_all = None if new.all is None else set(new.all)
    if old_all != new_all:
        changes.append(
            Change(ChangeKind.ALL_CHANGED, "__all__", _all_text(old.all), _all_text(new.all))
        )
    return changes


def _compare_members(
    prefix: str, old: Sequence[Member], new: Sequence[Member], changes: list[Change]
) -> None:
    names = list(dict.fromkeys([member.name for member in old] + [member.name for member in new]))
    for name in names:
        path = prefix + name
        paired, removed, added = _match(
            [member for member in old if member.name == name],
            [member for member in new if member.name == name],
        )
        for before, after in paired:
            _compare_pair(path, before, after, changes)
        for member in removed:
            changes.append(
                Change(ChangeKind.REMOVED, path, element_text(member), None, None, member)
            )
        for member in added:
            changes.append(
                Change(
                    ChangeKind.ADDED,
                    path,
                    None,
                    element_text(member),
                    None,
                    None,
                    member,
                    member.line or None,
                )
            )


def _match(
    old: list[Member], new: list[Member]
) -> tuple[list[tuple[Member, Member]], list[Member], list[Member]]:
    """Pair same-named objects: equal ones first, then same category, then anything."""
    old_left, new_left = list(old), list(new)
    paired: list[tuple[Member, Member]] = []
    for same in (lambda a, b: a == b, lambda a, b: _category(a) == _category(b)):
        for before in list(old_left):
            after = next((candidate for candidate in new_left if same(before, candidate)), None)
            if after is not None:
                paired.append((before, after))
                old_left.remove(before)
                new_left.remove(after)
    while old_left and new_left:
        paired.append((old_left.pop(0), new_left.pop(0)))
    return paired, old_left, new_left


def _compare_pair(path: str, before: Member, after: Member, changes: list[Change]) -> None:
    if before == after:
        return
    line = after.line or None
    if _category(before) != _category(after):
        changes.append(
            Change(
                ChangeKind.KIND_CHANGED, path, noun(before), noun(after), None, before, after, line
            )
        )
        return
    if isinstance(before, Function) and isinstance(after, Function):
        _compare_functions(path, before, after, changes)
    elif isinstance(before, Class) and isinstance(after, Class):
        _compare_classes(path, before, after, changes)
    elif (
        isinstance(before, (Variable, Attribute))
        and isinstance(after, (Variable, Attribute))
        and before.annotation != after.annotation
    ):
        changes.append(
            Change(
                ChangeKind.ANNOTATION_CHANGED,
                path,
                before.annotation or _NO_ANNOTATION,
                after.annotation or _NO_ANNOTATION,
                None,
                before,
                after,
                line,
            )
        )
    if before.conditional != after.conditional:
        changes.append(
            Change(
                ChangeKind.CONDITIONAL_CHANGED,
                path,
                _conditional_text(before.conditional),
                _conditional_text(after.conditional),
                None,
                before,
                after,
                line,
            )
        )


def _compare_functions(path: str, before: Function, after: Function, changes: list[Change]) -> None:
    line = after.line or None

    def add(kind: ChangeKind, old: str, new: str) -> None:
        changes.append(Change(kind, path, old, new, None, before, after, line))

    old_decorators, new_decorators = before.decorators, after.decorators
    if before.kind != after.kind:
        add(ChangeKind.KIND_CHANGED, before.kind.value, after.kind.value)
        # The decorators that make the kind (``@property``...) are already reported by the kind.
        old_decorators = _without_call_shape(old_decorators)
        new_decorators = _without_call_shape(new_decorators)
    if before.is_async != after.is_async:
        add(
            ChangeKind.ASYNC_CHANGED,
            "async def" if before.is_async else "def",
            "async def" if after.is_async else "def",
        )
    if old_decorators != new_decorators:
        add(
            ChangeKind.DECORATORS_CHANGED,
            _decorators_text(before.decorators),
            _decorators_text(after.decorators),
        )
    if before.returns != after.returns:
        add(
            ChangeKind.RETURN_ANNOTATION_CHANGED,
            before.returns or _NO_ANNOTATION,
            after.returns or _NO_ANNOTATION,
        )
    changes.extend(parameter_changes(path, before.parameters, after.parameters, line=line))


def _without_call_shape(decorators: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(d for d in decorators if decorator_name(d) not in _CALL_SHAPE_DECORATORS)


def _compare_classes(path: str, before: Class, after: Class, changes: list[Change]) -> None:
    line = after.line or None
    if before.bases != after.bases:
        changes.append(
            Change(
                ChangeKind.BASES_CHANGED,
                path,
                ", ".join(before.bases) or "no bases",
                ", ".join(after.bases) or "no bases",
                None,
                before,
                after,
                line,
            )
        )
    if before.decorators != after.decorators:
        changes.append(
            Change(
                ChangeKind.DECORATORS_CHANGED,
                path,
                _decorators_text(before.decorators),
                _decorators_text(after.decorators),
                None,
                before,
                after,
                line,
            )
        )
    _compare_members(
        f"{path}.",
        [*before.attributes, *before.methods, *before.classes],
        [*after.attributes, *after.methods, *after.classes],
        changes,
    )


_POSITIONAL = frozenset({ParameterKind.POSITIONAL_ONLY, ParameterKind.POSITIONAL_OR_KEYWORD})


def parameter_changes(
    path: str,
    old: Sequence[Parameter],
    new: Sequence[Parameter],
    *,
    line: int | None = None,
) -> list[Change]:
    """The differences between two parameter lists of the callable at ``path``."""
    changes: list[Change] = []
    new_index = {parameter.name: index for index, parameter in enumerate(new)}
    old_names = {parameter.name for parameter in old}
    added = {index for index, parameter in enumerate(new) if parameter.name not in old_names}
    matched: list[tuple[int, int]] = []
    for index, before in enumerate(old):
        if before.name in new_index:
            after_index = new_index[before.name]
            matched.append((index, after_index))
            changes.extend(_parameter_details(path, before, new[after_index], line))
        elif index in added and new[index].kind == before.kind:
            added.discard(index)
            matched.append((index, index))
            after = new[index]
            changes.append(
                Change(
                    ChangeKind.PARAMETER_RENAMED,
                    path,
                    before.name,
                    after.name,
                    before.name,
                    before,
                    after,
                    line,
                )
            )
            changes.extend(_parameter_details(path, before, after, line))
        else:
            changes.append(
                Change(
                    ChangeKind.PARAMETER_REMOVED,
                    path,
                    parameter_text(before),
                    None,
                    before.name,
                    before,
                    None,
                    line,
                )
            )
    for index in sorted(added):
        after = new[index]
        changes.append(
            Change(
                ChangeKind.PARAMETER_ADDED,
                path,
                None,
                parameter_text(after),
                after.name,
                None,
                after,
                line,
            )
        )
    positional = [
        after_index
        for before_index, after_index in sorted(matched)
        if old[before_index].kind in _POSITIONAL and new[after_index].kind in _POSITIONAL
    ]
    if positional != sorted(positional):
        changes.append(
            Change(
                ChangeKind.PARAMETER_REORDERED,
                path,
                ", ".join(p.name for p in old if p.kind in _POSITIONAL),
                ", ".join(p.name for p in new if p.kind in _POSITIONAL),
                None,
                None,
                None,
                line,
            )
        )
    return changes


def _parameter_details(
    path: str, before: Parameter, after: Parameter, line: int | None
) -> list[Change]:
    changes: list[Change] = []

    def add(kind: ChangeKind, old: str, new: str) -> None:
        changes.append(Change(kind, path, old, new, after.name, before, after, line))

    if before.kind != after.kind:
        add(ChangeKind.PARAMETER_KIND_CHANGED, before.kind.value, after.kind.value)
    if before.has_default and not after.has_default:
        add(ChangeKind.DEFAULT_REMOVED, parameter_text(before), parameter_text(after))
    elif after.has_default and not before.has_default:
        add(ChangeKind.DEFAULT_ADDED, parameter_text(before), parameter_text(after))
    elif (
        before.has_default
        and before.default is not None
        and after.default is not None
        and before.default != after.default
    ):
        add(ChangeKind.DEFAULT_CHANGED, before.default, after.default)
    if before.annotation != after.annotation:
        add(
            ChangeKind.ANNOTATION_CHANGED,
            before.annotation or _NO_ANNOTATION,
            after.annotation or _NO_ANNOTATION,
        )
    return changes


# --------------------------------------------------------------------------- findings

_CODES: dict[ChangeKind, FindingCode] = {
    ChangeKind.REMOVED: "ISP201",
    ChangeKind.ADDED: "ISP202",
    ChangeKind.PARAMETER_REMOVED: "ISP203",
    ChangeKind.PARAMETER_ADDED: "ISP203",
    ChangeKind.PARAMETER_RENAMED: "ISP203",
    ChangeKind.PARAMETER_REORDERED: "ISP203",
    ChangeKind.PARAMETER_KIND_CHANGED: "ISP203",
    ChangeKind.DEFAULT_ADDED: "ISP203",
    ChangeKind.DEFAULT_REMOVED: "ISP203",
    ChangeKind.DEFAULT_CHANGED: "ISP203",
    ChangeKind.ANNOTATION_CHANGED: "ISP204",
    ChangeKind.RETURN_ANNOTATION_CHANGED: "ISP204",
    ChangeKind.KIND_CHANGED: "ISP205",
    ChangeKind.ASYNC_CHANGED: "ISP205",
    ChangeKind.DECORATORS_CHANGED: "ISP205",
    ChangeKind.CONDITIONAL_CHANGED: "ISP205",
    ChangeKind.BASES_CHANGED: "ISP206",
    ChangeKind.ALL_CHANGED: "ISP207",
}


def code_of(change: Change) -> FindingCode:
    """The ISP2xx code ``verify`` reports a change under."""
    return _CODES[change.kind]


def describe_change(change: Change) -> str:
    """A one-line sentence for a change, naming the object and (if any) the parameter."""
    path, parameter = change.path, repr(change.parameter)
    subject = change.before if change.before is not None else change.after
    what = noun(subject) if subject is not None and not isinstance(subject, Parameter) else ""
    kind = change.kind
    if kind is ChangeKind.REMOVED:
        return f"{what} {path} is missing"
    if kind is ChangeKind.ADDED:
        return f"{what} {path} is not in the manifest"
    if kind is ChangeKind.KIND_CHANGED:
        return f"{path} changed from {change.old} to {change.new}"
    if kind is ChangeKind.ASYNC_CHANGED:
        return f"{path} changed from '{change.old}' to '{change.new}'"
    if kind is ChangeKind.DECORATORS_CHANGED:
        return f"decorators of {path} changed"
    if kind is ChangeKind.CONDITIONAL_CHANGED:
        return f"{path} is now {change.new}"
    if kind is ChangeKind.BASES_CHANGED:
        return f"bases of class {path} changed"
    if kind is ChangeKind.ANNOTATION_CHANGED:
        if change.parameter is not None:
            return f"annotation of parameter {parameter} of {path} changed"
        return f"annotation of {path} changed"
    if kind is ChangeKind.RETURN_ANNOTATION_CHANGED:
        return f"return annotation of {path} changed"
    if kind is ChangeKind.PARAMETER_REMOVED:
        return f"parameter {parameter} of {path} was removed"
    if kind is ChangeKind.PARAMETER_ADDED:
        return f"parameter {parameter} was added to {path}"
    if kind is ChangeKind.PARAMETER_RENAMED:
        return f"parameter {change.old!r} of {path} was renamed to {change.new!r}"
    if kind is ChangeKind.PARAMETER_REORDERED:
        return f"parameters of {path} were reordered"
    if kind is ChangeKind.PARAMETER_KIND_CHANGED:
        return f"parameter {parameter} of {path} changed kind"
    if kind is ChangeKind.DEFAULT_ADDED:
        return f"parameter {parameter} of {path} gained a default"
    if kind is ChangeKind.DEFAULT_REMOVED:
        return f"parameter {parameter} of {path} lost its default"
    if kind is ChangeKind.DEFAULT_CHANGED:
        return f"default of parameter {parameter} of {path} changed"
    return "__all__ changed"


def structure_findings(
    distribution: str, module: Module, installed: ModuleStructure
) -> list[Finding]:
    """ISP201-ISP207 for the installed structure of ``module`` against the manifest's."""
    return [
        Finding(
            code=code_of(change),
            distribution=distribution,
            message=describe_change(change),
            module=module.name,
            file=module.path,
            object=f"{module.name}:{change.path}",
            expected=change.old,
            found=change.new,
            line=change.line,
        )
        for change in structure_changes(module.structure, installed)
    ]
