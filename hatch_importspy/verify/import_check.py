"""``verify --import``: add to a verify result what Python sees when it imports each distribution.

Runs after the static verification, over the installed distributions it held to a manifest (those
with a ``structure`` check): for each, one probe (:mod:`.runtime_probe`) in the target interpreter
imports every module the manifest describes -- all of them before looking at any, since one module
may change another at import -- and :mod:`hatch_importspy.compare.runtime` holds the answer
against the manifest.  One probe per distribution: its modules are what a program using it would
import together, and a failure names the distribution it came from.

The manifest is read again here, whole: the static checks defer the structures of unchanged
files, and this is opt-in work that needs every structure.  A manifest that could not be read
stopped that distribution's static checks already (``ISP309``), so it never gets here.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

from hatch_importspy.compare.runtime import runtime_findings, runtime_modules, runtime_query
from hatch_importspy.findings import Finding
from hatch_importspy.formats.manifest import load_bytes
from hatch_importspy.formats.probe import ProbeAnswer
from hatch_importspy.model import Module
from hatch_importspy.results import CHECK_IMPORT, CHECK_STRUCTURE, VerifyResult
from hatch_importspy.verify.installed import (
    InstalledDistribution,
    find_distributions,
    read_manifest_bytes,
)
from hatch_importspy.verify.runtime_probe import Launcher, probe_command, run_probe


def with_import_findings(
    result: VerifyResult,
    site_dirs: Sequence[Path],
    python: str,
    *,
    launcher: Launcher = probe_command,
) -> VerifyResult:
    """``result`` with the ``import`` check run for each installed distribution it verified
    against a manifest; ``python`` is the target interpreter, ``site_dirs`` its site directories.

    Raises :class:`~.runtime_probe.ProbeFailed` when a probe gives no usable answer.
    """
    installed = {d.source: d for d in find_distributions(site_dirs)}
    distributions = []
    for verified in result.distributions:
        distribution = installed.get(verified.source)
        if distribution is None or CHECK_STRUCTURE not in verified.checks:
            distributions.append(verified)  # a wheel, or no usable manifest
            continue
        found = _import_findings(distribution, python, launcher)
        distributions.append(
            dataclasses.replace(
                verified,
                findings=(*verified.findings, *found),
                checks=(*verified.checks, CHECK_IMPORT),
            )
        )
    return dataclasses.replace(result, distributions=tuple(distributions))


def _import_findings(
    distribution: InstalledDistribution, python: str, launcher: Launcher
) -> list[Finding]:
    model = load_bytes(read_manifest_bytes(distribution) or b"", str(distribution.manifest_path))
    return import_findings(
        distribution.name, model.modules, distribution.site_dir, python, launcher=launcher
    )


def import_findings(
    distribution: str,
    modules: Sequence[Module],
    site_dir: Path,
    python: str,
    *,
    launcher: Launcher = probe_command,
) -> list[Finding]:
    """What one probe of ``python`` finds for ``modules`` (a manifest's, installed in
    ``site_dir``): every module imported, then each compared with its description."""
    chosen = runtime_modules(modules)
    if not chosen:
        return []
    answer = run_probe(python, [runtime_query(m) for m in chosen], launcher=launcher)
    expected = {m.name: _resolved(str(site_dir / m.path)) for m in chosen}
    return runtime_findings(distribution, chosen, _resolve_files(answer), expected)


def _resolve_files(answer: ProbeAnswer) -> ProbeAnswer:
    """The answer with each ``__file__`` resolved as the verified paths are: a venv's ``lib64``
    is a link to ``lib``, and either may be on the child's ``sys.path``."""
    modules = {
        name: dataclasses.replace(module, file=_resolved(module.file) if module.file else None)
        for name, module in answer.modules.items()
    }
    return dataclasses.replace(answer, modules=modules)


def _resolved(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))
