"""Every command leaves the environment it checks as it found it, byte for byte and mtime for mtime.

The environment is installed with ``pip install --no-compile`` (uv's default too), so there is no
``.pyc`` anywhere in it and any bytecode Python caches would show.  ``PYTHONDONTWRITEBYTECODE`` is
removed from every command's environment.  The whole tree (paths, sizes, mtimes) is snapshotted
before and after.

Measured, and pinned here so that a change is noticed: before a line of hatch-importspy runs,
Python caches the bytecode of the first module it loads -- ``importspy/__main__.py`` for
``python -m importspy`` (``runpy`` compiles the main module and caches it, on 3.10 to 3.13,
namespace package or not), ``hatch_importspy/__init__.py`` and ``console.py`` for the console
script, ``__init__.py`` and ``pytest_plugin.py`` for pytest's plugin loading.  Nothing after that
writes; ``python -B`` (or ``PYTHONDONTWRITEBYTECODE=1``), as docs/verify.md says, writes nothing
at all.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.helpers.builds import CLI_TIMEOUT, repack_installed, runtime_closure, subprocess_env
from tests.helpers.venvs import Venv, VenvFactory

pytestmark = pytest.mark.e2e

Snapshot = dict[str, tuple[int, int]]

TAG = sys.implementation.cache_tag
"""Tests run the venv with the running interpreter's version, so its tag names the files."""


def snapshot(root: Path) -> Snapshot:
    """Every path under ``root`` (directories too) with its size and mtime in nanoseconds."""
    taken: Snapshot = {}
    for directory, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(directory, name)
            status = path.lstat()
            taken[path.relative_to(root).as_posix()] = (status.st_size, status.st_mtime_ns)
    status = root.lstat()
    taken["."] = (status.st_size, status.st_mtime_ns)
    return taken


def new_paths(before: Snapshot, after: Snapshot) -> set[str]:
    """Paths added, and every changed path, relative to the site-packages layout's start."""
    return {path for path, value in after.items() if before.get(path) != value}


