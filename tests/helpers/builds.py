"""Plain helpers for tests that build real projects: fixture-project TOML, builds, wheels.

They live outside ``conftest.py`` so test modules can import them by a package path
(``from tests.helpers.builds import ...``) that works under every pytest import mode, and so
``conftest.py`` holds only fixtures.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Protocol

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The hatch-importspy checkout these tests belong to."""

EXAMPLE_PROJECT = REPO_ROOT / "examples" / "demo-project"
"""The example project shipped in ``examples/`` (acme-inventory)."""

SOURCE_DATE_EPOCH = "1700000000"
"""Every build in the tests uses this timestamp, so equal inputs give byte-identical wheels."""

BUILD_TIMEOUT = 300
CLI_TIMEOUT = 300

CLEARED_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "VIRTUAL_ENV")
"""Variables of the test process that would make a subprocess see the wrong environment."""


def subprocess_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The test process's environment without :data:`CLEARED_VARIABLES`, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_VARIABLES}
    env.update(extra or {})
    return env


# --------------------------------------------------------------------------------- projects


def toml_value(value: object) -> str:
    """Render a Python value as TOML (strings, booleans, integers, lists and tables of them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        pairs = ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items())
        return "{" + pairs + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


class ProjectFactory(Protocol):
    """Signature of the ``project_factory`` fixture."""

    def __call__(
        self,
        files: Mapping[str, str | bytes],
        *,
        name: str = ...,
        version: str = ...,
        options: Mapping[str, object] | None = ...,
        requires_python: str | None = ...,
        dependencies: Sequence[str] = ...,
        packages: Sequence[str] | None = ...,
        extra_toml: str = ...,
    ) -> Path: ...


# --------------------------------------------------------------------------------- builds


@dataclass(frozen=True)
class BuildResult:
    """What one ``python -m build`` run produced."""

    returncode: int
    output: str
    """stdout and stderr together, in order."""
    artifacts: tuple[Path, ...]
    """Files in the output directory after the build, sorted."""

    @property
    def wheel(self) -> Path:
        """The one wheel built; fails the test with the build output otherwise."""
        wheels = [path for path in self.artifacts if path.suffix == ".whl"]
        assert self.returncode == 0 and len(wheels) == 1, self.output
        return wheels[0]


def run_build(
    project: Path,
    *,
    target: str = "wheel",
    out_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> BuildResult:
    """Build ``project`` with ``python -m build --<target> --no-isolation`` in a subprocess.

    ``SOURCE_DATE_EPOCH`` is set to :data:`SOURCE_DATE_EPOCH` unless ``env`` overrides it.
    """
    out = out_dir if out_dir is not None else project / "dist"
    out.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        [sys.executable, "-m", "build", f"--{target}", "--no-isolation", "--outdir", str(out), "."],
        cwd=project,
        env=subprocess_env({"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, **(env or {})}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    return BuildResult(completed.returncode, completed.stdout, tuple(sorted(out.iterdir())))


# ------------------------------------------------------------------------------ installable wheels


def record_hash(content: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
    return f"sha256={digest.decode('ascii')}"


def repack_installed(name: str, out_dir: Path) -> Path:
    """Rebuild a wheel from a distribution installed in the running environment.

    Lets the tests install hatch-importspy's dependencies into new virtual environments without
    a network: the files RECORD lists under site-packages are zipped again with a fresh RECORD
    (byte-compiled files, installer markers and scripts outside site-packages are left out).
    """
    dist = metadata.distribution(name)
    files = dist.files or []
    dist_info = next(
        (f.parts[0] for f in files if f.parts and f.parts[0].endswith(".dist-info")), None
    )
    if dist_info is None:
        raise RuntimeError(f"{name}: no .dist-info in its RECORD")
    wheel_text = dist.read_text("WHEEL") or ""
    tags = re.findall(r"^Tag: (\S+)$", wheel_text, flags=re.MULTILINE)
    if not tags:
        raise RuntimeError(f"{name}: its WHEEL file names no tag")
    skipped = {f"{dist_info}/{n}" for n in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")}
    stem = f"{dist_info[: -len('.dist-info')]}"
    wheel = out_dir / f"{stem}-{tags[0]}.whl"
    records = []
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(files, key=str):
            member = file.as_posix()
            if (
                member.startswith("../")
                or "__pycache__" in file.parts
                or member.endswith(".pyc")
                or member in skipped
            ):
                continue
            content = Path(str(dist.locate_file(file))).read_bytes()
            archive.writestr(member, content)
            records.append((member, record_hash(content), str(len(content))))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows([*records, (f"{dist_info}/RECORD", "", "")])
        archive.writestr(f"{dist_info}/RECORD", buffer.getvalue())
    return wheel


def runtime_closure(name: str) -> list[str]:
    """Canonical names of the installed distributions ``name`` needs at run time (not itself)."""
    seen: set[str] = set()
    pending = [canonicalize_name(name)]
    while pending:
        current = pending.pop()
        for text in metadata.requires(current) or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is not None and not marker.evaluate({"extra": ""}):
                continue
            dependency = canonicalize_name(requirement.name)
            if dependency not in seen:
                seen.add(dependency)
                pending.append(dependency)
    return sorted(seen)


def iter_wheel(wheel: Path) -> Iterator[tuple[str, bytes]]:
    """``(member name, bytes)`` of every file in a wheel, in archive order."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if not info.is_dir():
                yield info.filename, archive.read(info)
