"""Every front end a newcomer may use, end to end, with a locally built hatch-importspy wheel.

docs/installation.md promises that, until hatch-importspy is on the package index, each front
end finds the wheel ``scripts/build-wheel.sh`` makes through one option or variable.  These tests
hold each promise: a small project that enables the hook is built by ``python -m build``
(isolated, and not), ``pip wheel``, ``uv build`` and ``hatch build``; every wheel must carry the
manifest; each is installed with pip and with ``uv pip`` (whose virtual environments have no
pip) and verified there, and from the running (tool) environment with ``--python``.

Isolated builds fetch hatchling from the package index; only hatch-importspy comes from the local
directory.  A front end that is not installed is skipped, naming it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from tests.helpers.builds import SOURCE_DATE_EPOCH, ProjectFactory, subprocess_env
from tests.helpers.venvs import RunCli

pytestmark = pytest.mark.e2e

TIMEOUT = 600
MANIFEST = ".dist-info/extra_metadata/importspy.yaml"
PACKAGE = {
    "frontapp/__init__.py": '"""An application built by every front end."""\n\n'
    "from .core import greet\n",
    "frontapp/core.py": "def greet(name: str, *, loud: bool = False) -> str:\n    return name\n",
    "frontapp/data.json": '{"a": 1}\n',
}
BIN = Path(sys.executable).parent
FRONT_ENDS = ("build-isolated", "build-no-isolation", "pip-wheel", "uv-build", "hatch-build")
INSTALLERS = ("pip", "uv-pip")


def tool(name: str) -> str:
    """A command installed beside the running interpreter (the dev extra), or skip."""
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed here (pip install -e '.[dev]' installs it)")
    return found


def run(command: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> str:
    """Run a front end; fail the test with its whole output when it fails."""
    completed = subprocess.run(
        list(command),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0, f"{' '.join(command)}\n{completed.stdout}"
    return completed.stdout


@pytest.fixture(scope="session")
def local_dist(importspy_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory docs/installation.md calls ``$HI_DIST``: hatch-importspy's wheel alone."""
    dist = tmp_path_factory.mktemp("hi-dist")
    shutil.copy2(importspy_wheel, dist)
    return dist


@pytest.fixture(scope="session")
def front_end_env(local_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The variables docs/installation.md tells a newcomer to set, on top of this machine's."""
    own = os.environ.get("PIP_FIND_LINKS", "")
    return subprocess_env(
        {
            "PIP_FIND_LINKS": f"{local_dist} {own}".strip(),
            "UV_FIND_LINKS": str(local_dist),
            "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH,
            # hatch keeps its environments and caches here, not in the user's home.
            "HATCH_DATA_DIR": str(tmp_path_factory.mktemp("hatch-data")),
            "HATCH_CACHE_DIR": str(tmp_path_factory.mktemp("hatch-cache")),
            "UV_CACHE_DIR": str(tmp_path_factory.mktemp("uv-cache")),
        }
    )


@pytest.fixture(scope="session")
def front_end_wheels(
    project_factory: ProjectFactory,
    front_end_env: dict[str, str],
    local_dist: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], Path]:
    """``wheel_of(front_end) -> Path``: the project's wheel as that front end builds it (once)."""
    project = project_factory(PACKAGE, name="frontapp", options={})
    built: dict[str, Path] = {}

    def wheel_of(front_end: str) -> Path:
        if front_end in built:
            return built[front_end]
        out = tmp_path_factory.mktemp(front_end)
        python = sys.executable
        commands: dict[str, Callable[[], list[str]]] = {
            "build-isolated": lambda: [python, "-m", "build", "--wheel", "--outdir", str(out)],
            "build-no-isolation": lambda: [
                *(python, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out))
            ],
            "pip-wheel": lambda: [python, "-m", "pip", "wheel", "--no-deps", "-w", str(out), "."],
            "uv-build": lambda: [
                *(tool("uv"), "build", "--wheel", "--out-dir", str(out)),
                *("--find-links", str(local_dist)),
            ],
            "hatch-build": lambda: [tool("hatch"), "build", "--target", "wheel", str(out)],
        }
        output = run(commands[front_end](), cwd=project, env=front_end_env)
        [wheel] = out.glob("frontapp-*.whl")
        if front_end != "pip-wheel":  # pip shows a backend's output only with -v
            assert "importspy: described 2 modules, 1 file, manifest" in output, output
        built[front_end] = wheel
        return wheel

    return wheel_of


def manifest_bytes(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(MANIFEST)]
        return archive.read(name)


