"""Provider modules from the providers' own manifests, parsed from source only when they must be.

Checking a package's expectations needs each provider module as its importers see it
(:class:`~hatch_importspy.compare.provided.ProvidedModule`): what it defines and what it binds by
import.  A provider built with hatch-importspy records both in its manifest (the structure and the
``binds`` of every module), so when a module's file still has the digest its manifest vouches
for, that description is the module: nothing is parsed.  Parsing (see
:mod:`.provider_source`) is left for a module whose file changed, a provider without a manifest,
or a manifest written before ``binds`` were recorded.  Measured on an application of 36
distributions, parsing the 247 provider modules its expectations reach was 2.9 s of a 3.1 s
``verify``; reading the same facts from manifests costs the hashing of those files.

Which manifest describes a module is decided by content, not ownership: a manifest that lists the
module's path with the digest the file has describes exactly those bytes.  The candidates are
asked in this order, each at most once per run: the distributions that expectations name as the
module's provider (:meth:`ManifestProviders.hint`), the distribution named like the top-level
package (``six`` for ``six.moves``), and only then the owner found in the RECORDs.  Work therefore
grows with the modules the expectations reach, not with the size of the environment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

from hatch_importspy.compare.provided import ProvidedModule
from hatch_importspy.describe.provider_files import DirectoryNames, SourceFile, locate
from hatch_importspy.describe.provider_source import read_source, without_source
from hatch_importspy.errors import ManifestError, UnusableInputError
from hatch_importspy.formats.digest import sha256_file
from hatch_importspy.formats.manifest import DOCUMENT_SEPARATOR, FactsReader, load_facts_deferred
from hatch_importspy.model import SpyModel, top_level
from hatch_importspy.verify.installed import (
    InstalledDistribution,
    RecordIndex,
    read_manifest_bytes,
    read_manifest_start,
)


class _Manifest:
    """One provider's manifest: the digests of its modules now, their facts when asked for."""

    def __init__(
        self, distribution: InstalledDistribution, model: SpyModel, facts: FactsReader
    ) -> None:
        self.site_dir = distribution.site_dir
        self.private = model.private
        self.digests = {module.path: module.sha256.lower() for module in model.modules}
        self.facts = facts


class ManifestProviders:
    """A :data:`~hatch_importspy.compare.expectations.ModuleLookup` over site directories that
    reads provider manifests first (see the module docstring).  Answers are cached for the run;
    ``parsed`` counts the modules that had to be read from source.  ``names``: the run's
    directory listings, when the caller lists the same directories for other reasons;
    ``manifests``: the manifests the caller has read already (model and facts reader, by the
    distribution's source)."""

    def __init__(
        self,
        directories: Sequence[Path],
        distributions: Mapping[str, InstalledDistribution],
        records: RecordIndex | None = None,
        names: DirectoryNames | None = None,
        *,
        manifests: Mapping[str, tuple[SpyModel, FactsReader]] | None = None,
    ) -> None:
        self._directories = tuple(directories)
        self._read = manifests or {}
        self._distributions = distributions
        self._records = records
        self._hints: dict[str, list[str]] = {}
        self._manifests: dict[str, _Manifest | None] = {}
        self._owners: dict[str, tuple[str, ...]] = {}
        self._cache: dict[str, ProvidedModule | None] = {}
        self._names = names or DirectoryNames()
        self.parsed = 0

    def hint(self, module: str, distribution: str | None) -> None:
        """``distribution`` (canonical) is expected to provide ``module``'s top-level package."""
        if distribution is None:
            return
        names = self._hints.setdefault(top_level(module), [])
        if distribution not in names:
            names.append(distribution)

    def __call__(self, name: str) -> ProvidedModule | None:
        if name not in self._cache:
            self._cache[name] = self._find(name)
        return self._cache[name]

    def _find(self, name: str) -> ProvidedModule | None:
        located = locate(self._directories, name, self._names)
        if not isinstance(located, SourceFile):
            return without_source(name, located)
        described = self._from_manifest(name, located)
        if described is not None:
            return described
        self.parsed += 1
        return read_source(name, located)  # raises ExtractionError, as the source lookup does

    def _from_manifest(self, name: str, found: SourceFile) -> ProvidedModule | None:
        digest: str | None = None
        for manifest in self._candidates(top_level(name), found):
            wanted = manifest.digests.get(found.relative)
            if wanted is None or manifest.site_dir != found.directory:
                continue
            if digest is None:
                try:
                    digest = sha256_file(found.directory / found.relative)
                except OSError:
                    return None
            if digest != wanted:
                continue
            try:
                structure, bindings = manifest.facts(found.relative)
            except ManifestError:
                continue  # a damaged structures document: the source will tell
            if bindings is None:
                continue  # written before binds were recorded
            return ProvidedModule.from_bindings(name, structure, bindings, private=manifest.private)
        return None

    def _candidates(self, package: str, found: SourceFile) -> Iterator[_Manifest]:
        """The manifests that may describe ``found``, cheapest guesses first."""
        tried: set[str] = set()
        for distribution in (*self._hints.get(package, ()), canonicalize_name(package)):
            if distribution not in tried:
                tried.add(distribution)
                manifest = self._manifest(distribution)
                if manifest is not None:
                    yield manifest
        for distribution in self._owners_of(found):
            if distribution not in tried:
                tried.add(distribution)
                manifest = self._manifest(distribution)
                if manifest is not None:
                    yield manifest

    def _owners_of(self, found: SourceFile) -> tuple[str, ...]:
        """The distributions whose RECORD lists the file, asked once per directory of modules
        (the files of one package directory are one distribution's)."""
        if self._records is None:
            return ()
        key = f"{found.directory}/{found.relative.rpartition('/')[0] or found.relative}"
        if key not in self._owners:
            owners = self._records.owners_of(found.directory / found.relative)
            self._owners[key] = tuple(canonicalize_name(owner) for owner in owners)
        return self._owners[key]

    def _manifest(self, distribution: str) -> _Manifest | None:
        if distribution not in self._manifests:
            self._manifests[distribution] = self._load(distribution)
        return self._manifests[distribution]

    def _load(self, name: str) -> _Manifest | None:
        distribution = self._distributions.get(name)
        if distribution is None:
            return None
        if distribution.source in self._read:  # read by verify already
            return _Manifest(distribution, *self._read[distribution.source])
        try:
            start = read_manifest_start(distribution, until=DOCUMENT_SEPARATOR.encode())
            if start is None:
                return None
            model, facts = load_facts_deferred(
                start,
                str(distribution.manifest_path),
                whole=lambda: read_manifest_bytes(distribution) or b"",
            )
        except (ManifestError, UnusableInputError):
            return None  # its own verification reports it; here the source is read instead
        return _Manifest(distribution, model, facts)
