"""ISP341: does a console-script wrapper call exactly the recorded ``module:attr`` and nothing else?

Installers (pip through distlib, ``installer``) write one small Python file per console or GUI
script into the scripts directory, after a shebang line naming the environment's interpreter::

    import re
    import sys
    from MOD import NAME
    if __name__ == '__main__':
        sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
        sys.exit(NAME.REST())

uv writes the same wrapper with the ``argv[0]`` clean-up spelled as suffix trims (and no ``re``)::

    import sys
    from MOD import NAME
    if __name__ == "__main__":
        if sys.argv[0].endswith("-script.pyw"):
            sys.argv[0] = sys.argv[0][:-11]
        elif sys.argv[0].endswith(".exe"):
            sys.argv[0] = sys.argv[0][:-4]
        sys.exit(NAME())

The wrapper is read statically (``ast``; it is never run) and must have exactly that shape: the
``re``/``sys`` imports, one ``from MOD import NAME``, and under the ``__main__`` guard the optional
``argv[0]`` clean-up (either spelling) with constant arguments and ``sys.exit`` of a call without
arguments of
``NAME`` or an attribute chain on it.  A leading string expression is allowed: for an interpreter
path too long for a shebang, distlib writes a ``/bin/sh`` trampoline whose second line is a Python
string.  The shebang and that trampoline choose the interpreter; they are held by the wrapper's
RECORD hash, not here.  Anything else is a finding.  Pure: bytes in, findings out.
"""

from __future__ import annotations

import ast

from hatch_importspy.compare.syntax import attribute_chain
from hatch_importspy.findings import Finding
from hatch_importspy.formats.entry_points import ObjectReference


def wrapper_call(source: bytes) -> ObjectReference | str:
    """The ``module:attr`` a wrapper calls, or the one-line reason it is not a plain wrapper."""
    try:
        tree = ast.parse(source, filename="<wrapper>")
    except (SyntaxError, ValueError) as error:
        return f"not Python source: {error}"
    except RecursionError:
        return "nested too deeply to read"
    body = list(tree.body)
    if body and _is_string(body[0]):
        body = body[1:]
    imported: tuple[str, str] | None = None
    guard: ast.If | None = None
    for statement in body:
        if guard is not None:
            return _unexpected(statement)
        if isinstance(statement, ast.Import) and all(
            alias.name in ("re", "sys") and alias.asname is None for alias in statement.names
        ):
            continue
        if (
            isinstance(statement, ast.ImportFrom)
            and imported is None
            and statement.level == 0
            and statement.module is not None
            and len(statement.names) == 1
            and statement.names[0].asname is None
            and statement.names[0].name != "*"
        ):
            imported = (statement.module, statement.names[0].name)
            continue
        if isinstance(statement, ast.If) and imported is not None and _is_main_guard(statement):
            guard = statement
            continue
        return _unexpected(statement)
    if imported is None or guard is None:
        return "no 'from MOD import NAME' followed by an 'if __name__ == \"__main__\"' block"
    return _guarded_call(guard, imported)


def _guarded_call(guard: ast.If, imported: tuple[str, str]) -> ObjectReference | str:
    statements = list(guard.body)
    if statements and _is_argv_cleanup(statements[0]):
        statements = statements[1:]
    if not statements:
        return _unexpected(guard)
    call = statements[0]
    if not (
        isinstance(call, ast.Expr)
        and isinstance(call.value, ast.Call)
        and _dotted(call.value.func) == "sys.exit"
        and len(call.value.args) == 1
        and not call.value.keywords
        and isinstance(call.value.args[0], ast.Call)
        and not call.value.args[0].args
        and not call.value.args[0].keywords
    ):
        return _unexpected(call)
    target = _dotted(call.value.args[0].func)
    module, name = imported
    if target is None or target.partition(".")[0] != name:
        return _unexpected(call)
    if len(statements) > 1:
        return _unexpected(statements[1])
    return ObjectReference(module, target)


