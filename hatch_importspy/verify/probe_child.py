"""The import probe: run *inside the target interpreter*, it imports modules and says what it sees.

``verify --import`` never imports the code it checks in its own process.  It starts the target
interpreter (``--python``, else its own executable) as ``python -I -S -B -c <this file>``
(:func:`hatch_importspy.verify.runtime_probe.probe_command`), hands it the request on standard
input and reads the answer from standard output.  The target may not have hatch-importspy
installed, so this file imports only the standard library and nothing from its own package, and
keeps to Python 3.7 syntax (the verifier may be newer than the target).

What it does, in this order, and why:

1. Take the references it needs (``json.dumps``, ``os.write``, ...) and the answer's file
   descriptor before any code of the environment runs: the code it imports could rebind them.
   (It can still lie: it runs in this process.  ``--import`` checks honest code for what static
   reading cannot see -- decorators, import-time patching -- and is no defence against hostile
   code; the static checks are.)
2. Read the whole request from standard input, then put ``/dev/null`` on it and point file
   descriptor 1 at standard error, so an imported module that reads input gets EOF and one that
   prints cannot corrupt the answer.
3. Run ``site.main()``: started with ``-I -S``, the interpreter has not processed its site
   directories yet; now it does, as a plain ``python -I`` start would (``.pth`` files included),
   so the modules are found where a normal start finds them.
4. Import every requested module, one at a time, catching everything (``SystemExit`` too): a
   module that fails is answered with its exception's type and first line.  Each answer is
   written and flushed at once, so if the process dies the launcher knows which import killed it.
5. Only after *all* imports, inspect: a module imported later may change one imported earlier
   (``del pkg.api.helper``), and that is the state a program sees.
6. End with ``os._exit``: threads the modules started and their ``atexit`` handlers are not
   waited for.

Protocol (one JSON value per line on the answer descriptor):

- request (stdin): ``{"modules": [[name, [[path, signature], ...]], ...]}``, ``path`` a list of
  attribute names from the module (``["Client", "get"]``), ``signature`` whether to read one;
- ``{"ready": python_version}`` once the request is read;
- ``{"site": null | error}`` after ``site.main()``;
- ``{"imported": name, "error": null, "file": __file__ | null}`` per module imported, or
  ``{"imported": name, "error": [type, first line], "missing": module | null}`` when importing it
  raised (``missing``: the module a ``ModuleNotFoundError`` names);
- ``{"inspected": name, "objects": [answer, ...]}`` per imported module, ``answer`` being
  ``[state, kind, parameters | null, problem | null]`` for each requested path, in order:
  ``state`` is ``present``, ``annotated`` (only an annotation names it: ``x: int`` binds
  nothing), ``absent``, or ``unknown`` (looking failed: ``problem`` says how); ``kind`` one of
  :data:`KINDS`; ``parameters`` a list of ``[name, kind, has_default]`` (``inspect.Parameter``
  kind names); ``problem`` why no signature could be read;
- ``{"done": true}``.

Texts are cut to :data:`TEXT_LIMIT` characters (a file name longer than :data:`PATH_LIMIT` is
left out) and parameter lists to :data:`PARAMETER_LIMIT`, so the answer's size is bounded by the
request's.
"""

from __future__ import annotations

import enum
import inspect
import json
import os
import sys
import types

GUARD = "_importspy_guard"
"""The module name the import guard runs as (``verify --import`` starts the probe under it)."""
TEXT_LIMIT = 300
PATH_LIMIT = 4096
PARAMETER_LIMIT = 512
KINDS = (
    "class",
    "function",
    "classmethod",
    "staticmethod",
    "property",
    "callable",
    "descriptor",
    "value",
    "absent",
)
"""How an object is classified: ``function`` covers Python functions and built-in routines,
``callable`` any other callable object (an ``lru_cache`` wrapper, a ``functools.partial``),
``descriptor`` a non-callable object whose type has ``__get__`` (``functools.cached_property``,
``singledispatchmethod``), ``value`` anything else."""

