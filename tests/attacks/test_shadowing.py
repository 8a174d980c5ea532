"""Attacks on what an import loads: shadowing, unowned top-level code, a decoy metadata directory.

Each case builds a real wheel with the real hook, installs it with pip into a fresh venv, tampers
with site-packages as an attacker with write access would, proves the payload really runs (a
subprocess of the venv's python imports the name and the payload writes a marker file), and shows
that verify reports it with its code and exit 1: run by the venv's own python, from the test
interpreter with ``--python``, and through the strict gate with a lock taken on the clean install.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

import pytest

from hatch_importspy.formats.manifest import MANIFEST_LOCATION, dumps, load_bytes
from hatch_importspy.verify.installed import find_distributions, has_manifest
from tests.helpers.builds import ProjectFactory
from tests.helpers.venvs import RunCli, Venv, VenvFactory
from tests.test_e2e import copy_venv

pytestmark = pytest.mark.e2e

FILES: dict[str, str | bytes] = {
    "shadowpkg/__init__.py": '"""A package whose modules are shadowed."""\n',
    "shadowpkg/core.py": "def run() -> int:\n    return 1\n",
    "shadowmod.py": "def helper() -> int:\n    return 2\n",
}
TOML = '[tool.hatch.build.targets.wheel.force-include]\n"shadowmod.py" = "shadowmod.py"\n'
DIST = "shadow-demo"


def payload(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').write('ran')\n"


@dataclasses.dataclass(frozen=True)
class Installed:
    venv: Venv
    wheel: Path
    lock: Path
    allow: tuple[str, ...]


@pytest.fixture(scope="module")
def clean(
    project_factory: ProjectFactory,
    build_wheel: Callable[..., Path],
    venv_factory: VenvFactory,
    run_cli: RunCli,
    tmp_path_factory: pytest.TempPathFactory,
) -> Installed:
    """The wheel installed by pip (default: compiled), its lock, and the manifest-less
    distributions the clean venv needs allowed."""
    project = project_factory(FILES, name=DIST, options={}, extra_toml=TOML)
    wheel = build_wheel(project)
    venv = venv_factory("shadowing", wheels=[wheel])
    lock = tmp_path_factory.mktemp("lock") / "importspy.lock"
    done = run_cli(sys.executable, "lock", "--python", str(venv.python), "-o", str(lock))
    assert done.returncode == 0, done.stderr
    allow = tuple(
        sorted(d.name for d in find_distributions([venv.site_packages]) if not has_manifest(d))
    )
    return Installed(venv, wheel, lock, allow)


def gate_args(installed: Installed, python: Path) -> list[str]:
    args = ["verify", "--python", str(python), "--lock", str(installed.lock)]
    args += ["--require-manifest", "--strict"]
    for name in installed.allow:
        args += ["--allow", name]
    return args


def runs_payload(venv: Venv, code: str, marker: Path) -> None:
    """Prove the tamper works: the venv's python runs ``code`` and the payload leaves its marker."""
    subprocess.run([str(venv.python), "-c", code], capture_output=True, timeout=60, check=False)
    assert marker.read_text() == "ran"


def assert_reported(run_cli: RunCli, installed: Installed, venv: Venv, codes: set[str]) -> None:
    """Every way of running verify reports each code and exits 1."""
    runs = {
        "own python": run_cli(venv.python, "verify"),
        "--python": run_cli(sys.executable, "verify", "--python", str(venv.python)),
        "gate": run_cli(sys.executable, *gate_args(installed, venv.python)),
    }
    for how, done in runs.items():
        assert done.returncode == 1, (how, done.stdout, done.stderr)
        for code in codes:
            assert code in done.stdout, (how, code, done.stdout)


