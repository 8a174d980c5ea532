"""``python -m importspy run``: start the target interpreter with the guard in place first.

The target is started as ``PYTHON -I -S [flags] -c STUB FD``.  ``-I`` keeps ``PYTHONPATH``, the
user site and every other ``PYTHON*`` variable from putting code ahead of the guard; ``-S``
keeps ``site`` (and so every ``.pth`` file and ``sitecustomize``) from running before it.  The
stub reads one JSON document from the inherited descriptor ``FD`` -- the guard's source
(:mod:`.boot`, this installation's own copy, never the target's), the table (:mod:`.table`) and
the application to run -- compiles the guard and hands over to :func:`.boot.main`.  On POSIX
the descriptor is an anonymous, sealed memory file (a deleted temporary file where
``memfd_create`` is missing) and this process *becomes* the target (``exec``): signals, the
exit status and the process id are the application's own, as a container's entry point needs.

``-I`` also drops the variables that only tune the interpreter; the common ones are passed on as
the options that mean the same (:func:`environment_flags`), so an image that sets
``PYTHONUNBUFFERED=1`` keeps unbuffered output.  ``PYTHONHASHSEED`` and ``PYTHONIOENCODING``
have no option and are not honoured.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hatch_importspy.errors import UnusableInputError

STUB = """import sys
if sys.path and sys.path[0] == "" and not getattr(sys.flags, "safe_path", False):
    del sys.path[0]
def _importspy_guard():
    import json, types
    where = sys.argv.pop(1)
    with open(int(where) if where.isdigit() else where, "rb") as stream:
        data = json.loads(stream.read())
    guard = types.ModuleType("_importspy_guard")
    guard.__file__ = data["boot_file"]
    sys.modules[guard.__name__] = guard
    exec(compile(data["boot"], data["boot_file"], "exec"), guard.__dict__)
    return guard.main, data
_importspy_main, _importspy_data = _importspy_guard()
del _importspy_guard
_importspy_main(_importspy_data)
"""
"""What ``-c`` runs: stdlib only, a few lines, so that nothing but the guard runs first."""

BOOT = Path(__file__).with_name("boot.py")


@dataclass(frozen=True)
class Target:
    """What to run under the guard, as Python's own command line spells it."""

    kind: str
    """``script``, ``module`` or ``code``."""
    value: str
    arguments: tuple[str, ...] = ()

    @classmethod
    def parse(cls, command: Sequence[str]) -> Target:
        """``SCRIPT ARGS``, ``-m MODULE ARGS`` or ``-c CODE ARGS`` (a leading ``--`` dropped)."""
        words = list(command)
        if words[:1] == ["--"]:
            words = words[1:]
        if not words:
            raise UnusableInputError("run: nothing to run: give SCRIPT, -m MODULE or -c CODE")
        first = words[0]
        if first in ("-m", "-c"):
            if len(words) < 2:
                raise UnusableInputError(f"run: {first} needs an argument")
            kind = "module" if first == "-m" else "code"
            return cls(kind, words[1], tuple(words[2:]))
        if first.startswith("-"):
            raise UnusableInputError(
                f"run: {first}: only SCRIPT, -m MODULE or -c CODE can follow -- "
                "(interpreter options are not passed through)"
            )
        return cls("script", first, tuple(words[1:]))

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "arguments": list(self.arguments)}


def environment_flags(environ: Mapping[str, str]) -> list[str]:
    """The interpreter options that stand for the ``PYTHON*`` variables ``-I`` ignores."""
    flags: list[str] = []
    if environ.get("PYTHONUNBUFFERED"):
        flags.append("-u")
    optimize = environ.get("PYTHONOPTIMIZE", "")
    if optimize:
        level = int(optimize) if optimize.isdigit() else 1
        flags.extend(["-O"] * min(max(level, 1), 2))
    for warning in filter(None, environ.get("PYTHONWARNINGS", "").split(",")):
        flags.extend(["-W", warning.strip()])
    if environ.get("PYTHONUTF8") in ("0", "1"):
        flags.extend(["-X", f"utf8={environ['PYTHONUTF8']}"])
    if environ.get("PYTHONDEVMODE"):
        flags.extend(["-X", "dev"])
    if environ.get("PYTHONFAULTHANDLER"):
        flags.extend(["-X", "faulthandler"])
    return flags


