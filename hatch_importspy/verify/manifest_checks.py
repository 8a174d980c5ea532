"""The checks ``verify`` makes of a manifest alike for an installed distribution and a wheel.

Whether the manifest describes this distribution at all (``ISP309``), the environment its
constraints hold against, and the structure of every module whose digest changed -- re-described
from its bytes, and compared with the manifest's description, which is only then read.  A
distribution whose manifest is missing or unusable stops at the manifest check
(:func:`stopped_result`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from hatch_importspy.errors import ManifestError
from hatch_importspy.facts import EnvironmentFacts
from hatch_importspy.findings import Finding
from hatch_importspy.formats.manifest import MANIFEST_LOCATION, StructureReader
from hatch_importspy.model import Module, SpyModel
from hatch_importspy.results import CHECK_ENVIRONMENT, CHECK_INTEGRITY, DistributionResult


def environment_check(
    name: str, model: SpyModel, facts: EnvironmentFacts | None
) -> tuple[list[str], list[Finding]]:
    """The checks run and findings so far: the environment check, when there are facts about
    the target interpreter to hold the manifest's constraints against (none: skipped, and a
    notice of the run says so)."""
    if facts is None:
        return [], []
    from hatch_importspy.compare.constraints import environment_findings

    return [CHECK_ENVIRONMENT], environment_findings(name, model.environment, facts)


def changed_structures(
    name: str,
    model: SpyModel,
    structures: StructureReader,
    modules: Mapping[str, Module],
    found: Mapping[str, str | None],
    read: Callable[[str], bytes | None],
) -> list[Finding]:
    """Structure findings for every module whose digest differs from the manifest's.

    ``found`` maps a module's path to its actual digest (``None``: missing, already an
    integrity finding); ``read`` gives a changed module's bytes, ``None`` when it has gone.
    Unchanged modules are neither read nor described: that keeps a clean run cheap.  A module
    that runs from an extension beside it (``runs``) is not re-described either: its source's
    structure is not what an import loads, so comparing it would report on code that never runs
    (its changed digest is already ``ISP301``, and the extension is hashed as a file).
    """
    findings: list[Finding] = []
    for path, module in modules.items():
        digest = found.get(path)
        if digest is None or digest == module.sha256.lower() or not module.described:
            continue
        source = read(path)
        if source is not None:
            findings.extend(_structure_of_changed(name, module, structures, source, model.private))
    return findings


def _structure_of_changed(
    distribution: str,
    module: Module,
    structures: StructureReader,
    source: bytes,
    private: bool,
) -> list[Finding]:
    """Re-describe a module whose digest differs and compare it with the manifest's structure.

    Only here is the manifest's description of the module read: for unchanged files it is never
    needed, and reading it costs more than hashing the file.
    """
    from hatch_importspy.compare.structure import structure_findings
    from hatch_importspy.describe.extract import ExtractionError, extract_structure

    try:
        module = dataclasses.replace(module, structure=structures(module.path))
    except ManifestError as error:
        return [unusable(distribution, str(error), module.path)]
    try:
        structure = extract_structure(source, filename=module.path, private=private)
    except ExtractionError as error:
        problem = str(error).removeprefix(f"{module.path}: ")
    except RecursionError:
        problem = "nested too deeply to describe"
    else:
        return structure_findings(distribution, module, structure)
    return [
        Finding(
            "ISP208",
            distribution,
            f"{module.path} does not parse: {problem}",
            module=module.name,
            file=module.path,
            object=module.name,
            expected="valid Python source",
            found=problem,
        )
    ]


def _same_version(left: str, right: str) -> bool:
    try:
        return Version(left) == Version(right)
    except InvalidVersion:
        return left == right


def identity_findings(name: str, version: str, model: SpyModel) -> tuple[Finding, ...]:
    """ISP309 when the manifest describes another distribution or another version."""
    findings: list[Finding] = []
    if canonicalize_name(model.name) != canonicalize_name(name):
        findings.append(
            Finding(
                "ISP309",
                name,
                f"the manifest describes distribution {model.name!r}, not {name!r}",
                expected=name,
                found=model.name,
            )
        )
    if not _same_version(model.version, version):
        findings.append(
            Finding(
                "ISP309",
                name,
                f"the manifest describes version {model.version}, not {version}",
                expected=version,
                found=model.version,
            )
        )
    return tuple(findings)


def no_manifest(name: str) -> Finding:
    return Finding(
        "ISP309",
        name,
        f"{name} carries no importspy manifest",
        expected="an embedded manifest",
        found="none",
    )


def stopped_result(
    name: str, version: str, source: str, has_manifest: bool, findings: tuple[Finding, ...]
) -> DistributionResult:
    """The result of a distribution whose manifest is missing or unusable: nothing else can be
    held against it, so only the manifest check (part of integrity) ran."""
    return DistributionResult(name, version, source, has_manifest, findings, (CHECK_INTEGRITY,))


def manifest_file(metadata_dir: str) -> str:
    return f"{metadata_dir}/{MANIFEST_LOCATION}"


def unusable(name: str, problem: str, where: str) -> Finding:
    return Finding("ISP309", name, problem, file=where)
