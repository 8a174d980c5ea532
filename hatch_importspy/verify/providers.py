"""Hold a manifest's ``expects`` against the installed providers (the ``expectations`` checks).

The comparison itself is pure (:func:`hatch_importspy.compare.expectations.expectation_findings`);
this module supplies what it needs from the environment under check, read statically and only
when a manifest has expectations:

- the installed modules, found in the site directories and parsed from their source by one
  :func:`~hatch_importspy.describe.provider_source.directory_lookup` shared by every distribution
  checked in the
  run, so a provider used by several consumers is read once;
- the installed version of the distribution expected to provide a module, which tells "the
  provider is installed but lacks the module" (``ISP403``) from "the provider is not installed"
  (a requirement finding, ``ISP401``, when it is one).  When the manifest does not name the
  provider (inference could not tell at build time), or only guessed it from a
  ``Requires-Dist`` name, the distribution that installed the module's top-level package is
  looked up in the RECORDs of the environment.

An expectation that was fully met where the package was built records the modules its check read
there and what each was (``met_at_build``).  When this release of hatch-importspy wrote the
manifest and every one of those modules is still the same file (the same path and sha256), the
check's outcome is known -- it is a function of those bytes -- and nothing is parsed; a changed,
moved or added file, a manifest by another release, or an expectation with parts that depend on
the environment (``deployments``, a ``policy``) is checked in full.

A provider module whose file still has the digest its own manifest vouches for is described from
that manifest (its structure and ``binds``), without reading its source
(:mod:`~hatch_importspy.verify.provider_manifests`); one without a manifest, with a changed file
or with a manifest written before ``binds`` were recorded is parsed.  Parsing reads bytes and
never imports or runs anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from hatch_importspy import GENERATOR
from hatch_importspy.errors import SourceError
from hatch_importspy.facts import EnvironmentFacts
from hatch_importspy.findings import Finding
from hatch_importspy.model import Expectation, top_level
from hatch_importspy.verify.installed import InstalledDistribution, RecordIndex

if TYPE_CHECKING:
    from hatch_importspy.compare.expectations.lookup import ModuleLookup
    from hatch_importspy.describe.provider_files import DirectoryNames
    from hatch_importspy.formats.manifest import FactsReader
    from hatch_importspy.model import SpyModel
    from hatch_importspy.verify.provider_manifests import ManifestProviders

_COMPILED_SUFFIXES = (".so", ".pyd", ".pyc")


class ExpectationChecker:
    """Checks the expectations of the distributions of one ``verify`` run.

    ``versions`` maps canonical distribution names to installed versions (the copies imported);
    ``records`` answers which distribution installed a file; ``facts`` is the environment a
    contract's ``deployments`` are held against (``None`` skips them, as every environment check).
    """

    def __init__(
        self,
        directories: Sequence[Path],
        *,
        versions: Mapping[str, str],
        records: RecordIndex,
        facts: EnvironmentFacts | None,
        distributions: Mapping[str, InstalledDistribution] | None = None,
        manifests: Mapping[str, tuple[SpyModel, FactsReader]] | None = None,
    ) -> None:
        self._directories = tuple(directories)
        self._distributions = distributions
        self._manifests = manifests or {}
        self._versions = versions
        self._records = records
        self._facts = facts
        self._owners: dict[str, str | None] = {}
        self._witnesses: dict[str, str] = {}

    @cached_property
    def _providers(self) -> ManifestProviders | None:
        """Provider modules from their manifests (``distributions``: canonical name -> the copy
        imported), parsed only when they must be; ``None`` without ``distributions``."""
        if self._distributions is None:
            return None
        from hatch_importspy.verify.provider_manifests import ManifestProviders

        return ManifestProviders(
            self._directories,
            self._distributions,
            self._records,
            self._listings,
            manifests=self._manifests,
        )

    @cached_property
    def _lookup(self) -> ModuleLookup:
        """Provider modules as importers see them; built on first use, since a distribution
        without ``expects`` never needs the source reader (nor the parser it brings)."""
        if self._providers is not None:
            return self._providers
        from hatch_importspy.describe.provider_source import directory_lookup

        return directory_lookup(self._directories)

    def findings(
        self, distribution: str, expects: Sequence[Expectation], *, generator: str = ""
    ) -> list[Finding]:
        """Every way the installed providers fall short of ``distribution``'s expectations
        (``generator``: the manifest's, which says whether ``met_at_build`` can be trusted)."""
        if generator == GENERATOR:
            expects = [expectation for expectation in expects if not self._still_met(expectation)]
        if not expects:
            return []  # every one still met as built: the checks are not even imported
        from hatch_importspy.compare.expectations import (
            expectation_collector,
            one_per_cause,
        )

        if self._providers is not None:
            for expectation in expects:
                self._providers.hint(expectation.module, expectation.distribution)
        # One finding per missing name across all the expectations: ``from x import api`` and
        # ``import x.api`` both break when x.api loses fetch, and that is one problem.
        return one_per_cause(
            expectation_collector(
                checked,
                self._lookup,
                distribution=distribution,
                provider_version=version,
                facts=self._facts,
                installed=self._versions,
            )
            for checked, version in map(self._provider, expects)
        )

    def _still_met(self, expectation: Expectation) -> bool:
        """Whether every module the check read at build time, when every use was met, is still
        what it was: then it is met now (see the module docstring)."""
        if (
            not expectation.met_at_build
            or expectation.deployments
            or expectation.policy is not None
        ):
            return False
        return all(self._witness(name) == seen for name, seen in expectation.met_at_build)

    @cached_property
    def _listings(self) -> DirectoryNames:
        """The directory listings of the run, shared by the witnesses and the provider lookups
        (each directory is listed once)."""
        from hatch_importspy.describe.provider_files import DirectoryNames

        return DirectoryNames()

    def _witness(self, name: str) -> str:
        if name not in self._witnesses:
            from hatch_importspy.describe.provider_files import witness

            self._witnesses[name] = witness(self._directories, name, self._listings)
        return self._witnesses[name]

    def _provider(self, expectation: Expectation) -> tuple[Expectation, str | None]:
        """The expectation as checked, and the installed version of the module's provider
        (``None`` when it is not installed).

        Only a missing module needs the version (see :func:`expectation_findings`), so a
        provider the manifest does not name is looked up only then: that costs reading RECORDs.
        A provider the manifest only guessed from ``Requires-Dist`` is treated the same way: a
        wrong guess that is installed must not make the module "missing from its provider"
        (ISP403), so the guess stands only when the distribution that installed the module's
        files is the guessed one, and is dropped otherwise.
        """
        if expectation.distribution is not None and not expectation.distribution_from_requires:
            return expectation, self._versions.get(expectation.distribution)
        try:
            if self._lookup(expectation.module) is not None:
                return expectation, None
        except SourceError:
            return expectation, None
        owner = self._owner(expectation.module)
        canonical = None if owner is None else canonicalize_name(owner)
        if expectation.distribution is not None and canonical != expectation.distribution:
            expectation = replace(expectation, distribution=None, distribution_from_requires=False)
        return expectation, None if canonical is None else self._versions.get(canonical)

    def _owner(self, module: str) -> str | None:
        """The distribution that installed ``module``: the owner of the module's own file when
        it has one (two distributions may share a top-level name: ``importspy/__main__.py`` of
        one beside ``importspy/__init__.py`` of another), else of its top-level module (the
        first one found on the path, as imported); ``None`` when absent, a namespace, or owned
        by none."""
        own = self._module_files(module) if "." in module else []
        for path in own:
            owners = self._records.owners_of(path)
            if owners:
                return owners[0]
        name = top_level(module)
        if name not in self._owners:
            self._owners[name] = None
            for path in self._top_level_files(name):
                owners = self._records.owners_of(path)
                if owners:
                    self._owners[name] = owners[0]
                    break
        return self._owners[name]

    def _module_files(self, module: str) -> list[Path]:
        """The source file of a submodule in the first site directory that has one (read from
        the run's directory listings)."""
        *parents, stem = module.split(".")
        for directory in self._directories:
            parent = directory.joinpath(*parents)
            listed = self._listings(parent)
            if listed is None:
                continue
            if f"{stem}.py" in listed.files:
                return [parent / f"{stem}.py"]
            inside = self._listings(parent / stem) if stem in listed.subdirectories else None
            if inside is not None and "__init__.py" in inside.files:
                return [parent / stem / "__init__.py"]
        return []

    def _top_level_files(self, name: str) -> list[Path]:
        """The files of a top-level module in the first site directory that has one: its
        package's ``__init__.py``, its source, or else its compiled files."""
        for directory in self._directories:
            listed = self._listings(directory)
            if listed is None:
                continue
            inside = self._listings(directory / name) if name in listed.subdirectories else None
            if inside is not None and "__init__.py" in inside.files:
                return [directory / name / "__init__.py"]
            if f"{name}.py" in listed.files:
                return [directory / f"{name}.py"]
            compiled = [
                directory / entry
                for entry in listed.beside(name)
                if entry in listed.files and entry.endswith(_COMPILED_SUFFIXES)
            ]
            if compiled:
                return compiled
        return []