_ROUTINE_TYPES = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    types.ClassMethodDescriptorType,
)
_MISSING = object()


def _cut(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "\u2026"


def _error_text(error: BaseException) -> list[str]:
    """``[type name, first line of the message]`` of an exception."""
    try:
        message = str(error)
    except Exception:  # a broken __str__ must not stop the probe
        message = "<unprintable message>"
    lines = message.strip().splitlines()
    return [_cut(type(error).__name__), _cut(lines[0] if lines else "")]


def _missing_module(error: BaseException) -> str | None:
    """The module a ``ModuleNotFoundError`` could not find, when it says."""
    name = getattr(error, "name", None) if isinstance(error, ModuleNotFoundError) else None
    return _cut(name) if isinstance(name, str) else None


def kind_of(value: object) -> str:
    """The :data:`KINDS` entry for an object as stored (in a class ``__dict__`` or a module)."""
    if isinstance(value, type):
        return "class"
    if isinstance(value, classmethod):
        return "classmethod"
    if isinstance(value, staticmethod):
        return "staticmethod"
    if isinstance(value, property):
        return "property"
    if isinstance(value, _ROUTINE_TYPES):
        return "function"
    try:
        if callable(value):
            return "callable"
        if hasattr(type(value), "__get__"):
            return "descriptor"
    except Exception:
        pass
    return "value"


def _function_of(value: object, kind: str) -> object:
    """What to read the call shape from: the function inside a method wrapper or property."""
    if kind in ("classmethod", "staticmethod"):
        return getattr(value, "__func__", _MISSING)
    if kind == "property":
        return getattr(value, "fget", None) or _MISSING
    if kind == "descriptor":  # cached_property and singledispatchmethod keep it in ``func``
        for name in ("func", "fget", "__func__", "__wrapped__"):
            found = getattr(value, name, None)
            if found is not None and callable(found):
                return found
        return _MISSING
    return value


def parameters_of(value: object, kind: str) -> tuple[list[list[object]] | None, str | None]:
    """``(parameters, problem)``: the call shape :func:`inspect.signature` reports, as
    ``[name, kind, has_default]`` lists, or ``None`` and why it cannot be read."""
    function = _function_of(value, kind)
    if function is _MISSING or not callable(function):
        return None, "no function to inspect"
    try:
        signature = inspect.signature(function)  # follows __wrapped__, as callers' tools do
    except Exception as error:
        kind, message = _error_text(error)
        return None, _cut(f"{kind}: {message}")
    parameters = []
    for parameter in list(signature.parameters.values())[:PARAMETER_LIMIT]:
        has_default = parameter.default is not inspect.Parameter.empty
        parameters.append([_cut(parameter.name), parameter.kind.name, has_default])
    return parameters, None


def _annotations(owner: object) -> dict[str, object]:
    """The annotations an object's own namespace holds, without evaluating them."""
    try:
        namespace = object.__getattribute__(owner, "__dict__")
        found = namespace.get("__annotations__")
        if found is None and "__annotate__" in namespace:  # 3.14: lazily evaluated annotations
            import annotationlib  # type: ignore[import-not-found,unused-ignore]

            forward = annotationlib.Format.FORWARDREF
            found = annotationlib.get_annotations(owner, format=forward)
    except Exception:
        return {}
    return found if isinstance(found, dict) else {}


_ENUM_NEW = ("_new_member_", "__new_member__")
"""Where an enum keeps the ``__new__`` its class body wrote (3.11+, 3.10): ``EnumMeta`` puts
``Enum.__new__`` in its place once the members are made."""


def _class_lookup(owner: type, name: str) -> object:
    """A class member as stored: the class's own ``__dict__`` along the MRO, then the metaclass's,
    then (for what a metaclass ``__getattr__`` supplies, such as an older enum's members) plain
    ``getattr``.  :data:`_MISSING` when none has it."""
    if name == "__new__" and isinstance(owner, enum.EnumMeta):
        namespace = owner.__dict__
        for kept in _ENUM_NEW:
            if kept in namespace and "__new__" in namespace:
                return namespace[kept]
    try:
        return inspect.getattr_static(owner, name)
    except AttributeError:
        pass
    except Exception:
        return _MISSING
    try:
        return getattr(owner, name)
    except BaseException:
        return _MISSING


def _module_lookup(module: object, name: str) -> object:
    namespace = getattr(module, "__dict__", {})
    if name in namespace:
        return namespace[name]
    try:  # a module-level __getattr__ supplies it
        return getattr(module, name)
    except BaseException:
        return _MISSING


def _annotated_in_class(owner: type, name: str) -> bool:
    return any(name in _annotations(klass) for klass in getattr(owner, "__mro__", (owner,)))


def inspect_path(module: object, path: list[str], want_signature: bool) -> list[object]:
    """The answer for one requested path (see the module docstring)."""
    owner: object = module
    value: object = _MISSING
    for index, name in enumerate(path):
        if index == 0:
            value = _module_lookup(owner, name)
            annotated = value is _MISSING and name in _annotations(owner)
        elif isinstance(owner, type):
            value = _class_lookup(owner, name)
            annotated = value is _MISSING and _annotated_in_class(owner, name)
        else:  # the path goes through something that is not a class: nothing to look in
            return ["absent", "absent", None, None]
        if value is _MISSING:
            state = "annotated" if annotated and index == len(path) - 1 else "absent"
            return [state, "absent", None, None]
        owner = value
    kind = kind_of(value)
    parameters: list[list[object]] | None = None
    problem: str | None = None
    if want_signature and kind not in ("class", "value"):
        parameters, problem = parameters_of(value, kind)
    return ["present", kind, parameters, problem]


class _Answer:
    """The answer channel: a file descriptor written with ``os.write``, taken before any code of
    the environment runs."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor = descriptor
        self.dumps = json.dumps
        self.write = os.write

    def send(self, value: object) -> None:
        data = (self.dumps(value) + "\n").encode("utf-8", "backslashreplace")
        while data:
            data = data[self.write(self.descriptor, data) :]


def _isolate_standard_streams() -> int:
    """Move the answer off file descriptor 1 and put ``/dev/null`` on 0, stderr on 1; returns the
    answer's descriptor."""
    answer = os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    return answer


def main() -> None:
    """Run the probe: request on stdin, answer on (the original) stdout."""
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    answer = _Answer(_isolate_standard_streams())
    modules = [(str(name), list(paths)) for name, paths in request["modules"]]
    answer.send({"ready": ".".join(str(part) for part in sys.version_info[:3])})
    try:
        if GUARD not in sys.modules:  # under the import guard, site has run through it already
            import site

            site.main()
        answer.send({"site": None})
    except BaseException as error:
        answer.send({"site": _error_text(error)})
        os._exit(0)
    import importlib

    imported = {}
    for name, _ in modules:
        try:
            module = importlib.import_module(name)
        except BaseException as error:
            missing = _missing_module(error)
            answer.send({"imported": name, "error": _error_text(error), "missing": missing})
            continue
        imported[name] = module
        file = getattr(module, "__file__", None)
        file = file if isinstance(file, str) and len(file) <= PATH_LIMIT else None
        answer.send({"imported": name, "error": None, "file": file})
    for name, paths in modules:
        if name not in imported:
            continue
        objects = []
        for path, want_signature in paths:
            try:
                objects.append(inspect_path(imported[name], list(path), bool(want_signature)))
            except BaseException as error:  # the probe's own failure costs one object, not all
                kind, message = _error_text(error)
                problem = _cut(f"the probe failed: {kind}: {message}")
                objects.append(["unknown", "value", None, problem])
        answer.send({"inspected": name, "objects": objects})
    answer.send({"done": True})
    os._exit(0)


if __name__ == "__main__":
    main()
