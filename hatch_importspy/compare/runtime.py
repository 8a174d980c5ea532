"""What Python sees at import against what the manifest says (``verify --import``): findings.

Pure: the manifest's modules and the probe's decoded answer in, findings out.  The same walk over
a module's structure says what to ask the probe (:func:`runtime_query`) and reads its answer
(:func:`runtime_findings`), so the two cannot drift apart.

What is compared, and what is deliberately not:

- **Absent** (``ISP210``): every function, class, method, class attribute and module variable the
  manifest describes, and every name of its literal ``__all__``, must be there once the module and
  every other described module of the distribution are imported.  A variable or class attribute
  that only an annotation names (``x: int``, a dataclass field without default) binds nothing at
  run time; it counts as there when an annotation names it.
- **Kind** (``ISP212``): a class must be a class; a function must be callable; a method must be a
  function (or a callable or method-like descriptor), a ``staticmethod``/``classmethod``/
  ``property`` exactly that (``functools.cached_property`` counts as a property).  Python's own
  conversions are expected: ``__new__`` is a staticmethod (or a plain function: an enum keeps
  the one its body wrote that way, and the probe reads that one) and ``__init_subclass__`` and
  ``__class_getitem__`` are classmethods without a decorator.  A function with decorators other
  than the ones that only mark it (``abstractmethod``, ``final``, ``override``) may be any
  callable or descriptor, a property or classmethod included: what it becomes is the
  decorator's business, and its signature is still compared.  A kind that changed with no
  decorator to say so is reported, a metaclass's doing included (Pygments' ``LexerMeta``
  makes every ``analyse_text`` a staticmethod).
- **Signature** (``ISP211``): parameter names, kinds and which have a default, as
  :func:`inspect.signature` reports them (it follows ``functools.wraps``).  Default values and
  annotations are not compared: at run time they are objects, not the source text the manifest
  holds, and under ``from __future__ import annotations`` not even evaluated.
- **Not compared**: sync against async (a plain wrapper that returns the coroutine is still
  awaited by callers), instance attributes (no instance exists), definitions the manifest marks
  conditional, also as names of ``__all__`` (the other branch may be the one that ran), and
  names added at run time: every import adds names, and no rule tells an expected one from a
  surprising one.
- **Cannot compare** (``ISP213``, a note): an object whose signature cannot be read; a module
  that Python imported from another file than the one verified (the static checks say why:
  ``ISP313``); a module whose import needs a module of another distribution that is not
  installed -- an optional dependency (extras) of an ordinary package; a missing *required*
  distribution is ``ISP401`` already; a private module (``pkg._winconsole``) that raises: its
  package imports it only where it works (on Windows, say).  Any other failed import is
  ``ISP209``, and leaves nothing of the module to compare.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from hatch_importspy.findings import Finding, FindingCode
from hatch_importspy.formats.probe import (
    ModuleQuery,
    ObjectQuery,
    ProbeAnswer,
    RuntimeModule,
    RuntimeObject,
)
from hatch_importspy.model import (
    Attribute,
    AttributeScope,
    Class,
    Function,
    FunctionKind,
    Module,
    Parameter,
    Variable,
    decorator_name,
    is_public,
    join_path,
    mangled,
    top_level,
)
from hatch_importspy.render import element_text, noun, signature_text

Described = Function | Class | Variable | Attribute

_ACCEPTED: dict[FunctionKind, frozenset[str]] = {
    FunctionKind.FUNCTION: frozenset({"function", "callable"}),
    FunctionKind.METHOD: frozenset({"function", "callable", "descriptor"}),
    FunctionKind.STATICMETHOD: frozenset({"staticmethod"}),
    FunctionKind.CLASSMETHOD: frozenset({"classmethod"}),
    FunctionKind.PROPERTY: frozenset({"property", "descriptor"}),
}
"""The run-time kinds (the probe's classification) each described kind may show."""
_REPLACEABLE = frozenset(
    {"function", "callable", "descriptor", "property", "classmethod", "staticmethod"}
)
"""What a function with other decorators may have become: any callable or descriptor (a
decorator that makes a property of a method is as ordinary as ``functools.cached_property``);
not a class, and not a value that cannot be called."""
_IMPLICIT = {
    "__new__": FunctionKind.STATICMETHOD,
    "__init_subclass__": FunctionKind.CLASSMETHOD,
    "__class_getitem__": FunctionKind.CLASSMETHOD,
}
"""Methods ``type`` itself converts, decorated or not."""
_PLAIN_NEW = frozenset({"function"})
"""``__new__`` may also be a plain function: ``type()`` looks it up on the class, where both
read the same (an enum keeps the one its body wrote as a plain function)."""
_MARKING_DECORATORS = frozenset(
    {
        "staticmethod",
        "classmethod",
        "property",
        "cached_property",
        "abstractproperty",
        "abstractstaticmethod",
        "abstractclassmethod",
        "abstractmethod",
        "final",
        "override",
        "no_type_check",
    }
)
"""Decorators that return the function itself or the call-shape wrapper the kind names."""
_RUNTIME_NOUNS = {
    "class": "a class",
    "function": "a function",
    "classmethod": "a classmethod",
    "staticmethod": "a staticmethod",
    "property": "a property",
    "callable": "a callable object",
    "descriptor": "a descriptor",
    "value": "a value that is not callable",
}


@dataclass(frozen=True)
class _Expected:
    """One thing to look for: where it is in the manifest and where Python keeps it."""

    path: tuple[str, ...]
    """The manifest's path (``("Client", "__send")``), for reports."""
    lookup: tuple[str, ...]
    """The attribute path at run time (``("Client", "_Client__send")``)."""
    element: Described | None
    """``None``: a name of the literal ``__all__`` that the manifest does not describe."""

    @property
    def signature(self) -> bool:
        return isinstance(self.element, Function)


def runtime_modules(modules: Sequence[Module]) -> list[Module]:
    """The modules to import: those whose structure describes what runs, except ``__main__``
    modules (importing one runs the program)."""
    return [m for m in modules if m.described and m.name.rpartition(".")[2] != "__main__"]


def runtime_query(module: Module) -> ModuleQuery:
    """What to ask the probe about ``module``."""
    objects = tuple(ObjectQuery(item.lookup, item.signature) for item in _expectations(module))
    return ModuleQuery(module.name, objects)


def _expectations(module: Module) -> list[_Expected]:
    structure = module.structure
    found: list[_Expected] = []
    elements: list[Variable | Function | Class] = [
        *structure.variables,
        *structure.functions,
        *structure.classes,
    ]
    for element in elements:
        if not element.conditional:
            found.append(_Expected((element.name,), (element.name,), element))
            if isinstance(element, Class):
                found.extend(_members(element, (element.name,), (element.name,)))
    described = {element.name for element in elements}  # conditional ones: not compared
    for name in structure.all or ():
        if name not in described:
            described.add(name)
            found.append(_Expected((name,), (name,), None))
    return found


def _members(cls: Class, path: tuple[str, ...], lookup: tuple[str, ...]) -> Iterator[_Expected]:
    members: list[Described] = [*cls.methods, *cls.attributes, *cls.classes]
    for member in members:
        if member.conditional or (
            isinstance(member, Attribute) and member.scope is AttributeScope.INSTANCE
        ):
            continue
        here, there = (*path, member.name), (*lookup, mangled(member.name, cls.name))
        yield _Expected(here, there, member)
        if isinstance(member, Class):
            yield from _members(member, here, there)


def runtime_findings(
    distribution: str,
    modules: Sequence[Module],
    answer: ProbeAnswer,
    expected_files: Mapping[str, str],
) -> list[Finding]:
    """Where what Python sees differs from the manifest, for the modules :func:`runtime_modules`
    chose; ``expected_files`` maps each module's name to the file verified for it, spelled as the
    probe's ``__file__`` answers are (both resolved by the caller)."""
    own = frozenset(top_level(module.name) for module in modules)
    findings: list[Finding] = []
    for module in modules:
        seen = answer.modules.get(module.name)
        if seen is None:
            continue  # not answered: the launcher reports an incomplete answer
        findings.extend(_module_findings(distribution, module, seen, expected_files, own))
    return findings


def _module_findings(
    distribution: str,
    module: Module,
    seen: RuntimeModule,
    expected_files: Mapping[str, str],
    own: frozenset[str],
) -> list[Finding]:
    def finding(
        code: FindingCode,
        message: str,
        *,
        object: str | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> Finding:
        return Finding(
            code,
            distribution,
            message,
            module=module.name,
            file=module.path,
            object=object,
            expected=expected,
            found=found,
        )

    if seen.error is not None:
        kind, line = seen.error
        text = f"{kind}: {line}" if line else kind
        if seen.missing is not None and top_level(seen.missing) not in own:
            message = (
                f"importing {module.name} needs {seen.missing}, which is not installed (an "
                "optional dependency?); nothing of it was compared"
            )
            return [finding("ISP213", message, found=text)]
        if not all(is_public(part) for part in module.name.split(".")):
            message = (
                f"importing {module.name} raised {kind}: a private module, which its package "
                "may import only where it works; nothing of it was compared"
            )
            return [finding("ISP213", message, found=text)]
        return [finding("ISP209", f"importing {module.name} raised {kind}", found=text)]
    expected_file = expected_files.get(module.name)
    # No __file__: the module put another object in sys.modules, which is what importers get,
    # so that object is compared.  Another file: not the module verified, so nothing is.
    if expected_file is not None and seen.file is not None and seen.file != expected_file:
        return [
            finding(
                "ISP213",
                f"Python imported {module.name} from another file than the one verified; "
                "nothing of it was compared",
                expected=expected_file,
                found=seen.file,
            )
        ]
    findings: list[Finding] = []
    blocked: list[tuple[str, ...]] = []  # paths whose members cannot be looked at
    for item, runtime in zip(_expectations(module), seen.objects, strict=True):
        if any(item.path[: len(prefix)] == prefix for prefix in blocked):
            continue
        where = f"{module.name}:{join_path(item.path)}"
        problem = _object_finding(item, runtime)
        if problem is not None:
            code, message, expected, found = problem
            findings.append(finding(code, message, object=where, expected=expected, found=found))
            if isinstance(item.element, Class):  # absent, or not a class: no members to look at
                blocked.append(item.path)
    return findings


_Problem = tuple[FindingCode, str, str | None, str | None]


def _object_finding(item: _Expected, runtime: RuntimeObject) -> _Problem | None:
    element = item.element
    what = f"{noun(element)} {element.name}" if element is not None else f"name {item.path[-1]}"
    expected = element_text(element) if element is not None else None
    if runtime.state == "unknown":
        return "ISP213", f"{what} could not be looked at", None, runtime.problem
    if runtime.state == "absent" or (
        runtime.state == "annotated" and isinstance(element, (Function, Class))
    ):
        where = "listed in __all__ but " if element is None else ""
        return "ISP210", f"{what} is {where}absent once the module is imported", expected, None
    if runtime.state != "present" or element is None:
        return None
    if isinstance(element, Class):
        if runtime.kind == "class":
            return None
        found = _RUNTIME_NOUNS.get(runtime.kind, runtime.kind)
        return "ISP212", f"{what} is not a class at run time", "a class", found
    if isinstance(element, Function):
        return _function_finding(element, what, runtime)
    return None


def _function_finding(element: Function, what: str, runtime: RuntimeObject) -> _Problem | None:
    kind = element.kind
    if kind is FunctionKind.METHOD:
        kind = _IMPLICIT.get(element.name, kind)
    accepted = _ACCEPTED[kind]
    if element.name == "__new__":
        accepted |= _PLAIN_NEW
    if any(decorator_name(d) not in _MARKING_DECORATORS for d in element.decorators):
        accepted |= _REPLACEABLE
    if runtime.kind not in accepted:
        found = _RUNTIME_NOUNS.get(runtime.kind, runtime.kind)
        return "ISP212", f"{what} is another kind at run time", f"a {kind.value}", found
    if runtime.parameters is None:
        reason = runtime.problem or "no signature"
        return "ISP213", f"the signature of {what} cannot be read at run time", None, reason
    if _shape(runtime.parameters) == _shape(element.parameters):
        return None
    expected = element.name + _signature(element.parameters)
    found = element.name + _signature(runtime.parameters)
    return "ISP211", f"{what} has another signature at run time", expected, found


def _shape(parameters: Sequence[Parameter]) -> list[tuple[str, str, bool]]:
    """What is compared of a signature: names, kinds and which parameters have a default."""
    return [(p.name, p.kind.value, p.has_default) for p in parameters]


def _signature(parameters: Sequence[Parameter]) -> str:
    """``(a, /, b=..., *, c)``: the compared shape only, default values and annotations left out
    on both sides alike."""
    bare = [Parameter(p.name, p.kind, has_default=p.has_default) for p in parameters]
    return signature_text(bare, annotations=False)
