"""Attacks on ownership, RECORD and the start-up path, each proven live, each caught by verify.

Every case builds the victim wheel with the real hook, installs it with pip into a fresh virtual
environment (with setuptools where the case needs it), locks the clean install, applies the
tamper someone with write access to site-packages would, proves that the payload really runs (a
subprocess of the environment's python writes a marker file), and then requires verify to report
it with the expected code and exit 1 three ways: ``python -m importspy verify`` run by the
environment's own python, ``verify --python`` from the test interpreter, and the strict deploy
gate (``--lock --require-manifest --allow ... --strict``).  Clean installs must give nothing.

Not proven live: a ``.pth`` that is a directory (``site`` cannot open it, so nothing runs; the unit
tests show it is ISP318) and a ``.pth`` unreadable by its mode (the tests run as root, who reads
it anyway).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from tests.helpers.builds import CLI_TIMEOUT, ProjectFactory, repack_installed
from tests.helpers.venvs import RunCli, Venv, VenvFactory

pytestmark = pytest.mark.e2e

VICTIM_FILES: dict[str, str | bytes] = {
    "victim/__init__.py": '"""The verified package."""\n',
    "victim/core.py": "def run(count: int) -> int:\n    return count * 2\n",
}


def payload(marker: Path) -> str:
    """One line of Python that proves it ran by writing ``marker``."""
    return f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')"


@pytest.fixture(scope="module")
def victim_wheel(project_factory: ProjectFactory, build_wheel: Callable[..., Path]) -> Path:
    return build_wheel(project_factory(VICTIM_FILES, name="victim", options={}))


@pytest.fixture(scope="module")
def setuptools_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """setuptools (with ``distutils-precedence.pth`` and ``_distutils_hack``) as a wheel."""
    return repack_installed("setuptools", tmp_path_factory.mktemp("setuptools-wheel"))


def pip_install(venv: Venv, *arguments: str) -> None:
    """pip, driven from the test interpreter, never from an index."""
    command = [sys.executable, "-m", "pip", "--python", str(venv.python), "install", "-q"]
    command += ["--no-index", "--no-deps", "--disable-pip-version-check", *arguments]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def record_of(venv: Venv, name: str) -> Path:
    (info,) = venv.site_packages.glob(f"{name}-*.dist-info")
    return info / "RECORD"


def installed_names(venv: Venv) -> list[str]:
    return sorted(
        canonicalize_name(info.name.partition("-")[0])
        for info in venv.site_packages.glob("*.dist-info")
    )


@dataclass
class Scene:
    """A fresh environment with the victim installed, and the lock of its clean state."""

    venv: Venv
    lock: Path
    marker: Path
    run_cli: RunCli

    def codes(self, completed: subprocess.CompletedProcess[str]) -> set[str]:
        return set(re.findall(r"\bISP\d{3}\b", completed.stdout))

    def verify_three_ways(self) -> list[tuple[str, subprocess.CompletedProcess[str]]]:
        python = str(self.venv.python)
        allow = [a for n in installed_names(self.venv) if n != "victim" for a in ("--allow", n)]
        return [
            ("own python", self.run_cli(self.venv.python, "verify")),
            ("--python", self.run_cli(sys.executable, "verify", "--python", python)),
            (
                "strict gate",
                self.run_cli(
                    sys.executable,
                    "verify",
                    "--python",
                    python,
                    "--lock",
                    str(self.lock),
                    "--require-manifest",
                    *allow,
                    "--strict",
                ),
            ),
        ]

    def prove(self, *arguments: str) -> None:
        """Start the environment's python (``-c pass`` unless told) and see the payload ran."""
        self.marker.unlink(missing_ok=True)
        subprocess.run(
            [str(self.venv.python), *(arguments or ("-c", "pass"))],
            capture_output=True,
            timeout=CLI_TIMEOUT,
            check=False,
            env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
        )
        assert self.marker.read_text() == "ran", "the payload did not run: the attack is not real"

    def caught(self, *expected: str) -> None:
        for how, completed in self.verify_three_ways():
            found = self.codes(completed)
            assert completed.returncode == 1, f"{how}: exit {completed.returncode}\n{completed}"
            assert set(expected) <= found, f"{how}: {found}\n{completed.stdout}"


