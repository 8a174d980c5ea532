"""The whole start-up path of a site directory: every ``.pth`` file, what its lines run, and the
``sitecustomize``/``usercustomize`` modules reachable through the directories its lines add.

Modelled on CPython's ``site`` (3.10-3.13): ``addsitedir`` processes every name ending in ``.pth``
in sorted order; each executable line runs and each path line that names something existing is
appended to ``sys.path`` (see :mod:`hatch_importspy.formats.pth`); after every site directory,
``sitecustomize`` and then ``usercustomize`` are imported from *anywhere* on ``sys.path`` --
including a directory or a zip file that a path line added.

Nothing here blocks or is skipped: every file is opened without blocking and refused by ``fstat``
unless it is a regular file, and a start-up file that cannot be read is returned with its
``problem`` set (an ISP318 finding), because ``site``, perhaps running as another user, may read
it.  Only reads; nothing found is imported.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.pth import parse_pth, path_line_target
from hatch_importspy.formats.record import open_regular_file, read_regular_file
from hatch_importspy.limits import PTH_BYTES
from hatch_importspy.surface import StartupFile, StartupKind

MODULE_SUFFIXES = (".py", ".pyc", ".pyw", ".so", ".pyd")
"""Suffixes of a ``sitecustomize``/``usercustomize`` module the import system may load."""
ZIP_MODULE_SUFFIXES = (".py", ".pyc")
"""What ``zipimport`` loads: source and byte code, never extension modules."""
CUSTOMIZE = {
    "sitecustomize": StartupKind.SITECUSTOMIZE,
    "usercustomize": StartupKind.USERCUSTOMIZE,
}


def find_startup_files(site_dir: Path) -> tuple[StartupFile, ...]:
    """Every ``.pth`` file and ``sitecustomize``/``usercustomize`` module or package at the top
    of ``site_dir``, then the customize modules in each directory or zip its ``.pth`` path lines
    add to ``sys.path`` (each place once, in the order ``site`` adds them)."""
    try:
        entries = sorted(os.scandir(site_dir), key=lambda entry: entry.name)
    except OSError as error:
        raise UnusableInputError(f"{site_dir}: cannot list directory: {error.strerror}") from None
    found: list[StartupFile] = []
    added: list[tuple[str, str]] = []  # (target, the .pth that adds it)
    for entry in entries:
        if entry.name.endswith(".pth"):
            file, paths = _read_pth(site_dir, entry.name)
            found.append(file)
            added.extend((path_line_target(str(site_dir), line), entry.name) for line in paths)
    found.extend(_customize_in_directory(site_dir, entries))
    seen = {os.path.realpath(site_dir)}
    for target, pth in added:
        if "\0" in target:  # site's os.path.exists() is false for it: never added
            continue
        key = os.path.realpath(target)
        if key in seen or not Path(target).exists():  # site: only what exists is added
            continue
        seen.add(key)
        found.extend(_customize_in_added(Path(target), pth))
    return tuple(found)


def _read_pth(site_dir: Path, name: str) -> tuple[StartupFile, tuple[str, ...]]:
    """The ``.pth`` file as a start-up file, and its path lines."""
    try:
        content = parse_pth(read_regular_file(site_dir / name, limit=PTH_BYTES))
    except OSError as error:
        problem = error.strerror or str(error)
        return StartupFile(site_dir, name, StartupKind.PTH, problem=problem), ()
    except UnusableInputError:  # too large to read: reported as unreadable, never passed
        problem = f"larger than {PTH_BYTES} bytes"
        return StartupFile(site_dir, name, StartupKind.PTH, problem=problem), ()
    return StartupFile(site_dir, name, StartupKind.PTH, content.executable), content.paths


def _customize_in_directory(
    directory: Path, entries: list[os.DirEntry[str]], added_by: str = ""
) -> Iterator[StartupFile]:
    """The ``sitecustomize``/``usercustomize`` modules and packages among ``entries``."""
    for entry in entries:
        stem = entry.name.partition(".")[0]
        if stem not in CUSTOMIZE:
            continue
        kind = CUSTOMIZE[stem]
        if entry.name.endswith(MODULE_SUFFIXES):
            if entry.is_file():
                yield StartupFile(directory, entry.name, kind, added_by=added_by)
            elif not entry.is_dir():  # a FIFO or a device where a module would be
                yield StartupFile(
                    directory, entry.name, kind, problem="not a regular file", added_by=added_by
                )
        elif entry.name == stem and entry.is_dir():
            initial = _package_init(Path(entry.path))
            if initial is not None:  # a namespace package runs no code of its own
                yield StartupFile(directory, f"{entry.name}/{initial}", kind, added_by=added_by)


def _package_init(directory: Path) -> str | None:
    for suffix in MODULE_SUFFIXES:
        if (directory / f"__init__{suffix}").is_file():
            return f"__init__{suffix}"
    return None


def _customize_in_added(target: Path, pth: str) -> list[StartupFile]:
    """The customize modules in a directory or zip a path line of ``pth`` put on ``sys.path``."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return []  # gone since it was seen: site would not add it either
    if stat.S_ISDIR(mode):
        try:
            entries = sorted(os.scandir(target), key=lambda entry: entry.name)
        except OSError as error:
            problem = f"cannot list the directory {pth} adds: {error.strerror or error}"
            kind = StartupKind.SITECUSTOMIZE
            return [StartupFile(target, "", kind, problem=problem, added_by=pth)]
        return list(_customize_in_directory(target, entries, added_by=pth))
    if not stat.S_ISREG(mode):
        return []  # neither a directory nor a file: no importer reads it
    return _customize_in_zip(target, pth)


def _customize_in_zip(archive: Path, pth: str) -> list[StartupFile]:
    """The ``sitecustomize``/``usercustomize`` modules ``zipimport`` would find in ``archive``."""
    try:
        with open_regular_file(archive) as stream, zipfile.ZipFile(stream) as opened:
            names = set(opened.namelist())
    except zipfile.BadZipFile:
        return []  # not a zip: zipimport refuses it and nothing is imported from it
    except OSError as error:
        problem = f"cannot read the zip {pth} adds: {error.strerror or error}"
        kind = StartupKind.SITECUSTOMIZE
        return [StartupFile(archive, "", kind, problem=problem, added_by=pth)]
    found: list[StartupFile] = []
    for stem, kind in CUSTOMIZE.items():
        candidates = [f"{stem}/__init__{suffix}" for suffix in ZIP_MODULE_SUFFIXES]
        candidates += [f"{stem}{suffix}" for suffix in ZIP_MODULE_SUFFIXES]
        member = next((name for name in candidates if name in names), None)
        if member is not None:
            found.append(StartupFile(archive, member, kind, added_by=pth, archive=True))
    return found
