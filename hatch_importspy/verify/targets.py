"""The manifest of a target named on the command line: a wheel file or an installed distribution.

``show`` prints it and ``diff`` compares two of them; neither needs the rest of ``verify``, so this
is the one place that turns a target's name into its :class:`~hatch_importspy.model.SpyModel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.manifest import load_bytes
from hatch_importspy.formats.wheel import is_wheel_target, read_wheel_manifest
from hatch_importspy.model import SpyModel
from hatch_importspy.verify.installed import (
    find_distributions,
    read_manifest_bytes,
    unique_directories,
)


def load_model(target: str, site_dirs: Sequence[Path]) -> SpyModel:
    """The manifest of a wheel (a path ending in ``.whl``) or of an installed distribution.

    Raises :class:`UnusableInputError` when the target is unknown, carries no manifest, or its
    manifest cannot be read.
    """
    if is_wheel_target(target):
        model = load_wheel_model(Path(target))
        if model is None:
            raise UnusableInputError(f"{target}: the wheel carries no importspy manifest")
        return model
    wanted = canonicalize_name(target)
    for distribution in find_distributions(unique_directories(site_dirs)):
        if distribution.canonical_name == wanted:
            data = read_manifest_bytes(distribution)
            if data is None:
                raise UnusableInputError(
                    f"{target}: {distribution.metadata_dir} carries no importspy manifest"
                )
            return load_bytes(data, str(distribution.manifest_path))
    raise UnusableInputError(f"{target}: no distribution of that name is installed")


def load_wheel_model(wheel: Path) -> SpyModel | None:
    """The manifest a wheel carries, ``None`` when it carries none.

    Only the manifest member is read (see
    :func:`~hatch_importspy.formats.wheel.read_wheel_manifest`): showing or diffing a wheel does
    not depend on its RECORD being sound.
    """
    manifest = read_wheel_manifest(wheel)
    return None if manifest is None else load_bytes(manifest.data, manifest.source)
