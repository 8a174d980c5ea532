"""The expectations of a manifest as people read them, for ``python -m importspy show``.

The manifest's ``expects`` field spells call shapes out as counts and keyword lists, which is what
a program wants; a person wants ``safe_load(_, Loader=_)``.  ``show`` prints this rendering after
the manifest, as YAML comment lines, so that its output stays the manifest document itself: it
can still be saved, diffed or read back as a baseline, and the reading aid costs nothing there.

Everything printed comes from the manifest, which may come from an untrusted wheel: each line is
escaped like the text report's (:func:`~hatch_importspy.report.text.printable`), so nothing in
it can end the comment and forge YAML after it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from hatch_importspy.model import (
    Attribute,
    Class,
    Expectation,
    ExpectedName,
    Function,
    FunctionKind,
    SpyModel,
    Variable,
    top_level,
)
from hatch_importspy.render import call_text, deployment_text, printable, signature_text

INDENT = "  "
HEADING = "expects, as the code uses it (verify holds each line against the installed provider):"


def render_expectations(model: SpyModel) -> str:
    """YAML comment lines describing ``model.expects``; empty when there is none."""
    if not model.expects:
        return ""
    lines = [HEADING]
    for expectation in model.expects:
        lines.extend(expectation_lines(expectation, model.requires))
    return "".join(f"# {printable(line)}\n" for line in lines)


def expectation_lines(expectation: Expectation, requires: Sequence[str] = ()) -> list[str]:
    """One expectation: a heading line, then one line per name, call or deployment.

    ``requires`` are the manifest's ``Requires-Dist`` values: with them an unknown provider
    says why it is unknown.
    """
    provider = provider_text(expectation, requires)
    origin = (
        "inferred from the code"
        if expectation.origin == "inferred"
        else f"contract {expectation.origin}"
    )
    lines = [f"{INDENT}{expectation.module} ({provider}; {origin})"]
    body: list[str] = []
    for name in expectation.names:
        body.extend(name_lines(name))
    body.extend(f"deployment: {deployment_text(d)}" for d in expectation.deployments)
    if not body:
        body.append("(imported; no name of it is used)")
    lines.extend(f"{INDENT * 2}{line}" for line in body)
    return lines


def provider_text(expectation: Expectation, requires: Sequence[str]) -> str:
    """Who provides the module: a distribution seen installing it, one only named like it in
    ``Requires-Dist``, or nobody known, and then why (the build found no distribution
    installing it, so it was down to the ``Requires-Dist`` names)."""
    if expectation.distribution is not None:
        if expectation.distribution_from_requires:
            return f"provider {expectation.distribution} (from Requires-Dist)"
        return expectation.distribution
    if not requires:
        return "provider unknown: no Requires-Dist"
    # Asked only here: the inference package is not worth importing for every ``show``.
    from hatch_importspy.describe.infer.distributions import requirement_resolver

    if requirement_resolver(requires)(top_level(expectation.module)) is None:
        return "provider unknown: no Requires-Dist name matches"
    return "provider unknown: not attributed when built"  # a manifest older than the rule


def name_lines(name: ExpectedName) -> Iterator[str]:
    """``get(_, timeout=_)`` for each call shape, a contract's stated shape, or the bare name."""
    if name.function is not None:
        yield function_text(name.function, prefix=name.name.rpartition(".")[0])
    elif name.cls is not None:
        yield from class_lines(name.cls, prefix=name.name.rpartition(".")[0])
    elif name.variable is not None:
        yield variable_text(name.name, name.variable)
    elif name.calls:
        yield from (call_text(name.name, call) for call in name.calls)
    elif name.kind in ("any", "callable"):
        yield name.name
    else:
        yield f"{name.kind} {name.name}"


def function_text(function: Function, *, prefix: str = "") -> str:
    """``def get(url: str, params=None, **kwargs) -> Response`` as a contract states it."""
    plain = function.kind in (FunctionKind.FUNCTION, FunctionKind.METHOD)
    decorator = "" if plain else f"@{function.kind.value} "
    name = f"{prefix}.{function.name}" if prefix else function.name
    returns = f" -> {function.returns}" if function.returns else ""
    asynchronous = "async " if function.is_async else ""
    return f"{decorator}{asynchronous}def {name}{signature_text(function.parameters)}{returns}"


def class_lines(cls: Class, *, prefix: str = "") -> Iterator[str]:
    """``class Session(Base)`` and, indented, the members a contract states."""
    name = f"{prefix}.{cls.name}" if prefix else cls.name
    bases = f"({', '.join(cls.bases)})" if cls.bases else ""
    yield f"class {name}{bases}"
    for attribute in cls.attributes:
        yield f"{INDENT}{_attribute_text(attribute)}"
    for method in cls.methods:
        yield f"{INDENT}{function_text(method)}"
    for nested in cls.classes:
        yield from (f"{INDENT}{line}" for line in class_lines(nested))


def variable_text(name: str, variable: Variable) -> str:
    """``variable TIMEOUT: float``."""
    annotation = f": {variable.annotation}" if variable.annotation else ""
    return f"variable {name}{annotation}"


def _attribute_text(attribute: Attribute) -> str:
    annotation = f": {attribute.annotation}" if attribute.annotation else ""
    return f"{attribute.scope.value} attribute {attribute.name}{annotation}"