def payload(table: Mapping[str, Any], target: Target) -> bytes:
    """The document the stub reads: the guard's source, the table and the target."""
    document = {
        "boot": BOOT.read_text(encoding="utf-8"),
        "boot_file": os.fspath(BOOT),
        "table": table,
        "target": target.as_json(),
    }
    return json.dumps(document, separators=(",", ":")).encode("utf-8")


def guarded_command(python: str, where: str, environ: Mapping[str, str]) -> list[str]:
    """The command line of the guarded interpreter; ``where`` is the descriptor or file the
    stub reads its document from."""
    return [python, "-I", "-S", *environment_flags(environ), "-c", STUB, where]


def _sealed_descriptor(data: bytes) -> int:
    """A descriptor of an unnamed file holding ``data``, readable from its start, inheritable."""
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is not None:
        flags = getattr(os, "MFD_ALLOW_SEALING", 0)
        descriptor: int = memfd_create("importspy-guard", flags)
        _write_all(descriptor, data)
        _seal(descriptor)
    else:
        import tempfile

        stream = tempfile.TemporaryFile()  # noqa: SIM115 -- its descriptor outlives it
        descriptor = os.dup(stream.fileno())
        stream.close()
        _write_all(descriptor, data)
    os.lseek(descriptor, 0, os.SEEK_SET)
    os.set_inheritable(descriptor, True)
    return descriptor


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]


def _seal(descriptor: int) -> None:
    """Forbid any further change to the memory file (Linux file seals), where supported."""
    try:
        import fcntl

        seals = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
        fcntl.fcntl(descriptor, fcntl.F_ADD_SEALS, seals)
    except (ImportError, AttributeError, OSError):
        return


def resolve_python(python: str) -> str:
    """``python`` as a path ``exec`` can start (a bare name is looked up on ``PATH``)."""
    if os.sep in python or (os.altsep and os.altsep in python):
        return python
    found = shutil.which(python)
    if found is None:
        raise UnusableInputError(f"{python}: no such interpreter on PATH")
    return found


def run_guarded(
    python: str,
    table: Mapping[str, Any],
    target: Target,
    *,
    environ: Mapping[str, str] | None = None,
    replace: bool = True,
) -> int:
    """Run ``target`` in ``python`` under the guard.

    With ``replace`` (and on POSIX) this process becomes the target and the call never returns;
    otherwise the target runs as a child and its exit status is returned.
    """
    env = dict(os.environ if environ is None else environ)
    data = payload(table, target)
    if os.name == "posix":
        descriptor = _sealed_descriptor(data)
        command = guarded_command(python, str(descriptor), env)
        if replace:
            sys.stdout.flush()
            sys.stderr.flush()
            os.execve(python, command, env)
        try:
            completed = subprocess.run(command, env=env, pass_fds=(descriptor,), check=False)
        finally:
            os.close(descriptor)
        return completed.returncode
    return _run_with_file(python, data, env)


@contextlib.contextmanager
def program_launcher(
    table: Mapping[str, Any], target: Target, *, environ: Mapping[str, str] | None = None
) -> Iterator[Callable[[str], list[str]]]:
    """Within the block, a function giving the command that runs ``target`` under the guard in a
    given interpreter, for a caller that starts the process itself (``verify --import`` starts
    its probe this way).  The stub reads the guard and the table from a file in a private
    temporary directory, removed when the block ends."""
    import tempfile

    env = dict(os.environ if environ is None else environ)
    data = payload(table, target)
    with tempfile.TemporaryDirectory(prefix="importspy-guard-") as directory:
        where = Path(directory, "guard.json")
        where.write_bytes(data)

        def command(python: str) -> list[str]:
            return guarded_command(python, str(where), env)

        yield command


def _run_with_file(python: str, data: bytes, env: dict[str, str]) -> int:
    """Where descriptors are not inherited by number (Windows): a private temporary file."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="importspy-guard-") as directory:
        where = Path(directory, "guard.json")
        where.write_bytes(data)
        command = guarded_command(python, str(where), env)
        return subprocess.run(command, env=env, check=False).returncode
