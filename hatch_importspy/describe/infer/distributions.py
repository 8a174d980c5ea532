"""Which distribution provides a module, and which modules need none: the standard library.

Inference records uses per module; the manifest groups them per distribution.  The mapping
between the two is decided here, once, from the build environment and the package's own
``Requires-Dist``, so the walk itself never looks at installed metadata: first which
distribution installed the module (:func:`distribution_resolver`), and only when none did, which
requirement is named like it (:func:`requirement_resolver`), recorded as a guess.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from hatch_importspy.model import Expectation, top_level

STANDARD_LIBRARY: frozenset[str] = frozenset(sys.stdlib_module_names)


def is_standard_library(module: str) -> bool:
    """Whether ``module`` belongs to the standard library of the running interpreter."""
    return top_level(module) in STANDARD_LIBRARY


def distribution_resolver(
    requires: Sequence[str], installed: Mapping[str, Sequence[str]]
) -> Callable[[str], str | None]:
    """Map a top-level module to the distribution seen installing it.

    ``installed`` is :func:`importlib.metadata.packages_distributions` of the build environment
    (top-level name -> distribution names).  When several distributions provide one top-level
    name, one of ``requires`` wins, else the alphabetically first.  A name unknown there is
    ``None``: isolated builds do not have the package's runtime dependencies installed, and
    :func:`attribute_to_requirements` then tries the ``Requires-Dist`` names.
    """
    required = set(_requirement_names(requires))
    known = {
        name: sorted({canonicalize_name(distribution) for distribution in distributions})
        for name, distributions in installed.items()
    }

    def resolve(module: str) -> str | None:
        candidates = known.get(module, [])
        preferred = [candidate for candidate in candidates if candidate in required]
        if preferred:
            return preferred[0]
        return candidates[0] if candidates else None

    return resolve


NAME_PREFIXES = ("python-", "py-", "py")
"""What a distribution's name often adds to its module's: ``python-dateutil`` (``dateutil``),
``py-cpuinfo`` (``cpuinfo``), ``pyyaml`` (``yaml``)."""


def requirement_resolver(requires: Sequence[str]) -> Callable[[str], str | None]:
    """Map a top-level module to the ``Requires-Dist`` entry named like it, by one rule.

    Names are compared canonicalised (:func:`packaging.utils.canonicalize_name`: case, ``-``,
    ``_`` and ``.`` do not matter, so ``typing_extensions`` is ``typing-extensions``).  A
    requirement matches when its name is the module's, else when it is the module's after the
    first of :data:`NAME_PREFIXES` it starts with (``python-dateutil`` loses ``python-``, never
    only ``py``); an exact match wins, then the alphabetically first.  This is
    a guess (``pyserial`` provides ``serial``, but ``pycryptodome`` provides ``Crypto``, and a
    requirement could be named like a module it does not provide), so it is asked only when the
    build environment cannot tell, and is recorded as a guess.
    """
    names = sorted(set(_requirement_names(requires)))

    def resolve(module: str) -> str | None:
        canonical = canonicalize_name(module)
        if canonical in names:
            return canonical
        for name in names:
            prefix = next((p for p in NAME_PREFIXES if name.startswith(p)), None)
            if prefix is not None and name[len(prefix) :] == canonical:
                return name
        return None

    return resolve


def attribute_to_requirements(
    expects: Sequence[Expectation], requires: Sequence[str]
) -> tuple[Expectation, ...]:
    """``expects`` with each module whose provider is unknown attributed to the ``Requires-Dist``
    entry named like its top-level package (:func:`requirement_resolver`), marked as such."""
    resolve = requirement_resolver(requires)
    attributed: list[Expectation] = []
    for expectation in expects:
        match = None if expectation.distribution else resolve(top_level(expectation.module))
        if match is not None:
            expectation = replace(expectation, distribution=match, distribution_from_requires=True)
        attributed.append(expectation)
    return tuple(attributed)


def _requirement_names(requires: Sequence[str]) -> Iterator[str]:
    """The canonical names of ``requires``; an entry that does not parse names nothing."""
    for text in requires:
        try:
            yield canonicalize_name(Requirement(text).name)
        except InvalidRequirement:
            continue
