"""``.pth`` files as :mod:`site` reads them: which lines run and which extend ``sys.path``.

Modelled on CPython's ``site.addpackage`` (3.10-3.13): the file is read line by line with
universal newlines; a line starting with ``#`` is a comment, a line that is blank once stripped is
skipped, a line starting with ``import`` followed by a space or a tab is executed, and every other
line, stripped of trailing white space, is a path -- joined to the site directory (an absolute
line replaces it) and appended to ``sys.path`` when something exists there (a directory, or a file
that ``zipimport`` may read).  Python 3.13 reads the file as ``utf-8-sig``; a byte-order mark is
therefore dropped here, which can only make more lines executable, never fewer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

_BOM = b"\xef\xbb\xbf"
_EXECUTABLE = ("import ", "import\t")


@dataclass(frozen=True)
class PthContent:
    """What one ``.pth`` file makes ``site`` do."""

    executable: tuple[str, ...] = ()
    """The lines ``site`` passes to ``exec``, without their line ends."""
    paths: tuple[str, ...] = ()
    """The path lines as ``site`` uses them (trailing white space stripped), in file order."""


def pth_lines(text: str) -> list[str]:
    """``text`` split as a text file iterates in universal-newline mode: at ``\\r\\n``, ``\\r``
    and ``\\n`` only (``str.splitlines`` would also split at form feeds and other separators
    that ``site`` keeps inside a line)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def parse_pth(content: bytes) -> PthContent:
    """The executable and path lines of a ``.pth`` file's bytes, classified as ``site`` does.

    Bytes that are not UTF-8 are replaced: only the start of a line decides what it is, and a
    replaced byte never makes a path line executable.
    """
    text = content.removeprefix(_BOM).decode("utf-8", errors="replace")
    executable: list[str] = []
    paths: list[str] = []
    for line in pth_lines(text):
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith(_EXECUTABLE):
            executable.append(line)
        else:
            paths.append(line.rstrip())
    return PthContent(tuple(executable), tuple(paths))


def path_line_target(site_dir: str, line: str) -> str:
    """Where a path line points, as ``site.makepath`` computes it: joined to the site directory
    (an absolute line stands alone) and made absolute and normal."""
    return os.path.abspath(os.path.join(site_dir, line))  # noqa: PTH100, PTH118
