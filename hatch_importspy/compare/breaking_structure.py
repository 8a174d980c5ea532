"""Which changes of the public surface break callers: modules, objects and signatures.

The differences themselves come from :func:`~hatch_importspy.compare.structure.structure_changes`,
the same neutral comparison ``verify`` uses; this module only decides, for each one, whether code
written against the old release can stop working with the new one.

The public surface:

- a module is public when no part of its dotted name starts with ``_`` (``pkg._impl`` is not);
- a module-level name is public when the module's literal ``__all__`` lists it, or, without a
  literal ``__all__``, when it does not start with ``_`` (dunders such as ``__version__`` are
  public); the members of a class follow the second rule;
- objects re-exported from private modules are not followed: the manifest does not record what a
  module imports, so ``pkg/__init__.py`` doing ``from ._impl import f`` contributes the name ``f``
  (through ``__all__``) but not its signature.

What counts as breaking, and why (everything else is listed as a note):

- removed objects and modules, names dropped from ``__all__``, and kind changes (a method that
  became a property, a function that became a class, ``def`` that became ``async def``, a class
  attribute that became an instance attribute -- the reverse is harmless, instances still see
  class attributes);
- removed, renamed (unless positional-only or ``*args``/``**kwargs``, whose names no caller can
  use), reordered or shifted parameters (a parameter inserted before existing positional ones,
  or added where ``*args`` used to collect the extra positional arguments), a default removed, a
  new parameter without a default, and a kind that loses a way of passing the argument
  (positional-or-keyword to positional-only or keyword-only);
- a base the class no longer derives from, directly or through its new bases (a base replaced
  by a subclass of it is kept; a private base such as ``_Impl`` is a note);
- an annotation (return, variable, attribute or parameter) whose text changed.  Static reading
  cannot tell a widening from a narrowing, so any change of an existing annotation is reported,
  with both texts; an annotation added where there was none, or removed, is a note.

Classes are followed into their bases inside the distribution (:mod:`.inheritance`): a member
removed from a class that now inherits it is compared with the inherited member, and a member a
class now defines itself is compared with the one it inherited, instead of being reported as
removed or added.

A function whose kind changed is reported once, by its kind: its parameter differences (``self``
appearing or disappearing, say) follow from the kind change and would only repeat it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace

from hatch_importspy.compare.inheritance import ClassIndex
from hatch_importspy.compare.structure import Change, ChangeKind, Member, structure_changes
from hatch_importspy.findings import Finding, FindingCode
from hatch_importspy.model import (
    Attribute,
    AttributeScope,
    Class,
    Function,
    Module,
    ModuleStructure,
    Parameter,
    ParameterKind,
    Variable,
    is_public,
    module_name,
)
from hatch_importspy.render import element_text, noun

MODULE_REMOVED: FindingCode = "ISP501"
OBJECT_REMOVED: FindingCode = "ISP502"
NOT_EXPORTED: FindingCode = "ISP503"
KIND_CHANGED: FindingCode = "ISP504"
PARAMETER_REMOVED: FindingCode = "ISP505"
PARAMETER_RENAMED: FindingCode = "ISP506"
PARAMETERS_REORDERED: FindingCode = "ISP507"
PARAMETER_REQUIRED: FindingCode = "ISP508"
REQUIRED_PARAMETER_ADDED: FindingCode = "ISP509"
PARAMETER_KIND_NARROWED: FindingCode = "ISP510"
BASE_REMOVED: FindingCode = "ISP511"
RETURN_ANNOTATION_CHANGED: FindingCode = "ISP512"
ANNOTATION_CHANGED: FindingCode = "ISP513"
MODULE_NOT_DESCRIBED: FindingCode = "ISP514"
ADDED: FindingCode = "ISP540"
SIGNATURE_WIDENED: FindingCode = "ISP541"
OTHER_CHANGE: FindingCode = "ISP549"

_PARAMETER_CHANGES = frozenset(
    {
        ChangeKind.PARAMETER_REMOVED,
        ChangeKind.PARAMETER_ADDED,
        ChangeKind.PARAMETER_RENAMED,
        ChangeKind.PARAMETER_REORDERED,
        ChangeKind.PARAMETER_KIND_CHANGED,
        ChangeKind.DEFAULT_ADDED,
        ChangeKind.DEFAULT_REMOVED,
        ChangeKind.DEFAULT_CHANGED,
    }
)
_POSITIONAL = frozenset({ParameterKind.POSITIONAL_ONLY, ParameterKind.POSITIONAL_OR_KEYWORD})
_BY_KEYWORD = frozenset({ParameterKind.POSITIONAL_OR_KEYWORD, ParameterKind.KEYWORD_ONLY})
_NAMELESS = frozenset(
    {ParameterKind.POSITIONAL_ONLY, ParameterKind.VAR_POSITIONAL, ParameterKind.VAR_KEYWORD}
)
"""Kinds whose name no caller can write: renaming them breaks nobody."""


def is_public_module(name: str) -> bool:
    """Whether a dotted module name is public: no part of it starts with ``_``."""
    return not any(part.startswith("_") for part in name.split("."))


def exported_names(structure: ModuleStructure) -> frozenset[str]:
    """The module-level names of the public surface: ``__all__``, else the public names."""
    if structure.all is not None:
        return frozenset(structure.all)
    return frozenset(member.name for member in _members(structure) if is_public(member.name))


def module_release_findings(
    distribution: str,
    old: Sequence[Module],
    new: Sequence[Module],
    *,
    new_files: Collection[str] = (),
) -> list[Finding]:
    """Classified changes between the public modules of two releases, matched by dotted name.

    ``new_files`` are the paths the new release ships without describing them: an old module found
    there is reported as no longer described (ISP514), not as removed.
    """
    old_by_name = {module.name: module for module in old}
    new_by_name = {module.name: module for module in new}
    indexes = _Indexes(ClassIndex.of(old), ClassIndex.of(new))
    undescribed = {
        dotted for dotted in (module_name(path) for path in new_files) if dotted is not None
    }
    findings: list[Finding] = []
    for name, before in sorted(old_by_name.items()):
        if not is_public_module(name):
            continue
        after = new_by_name.get(name)
        if after is not None:
            findings.extend(_module_pair(distribution, before, after, indexes))
        elif name in undescribed:
            findings.append(
                Finding(
                    MODULE_NOT_DESCRIBED,
                    distribution,
                    f"module {name} is shipped but no longer described: its surface cannot be "
                    "compared",
                    module=name,
                    file=before.path,
                    object=name,
                    expected="a described module",
                    found="a plain file",
                )
            )
        else:
            findings.append(
                Finding(
                    MODULE_REMOVED,
                    distribution,
                    f"module {name} was removed",
                    module=name,
                    file=before.path,
                    object=name,
                    expected=before.path,
                )
            )
    for name, after in sorted(new_by_name.items()):
        if name not in old_by_name and is_public_module(name):
            findings.append(
                Finding(
                    ADDED,
                    distribution,
                    f"module {name} was added",
                    module=name,
                    file=after.path,
                    object=name,
                    found=after.path,
                )
            )
    return findings


# --------------------------------------------------------------------------- one module


def _members(structure: ModuleStructure) -> list[Member]:
    return [*structure.variables, *structure.functions, *structure.classes]


def _class_members(cls: Class) -> list[Member]:
    return [*cls.attributes, *cls.methods, *cls.classes]


def _is_on_surface(surface: frozenset[str], path: str) -> bool:
    top, *rest = path.split(".")
    return top in surface and all(is_public(part) for part in rest)


@dataclass(frozen=True)
class _Indexes:
    """The classes of both releases, to follow members and bases into base classes."""

    old: ClassIndex
    new: ClassIndex


def _module_pair(distribution: str, old: Module, new: Module, indexes: _Indexes) -> list[Finding]:
    old_surface = exported_names(old.structure)
    new_surface = exported_names(new.structure)
    report = _Reporter(distribution, new)
    pending: list[Change] = []
    for change in structure_changes(old.structure, new.structure):
        if change.kind is ChangeKind.ALL_CHANGED:
            continue  # judged name by name below, against the surfaces
        if change.kind is ChangeKind.ADDED:
            if _is_on_surface(old_surface, change.path) and _moved_along_inheritance(
                report, change, old, indexes.old, now_inherited=False
            ):
                continue
            if _is_on_surface(new_surface, change.path):
                report.change(ADDED, change, f"{_noun(change.after)} {change.path} was added")
            continue
        if not _is_on_surface(old_surface, change.path):
            continue
        if change.kind is ChangeKind.REMOVED and _moved_along_inheritance(
            report, change, new, indexes.new, now_inherited=True
        ):
            continue
        if change.kind is ChangeKind.BASES_CHANGED:
            _bases(report, change, old.name, new.name, indexes)
            continue
        pending.append(change)
    _judge(
        report, pending, lambda path: (_lookup(old.structure, path), _lookup(new.structure, path))
    )
    _surface_changes(report, old.structure, new.structure, old_surface, new_surface)
    return report.findings


Functions = Callable[[str], tuple[Function | None, Function | None]]
"""The old and the new callable at a path, for the positional-binding check."""


def _judge(report: _Reporter, changes: Sequence[Change], functions: Functions) -> None:
    """Classify changes of public objects, then check positional binding per callable."""
    reshaped = {
        change.path
        for change in changes
        if change.kind is ChangeKind.KIND_CHANGED
        and isinstance(change.before, Function)
        and isinstance(change.after, Function)
    }
    by_callable: dict[str, list[Change]] = {}
    for change in changes:
        if change.kind in _PARAMETER_CHANGES:
            if change.path in reshaped:
                continue
            by_callable.setdefault(change.path, []).append(change)
        _classify(report, change)
    for path, parameter_changes in by_callable.items():
        before, after = functions(path)
        if before is not None and after is not None:
            _positional_shift(report, path, before, after, parameter_changes)


# --------------------------------------------------------------------------- inheritance


def _class_at(structure: ModuleStructure, path: str) -> Class | None:
    scope: list[Member] = _members(structure)
    found: Class | None = None
    for part in path.split("."):
        found = next((m for m in scope if isinstance(m, Class) and m.name == part), None)
        if found is None:
            return None
        scope = _class_members(found)
    return found


def _member_pair_changes(path: str, before: Member, after: Member) -> list[Change]:
    """:func:`structure_changes` between two members, as if both stood at ``path``."""

    def holder(member: Member) -> ModuleStructure:
        return ModuleStructure(
            classes=(
                Class(
                    name="_",
                    methods=(member,) if isinstance(member, Function) else (),
                    attributes=(member,) if isinstance(member, Attribute) else (),
                    classes=(member,) if isinstance(member, Class) else (),
                ),
            )
        )

    owner = path.rpartition(".")[0]
    return [
        replace(change, path=f"{owner}.{change.path.removeprefix('_.')}")
        for change in structure_changes(holder(before), holder(after))
    ]


def _moved_along_inheritance(
    report: _Reporter, change: Change, module: Module, index: ClassIndex, *, now_inherited: bool
) -> bool:
    """A member that moved between a class and one of its bases: compare with the other one.

    Both directions share one lookup, so a move is judged the same way whichever way it went.
    With ``now_inherited`` the class dropped its own member and inherits it now (``module`` and
    ``index`` are the new release); otherwise the class now defines a member it used to inherit
    (``module`` and ``index`` are the old release).
    """
    owner_path, _, name = change.path.rpartition(".")
    own = change.before if now_inherited else change.after
    owner = _class_at(module.structure, owner_path) if owner_path else None
    if owner is None or own is None or isinstance(own, Parameter):
        return False
    found = index.inherited(owner, module.name, name)
    if found is None:
        return False
    ancestor, member = found
    if now_inherited:
        report.add(
            OTHER_CHANGE,
            change.path,
            f"{change.path} is now inherited from {ancestor.cls.name}",
            change.old,
            element_text(member),
        )
        _judge_pair(report, change.path, own, member)
    else:
        report.add(
            OTHER_CHANGE,
            change.path,
            f"{change.path} is now defined on {owner_path} "
            f"(inherited from {ancestor.cls.name} before)",
            element_text(member),
            change.new,
        )
        _judge_pair(report, change.path, member, own)
    return True


def _judge_pair(report: _Reporter, path: str, before: Member, after: Member) -> None:
    changes = _member_pair_changes(path, before, after)
    pair = (
        before if isinstance(before, Function) else None,
        after if isinstance(after, Function) else None,
    )
    _judge(report, [c for c in changes if _is_public_path(c.path)], lambda _: pair)


def _is_public_path(path: str) -> bool:
    return all(is_public(part) for part in path.split("."))


class _Reporter:
    """Turns classified changes into findings that name the module, file and object."""

    def __init__(self, distribution: str, module: Module) -> None:
        self.distribution = distribution
        self.module = module
        self.findings: list[Finding] = []

    def change(self, code: FindingCode, change: Change, message: str) -> None:
        self.add(code, change.path, message, change.old, change.new, change.line)

    def add(
        self,
        code: FindingCode,
        path: str,
        message: str,
        expected: str | None,
        found: str | None,
        line: int | None = None,
    ) -> None:
        self.findings.append(
            Finding(
                code,
                self.distribution,
                message,
                module=self.module.name,
                file=self.module.path,
                object=f"{self.module.name}:{path}",
                expected=expected,
                found=found,
                line=line,
            )
        )


def _noun(element: Member | Parameter | None) -> str:
    return "object" if element is None else noun(element)


def _classify(report: _Reporter, change: Change) -> None:
    """Report one change of a public object as breaking or not (see the module docstring)."""
    path, kind = change.path, change.kind
    before, after = change.before, change.after
    parameter = repr(change.parameter)
    if kind is ChangeKind.REMOVED:
        report.change(OBJECT_REMOVED, change, f"{_noun(before)} {path} was removed")
    elif kind is ChangeKind.KIND_CHANGED:
        harmless = (
            isinstance(before, Attribute)
            and isinstance(after, Attribute)
            and before.scope is AttributeScope.INSTANCE
            and after.scope is AttributeScope.CLASS
        )
        code = OTHER_CHANGE if harmless else KIND_CHANGED
        report.change(code, change, f"{path} changed from {change.old} to {change.new}")
    elif kind is ChangeKind.ASYNC_CHANGED:
        report.change(KIND_CHANGED, change, f"{path} changed from '{change.old}' to '{change.new}'")
    elif kind is ChangeKind.DECORATORS_CHANGED:
        report.change(OTHER_CHANGE, change, f"decorators of {path} changed")
    elif kind is ChangeKind.CONDITIONAL_CHANGED:
        report.change(OTHER_CHANGE, change, f"{path} is now defined {change.new}ly")
    elif kind is ChangeKind.ANNOTATION_CHANGED:
        both = _annotation(before) is not None and _annotation(after) is not None
        subject = f"parameter {parameter} of {path}" if change.parameter is not None else path
        if both:
            report.change(ANNOTATION_CHANGED, change, f"annotation of {subject} changed")
        else:
            verb = "added" if _annotation(before) is None else "removed"
            report.change(OTHER_CHANGE, change, f"annotation of {subject} {verb}")
    elif kind is ChangeKind.RETURN_ANNOTATION_CHANGED:
        old_returns = before.returns if isinstance(before, Function) else None
        new_returns = after.returns if isinstance(after, Function) else None
        if old_returns is not None and new_returns is not None:
            report.change(RETURN_ANNOTATION_CHANGED, change, f"return annotation of {path} changed")
        else:
            verb = "added" if old_returns is None else "removed"
            report.change(OTHER_CHANGE, change, f"return annotation of {path} {verb}")
    else:
        _classify_parameter(report, change)


def _annotation(element: Member | Parameter | None) -> str | None:
    if isinstance(element, (Parameter, Attribute, Variable)):
        return element.annotation
    return None


def _bases(
    report: _Reporter, change: Change, old_module: str, new_module: str, indexes: _Indexes
) -> None:
    """ISP511 for a base the class no longer derives from, directly or through its new bases.

    A base replaced by a subclass of it (``ParamType`` by ``_NumberParamTypeBase(ParamType)``) is
    still a base: ``isinstance`` and inherited members keep working.  A private base (``_Impl``)
    is not part of the public surface, so losing it is a note; so is dropping ``object``, which
    every class derives from anyway.
    """
    before, after = change.before, change.after
    if not (isinstance(before, Class) and isinstance(after, Class)):
        return
    removed = [base for base in before.bases if base not in after.bases]
    texts = indexes.new.base_texts(after, new_module)
    ancestors = {(ref.module, ref.cls.name) for ref in indexes.new.ancestors(after, new_module)}
    lost: list[str] = []
    kept: list[str] = []
    private: list[str] = []
    implicit: list[str] = []
    for base in removed:
        ref = indexes.old.resolve(base, old_module)
        if base.strip() in _IMPLICIT_BASES:
            implicit.append(base)
        elif base in texts or (ref is not None and (ref.module, ref.cls.name) in ancestors):
            kept.append(base)
        elif not is_public(base.partition("[")[0].rpartition(".")[2].strip()):
            private.append(base)
        else:
            lost.append(base)
    path = change.path
    if lost:
        plural = "s" if len(lost) > 1 else ""
        report.change(BASE_REMOVED, change, f"class {path} lost base{plural} {', '.join(lost)}")
    if kept:
        report.change(
            OTHER_CHANGE,
            change,
            f"class {path} still derives from {', '.join(kept)} through its new bases",
        )
    if private:
        report.change(
            OTHER_CHANGE,
            change,
            f"class {path} no longer derives from private {', '.join(private)}",
        )
    if implicit:
        report.change(
            OTHER_CHANGE,
            change,
            f"class {path} no longer names {implicit[0]} as a base (every class derives from it)",
        )
    if not removed:
        report.change(OTHER_CHANGE, change, f"bases of class {path} added or reordered")


_IMPLICIT_BASES = frozenset({"object", "builtins.object"})
"""Bases every class has whether it names them or not (``class C(object)`` is ``class C``)."""


def _classify_parameter(report: _Reporter, change: Change) -> None:
    path, kind, parameter = change.path, change.kind, repr(change.parameter)
    before = change.before if isinstance(change.before, Parameter) else None
    after = change.after if isinstance(change.after, Parameter) else None
    if kind is ChangeKind.PARAMETER_REMOVED:
        report.change(PARAMETER_REMOVED, change, f"parameter {parameter} of {path} was removed")
    elif kind is ChangeKind.PARAMETER_ADDED and after is not None:
        required = not after.has_default and after.kind not in _VARIADIC
        code = REQUIRED_PARAMETER_ADDED if required else SIGNATURE_WIDENED
        which = "required parameter" if required else "parameter"
        report.change(code, change, f"{which} {parameter} was added to {path}")
    elif kind is ChangeKind.PARAMETER_RENAMED and before is not None and after is not None:
        harmless = before.kind in _NAMELESS and after.kind == before.kind
        report.change(
            OTHER_CHANGE if harmless else PARAMETER_RENAMED,
            change,
            f"parameter {change.old!r} of {path} was renamed to {change.new!r}",
        )
    elif kind is ChangeKind.PARAMETER_REORDERED:
        report.change(PARAMETERS_REORDERED, change, f"positional parameters of {path} reordered")
    elif kind is ChangeKind.PARAMETER_KIND_CHANGED and before is not None and after is not None:
        narrowed = _kind_narrowed(before.kind, after.kind)
        report.change(
            PARAMETER_KIND_NARROWED if narrowed else SIGNATURE_WIDENED,
            change,
            f"parameter {parameter} of {path} changed from {change.old} to {change.new}",
        )
    elif kind is ChangeKind.DEFAULT_REMOVED:
        report.change(
            PARAMETER_REQUIRED, change, f"parameter {parameter} of {path} lost its default"
        )
    elif kind is ChangeKind.DEFAULT_ADDED:
        report.change(
            SIGNATURE_WIDENED, change, f"parameter {parameter} of {path} gained a default"
        )
    elif kind is ChangeKind.DEFAULT_CHANGED:
        report.change(OTHER_CHANGE, change, f"default of parameter {parameter} of {path} changed")


_VARIADIC = frozenset({ParameterKind.VAR_POSITIONAL, ParameterKind.VAR_KEYWORD})


def _kind_narrowed(old: ParameterKind, new: ParameterKind) -> bool:
    """Whether a caller can no longer pass the argument in a way the old kind allowed."""
    if old in _VARIADIC or new in _VARIADIC:
        return True
    return (old in _POSITIONAL and new not in _POSITIONAL) or (
        old in _BY_KEYWORD and new not in _BY_KEYWORD
    )


# --------------------------------------------------------------------------- positional binding


def _lookup(structure: ModuleStructure, path: str) -> Function | None:
    """The function or method at ``Class.method`` (the first of that name that is callable)."""
    owner_path, _, last = path.rpartition(".")
    owner = _class_at(structure, owner_path) if owner_path else None
    if owner_path and owner is None:
        return None
    scope = _members(structure) if owner is None else _class_members(owner)
    return next((m for m in scope if isinstance(m, Function) and m.name == last), None)


def _positional_shift(
    report: _Reporter,
    path: str,
    before: Function,
    after: Function,
    changes: Iterable[Change],
) -> None:
    """ISP507 when existing positional arguments would bind to other parameters than before.

    Removals and reorders are already reported (the shift follows from them); what is left to
    find here is an insertion before existing positional parameters, a keyword-only parameter
    made positional in front of them, or positional parameters added where ``*args`` collected
    the extra arguments.
    """
    kinds = {change.kind for change in changes}
    removed_positional = any(
        change.kind is ChangeKind.PARAMETER_REMOVED
        and isinstance(change.before, Parameter)
        and change.before.kind in _POSITIONAL
        for change in changes
    )
    if ChangeKind.PARAMETER_REORDERED in kinds or removed_positional:
        return
    renamed = {
        change.old: change.new
        for change in changes
        if change.kind is ChangeKind.PARAMETER_RENAMED and change.old and change.new
    }
    old_positional = [p.name for p in before.parameters if p.kind in _POSITIONAL]
    new_positional = [p.name for p in after.parameters if p.kind in _POSITIONAL]
    for index, name in enumerate(old_positional):
        current = renamed.get(name, name)
        if current in new_positional and new_positional.index(current) != index:
            moved_to = new_positional.index(current)
            report.add(
                PARAMETERS_REORDERED,
                path,
                f"positional parameter {current!r} of {path} moved from position {index + 1} "
                f"to {moved_to + 1}",
                ", ".join(old_positional),
                ", ".join(new_positional),
                after.line or None,
            )
            return
    collector = next(
        (p.name for p in before.parameters if p.kind is ParameterKind.VAR_POSITIONAL), None
    )
    if collector is not None and len(new_positional) > len(old_positional):
        taker = new_positional[len(old_positional)]
        report.add(
            PARAMETERS_REORDERED,
            path,
            f"positional argument {len(old_positional) + 1} of {path} now binds to {taker!r} "
            f"instead of *{collector}",
            ", ".join([*old_positional, f"*{collector}"]),
            ", ".join(new_positional),
            after.line or None,
        )


# --------------------------------------------------------------------------- __all__


def _surface_changes(
    report: _Reporter,
    old: ModuleStructure,
    new: ModuleStructure,
    old_surface: frozenset[str],
    new_surface: frozenset[str],
) -> None:
    """Names that left or joined the surface while the object itself stayed (or was imported)."""
    old_defined = {member.name for member in _members(old)}
    new_defined = {member.name for member in _members(new)}
    for name in sorted(old_surface - new_surface):
        if name in old_defined and name not in new_defined:
            continue  # reported as removed
        report.add(
            NOT_EXPORTED,
            name,
            f"{name} is no longer exported (no longer in __all__ or no longer public)",
            "exported",
            "not exported",
        )
    for name in sorted(new_surface - old_surface):
        if name in new_defined and name not in old_defined:
            continue  # reported as added
        report.add(ADDED, name, f"{name} is newly exported", "not exported", "exported")
