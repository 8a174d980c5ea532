"""The import probe's wire format: the request written to it, and its answer read back as data.

The probe (:mod:`hatch_importspy.verify.probe_child`) runs in the target interpreter and speaks
JSON lines; this module is the verifier's side of that protocol and nothing else.  The answer
comes from a process that has just run the environment's code, so it is read as untrusted
input: every value is checked for type and shape, and anything else is a
:class:`ProbeAnswerError`, never a crash.  An answer cut short (the process died or ran out of
time) is still decoded as far as it goes, so that the launcher can say which import it died in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.model import Parameter, ParameterKind

STATES = ("present", "annotated", "absent", "unknown")
"""What the probe found at a path (see :mod:`~hatch_importspy.verify.probe_child`)."""
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
"""How the probe classifies an object (its ``KINDS``, repeated here: the probe imports nothing of
ours, and a test holds the two equal)."""

_PARAMETER_KINDS = {
    "POSITIONAL_ONLY": ParameterKind.POSITIONAL_ONLY,
    "POSITIONAL_OR_KEYWORD": ParameterKind.POSITIONAL_OR_KEYWORD,
    "VAR_POSITIONAL": ParameterKind.VAR_POSITIONAL,
    "KEYWORD_ONLY": ParameterKind.KEYWORD_ONLY,
    "VAR_KEYWORD": ParameterKind.VAR_KEYWORD,
}


class ProbeAnswerError(UnusableInputError):
    """The probe answered something that is not its protocol."""


@dataclass(frozen=True)
class ObjectQuery:
    """One object to look at: its attribute path from the module, and whether to read a
    signature."""

    path: tuple[str, ...]
    signature: bool


@dataclass(frozen=True)
class ModuleQuery:
    """One module to import, and the objects to look at in it."""

    name: str
    objects: tuple[ObjectQuery, ...]


@dataclass(frozen=True)
class RuntimeObject:
    """What the probe saw at one requested path."""

    state: str
    """One of :data:`STATES`."""
    kind: str
    """One of :data:`KINDS`."""
    parameters: tuple[Parameter, ...] | None = None
    """The signature :func:`inspect.signature` reported (names, kinds, whether a default exists;
    no annotation or default text), or ``None`` when none was asked for or could be read."""
    problem: str | None = None
    """Why no signature could be read, or why looking failed (state ``unknown``)."""


@dataclass(frozen=True)
class RuntimeModule:
    """What the probe saw of one module."""

    name: str
    error: tuple[str, str] | None
    """The exception importing it raised: its type name and the first line of its message."""
    file: str | None
    """Its ``__file__`` once imported."""
    missing: str | None = None
    """The module a ``ModuleNotFoundError`` named, when that is what importing it raised."""
    objects: tuple[RuntimeObject, ...] = ()
    """One per :attr:`ModuleQuery.objects`, in order (empty when the import failed)."""


@dataclass(frozen=True)
class ProbeAnswer:
    """Everything the probe said, as far as it got."""

    python: str | None
    """The probe's Python version, once it had read the request."""
    site_ran: bool
    """The probe reported on ``site.main()`` (see :attr:`site_error`)."""
    site_error: tuple[str, str] | None
    """``site.main()`` raised this: the probe stopped there."""
    modules: Mapping[str, RuntimeModule]
    """By name: every module whose import was answered (objects once inspected)."""
    complete: bool
    """The probe said it was done."""

    def importing(self, queries: Sequence[ModuleQuery]) -> str | None:
        """The module being imported when the answer stopped: the first without an answer."""
        return next((query.name for query in queries if query.name not in self.modules), None)


def encode_request(queries: Iterable[ModuleQuery]) -> bytes:
    """The request the probe reads on standard input."""
    modules = [
        [query.name, [[list(item.path), item.signature] for item in query.objects]]
        for query in queries
    ]
    return json.dumps({"modules": modules}).encode("utf-8")


