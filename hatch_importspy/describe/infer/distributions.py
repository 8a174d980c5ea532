"""Which distribution provides a module, and which modules need none: the standard library.

Inference records uses per module; the manifest groups them per distribution.  The mapping
between the two is decided here, once, from the build environment and the package's own
``Requires-Dist``, so the walk itself never looks at installed metadata.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from hatch_importspy.model import top_level

STANDARD_LIBRARY: frozenset[str] = frozenset(sys.stdlib_module_names)


def is_standard_library(module: str) -> bool:
    """Whether ``module`` belongs to the standard library of the running interpreter."""
    return top_level(module) in STANDARD_LIBRARY


def distribution_resolver(
    requires: Sequence[str], installed: Mapping[str, Sequence[str]]
) -> Callable[[str], str | None]:
    """Map a top-level module to the distribution expected to provide it.

    ``installed`` is :func:`importlib.metadata.packages_distributions` of the build environment
    (top-level name -> distribution names).  When several distributions provide one top-level
    name, one of ``requires`` wins, else the alphabetically first.  Isolated builds do not have
    the package's runtime dependencies installed, so a top-level name unknown there is matched
    against the ``Requires-Dist`` names (``requests`` -> ``requests``); anything else is ``None``
    and left for ``verify`` to resolve in the environment it checks.
    """
    required: set[str] = set()
    for text in requires:
        try:
            required.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement:
            continue
    known = {
        name: sorted({canonicalize_name(distribution) for distribution in distributions})
        for name, distributions in installed.items()
    }

    def resolve(module: str) -> str | None:
        candidates = known.get(module, [])
        preferred = [candidate for candidate in candidates if candidate in required]
        if preferred:
            return preferred[0]
        if candidates:
            return candidates[0]
        canonical = canonicalize_name(module)
        return canonical if canonical in required else None

    return resolve
