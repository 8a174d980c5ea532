"""Text for people: how objects, signatures, calls, deployments and findings read on one line.

Every message a comparison writes and every report line a reporter prints spells these things the
same way, so they are spelled once, here, from the model alone.  Nothing here judges anything:
comparisons decide, reporters lay out, and both borrow these words.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from hatch_importspy.findings import Finding
from hatch_importspy.model import (
    Attribute,
    AttributeScope,
    CallShape,
    Class,
    Deployment,
    Function,
    Parameter,
    ParameterKind,
    Variable,
)

Element = Function | Class | Variable | Attribute | Parameter
"""Anything :func:`element_text` and :func:`noun` can name."""

_STARS = {ParameterKind.VAR_POSITIONAL: "*", ParameterKind.VAR_KEYWORD: "**"}


def parameter_label(parameter: Parameter) -> str:
    """``x``, ``*args`` or ``**kwargs``: a parameter's name as a ``def`` line spells it."""
    return _STARS.get(parameter.kind, "") + parameter.name


def _bare_parameter(parameter: Parameter, *, annotations: bool) -> str:
    text = parameter_label(parameter)
    annotated = annotations and parameter.annotation is not None
    if annotated:
        text += f": {parameter.annotation}"
    if parameter.has_default:
        text += (" = " if annotated else "=") + (parameter.default or "...")
    return text


def parameter_text(parameter: Parameter) -> str:
    """``x: int = 1``, ``*args``, ``**kwargs``; keyword-only and positional-only say so."""
    text = _bare_parameter(parameter, annotations=True)
    if parameter.kind is ParameterKind.KEYWORD_ONLY:
        text += " (keyword-only)"
    elif parameter.kind is ParameterKind.POSITIONAL_ONLY:
        text += " (positional-only)"
    return text


def signature_text(parameters: Sequence[Parameter], *, annotations: bool = True) -> str:
    """``(a, /, b: int = 1, *, c)``: the parameter list as a ``def`` line writes it.

    ``annotations=False`` leaves annotations out (``(a, /, b=1, *, c)``), for messages about how a
    call binds, where only names, kinds and defaults matter.
    """
    parts: list[str] = []
    star_written = False
    for index, parameter in enumerate(parameters):
        if parameter.kind is ParameterKind.VAR_POSITIONAL:
            star_written = True
        if parameter.kind is ParameterKind.KEYWORD_ONLY and not star_written:
            parts.append("*")
            star_written = True
        parts.append(_bare_parameter(parameter, annotations=annotations))
        following = parameters[index + 1] if index + 1 < len(parameters) else None
        if parameter.kind is ParameterKind.POSITIONAL_ONLY and (
            following is None or following.kind is not ParameterKind.POSITIONAL_ONLY
        ):
            parts.append("/")
    return f"({', '.join(parts)})"


def element_text(element: Element) -> str:
    """A one-line rendering of an object, as it would read in source."""
    if isinstance(element, Parameter):
        return parameter_text(element)
    if isinstance(element, Function):
        decorators = "".join(f"@{decorator} " for decorator in element.decorators)
        prefix = "async def" if element.is_async else "def"
        returns = f" -> {element.returns}" if element.returns is not None else ""
        return f"{decorators}{prefix} {element.name}{signature_text(element.parameters)}{returns}"
    if isinstance(element, Class):
        decorators = "".join(f"@{decorator} " for decorator in element.decorators)
        bases = f"({', '.join(element.bases)})" if element.bases else ""
        return f"{decorators}class {element.name}{bases}"
    annotation = f": {element.annotation}" if element.annotation is not None else ""
    if isinstance(element, Attribute) and element.scope is AttributeScope.INSTANCE:
        return f"self.{element.name}{annotation}"
    return f"{element.name}{annotation}"


def noun(element: Element) -> str:
    """What to call an object in a message: ``method``, ``property``, ``instance attribute``..."""
    if isinstance(element, Parameter):
        return "parameter"
    if isinstance(element, Function):
        return element.kind.value
    if isinstance(element, Class):
        return "class"
    if isinstance(element, Attribute):
        return f"{element.scope.value} attribute"
    return "variable"


def call_text(name: str, call: CallShape) -> str:
    """``get(_, timeout=_)``: a call shape with every argument value left out."""
    pieces = ["_"] * call.positional
    if call.star_args:
        pieces.append("*...")
    pieces += [f"{keyword}=_" for keyword in call.keywords]
    if call.star_kwargs:
        pieces.append("**...")
    return f"{name}({', '.join(pieces)})"


def deployment_text(deployment: Deployment) -> str:
    """``x86_64 linux cpython 3.11 env TOKEN``: one deployment of a contract on one line."""
    pieces = [
        deployment.machine or "any machine",
        deployment.platform or "any platform",
        "/".join(deployment.interpreters) or "any interpreter",
        "/".join(deployment.pythons) or "any Python",
    ]
    if deployment.env:
        pieces.append("env " + ",".join(deployment.env))
    if deployment.modules:
        pieces.append("modules " + ",".join(deployment.modules))
    return " ".join(pieces)


def printable(text: str) -> str:
    """``text`` with each unprintable character (newline, escape, surrogate) escaped.

    Text from an environment under check (file names, messages quoting source) may be crafted: an
    escaped newline cannot forge a report line, an escaped escape sequence cannot move the cursor.
    """
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape", "backslashreplace").decode()
        for char in text
    )


def location(finding: Finding) -> str:
    """Where a finding is: the object path, else the file (with its line), else the module."""
    if finding.object:
        return finding.object
    if finding.file:
        return f"{finding.file}:{finding.line}" if finding.line else finding.file
    return finding.module or finding.distribution or "-"


def contrast(finding: Finding) -> str:
    """`` (expected X, found Y)`` with whichever of the two the finding has; empty for neither."""
    parts = []
    if finding.expected is not None:
        parts.append(f"expected {printable(finding.expected)}")
    if finding.found is not None:
        parts.append(f"found {printable(finding.found)}")
    return f" ({', '.join(parts)})" if parts else ""


def finding_line(finding: Finding) -> str:
    """``CODE severity where: message (expected X, found Y)`` on one line."""
    return (
        f"{finding.code} {finding.effective_severity.value} "
        f"{printable(location(finding))}: {printable(finding.message)}{contrast(finding)}"
    )


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the known word closest to a misspelt ``word``, else ``""``.

    Every file a user writes by hand (the hook table, a policy, a lock) answers an unknown key
    the same way, so a typo costs one read of the message rather than a look at the docs.
    """
    close = difflib.get_close_matches(word, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