@pytest.fixture
def scene_factory(
    venv_factory: VenvFactory,
    victim_wheel: Path,
    setuptools_wheel: Path,
    run_cli: RunCli,
    tmp_path: Path,
) -> Callable[..., Scene]:
    def make(*, setuptools: bool = False, compile_: bool = True) -> Scene:
        venv = venv_factory("attack")
        wheels = [str(victim_wheel)] + ([str(setuptools_wheel)] if setuptools else [])
        pip_install(venv, *([] if compile_ else ["--no-compile"]), *wheels)
        lock = tmp_path / "clean.lock"
        locked = run_cli(sys.executable, "lock", "--python", str(venv.python), "-o", str(lock))
        assert locked.returncode == 0, locked.stderr
        return Scene(venv, lock, tmp_path / "marker", run_cli)

    return make


def clean(scene: Scene) -> None:
    for how, completed in scene.verify_three_ways():
        assert completed.returncode == 0, f"{how}: {completed.stdout}{completed.stderr}"
        assert not {c for c in scene.codes(completed) if c.startswith("ISP3")}, completed.stdout


# ------------------------------------------------------------------------- ownership from inside


def test_a_climbing_record_row_no_longer_owns_an_executable_pth(
    scene_factory: Callable[..., Scene],
) -> None:
    scene = scene_factory()
    site = scene.venv.site_packages
    (site / "evil.pth").write_text(payload(scene.marker) + "\n")
    with record_of(scene.venv, "victim").open("a") as record:
        record.write(f"../{site.name}/evil.pth,,\n")
    scene.prove()
    scene.caught("ISP316", "ISP307")


def test_an_absolute_record_row_no_longer_owns_a_package_shadowing_a_vouched_module(
    scene_factory: Callable[..., Scene],
) -> None:
    scene = scene_factory()
    site = scene.venv.site_packages
    shadow = site / "victim" / "core" / "__init__.py"  # a package wins over victim/core.py
    shadow.parent.mkdir()
    shadow.write_text(payload(scene.marker) + "\ndef run(count: int) -> int:\n    return 0\n")
    with record_of(scene.venv, "packaging").open("a") as record:
        record.write(f"{shadow},,\n")
    scene.prove("-c", "import victim.core")
    scene.caught("ISP316", "ISP303")


# ------------------------------------------------------------------- every distribution, RECORD


def test_an_extra_import_line_in_distutils_precedence_pth(
    scene_factory: Callable[..., Scene],
) -> None:
    scene = scene_factory(setuptools=True)
    pth = scene.venv.site_packages / "distutils-precedence.pth"
    pth.write_text(pth.read_text() + "\n" + payload(scene.marker) + "\n")
    scene.prove()
    scene.caught("ISP317")


def test_an_edited_distutils_hack(scene_factory: Callable[..., Scene]) -> None:
    scene = scene_factory(setuptools=True)
    hack = scene.venv.site_packages / "_distutils_hack" / "__init__.py"
    hack.write_text(payload(scene.marker) + "\n" + hack.read_text())
    scene.prove()  # distutils-precedence.pth imports it at every start
    scene.caught("ISP317")


def test_an_edited_module_of_a_distribution_without_a_manifest(
    scene_factory: Callable[..., Scene],
) -> None:
    scene = scene_factory()
    version = scene.venv.site_packages / "packaging" / "version.py"
    version.write_text(version.read_text() + "\n" + payload(scene.marker) + "\n")
    scene.prove("-c", "import packaging.version")
    scene.caught("ISP317")


# ------------------------------------------------------------------------- the start-up path


