"""The first line of a ``.data/scripts/`` file, as a wheel carries it and as an installer writes it.

A wheel's script whose shebang names Python carries ``#!python`` (the builder rewrote it, see
:func:`wheel_script_bytes`); on install the installer replaces that line with a launcher naming
the environment's interpreter.  Two launchers are in use:

- ``#!/path/to/python`` (pip; flags after ``#!python`` are dropped), and
- for interpreter paths a shebang cannot hold (too long, spaces), a ``/bin/sh`` line followed by
  ``'''exec' "/path/to/python" "$0" "$@"`` and ``' '''`` (the ``installer`` library, uv).

So an installed script is held against the manifest's digest by taking its launcher off and
putting ``#!python`` back: the body must be byte-identical, and the launcher must name the
interpreter of the environment (checked by the caller's ``allowed``), or a script edited to run
another program would pass.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

SHEBANG_LIMIT = 256
"""A first line at least this long without its end is not a working shebang; it is kept as is."""

_PYTHON_SHEBANG = re.compile(rb"^#!.*(?:pythonw?|pypyw?)[0-9.]*(.*)", flags=re.DOTALL)
_SH_EXEC = re.compile(rb"""^'''exec' (?P<quote>['"])(?P<interpreter>.+)(?P=quote) "\$0" "\$@"$""")


def wheel_script_bytes(content: bytes) -> bytes:
    """A script as a wheel builder stores it: a shebang naming Python becomes ``#!python``
    followed by whatever came after the interpreter's name (its flags, the line end).

    This is the rule of the wheel specification's "recommended" builder behaviour, and the one
    hatchling applies to ``shared-scripts``; the build hook's self-check against RECORD catches a
    builder that would store other bytes.
    """
    if not content.startswith(b"#!"):
        return content
    end = content.find(b"\n")
    line = content if end < 0 else content[: end + 1]
    if len(line) >= SHEBANG_LIMIT and not line.endswith(b"\n"):
        return content
    match = _PYTHON_SHEBANG.match(line)
    if match is None:
        return content
    return b"#!python" + match.group(1) + content[len(line) :]


def split_launcher(content: bytes) -> tuple[str, bytes, bytes] | None:
    """``(interpreter, flags, body)`` of an installed script, ``None`` without a launcher.

    ``flags`` is what followed the interpreter on a one-line shebang (empty for pip's).
    """
    if not content.startswith(b"#!"):
        return None
    lines = content.split(b"\n", 3)
    first = lines[0].rstrip(b"\r")
    if first == b"#!/bin/sh" and len(lines) == 4:
        match = _SH_EXEC.match(lines[1].rstrip(b"\r"))
        if match is not None and lines[2].rstrip(b"\r") == b"' '''":
            return _text(match.group("interpreter")), b"", lines[3]
    body = content[len(lines[0]) + 1 :] if len(lines) > 1 else b""
    command = first[2:].strip()
    interpreter, _, flags = command.partition(b" ")
    return _text(interpreter), flags.strip(), body


def installed_script_digest(content: bytes, *, wanted: str, allowed: Callable[[str], bool]) -> str:
    """The digest to hold against the manifest's ``wanted`` for an installed script.

    ``wanted`` itself when the file is the wheel's copy with the installer's launcher in place
    of ``#!python`` and that launcher names an interpreter ``allowed`` accepts; otherwise the
    file's own sha256 (which differs: a finding).
    """
    actual = hashlib.sha256(content).hexdigest()
    if actual == wanted:
        return actual
    parts = split_launcher(content)
    if parts is None:
        return actual
    interpreter, flags, body = parts
    if not allowed(interpreter):
        return actual
    heads = [b"#!python\n", b"#!python\r\n"]
    if flags:
        heads.append(b"#!python " + flags + b"\n")
    for head in heads:
        if hashlib.sha256(head + body).hexdigest() == wanted:
            return wanted
    return actual


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")