def venv_python(root: Path) -> Path:
    return root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def install(
    installer: str, wheel: Path, root: Path, env: Mapping[str, str], local_dist: Path
) -> Path:
    """A new environment with the app's wheel and hatch-importspy, made the way a newcomer
    would: ``python -m venv`` + pip, or ``uv venv`` + ``uv pip`` (no pip in it at all)."""
    if installer == "pip":
        run([sys.executable, "-m", "venv", str(root)], cwd=root.parent, env=env)
        python = venv_python(root)
        run(
            [
                *(str(python), "-m", "pip", "install", "--find-links", str(local_dist)),
                *(str(wheel), "hatch-importspy"),
            ],
            cwd=root.parent,
            env=env,
        )
        return python
    uv = tool("uv")
    run([uv, "venv", "--python", sys.executable, str(root)], cwd=root.parent, env=env)
    python = venv_python(root)
    run(
        [
            *(uv, "pip", "install", "--python", str(python), "--find-links", str(local_dist)),
            *(str(wheel), "hatch-importspy"),
        ],
        cwd=root.parent,
        env=env,
    )
    assert subprocess.run([str(python), "-m", "pip", "--version"], check=False).returncode != 0
    return python


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_every_front_end_builds_a_wheel_with_the_manifest(
    front_end: str, front_end_wheels: Callable[[str], Path]
) -> None:
    wheel = front_end_wheels(front_end)

    assert b'"name": "frontapp"' in manifest_bytes(wheel)
    # The same project gives the same manifest whichever front end built it.
    assert manifest_bytes(wheel) == manifest_bytes(front_end_wheels("build-no-isolation"))


@pytest.mark.parametrize("installer", INSTALLERS)
@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_installed_with_pip_or_uv_and_verified_there_and_from_outside(
    front_end: str,
    installer: str,
    front_end_wheels: Callable[[str], Path],
    front_end_env: dict[str, str],
    local_dist: Path,
    run_cli: RunCli,
    tmp_path: Path,
) -> None:
    wheel = front_end_wheels(front_end)
    python = install(installer, wheel, tmp_path / "app", front_end_env, local_dist)

    inside = run_cli(python, "verify", "frontapp")
    outside = run_cli(sys.executable, "verify", "frontapp", "--python", str(python))

    for completed in (inside, outside):
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "compliant" in completed.stdout


def test_hatch_importspy_own_wheel_ships_the_py_typed_marker(importspy_wheel: Path) -> None:
    with zipfile.ZipFile(importspy_wheel) as archive:
        assert "hatch_importspy/py.typed" in archive.namelist()


def test_the_documented_build_script_makes_the_wheel(tmp_path: Path) -> None:
    # scripts/build-wheel.sh writes into the checkout's dist/: run it on a copy of the sources.
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed here")
    checkout = tmp_path / "checkout"
    root = Path(__file__).resolve().parents[1]
    for name in ("hatch_importspy", "importspy", "scripts"):
        shutil.copytree(root / name, checkout / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE", "hatch_build.py"):
        shutil.copy2(root / name, checkout / name)

    output = run(
        [bash, "scripts/build-wheel.sh"],
        cwd=checkout,
        env=subprocess_env({"PYTHON": sys.executable}),
    )

    [wheel] = (checkout / "dist").glob("hatch_importspy-*.whl")
    assert output.strip().splitlines()[-1] == f"dist/{wheel.name}"
    with zipfile.ZipFile(wheel) as archive:
        assert "hatch_importspy/py.typed" in archive.namelist()
        # The isolated build ran the checkout's own hook: the wheel vouches for itself.
        assert any(name.endswith("/extra_metadata/importspy.yaml") for name in archive.namelist())


def test_the_release_build_gives_hatch_importspy_its_own_manifest(
    tmp_path: Path, run_cli: RunCli
) -> None:
    # Every build of hatch-importspy runs the checkout's own hook (hatch_build.py).
    root = Path(__file__).resolve().parents[1]
    env = subprocess_env({"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH})
    command = [
        sys.executable,
        "-m",
        "build",
        "--wheel",
        "--no-isolation",
        "--outdir",
        str(tmp_path),
    ]

    output = run([*command, str(root)], cwd=tmp_path, env=env)

    [wheel] = tmp_path.glob("hatch_importspy-*.whl")
    assert "importspy: described" in output
    assert b'"name": "hatch-importspy"' in manifest_bytes(wheel)
    verified = run_cli(sys.executable, "verify", str(wheel))
    assert verified.returncode == 0, verified.stdout + verified.stderr
