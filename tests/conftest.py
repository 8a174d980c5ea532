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

Plain helpers and types live in the ``tests.helpers`` package, importable under every pytest
import mode (``from tests.helpers.builds import ...``): ``tests.helpers.builds``
(``ProjectFactory``, ``BuildResult``, ``run_build``, ``iter_wheel``, ``repack_installed``,
``runtime_closure``, ``toml_value``, ``SOURCE_DATE_EPOCH``, ``REPO_ROOT``, ``EXAMPLE_PROJECT``),
``tests.helpers.venvs`` (``Venv``, ``VenvFactory``, ``RunCli``), ``tests.helpers.fakedist`` and
``tests.helpers.report_samples``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from tests.helpers.builds import (
    CLI_TIMEOUT,
    EXAMPLE_PROJECT,
    REPO_ROOT,
    BuildResult,
    ProjectFactory,
    repack_installed,
    run_build,
    runtime_closure,
    subprocess_env,
    toml_value,
)
from tests.helpers.venvs import RunCli, Venv, VenvFactory, site_packages

E2E_FIXTURES = frozenset(
    {
        "build_project",
        "build_wheel",
        "importspy_wheel",
        "importspy_runtime_wheels",
        "venv_factory",
        "run_cli",
        "demo_wheel",
    }
)
"""Fixtures that run real builds, make virtual environments or run the CLI in a subprocess."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse a test that reaches an :data:`E2E_FIXTURES` fixture without the ``e2e`` marker.

    The fast loop (``-m "not e2e"``) stays fast only if every slow test says it is slow; this
    catches a new build-heavy test at collection time instead of in a slower loop weeks later.
    """
    unmarked = [
        item.nodeid
        for item in items
        if E2E_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("e2e") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "these tests use a build, venv or CLI fixture but are not marked e2e "
            "(add pytestmark = pytest.mark.e2e or @pytest.mark.e2e): " + ", ".join(unmarked)
        )


# --------------------------------------------------------------------------------- projects


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
        venv = Venv(root=root, python=python, site_packages=site_packages(root))
        if importspy:
            venv.install(*request.getfixturevalue("importspy_runtime_wheels"))
        venv.install(*wheels)
        return venv

    return make


# --------------------------------------------------------------------------------- the CLI


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
            env=subprocess_env(env),
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