def decode_answer(lines: Iterable[str], queries: Sequence[ModuleQuery]) -> ProbeAnswer:
    """The probe's answer lines as a :class:`ProbeAnswer`.

    An answer that breaks off is decoded up to where it stops (:attr:`ProbeAnswer.complete` is
    then false); a line that is not the protocol raises :class:`ProbeAnswerError`.
    """
    wanted = {query.name: query for query in queries}
    python: str | None = None
    site_ran = False
    site_error: tuple[str, str] | None = None
    modules: dict[str, RuntimeModule] = {}
    complete = False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except ValueError:
            raise ProbeAnswerError(f"answer line {number} is not JSON") from None
        if not isinstance(message, dict) or len(message) == 0:
            raise ProbeAnswerError(f"answer line {number} is not an object")
        if "ready" in message:
            python = _text(message["ready"], number)
        elif "site" in message:
            site_ran, site_error = True, _error(message["site"], number)
        elif "imported" in message:
            name = _text(message["imported"], number)
            if name not in wanted or name in modules:
                raise ProbeAnswerError(f"answer line {number}: unexpected module {name!r}")
            file, missing = message.get("file"), message.get("missing")
            if not all(value is None or isinstance(value, str) for value in (file, missing)):
                raise ProbeAnswerError(f"answer line {number}: file or missing is not text")
            error = _error(message.get("error"), number)
            modules[name] = RuntimeModule(name, error, file, missing)
        elif "inspected" in message:
            name = _text(message["inspected"], number)
            if name not in modules or modules[name].error is not None or modules[name].objects:
                raise ProbeAnswerError(f"answer line {number}: unexpected module {name!r}")
            objects = _objects(message.get("objects"), len(wanted[name].objects), number)
            module = modules[name]
            modules[name] = RuntimeModule(name, None, module.file, None, objects)
        elif message.get("done") is True:
            complete = True
        else:
            raise ProbeAnswerError(f"answer line {number} is not part of the protocol")
    return ProbeAnswer(python, site_ran, site_error, modules, complete)


def _text(value: object, number: int) -> str:
    if not isinstance(value, str):
        raise ProbeAnswerError(f"answer line {number}: expected text")
    return value


def _error(value: object, number: int) -> tuple[str, str] | None:
    if value is None:
        return None
    if isinstance(value, list) and len(value) == 2 and all(isinstance(part, str) for part in value):
        return (value[0], value[1])
    raise ProbeAnswerError(f"answer line {number}: malformed error")


def _objects(value: object, count: int, number: int) -> tuple[RuntimeObject, ...]:
    if not isinstance(value, list) or len(value) != count:
        raise ProbeAnswerError(f"answer line {number}: expected {count} objects")
    return tuple(_object(item, number) for item in value)


def _object(value: object, number: int) -> RuntimeObject:
    if not (isinstance(value, list) and len(value) == 4):
        raise ProbeAnswerError(f"answer line {number}: malformed object")
    state, kind, parameters, problem = value
    if state not in STATES or kind not in KINDS:
        raise ProbeAnswerError(f"answer line {number}: unknown state or kind")
    if problem is not None and not isinstance(problem, str):
        raise ProbeAnswerError(f"answer line {number}: malformed problem")
    return RuntimeObject(state, kind, _parameters(parameters, number), problem)


def _parameters(value: object, number: int) -> tuple[Parameter, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise ProbeAnswerError(f"answer line {number}: malformed signature")
    parameters = []
    for item in value:
        if not (
            isinstance(item, list)
            and len(item) == 3
            and isinstance(item[0], str)
            and item[1] in _PARAMETER_KINDS
            and isinstance(item[2], bool)
        ):
            raise ProbeAnswerError(f"answer line {number}: malformed parameter")
        parameters.append(Parameter(item[0], _PARAMETER_KINDS[item[1]], has_default=item[2]))
    return tuple(parameters)
