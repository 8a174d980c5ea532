"""Where an interpreter's installer puts the files a wheel ships outside site-packages.

A wheel keeps such files under ``<name>-<version>.data/<category>/``; installers move them on
install: ``purelib`` and ``platlib`` into site-packages, ``scripts`` into the install scheme's
scripts directory (``<venv>/bin``), ``data`` under its data root (``<venv>``), ``headers`` under
its include directory (pip and uv: ``<venv>/include/site/pythonX.Y/<name>/``).  Verifying those
files needs the scheme, which a site directory alone does not tell: it comes from the interpreter
(the running one's :mod:`sysconfig`, or ``--python``'s answer, see :mod:`.interpreter`).

A scheme is applied only to distributions installed in its own ``purelib``/``platlib``: a
distribution in another directory (the base interpreter's site-packages seen from a venv, a
``--path`` directory) was installed with another scheme, and its outside files are reported as not
visible rather than looked for in the wrong place.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hatch_importspy.errors import UnusableInputError

SCHEME_KEYS = ("purelib", "platlib", "scripts", "data")
"""The :mod:`sysconfig` paths a scheme is made of."""


@dataclass(frozen=True)
class InstallScheme:
    """The directories one interpreter's installer writes to, and the interpreter itself."""

    purelib: Path
    platlib: Path
    scripts: Path
    """Where ``.data/scripts/`` files go."""
    data: Path
    """Where ``.data/data/`` files go (the prefix); ``.data/headers/`` go under its ``include``."""
    executable: str
    """The interpreter an installed script's rewritten shebang is expected to name."""

    def covers(self, site_dir: Path) -> bool:
        """Whether distributions in ``site_dir`` were installed with this scheme."""
        key = _key(site_dir)
        return key in (_key(self.purelib), _key(self.platlib))

    @property
    def include(self) -> Path:
        """The directory headers are installed under (in some subdirectory of it)."""
        return self.data / "include"


def running_scheme() -> InstallScheme | None:
    """The running interpreter's default install scheme (what ``pip install`` would use)."""
    return scheme_from_mapping(sysconfig.get_paths(), executable=sys.executable)


def scheme_from_mapping(
    paths: Mapping[str, object], *, executable: str, source: str = ""
) -> InstallScheme | None:
    """A scheme from ``sysconfig``-style paths; ``None`` when ``paths`` is empty (an older
    answer).  Raises :class:`UnusableInputError` naming ``source`` for a malformed one."""
    if not paths:
        return None
    values = [paths.get(key) for key in SCHEME_KEYS]
    if not all(isinstance(value, str) and value for value in values):
        raise UnusableInputError(f"{source or 'install scheme'}: incomplete install scheme")
    purelib, platlib, scripts, data = (Path(str(value)) for value in values)
    return InstallScheme(purelib, platlib, scripts, data, executable)


def _key(path: Path) -> str:
    return os.path.normcase(os.path.realpath(path))