def compile_extension(name: str, marker: Path, out: Path) -> bool:
    """A real C extension module whose init writes the marker; False without a C compiler."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        return False
    source = out.parent / f"{name}_ext.c"
    source.write_text(
        "#include <Python.h>\n#include <stdio.h>\n"
        f'static struct PyModuleDef def = {{PyModuleDef_HEAD_INIT, "{name}", NULL, -1, NULL}};\n'
        f"PyMODINIT_FUNC PyInit_{name}(void) {{\n"
        f'    FILE *f = fopen("{marker}", "w");\n'
        '    if (f) { fputs("ran", f); fclose(f); }\n'
        "    return PyModule_Create(&def);\n}\n"
    )
    include = sysconfig.get_paths()["include"]
    done = subprocess.run(
        [compiler, "-shared", "-fPIC", f"-I{include}", "-o", str(out), str(source)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    return done.returncode == 0


def test_package_directory_shadows_a_top_level_module(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    (venv.site_packages / "shadowmod").mkdir()
    (venv.site_packages / "shadowmod/__init__.py").write_text(payload(marker))
    runs_payload(venv, "import shadowmod", marker)
    assert_reported(run_cli, clean, venv, {"ISP313", "ISP314"})


def test_extension_module_shadows_a_top_level_module(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    extension = venv.site_packages / f"shadowmod{suffix}"
    if compile_extension("shadowmod", marker, extension):
        runs_payload(venv, "import shadowmod", marker)
    else:  # no compiler: prove at least that the finder prefers the extension's name
        extension.write_bytes(b"\x7fELF")
        origin = subprocess.run(
            [
                str(venv.python),
                "-c",
                "import importlib.util as u; print(u.find_spec('shadowmod').origin)",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert origin == str(extension)
    assert_reported(run_cli, clean, venv, {"ISP313", "ISP314"})


def test_package_directory_shadows_a_module_inside_a_package(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    (venv.site_packages / "shadowpkg/core").mkdir()
    (venv.site_packages / "shadowpkg/core/__init__.py").write_text(payload(marker))
    runs_payload(venv, "import shadowpkg.core", marker)
    assert_reported(run_cli, clean, venv, {"ISP313", "ISP303"})


@pytest.mark.parametrize("via", ["import", "pth"])
def test_unowned_top_level_package(
    clean: Installed, run_cli: RunCli, tmp_path: Path, via: str
) -> None:
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    (venv.site_packages / "helperlib").mkdir()
    (venv.site_packages / "helperlib/__init__.py").write_text(payload(marker))
    if via == "pth":
        (venv.site_packages / "zz-helper.pth").write_text("import helperlib\n")
        runs_payload(venv, "pass", marker)  # just starting the interpreter runs it
        assert_reported(run_cli, clean, venv, {"ISP314", "ISP307"})
    else:
        runs_payload(venv, "import helperlib", marker)
        assert_reported(run_cli, clean, venv, {"ISP314"})


def test_decoy_metadata_directory(clean: Installed, run_cli: RunCli, tmp_path: Path) -> None:
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    site = venv.site_packages
    (real,) = [d for d in find_distributions([site]) if d.canonical_name == DIST]
    decoy = site / "Shadow_Demo-1.0.0.dist-info"
    assert decoy.name < real.metadata_name  # the decoy sorts first
    decoy.mkdir()
    shutil.copy(real.metadata_dir / "METADATA", decoy / "METADATA")
    model = load_bytes(real.manifest_path.read_bytes(), str(real.manifest_path))
    empty = dataclasses.replace(model, modules=(), files=())
    (decoy / MANIFEST_LOCATION).parent.mkdir(parents=True, exist_ok=True)
    (decoy / MANIFEST_LOCATION).write_text(dumps(empty))
    (decoy / "RECORD").write_text("")
    core = site / "shadowpkg/core.py"
    core.write_text(core.read_text() + payload(marker))
    runs_payload(venv, "import shadowpkg.core", marker)
    assert_reported(run_cli, clean, venv, {"ISP315", "ISP301"})


@pytest.mark.parametrize("compile_bytecode", [True, False], ids=["compiled", "no-compile"])
def test_clean_installs_have_no_findings(
    clean: Installed,
    run_cli: RunCli,
    venv_factory: VenvFactory,
    compile_bytecode: bool,
) -> None:
    venv = clean.venv
    if not compile_bytecode:
        venv = venv_factory("shadowing-no-compile")
        command = [sys.executable, "-m", "pip", "--python", str(venv.python), "install", "-q"]
        command += ["--no-index", "--no-deps", "--no-compile", str(clean.wheel)]
        subprocess.run(command, check=True, capture_output=True, timeout=300)
        assert not list(venv.site_packages.glob("shadowpkg/__pycache__"))
    else:
        assert list(venv.site_packages.glob("shadowpkg/__pycache__/*.pyc"))
    for done in (
        run_cli(venv.python, "verify"),
        run_cli(sys.executable, "verify", "--python", str(venv.python)),
    ):
        assert done.returncode == 0, done.stdout + done.stderr
        assert "ISP" not in done.stdout, done.stdout
    if compile_bytecode:
        done = run_cli(sys.executable, *gate_args(clean, venv.python))
        assert done.returncode == 0, done.stdout + done.stderr
