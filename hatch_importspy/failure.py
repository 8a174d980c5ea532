"""The one way an unexpected exception ends a command: one line on stderr and exit status 2.

Exit status 1 means "violations found", so a bug in the verifier must never end with it (a gate
would then fail for the wrong reason, or, worse, a wrapper that treats 1 as "findings to read"
would read nothing).  Every edge that runs a command -- :func:`hatch_importspy.cli.main`, the
console script, the pytest plugin's session hooks -- hands an exception it did not expect to
:func:`unexpected_failure`, which writes one line naming the command (and its input), the
exception's type and its message, and returns :data:`EXIT_UNUSABLE`.  ``--debug`` (a global
option of the command line) or ``IMPORTSPY_DEBUG=1`` in the environment adds the traceback.

Nothing but ``os``, ``sys`` and :mod:`traceback` (only when a traceback is asked for) is imported:
this runs when anything else may be broken.
"""

from __future__ import annotations

import os
import sys

EXIT_UNUSABLE = 2
"""The same value as :data:`hatch_importspy.report.summary.EXIT_UNUSABLE`, without its imports."""

DEBUG_VARIABLE = "IMPORTSPY_DEBUG"

_FALSE = ("", "0", "false", "no", "off")


def debug_requested(*, option: bool = False) -> bool:
    """Whether tracebacks are wanted: ``--debug``, or ``IMPORTSPY_DEBUG`` set and not false."""
    return option or os.environ.get(DEBUG_VARIABLE, "").strip().lower() not in _FALSE


def _printable(text: str) -> str:
    # Kept apart from hatch_importspy.render (which imports the model): the message may quote
    # anything, and must stay one line.
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape", "backslashreplace").decode()
        for char in text
    )


def failure_line(context: str, error: BaseException) -> str:
    """``importspy: error: CONTEXT: unexpected TYPE: MESSAGE (...)``, escaped to one line."""
    kind = type(error).__qualname__
    module = type(error).__module__
    if module not in ("builtins", "__main__"):
        kind = f"{module}.{kind}"
    message = str(error)
    detail = f"{kind}: {message}" if message else kind
    return _printable(
        f"importspy: error: {context}: unexpected {detail} "
        f"(a bug in hatch-importspy; --debug or {DEBUG_VARIABLE}=1 shows the traceback)"
    )


def unexpected_failure(context: str, error: BaseException, *, debug: bool = False) -> int:
    """Report ``error`` raised while running ``context`` and return :data:`EXIT_UNUSABLE`.

    ``debug`` (or :data:`DEBUG_VARIABLE`) writes the traceback before the line, so the line stays
    the last one on stderr either way.
    """
    stream = sys.stderr
    if stream is None:  # pythonw, a closed stream: the exit status must still say it
        return EXIT_UNUSABLE
    try:
        if debug_requested(option=debug):
            import traceback

            traceback.print_exception(type(error), error, error.__traceback__, file=stream)
        stream.write(failure_line(context, error) + "\n")
        stream.flush()
    except Exception:  # a report that cannot be written must not hide the status
        pass
    return EXIT_UNUSABLE


def command_context(command: str, inputs: list[str] | tuple[str, ...] = ()) -> str:
    """The command and its input for the failure line: ``verify acme-inventory``.

    At most three inputs are named (a long list would hide the rest of the line).
    """
    shown = [command, *inputs[:3]]
    return " ".join(shown) + (" ..." if len(inputs) > 3 else "")
