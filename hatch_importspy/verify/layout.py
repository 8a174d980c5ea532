"""What an interpreter's files say about its environment, read without running it.

``verify --python PATH`` asks the target interpreter where its site directories are (see
:mod:`~hatch_importspy.verify.interpreter`).  The target's answer is only as good as the target: a
``bin/python`` replaced by a wrapper script that rewrites the answer could point the verifier at a
clean decoy while the real site-packages holds the payload.  So the answer is cross-checked with
what the files next to the interpreter show, read the way CPython's ``site.venv()`` reads them:

- ``pyvenv.cfg`` in the executable's directory or the one above it makes a virtual environment
  whose prefix is the executable directory's parent (``site`` does not resolve the symlink that a
  venv's ``bin/python`` usually is, and neither does this reader);
- its site-packages is ``<prefix>/lib/python<X.Y>/site-packages`` (``Lib/site-packages`` on
  Windows), ``X.Y`` from the ``version``/``version_info`` key ``venv`` writes;
- ``include-system-site-packages`` says whether the base interpreter's directories follow.

The comparison itself is pure (:mod:`hatch_importspy.compare.layout`); this module only reads the
one small file, refusing anything that is not a regular file, and never starts the interpreter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hatch_importspy.formats.record import read_regular_file

PYVENV_CFG = "pyvenv.cfg"
MAX_PYVENV_CFG_BYTES = 64 * 1024
"""A real ``pyvenv.cfg`` is a few hundred bytes; anything far larger is not one."""
_LIB_DIRS = ("lib", "lib64")


@dataclass(frozen=True)
class InterpreterLayout:
    """The environment an interpreter's files describe."""

    python: str
    """The interpreter path as given, for messages."""
    venv_prefix: Path | None
    """The virtual environment's prefix, ``None`` when no ``pyvenv.cfg`` is where ``site`` looks."""
    version: str | None
    """``X.Y`` from ``pyvenv.cfg``, when it says."""
    includes_system_site: bool
    site_dirs: tuple[Path, ...]
    """The venv's site-packages directories that exist, in ``sys.path`` order."""
    problem: str | None = None
    """Why ``pyvenv.cfg`` could not be read, when it could not."""


def read_layout(python: str | os.PathLike[str]) -> InterpreterLayout:
    """Read the layout of the interpreter at ``python`` (see the module docstring)."""
    given = os.fspath(python)
    # site.venv() uses abspath, which keeps the symlink a venv's bin/python usually is.
    exe_dir = Path(os.path.abspath(given)).parent  # noqa: PTH100
    prefix = exe_dir.parent
    for candidate in (exe_dir / PYVENV_CFG, prefix / PYVENV_CFG):
        if candidate.is_file():
            break
    else:
        return InterpreterLayout(given, None, None, False, ())
    try:
        data = read_regular_file(candidate)
    except OSError as error:
        problem = f"{candidate}: cannot read: {error.strerror or error}"
        return InterpreterLayout(given, prefix, None, False, (), problem)
    if len(data) > MAX_PYVENV_CFG_BYTES:
        problem = f"{candidate}: larger than {MAX_PYVENV_CFG_BYTES} bytes"
        return InterpreterLayout(given, prefix, None, False, (), problem)
    settings = parse_pyvenv_cfg(data.decode("utf-8", "replace"))
    version = _minor_version(settings.get("version_info") or settings.get("version"))
    system = settings.get("include-system-site-packages", "true").lower() == "true"
    return InterpreterLayout(given, prefix, version, system, _venv_site_dirs(prefix, version))


def parse_pyvenv_cfg(text: str) -> dict[str, str]:
    """``key = value`` lines as ``site.venv()`` reads them: keys lower-cased, first ``=`` splits."""
    settings: dict[str, str] = {}
    for line in text.splitlines():
        if "=" in line:
            key, _, value = line.partition("=")
            settings[key.strip().lower()] = value.strip()
    return settings


def _minor_version(text: str | None) -> str | None:
    if not text:
        return None
    parts = text.split(".")
    if len(parts) < 2 or not (parts[0].isdecimal() and parts[1].isdecimal()):
        return None
    return f"{int(parts[0])}.{int(parts[1])}"


def _venv_site_dirs(prefix: Path, version: str | None) -> tuple[Path, ...]:
    if os.name == "nt":
        candidates = [prefix / "Lib" / "site-packages"]
    elif version is not None:
        candidates = [
            prefix / lib / f"python{version}" / "site-packages" for lib in ("lib", "lib64")
        ]
    else:
        candidates = sorted(prefix.glob("lib*/python3*/site-packages"))
    found: list[Path] = []
    for candidate in candidates:
        if candidate.is_dir() and all(not candidate.samefile(seen) for seen in found):
            found.append(candidate)
    return tuple(found)
