"""Hand-made installed distributions and wheels for the verify unit tests.

The end-to-end tests build real wheels with the real hook; these helpers instead write exactly
the bytes a test needs -- a ``.dist-info`` with METADATA, RECORD and a manifest, or a ``.whl`` --
so that each reader and comparison can be tested against one precise situation in milliseconds.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from hatch_importspy.describe.bindings import module_bindings
from hatch_importspy.describe.extract import extract_structure
from hatch_importspy.facts import EnvironmentFacts
from hatch_importspy.formats.manifest import dumps
from hatch_importspy.model import (
    EntryPoint,
    EnvironmentConstraints,
    FileEntry,
    Module,
    SpyModel,
    module_name,
)


def sha(content: bytes) -> str:
    """Hex sha256, as the manifest writes it."""
    return hashlib.sha256(content).hexdigest()


def record_hash(content: bytes) -> str:
    """``sha256=<urlsafe base64>``, as RECORD writes it."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
    return f"sha256={digest.decode('ascii')}"


def model_for(
    name: str,
    version: str,
    files: Mapping[str, bytes],
    *,
    private: bool = False,
    requires: Iterable[str] = (),
    environment: EnvironmentConstraints | None = None,
    entry_points: tuple[EntryPoint, ...] | None = (),
    bindings: bool = False,
) -> SpyModel:
    """The manifest the hook would write for ``files`` (every importable ``.py`` described);
    ``entry_points=None`` is a manifest written before entry points were recorded; ``bindings``
    records each module's ``binds`` as the hook does (off: a manifest written before them)."""
    modules: list[Module] = []
    entries: list[FileEntry] = []
    for path, content in sorted(files.items()):
        dotted = module_name(path)
        if dotted is None:
            entries.append(FileEntry(path, sha(content)))
            continue
        structure = extract_structure(content, filename=path, private=private)
        binds = None
        if bindings:
            is_package = path.endswith("__init__.py")
            binds = module_bindings(ast.parse(content), name=dotted, is_package=is_package)
        modules.append(Module(dotted, path, sha(content), structure, binds))
    return SpyModel(
        name=name,
        version=version,
        environment=environment or EnvironmentConstraints(),
        requires=tuple(requires),
        modules=tuple(modules),
        files=tuple(entries),
        entry_points=entry_points,
        private=private,
        generator="tests",
    )


def described(name: str, version: str, files: Mapping[str, bytes], scratch: Path) -> SpyModel:
    """The manifest the hook's own describer writes for ``files`` (sources written under
    ``scratch``), inference off: recorded compilations included, as a real build has them."""
    from hatch_importspy.describe.config import ImportSpyOptions
    from hatch_importspy.describe.distribution import describe_distribution

    for path, content in files.items():
        (scratch / path).parent.mkdir(parents=True, exist_ok=True)
        (scratch / path).write_bytes(content)
    return describe_distribution(
        [(path, scratch / path) for path in files],
        name=name,
        version=version,
        requires=(),
        options=ImportSpyOptions(infer_expectations=False),
    )


def metadata_text(name: str, version: str, requires: Iterable[str] = ()) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines.extend(f"Requires-Dist: {requirement}" for requirement in requires)
    return "\n".join(lines) + "\n\n"


def dist_info_name(name: str, version: str) -> str:
    return f"{name.replace('-', '_')}-{version}.dist-info"


def install(
    site: Path,
    name: str,
    version: str,
    files: Mapping[str, bytes],
    *,
    manifest: SpyModel | bytes | None = None,
    record: bool = True,
    record_extra: Mapping[str, str] | None = None,
    requires: Iterable[str] | None = None,
) -> Path:
    """Write ``files`` into ``site`` as an installed distribution; returns its ``.dist-info``.

    METADATA carries ``requires`` as ``Requires-Dist`` (default: the manifest model's ``requires``,
    as a wheel built with the hook does).

    ``manifest`` is embedded (a model is dumped; bytes are written as they are); RECORD lists
    every file with its real hash plus ``record_extra`` rows (path -> hash text, may be empty).
    """
    info = site / dist_info_name(name, version)
    info.mkdir(parents=True)
    written: dict[str, bytes] = {}
    for path, content in files.items():
        target = site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written[path] = content
    if requires is None:
        requires = manifest.requires if isinstance(manifest, SpyModel) else ()
    metadata = metadata_text(name, version, requires).encode()
    (info / "METADATA").write_bytes(metadata)
    written[f"{info.name}/METADATA"] = metadata
    if manifest is not None:
        data = manifest if isinstance(manifest, bytes) else dumps(manifest).encode()
        target = info / "extra_metadata" / "importspy.yaml"
        target.parent.mkdir()
        target.write_bytes(data)
        written[f"{info.name}/extra_metadata/importspy.yaml"] = data
    if record:
        rows = [
            f"{path},{record_hash(content)},{len(content)}" for path, content in written.items()
        ]
        rows.extend(f"{path},{digest}," for path, digest in (record_extra or {}).items())
        rows.append(f"{info.name}/RECORD,,")
        (info / "RECORD").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return info


def make_wheel(
    path: Path,
    name: str,
    version: str,
    files: Mapping[str, bytes],
    *,
    manifest: SpyModel | bytes | None = None,
    record_overrides: Mapping[str, str | None] | None = None,
    unrecorded: Mapping[str, bytes] | None = None,
) -> Path:
    """Write a wheel holding ``files``, METADATA, WHEEL, RECORD and (optionally) a manifest.

    ``record_overrides`` replaces (or with ``None`` drops) RECORD rows; ``unrecorded`` members are
    added to the archive without a RECORD row.
    """
    info = dist_info_name(name, version)
    members: dict[str, bytes] = dict(files)
    members[f"{info}/METADATA"] = metadata_text(name, version).encode()
    members[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
    if manifest is not None:
        data = manifest if isinstance(manifest, bytes) else dumps(manifest).encode()
        members[f"{info}/extra_metadata/importspy.yaml"] = data
    rows: dict[str, str | None] = {
        member: f"{record_hash(content)},{len(content)}" for member, content in members.items()
    }
    rows.update(record_overrides or {})
    lines = [f"{member},{row}" for member, row in rows.items() if row is not None]
    lines.append(f"{info}/RECORD,,")
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in {**members, **(unrecorded or {})}.items():
            archive.writestr(member, content)
        archive.writestr(f"{info}/RECORD", "\n".join(lines) + "\n")
    return path


LINUX_FACTS = EnvironmentFacts(
    "3.11.7",
    "linux",
    "x86_64",
    "cpython",
    frozenset({"PATH"}),
    {"python_version": "3.11", "sys_platform": "linux", "python_full_version": "3.11.7"},
)
"""A CPython 3.11.7 on x86_64 Linux, for verify runs that hold environments to facts."""
