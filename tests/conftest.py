"""Shared fixtures: fixture projects, real wheel builds with the real hook, real virtual envs.

Everything here runs the real thing: projects are built by ``python -m build --no-isolation`` in
a subprocess (so the ``importspy`` hook is found through its ``hatch`` entry point, which needs
hatch-importspy installed in the running environment, e.g. ``pip install -e .``), wheels are
installed into fresh virtual environments by pip without touching the network, and the CLI runs
as ``python -m importspy`` in a subprocess of that environment.

Fixtures are session-scoped and return small factories, so expensive results (the hatch-importspy
wheel, its dependency wheels, the demo project's wheel) are made once per run.

Summary (see each docstring):

- ``project_factory(files, *, name=..., options=...) -> Path``: write a fixture project.
- ``build_project(project, *, target="wheel", ...) -> BuildResult``: run a build, success or not.
- ``build_wheel(project, *, out_dir=None, env=None) -> Path``: build a wheel that must succeed.
- ``importspy_wheel -> Path`` and ``importspy_runtime_wheels -> tuple[Path, ...]``.
- ``venv_factory(name, *, wheels=(), importspy=True) -> Venv``: a fresh virtual environment.
- ``run_cli(python, *args, env=None, cwd=None) -> CompletedProcess[str]``.
- ``demo_project -> Path`` (the example project, copied) and ``demo_wheel -> Path``.

Plain helpers and types, importable as ``from conftest import ...`` (pytest puts ``tests/`` on
``sys.path``): ``ProjectFactory``, ``BuildResult``, ``Venv``, ``VenvFactory``, ``RunCli`` (for
annotating fixture arguments under ``mypy --strict``), ``run_build``, ``iter_wheel``,
``repack_installed``, ``runtime_closure``, ``toml_value``, ``SOURCE_DATE_EPOCH``,
``REPO_ROOT`` and ``EXAMPLE_PROJECT``.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Protocol

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The hatch-importspy checkout these tests belong to."""

EXAMPLE_PROJECT = REPO_ROOT / "examples" / "demo-project"
"""The example project shipped in ``examples/`` (acme-inventory)."""

SOURCE_DATE_EPOCH = "1700000000"
"""Every build in the tests uses this timestamp, so equal inputs give byte-identical wheels."""

BUILD_TIMEOUT = 300
CLI_TIMEOUT = 300

_CLEARED_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "VIRTUAL_ENV")
"""Variables of the test process that would make a subprocess see the wrong environment."""


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


