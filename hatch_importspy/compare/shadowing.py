"""ISP313-ISP315: what an import of a vouched name really runs, and code no one installed.

The manifest vouches for files; an import runs whatever the path finder takes for a name (see
:mod:`hatch_importspy.pyrules.finder`).  Three ways the two part:

- ISP313: another entry wins the name -- a package directory or an extension module beside a
  vouched ``x.py``, an extension ``__init__`` beside a vouched ``__init__.py``, the same name in an
  earlier site directory.  The entry that wins must be one the manifest (of this copy of the
  distribution, or of another verified copy) vouches for; who owns it does not matter, since a
  second distribution's RECORD listing the winner makes the payload no less foreign.
- ISP314: a module or package at the top of a site directory (or of a namespace directory there)
  that no RECORD lists: importable by any ``.pth`` line or user import, vouched by no one.
- ISP315: two metadata directories for one distribution in one site directory: which one a tool
  reads depends on directory order, so a decoy with an empty manifest could stand in for the real
  copy.  Every copy is verified; the duplicate itself is the error.

Pure functions: the verifier gathers the listings and ownership, these turn them into findings.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass

from hatch_importspy.findings import Finding
from hatch_importspy.pyrules.finder import EntryKind


@dataclass(frozen=True)
class ModuleLoad:
    """A module the manifest vouches for, and the file an import of its name loads."""

    module: str
    """The dotted name, e.g. ``pkg.core``."""
    vouched: str
    """The vouched file, relative to the distribution's site directory."""
    loaded: str | None
    """The absolute ``/``-joined path of the file the finder loads; ``None``: none (the import
    fails, or ends at a namespace package -- a missing file is ISP302's business)."""
    kind: EntryKind | None = None
    """What the loaded entry is."""


def shadow_findings(
    distribution: str, site_dir: str, loads: Iterable[ModuleLoad], vouched: Container[str]
) -> list[Finding]:
    """ISP313 for each module whose name loads a file that no manifest copy vouches for.

    ``vouched`` holds the absolute ``/``-joined paths of every file vouched for by a manifest
    of this distribution (any installed copy).  One finding per module name and loaded file.
    """
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for load in sorted(loads, key=lambda load: (load.module, load.vouched)):
        if load.loaded is None or load.loaded in vouched or (load.module, load.loaded) in seen:
            continue
        seen.add((load.module, load.loaded))
        shown = _shown(load.loaded, site_dir)
        kind = load.kind.value if load.kind is not None else "entry"
        findings.append(
            Finding(
                "ISP313",
                distribution,
                f"import {load.module} loads {shown} ({kind}), not the vouched {load.vouched}",
                module=load.module,
                file=load.vouched,
                expected=load.vouched,
                found=shown,
            )
        )
    return findings


@dataclass(frozen=True)
class TopLevelModule:
    """A module or package found at the top of a site directory (or inside a namespace
    directory there) and the file that runs when it is imported."""

    site_dir: str
    module: str
    file: str
    """Relative to the site directory, e.g. ``evil/__init__.py``."""
    kind: EntryKind


def unowned_module_findings(
    modules: Iterable[TopLevelModule], owned: Container[str]
) -> list[Finding]:
    """ISP314 for each top-level module whose file (``site_dir/file``) no RECORD lists.

    Unowned code belongs to no distribution: the findings carry an empty ``distribution``.
    """
    return [
        Finding(
            "ISP314",
            "",
            f"{module.kind.value} {module.module} in {module.site_dir} is owned "
            "by no installed distribution",
            module=module.module,
            file=module.file,
            found=module.kind.value,
        )
        for module in sorted(modules, key=lambda m: (m.site_dir, m.file))
        if f"{module.site_dir}/{module.file}" not in owned
    ]


def duplicate_findings(
    copies: Mapping[tuple[str, str], Sequence[tuple[str, str]]],
) -> list[Finding]:
    """ISP315 for each distribution with more than one metadata directory in one site directory.

    ``copies`` maps ``(site directory, canonical name)`` to the ``(name, metadata directory
    name)`` of each copy found there.
    """
    findings: list[Finding] = []
    for (site_dir, _), found in sorted(copies.items()):
        if len(found) < 2:
            continue
        names = sorted(directory for _, directory in found)
        findings.append(
            Finding(
                "ISP315",
                found[0][0],
                f"{found[0][0]} is installed {len(found)} times in {site_dir}: "
                + ", ".join(names)
                + "; every copy is verified",
                file=names[0],
                found=", ".join(names),
            )
        )
    return findings


def _shown(path: str, site_dir: str) -> str:
    prefix = site_dir.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else path
