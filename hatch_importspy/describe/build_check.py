"""Hold the inferred expectations against the providers installed where the package is built.

A use that the provider installed at build time already does not meet (a call in a code path
the tests never run, a name the dependency never had) is a latent bug of the package, not drift
since the build.  Recording it in the manifest (``unmet_at_build``) lets ``verify`` report it as
its own kind (ISP409, a warning) instead of as an error on every install.  Only a provider that
is installed can be held to: where none is, nothing is recorded.

An expectation whose every use is met records what it was checked against (``met_at_build``:
each module the check read, with its source's path and sha256).  The check is a function of those
bytes, so ``verify`` that finds the same files knows its outcome without parsing them: on most
installs the providers are the very releases the package was built with, and most of them carry
no manifest of their own.

Providers are read statically, never imported (:mod:`hatch_importspy.describe.provider_source`).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from hatch_importspy.compare.expectations import expectation_findings
from hatch_importspy.compare.expectations.lookup import ModuleLookup
from hatch_importspy.compare.provided import ProvidedModule
from hatch_importspy.model import Expectation

_UNMET = frozenset({"ISP403", "ISP404", "ISP405", "ISP406", "ISP407"})


def build_directories() -> tuple[Path, ...]:
    """The running interpreter's import path, as directories (the build environment)."""
    return tuple(Path(entry) for entry in sys.path if entry and Path(entry).is_dir())


class BuildProviders:
    """The modules of the build environment, read from source (never imported): a
    :data:`ModuleLookup`, which also tells what each module was (:meth:`witness`)."""

    def __init__(self, directories: Sequence[Path]) -> None:
        from hatch_importspy.describe.provider_files import DirectoryNames
        from hatch_importspy.describe.provider_source import directory_lookup

        self.directories = tuple(directories)
        self._lookup = directory_lookup(self.directories)
        self._names = DirectoryNames()

    def __call__(self, name: str) -> ProvidedModule | None:
        return self._lookup(name)

    def witness(self, name: str) -> str:
        """See :func:`~hatch_importspy.describe.provider_files.witness`."""
        from hatch_importspy.describe.provider_files import witness

        return witness(self.directories, name, self._names)


def build_environment_lookup() -> BuildProviders:
    """The modules of the build environment (:func:`build_directories`)."""
    return BuildProviders(build_directories())


def installed_version(distribution: str) -> str | None:
    """The version of ``distribution`` in the running environment, ``None`` when absent."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def mark_unmet_at_build(
    expects: Sequence[Expectation],
    lookup: ModuleLookup,
    version_of: Callable[[str], str | None] = installed_version,
    witness: Callable[[str], str] | None = None,
) -> tuple[Expectation, ...]:
    """``expects`` with ``unmet_at_build`` set where the installed provider falls short, and,
    given ``witness`` (what a module is: :meth:`BuildProviders.witness`), ``met_at_build`` where
    every use is met.

    An expectation whose provider is not installed is left as it is, and so is a module absent
    from a provider only guessed from ``Requires-Dist`` (its names are held when it is there).
    """
    marked: list[Expectation] = []
    for expectation in expects:
        provider = expectation.distribution
        version = version_of(provider) if provider else None
        if version is None:
            marked.append(expectation)
            continue
        reading = _Reading(lookup)
        findings = expectation_findings(  # one finding per use: each use is marked
            expectation,
            reading,
            distribution="",
            # A provider guessed from Requires-Dist that is installed here but has no such
            # module was most likely a wrong guess: not a module missing from its provider.
            provider_version=None if expectation.distribution_from_requires else version,
            facts=None,
            per_cause=False,
        )
        unmet = {f.object for f in findings if f.code in _UNMET}
        if not unmet:
            met = () if findings or witness is None else _witnesses(reading.names, witness)
            marked.append(dataclasses.replace(expectation, met_at_build=met))
            continue
        module = expectation.module
        names = tuple(
            dataclasses.replace(name, unmet_at_build=True)
            if f"{module}:{name.name}" in unmet
            else name
            for name in expectation.names
        )
        marked.append(
            dataclasses.replace(
                expectation,
                names=names,
                unmet_at_build=expectation.unmet_at_build or module in unmet,
            )
        )
    return tuple(marked)


class _Reading:
    """A lookup that remembers the modules asked for."""

    def __init__(self, lookup: ModuleLookup) -> None:
        self._lookup = lookup
        self.names: set[str] = set()

    def __call__(self, name: str) -> ProvidedModule | None:
        self.names.add(name)
        return self._lookup(name)


def _witnesses(
    modules: Iterable[str], witness: Callable[[str], str]
) -> tuple[tuple[str, str], ...]:
    """What each module read was, sorted; empty when one could not be read (nothing to vouch)."""
    from hatch_importspy.describe.provider_files import UNREADABLE

    pairs = tuple(sorted((name, witness(name)) for name in modules))
    return () if any(seen == UNREADABLE for _, seen in pairs) else pairs