@pytest.fixture(scope="session")
def project_factory(tmp_path_factory: pytest.TempPathFactory) -> ProjectFactory:
    """Write a small project and return its directory (a new one on every call).

    ``files`` maps paths relative to the project root (``/`` separators) to their text or bytes,
    e.g. ``{"mypkg/__init__.py": "", "mypkg/core.py": "def f(x): ..."}``.  The generated
    ``pyproject.toml`` uses hatchling with ``build-system.requires = ["hatchling",
    "hatch-importspy"]`` and:

    - ``options``: the ``[tool.hatch.build.hooks.importspy]`` table (``{}`` = hook enabled with
      the defaults; ``None``, the default, = no table, so the wheel carries no manifest);
    - ``packages``: the wheel target's ``packages`` (default: every top-level directory in
      ``files`` that holds an ``__init__.py``);
    - ``extra_toml``: raw TOML appended at the end (other hooks, target tables, ...).

    Give ``"pyproject.toml"`` in ``files`` to write it yourself instead.
    """

    def make(
        files: Mapping[str, str | bytes],
        *,
        name: str = "fixture-pkg",
        version: str = "1.0.0",
        options: Mapping[str, object] | None = None,
        requires_python: str | None = ">=3.10",
        dependencies: Sequence[str] = (),
        packages: Sequence[str] | None = None,
        extra_toml: str = "",
    ) -> Path:
        root = tmp_path_factory.mktemp(re.sub(r"[^A-Za-z0-9]+", "_", name))
        for relative, content in files.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        if "pyproject.toml" not in files:
            if packages is None:
                packages = sorted(
                    {
                        p.split("/")[0]
                        for p in files
                        if p.count("/") == 1 and p.endswith("/__init__.py")
                    }
                )
            lines = [
                "[build-system]",
                'requires = ["hatchling", "hatch-importspy"]',
                'build-backend = "hatchling.build"',
                "",
                "[project]",
                f"name = {toml_value(name)}",
                f"version = {toml_value(version)}",
                f"dependencies = {toml_value(list(dependencies))}",
            ]
            if requires_python is not None:
                lines.append(f"requires-python = {toml_value(requires_python)}")
            lines += ["", "[tool.hatch.build.targets.wheel]", f"packages = {toml_value(packages)}"]
            if options is not None:
                lines += ["", "[tool.hatch.build.hooks.importspy]"]
                lines += [
                    f"{json.dumps(key)} = {toml_value(value)}" for key, value in options.items()
                ]
            lines += ["", extra_toml]
            (root / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return root

    return make


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


def _subprocess_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED_VARIABLES}
    env.update(extra or {})
    return env


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
        env=_subprocess_env({"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, **(env or {})}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    return BuildResult(completed.returncode, completed.stdout, tuple(sorted(out.iterdir())))


@pytest.fixture(scope="session")
def build_project() -> Callable[..., BuildResult]:
    """``build_project(project, *, target="wheel", out_dir=None, env=None) -> BuildResult``.

    Runs a real build (the real hook) and returns its exit code, output and artifacts without
    judging them: for tests that expect a build to fail, or build the sdist.
    """
    return run_build


@pytest.fixture(scope="session")
def build_wheel() -> Callable[..., Path]:
    """``build_wheel(project, *, out_dir=None, env=None) -> Path``: a wheel that must build.

    The build runs ``python -m build --wheel --no-isolation`` with :data:`SOURCE_DATE_EPOCH`; a
    failed build fails the test and shows hatchling's output.
    """

    def build(
        project: Path, *, out_dir: Path | None = None, env: Mapping[str, str] | None = None
    ) -> Path:
        return run_build(project, out_dir=out_dir, env=env).wheel

    return build


# ------------------------------------------------------------------------------ installable wheels


def _record_hash(content: bytes) -> str:
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
            records.append((member, _record_hash(content), str(len(content))))
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


@pytest.fixture(scope="session")
def importspy_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hatch-importspy wheel, built once per session from this checkout."""
    return run_build(REPO_ROOT, out_dir=tmp_path_factory.mktemp("importspy-wheel")).wheel


@pytest.fixture(scope="session")
def importspy_runtime_wheels(
    importspy_wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, ...]:
    """The hatch-importspy wheel plus wheels of every distribution it needs at run time.

    The dependencies are repacked from the running environment (see :func:`repack_installed`),
    so installing all of them with ``--no-index --no-deps`` gives a complete, consistent
    environment (``pip check`` clean) without a network.
    """
    out = tmp_path_factory.mktemp("runtime-wheels")
    return (
        importspy_wheel,
        *(repack_installed(n, out) for n in runtime_closure("hatch-importspy")),
    )


# --------------------------------------------------------------------------------- virtual envs


@dataclass(frozen=True)
class Venv:
    """A virtual environment made for a test."""

    root: Path
    python: Path
    site_packages: Path
    """Its purelib directory (where pure-Python wheels install)."""

    def install(self, *wheels: Path, deps: bool = False) -> None:
        """Install wheels with the test environment's pip, never from an index.

        ``deps=True`` lets pip resolve dependencies among the given wheels' directories
        (``--find-links``); the default installs exactly what is given.
        """
        if not wheels:
            return
        command = [sys.executable, "-m", "pip", "--python", str(self.python), "install"]
        command += ["--no-index", "--disable-pip-version-check", "--no-warn-script-location", "-q"]
        if deps:
            for directory in sorted({str(wheel.parent) for wheel in wheels}):
                command += ["--find-links", directory]
        else:
            command.append("--no-deps")
        completed = subprocess.run(
            [*command, *map(str, wheels)],
            env=_subprocess_env({"PIP_NO_INPUT": "1"}),
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr


class VenvFactory(Protocol):
    """Signature of the ``venv_factory`` fixture."""

    def __call__(
        self, name: str = ..., *, wheels: Sequence[Path] = ..., importspy: bool = ...
    ) -> Venv: ...


def _site_packages(root: Path) -> Path:
    scheme = "nt" if os.name == "nt" else "posix_prefix"
    return Path(
        sysconfig.get_path("purelib", scheme, vars={"base": str(root), "platbase": str(root)})
    )


@pytest.fixture(scope="session")
def venv_factory(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> VenvFactory:
    """``venv_factory(name="venv", *, wheels=(), importspy=True) -> Venv``: a new environment.

    Created with ``python -m venv --without-pip`` (fast; pip is driven from outside through
    ``pip --python``).  With ``importspy=True`` the hatch-importspy wheel and its runtime
    dependencies are installed first (built once per session), so ``run_cli(venv.python, ...)``
    works; then ``wheels`` are installed with ``--no-deps``.  Every call makes a new directory:
    share one environment between tests with a session fixture of your own.
    """

    def make(name: str = "venv", *, wheels: Sequence[Path] = (), importspy: bool = True) -> Venv:
        root = tmp_path_factory.mktemp(name)
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(root)],
            check=True,
            capture_output=True,
            timeout=CLI_TIMEOUT,
        )
        bindir = root / ("Scripts" if os.name == "nt" else "bin")
        python = bindir / ("python.exe" if os.name == "nt" else "python")
        venv = Venv(root=root, python=python, site_packages=_site_packages(root))
        if importspy:
            venv.install(*request.getfixturevalue("importspy_runtime_wheels"))
        venv.install(*wheels)
        return venv

    return make


# --------------------------------------------------------------------------------- the CLI


class RunCli(Protocol):
    """Signature of the ``run_cli`` fixture."""

    def __call__(
        self,
        python: Path | str,
        *args: str,
        env: Mapping[str, str] | None = ...,
        cwd: Path | None = ...,
    ) -> subprocess.CompletedProcess[str]: ...


@pytest.fixture(scope="session")
def run_cli(tmp_path_factory: pytest.TempPathFactory) -> RunCli:
    """``run_cli(python, *args, env=None, cwd=None) -> CompletedProcess[str]``.

    Runs ``<python> -m importspy *args`` with text stdout/stderr captured and no check of the
    exit code.  The working directory defaults to an empty directory, so this checkout's own
    ``importspy/`` folder is never picked up from the current directory; ``PYTHONPATH`` and
    friends are removed from the environment and ``env`` is added on top.
    """
    neutral = tmp_path_factory.mktemp("cli-cwd")

    def run(
        python: Path | str,
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(python), "-m", "importspy", *args],
            cwd=cwd or neutral,
            env=_subprocess_env(env),
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )

    return run


# --------------------------------------------------------------------------------- the example


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of ``examples/demo-project`` (acme-inventory), shared by the whole session.

    ``demo_wheel`` is built from it: do not change it in place; copy it to change it.
    """
    target = tmp_path_factory.mktemp("demo") / "demo-project"
    ignore = shutil.ignore_patterns("dist", "build", "__pycache__", ".venv*")
    shutil.copytree(EXAMPLE_PROJECT, target, ignore=ignore)
    return target


@pytest.fixture(scope="session")
def demo_wheel(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project's wheel (acme_inventory-1.0.0), built once per session with the hook."""
    return run_build(demo_project, out_dir=tmp_path_factory.mktemp("demo-wheel")).wheel


def iter_wheel(wheel: Path) -> Iterator[tuple[str, bytes]]:
    """``(member name, bytes)`` of every file in a wheel, in archive order."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if not info.is_dir():
                yield info.filename, archive.read(info)
