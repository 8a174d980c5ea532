"""The files a hatchling wheel ships under ``<name>-<version>.data/``: ``shared-data`` and
``shared-scripts``.

hatchling adds them to the wheel after its included files, so the list the hook describes from
(``recurse_included_files``) does not hold them.  This module lists them, at the wheel paths
hatchling gives them (``.data/data/...``, ``.data/scripts/...``), so the manifest vouches for
every shipped file.  A script whose shebang names Python is stored rewritten to ``#!python``
(:func:`~hatch_importspy.formats.scripts.wheel_script_bytes`); its rewritten bytes are written to
``scratch`` (a private temporary directory) and described from there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

from hatch_importspy.formats.scripts import wheel_script_bytes


class _Included(Protocol):
    path: str
    distribution_path: str


class SharedFiles(Protocol):
    """What is needed of hatchling's wheel builder."""

    def recurse_explicit_files(self, inclusion_map: dict[str, str]) -> Iterable[_Included]: ...


def shared_files(
    builder: SharedFiles,
    *,
    data_directory: str,
    data: Mapping[str, str],
    scripts: Mapping[str, str],
    scratch: Path,
) -> list[tuple[str, Path]]:
    """``(wheel path, file to describe)`` for every ``shared-data`` and ``shared-scripts`` file.

    ``data`` and ``scripts`` are hatchling's inclusion maps (source -> relative path), already
    merged with what earlier hooks added to the build data.
    """
    files = [
        (f"{data_directory}/data/{included.distribution_path}", Path(included.path))
        for included in builder.recurse_explicit_files(dict(data))
    ]
    for number, included in enumerate(builder.recurse_explicit_files(dict(scripts))):
        source = Path(included.path)
        content = source.read_bytes()
        stored = wheel_script_bytes(content)
        if stored != content:
            source = scratch / f"script-{number}"
            source.write_bytes(stored)
        files.append((f"{data_directory}/scripts/{included.distribution_path}", source))
    return files