def test_a_path_line_to_a_directory_with_sitecustomize(
    scene_factory: Callable[..., Scene], tmp_path: Path
) -> None:
    scene = scene_factory()
    hideout = tmp_path / "hideout"
    hideout.mkdir()
    (hideout / "sitecustomize.py").write_text(payload(scene.marker) + "\n")
    (scene.venv.site_packages / "paths.pth").write_text(f"{hideout}\n")
    scene.prove()
    scene.caught("ISP307")


def test_a_relative_path_line_to_a_zip_with_sitecustomize(
    scene_factory: Callable[..., Scene],
) -> None:
    scene = scene_factory()
    with zipfile.ZipFile(scene.venv.site_packages / "bundle.zip", "w") as archive:
        archive.writestr("sitecustomize.py", payload(scene.marker) + "\n")
    (scene.venv.site_packages / "bundle.pth").write_text("bundle.zip\n")
    scene.prove()
    scene.caught("ISP307")


@contextmanager
def feeding(fifo: Path, first: bytes) -> Iterator[None]:
    """Keep a writer at ``fifo``: ``first`` for the first reader, nothing for the others.

    Any python starting in the environment blocks until something writes to the FIFO ``.pth``
    (that is what makes it a weapon); verify's own interpreters are such pythons.
    """
    stop = threading.Event()

    def feed() -> None:
        content = first
        while not stop.is_set():
            descriptor = os.open(fifo, os.O_WRONLY)  # waits for a reader
            try:
                os.write(descriptor, content)
            except BrokenPipeError:
                pass
            finally:
                os.close(descriptor)
            content = b""

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        release = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # lets a waiting open return
        thread.join(timeout=10)
        os.close(release)


def test_a_fifo_pth(scene_factory: Callable[..., Scene]) -> None:
    scene = scene_factory()
    fifo = scene.venv.site_packages / "zz_fifo.pth"
    os.mkfifo(fifo)
    with feeding(fifo, (payload(scene.marker) + "\n").encode()):
        scene.prove()
        scene.caught("ISP318")


# ----------------------------------------------------------------------------- clean installs


@pytest.mark.parametrize(
    ("setuptools", "compile_"), [(False, True), (False, False), (True, True), (True, False)]
)
def test_clean_installs_give_no_finding(
    scene_factory: Callable[..., Scene], setuptools: bool, compile_: bool
) -> None:
    clean(scene_factory(setuptools=setuptools, compile_=compile_))


def test_a_clean_editable_install_of_a_setuptools_project_gives_no_finding(
    scene_factory: Callable[..., Scene], tmp_path: Path
) -> None:
    project = tmp_path / "editable-project"
    (project / "edited").mkdir(parents=True)
    (project / "edited" / "__init__.py").write_text("VALUE = 1\n")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "edited"\nversion = "0.1"\n\n'
        '[tool.setuptools]\npackages = ["edited"]\n'
    )
    scene = scene_factory(setuptools=True)
    pip_install(scene.venv, "--no-build-isolation", "-e", str(project))
    assert list(scene.venv.site_packages.glob("__editable__.edited-0.1.pth"))
    locked = scene.run_cli(
        sys.executable, "lock", "--python", str(scene.venv.python), "-o", str(scene.lock)
    )
    assert locked.returncode == 0, locked.stderr
    clean(scene)


def test_a_module_claimed_by_another_distribution_inside_the_package(
    scene_factory: Callable[..., Scene],
) -> None:
    # The attacker adds victim/evil.py and appends a correct row for it to packaging's RECORD:
    # packaging's own files still match their RECORD, and the file now has an owner.
    scene = scene_factory()
    site = scene.venv.site_packages
    evil = site / "victim" / "evil.py"
    evil.write_text(payload(scene.marker) + "\n")
    digest = base64.urlsafe_b64encode(hashlib.sha256(evil.read_bytes()).digest()).rstrip(b"=")
    with record_of(scene.venv, "packaging").open("a") as record:
        record.write(f"victim/evil.py,sha256={digest.decode()},{evil.stat().st_size}\n")
    scene.prove("-c", "import victim.evil")  # a plugin scan of the package would import it
    scene.caught("ISP303")