@pytest.fixture(scope="module")
def bare_venv(
    venv_factory: VenvFactory,
    importspy_runtime_wheels: tuple[Path, ...],
    demo_wheel: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Venv:
    venv = venv_factory("read-only-venv", importspy=False)
    out = tmp_path_factory.mktemp("read-only-wheels")
    pytest_wheels = [repack_installed(name, out) for name in ["pytest", *runtime_closure("pytest")]]
    venv.install(*importspy_runtime_wheels, demo_wheel, compile=False)
    venv.install(*pytest_wheels, compile=False)  # what is installed already is left as it is
    assert not list(venv.root.rglob("*.pyc")), "pip --no-compile left bytecode"
    return venv


def _env(**extra: str) -> dict[str, str]:
    env = subprocess_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


def _run(command: Sequence[str], cwd: Path, env: dict[str, str]) -> None:
    completed = subprocess.run(
        list(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT
    )
    assert completed.returncode == 0, (command, completed.stdout, completed.stderr)


def commands(venv: Venv, demo_wheel: Path) -> list[list[str]]:
    """Every command, as arguments after ``python -m importspy`` (or the console script)."""
    python = str(venv.python)
    return [
        ["--version"],
        ["verify"],
        [
            "verify",
            "acme-inventory",
            "--format",
            "json",
            "--format",
            "sarif",
            "--output-sarif",
            os.devnull,
        ],
        ["verify", "--python", python],
        ["verify", str(demo_wheel)],
        ["show", "acme-inventory"],
        ["lock"],
        ["lock", "--python", python],
        ["diff", str(demo_wheel), "acme-inventory"],
    ]


def check_writes(venv: Venv, tmp_path: Path, run: Callable[[], None], allowed: set[str]) -> None:
    before = snapshot(venv.root)
    run()
    after = snapshot(venv.root)
    assert new_paths(before, after) <= allowed
    assert set(before) <= set(after)


def _parents(files: set[str]) -> set[str]:
    """The files, their directories (created) and those directories' parents (mtime changed)."""
    every = set(files)
    for file in files:
        parent = Path(file).parent
        every.add(parent.as_posix())
        every.add(parent.parent.as_posix())
    return every


def site(venv: Venv) -> str:
    return venv.site_packages.relative_to(venv.root).as_posix()


def test_python_dash_b_writes_nothing(bare_venv: Venv, demo_wheel: Path, tmp_path: Path) -> None:
    def run() -> None:
        for args in commands(bare_venv, demo_wheel):
            _run([str(bare_venv.python), "-B", "-m", "importspy", *args], tmp_path, _env())

    check_writes(bare_venv, tmp_path, run, allowed=set())


def test_python_dash_m_caches_only_its_main_module(
    bare_venv: Venv, demo_wheel: Path, tmp_path: Path
) -> None:
    main = f"{site(bare_venv)}/importspy/__pycache__/__main__.{TAG}.pyc"

    def run() -> None:
        for args in commands(bare_venv, demo_wheel):
            _run([str(bare_venv.python), "-m", "importspy", *args], tmp_path, _env())

    check_writes(bare_venv, tmp_path, run, allowed=_parents({main}))
    _remove_bytecode(bare_venv)


def test_the_console_script_caches_only_its_entry_modules(
    bare_venv: Venv, demo_wheel: Path, tmp_path: Path
) -> None:
    script = bare_venv.python.parent / ("hatch-importspy" + (".exe" if os.name == "nt" else ""))
    cache = f"{site(bare_venv)}/hatch_importspy/__pycache__"
    entry = {f"{cache}/__init__.{TAG}.pyc", f"{cache}/console.{TAG}.pyc"}

    def run() -> None:
        for args in commands(bare_venv, demo_wheel):
            _run([str(script), *args], tmp_path, _env())

    check_writes(bare_venv, tmp_path, run, allowed=_parents(entry))
    _remove_bytecode(bare_venv)

    def run_without_bytecode() -> None:
        for args in commands(bare_venv, demo_wheel):
            _run([str(script), *args], tmp_path, _env(PYTHONDONTWRITEBYTECODE="1"))

    check_writes(bare_venv, tmp_path, run_without_bytecode, allowed=set())


def test_the_pytest_plugin_writes_nothing_of_its_own(bare_venv: Venv, tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text("def test_ok() -> None:\n    pass\n", "utf-8")
    pytest_command = [
        str(bare_venv.python),
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "--importspy",
    ]

    def run_dash_b() -> None:
        _run([pytest_command[0], "-B", *pytest_command[1:]], tmp_path, _env())

    check_writes(bare_venv, tmp_path, run_dash_b, allowed=set())

    # Without -B pytest caches its own modules (they are in the environment too); of
    # hatch-importspy's, only the two pytest itself imports before the plugin runs.
    before = snapshot(bare_venv.root)
    _run(pytest_command, tmp_path, _env())
    written = new_paths(before, snapshot(bare_venv.root))
    cache = f"{site(bare_venv)}/hatch_importspy/"
    ours = {path for path in written if path.startswith(cache) and path.endswith(".pyc")}
    # pytest rewrites its plugins' asserts and caches them under its own tag (-pytest-X.Y.Z).
    assert {Path(path).name.split(".")[0] for path in ours} == {"__init__", "pytest_plugin"}
    assert all(Path(path).parent.name == "__pycache__" for path in ours)
    for package in ("yaml", "importlib_metadata"):
        assert not any(path.startswith(f"{site(bare_venv)}/{package}/") for path in written)
    _remove_bytecode(bare_venv)


def _remove_bytecode(venv: Venv) -> None:
    """Back to the --no-compile state for the next test (module-scoped environment)."""
    for cache in sorted(venv.root.rglob("__pycache__"), reverse=True):
        for file in cache.iterdir():
            file.unlink()
        cache.rmdir()