def _is_string(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _is_main_guard(statement: ast.If) -> bool:
    test = statement.test
    return (
        not statement.orelse
        and isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _is_argv0(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Subscript)
        and _dotted(node.value) == "sys.argv"
        and isinstance(node.slice, ast.Constant)
        and node.slice.value == 0
        and not isinstance(node.slice.value, bool)
    )


def _is_argv_cleanup(statement: ast.stmt) -> bool:
    """``sys.argv[0] = re.sub(<str>, <str>, sys.argv[0])``, or uv's chain of suffix trims."""
    if _is_suffix_trims(statement):
        return True
    if not (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and _is_argv0(statement.targets[0])
    ):
        return False
    value = statement.value
    return (
        isinstance(value, ast.Call)
        and _dotted(value.func) == "re.sub"
        and not value.keywords
        and len(value.args) == 3
        and all(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in value.args[:2]
        )
        and _is_argv0(value.args[2])
    )


def _is_suffix_trims(statement: ast.stmt) -> bool:
    """``if sys.argv[0].endswith(<str>): sys.argv[0] = sys.argv[0][:-<int>]``, with ``elif``s of
    the same shape and no ``else``: nothing in it can run other code or reach past ``argv[0]``."""
    if not isinstance(statement, ast.If) or len(statement.body) != 1:
        return False
    test, trim = statement.test, statement.body[0]
    if not (
        isinstance(test, ast.Call)
        and isinstance(test.func, ast.Attribute)
        and test.func.attr == "endswith"
        and _is_argv0(test.func.value)
        and not test.keywords
        and len(test.args) == 1
        and isinstance(test.args[0], ast.Constant)
        and isinstance(test.args[0].value, str)
    ):
        return False
    if not (
        isinstance(trim, ast.Assign)
        and len(trim.targets) == 1
        and _is_argv0(trim.targets[0])
        and isinstance(trim.value, ast.Subscript)
        and _is_argv0(trim.value.value)
        and isinstance(trim.value.slice, ast.Slice)
        and trim.value.slice.lower is None
        and trim.value.slice.step is None
        and isinstance(trim.value.slice.upper, ast.UnaryOp)
        and isinstance(trim.value.slice.upper.op, ast.USub)
        and isinstance(trim.value.slice.upper.operand, ast.Constant)
        and type(trim.value.slice.upper.operand.value) is int
    ):
        return False
    if not statement.orelse:
        return True
    return len(statement.orelse) == 1 and _is_suffix_trims(statement.orelse[0])


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a name or an attribute chain on one; ``None`` for anything else."""
    chain = attribute_chain(node)
    return None if chain is None else ".".join(chain)


def _unexpected(node: ast.stmt) -> str:
    text = ast.unparse(node)
    first = text.splitlines()[0] if text else type(node).__name__
    more = " ..." if "\n" in text else ""
    return f"line {node.lineno}: unexpected statement {first}{more}"


def wrapper_findings(
    distribution: str,
    script: str,
    expected: ObjectReference,
    *,
    file: str,
    source: bytes,
    digest: str,
    stated: str | None,
) -> list[Finding]:
    """ISP341 for the wrapper of ``script`` at ``file``: ``source`` and its sha256 ``digest``
    against the recorded ``expected`` reference and the sha256 RECORD ``stated`` (``None``: not
    listed, or listed without one; the caller says so)."""
    called = wrapper_call(source)
    if isinstance(called, str):
        return [
            Finding(
                "ISP341",
                distribution,
                f"the wrapper of script {script} is not a plain entry-point wrapper: {called}",
                file=file,
                object=script,
                expected=f"sys.exit({expected.attr}()) from {expected.module}",
                found=called,
            )
        ]
    if called != expected:
        return [
            Finding(
                "ISP341",
                distribution,
                f"the wrapper of script {script} runs {called}, not {expected} as the manifest "
                "records",
                file=file,
                object=script,
                expected=str(expected),
                found=str(called),
            )
        ]
    if stated is not None and stated != digest:
        return [
            Finding(
                "ISP341",
                distribution,
                f"the wrapper of script {script} changed since it was installed (its shebang or "
                "code differs from its RECORD row)",
                file=file,
                object=script,
                expected=stated,
                found=digest,
            )
        ]
    return []
