"""Which extension module beside a ``.py`` an import loads instead of it, read from file names.

The path finder tries extension suffixes before ``.py`` (see :mod:`.finder`), so a wheel that
ships ``md.py`` and ``md.cpython-311-x86_64-linux-gnu.so`` in one directory (a mypyc-compiled
wheel keeps the sources it compiled) runs the extension; the ``.py`` is never imported.

A build describes a wheel for interpreters it is not running on (``embed`` rewrites a Windows
wheel on Linux), so the rule is the form every CPython and PyPy extension suffix has rather than
the running interpreter's ``EXTENSION_SUFFIXES``: the module's stem, an optional tag of letters,
digits, ``_`` and ``-`` (``.cpython-311-x86_64-linux-gnu``, ``.abi3``, ``.cp311-win_amd64``,
``.pypy310-pp73-x86_64-linux-gnu``), then ``.so`` or ``.pyd``.  When several match, the finder's
order decides: an interpreter-specific tag, then ``.abi3``, then the bare suffix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_EXTENSION = re.compile(r"^(?P<stem>[^.]+)(?:\.(?P<tag>[A-Za-z0-9_-]+))?\.(?:so|pyd)$")


def _rank(tag: str | None) -> int:
    """The finder tries a specific tag first, then the stable ABI, then no tag."""
    if tag is None:
        return 2
    return 1 if tag == "abi3" else 0


def extensions_by_stem(names: Iterable[str]) -> dict[str, str]:
    """For one directory's file names, the extension module each stem would load, if any."""
    best: dict[str, tuple[int, str]] = {}
    for name in names:
        match = _EXTENSION.match(name)
        if match is None:
            continue
        candidate = (_rank(match.group("tag")), name)
        stem = match.group("stem")
        if stem not in best or candidate < best[stem]:
            best[stem] = candidate
    return {stem: name for stem, (_, name) in best.items()}


def running_extensions(paths: Iterable[str]) -> Mapping[str, str]:
    """``{source path: extension file name}`` for each ``.py`` among ``paths`` (``/``-separated
    wheel paths) that an extension module beside it, with the same stem, shadows."""
    directories: dict[str, list[str]] = {}
    for path in paths:
        directory, _, name = path.rpartition("/")
        directories.setdefault(directory, []).append(name)
    found: dict[str, str] = {}
    for directory, names in directories.items():
        extensions = extensions_by_stem(names)
        for name in names:
            if name.endswith(".py") and name[: -len(".py")] in extensions:
                prefix = f"{directory}/" if directory else ""
                found[prefix + name] = extensions[name[: -len(".py")]]
    return found
