"""Attacks on files outside site-packages and on where vouched files really live.

Each case builds a real wheel with the real hook (``shared-scripts`` and ``shared-data`` ship
``<name>.data/scripts/tool`` and ``<name>.data/data/share/datalinks/table.txt``), installs it with
pip into a fresh virtual environment, tampers as someone with write access to the environment
would, proves that the payload runs (a subprocess of the environment's python imports the
package or runs the script, and the payload writes a marker file), and shows that verify reports
it with its code and exit 1: run by the environment's own python, through ``--python`` from the
test interpreter, and through the strict gate (lock of the clean install, ``--require-manifest``,
``--strict``).  Clean installs must give no finding.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.builds import CLI_TIMEOUT, ProjectFactory, runtime_closure, subprocess_env
from tests.helpers.venvs import RunCli, Venv, VenvFactory

pytestmark = pytest.mark.e2e

NAME = "datalinks"
FILES = {
    "datalinks/__init__.py": "from datalinks.core import greet\n\n__all__ = ['greet']\n",
    "datalinks/core.py": "def greet(name: str) -> str:\n    return f'hello {name}'\n",
    "scripts/tool": "#!/usr/bin/env python3\nprint('tool ran')\n",
    "share/table.txt": "a,b\n1,2\n",
}
SHARED = """
[tool.hatch.build.targets.wheel.shared-scripts]
"scripts/tool" = "tool"

[tool.hatch.build.targets.wheel.shared-data]
"share/table.txt" = "share/datalinks/table.txt"
"""
ALLOWED = ("hatch-importspy", *runtime_closure("hatch-importspy"))
"""What the clean environment holds besides the package: the verifier and its dependencies."""


def payload(marker: Path) -> str:
    return f"import pathlib; pathlib.Path({str(marker)!r}).write_text('pwned')\n"


@pytest.fixture(scope="module")
def wheel(project_factory: ProjectFactory, build_wheel: Any) -> Path:
    project = project_factory(FILES, name=NAME, options={}, extra_toml=SHARED)
    (project / "scripts" / "tool").chmod(0o755)  # a script, as a project keeps it
    built: Path = build_wheel(project)
    return built


def install(venv: Venv, wheel: Path, *extra: str) -> None:
    """pip into the environment, as a deployment would (``extra``: ``--no-compile``)."""
    command = [sys.executable, "-m", "pip", "--python", str(venv.python), "install", "-q"]
    command += ["--no-index", "--no-deps", "--disable-pip-version-check", *extra, str(wheel)]
    completed = subprocess.run(
        command, env=subprocess_env(), capture_output=True, text=True, timeout=CLI_TIMEOUT
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@dataclass(frozen=True)
class Run:
    returncode: int
    findings: list[tuple[str, str | None]]
    """``(code, file)`` of every finding about the package."""
    stdout: str


@dataclass(frozen=True)
class Target:
    venv: Venv
    lock: Path
    run_cli: RunCli

    def verify_inside(self) -> Run:
        """(a) ``python -m importspy verify`` run by the environment's own python."""
        return self._run(self.venv.python, "verify", "--format", "json")

    def verify_python(self) -> Run:
        """(b) ``verify --python`` from the test interpreter."""
        return self._run(
            sys.executable, "verify", "--python", str(self.venv.python), "--format", "json"
        )

    def verify_gate(self) -> Run:
        """(c) the strict gate: the lock of the clean install, every distribution accounted for."""
        allow = [option for name in ALLOWED for option in ("--allow", name)]
        return self._run(
            sys.executable, "verify", "--python", str(self.venv.python), "--lock", str(self.lock),
            "--require-manifest", *allow, "--strict", "--format", "json",
        )  # fmt: skip

    def all_three(self) -> list[Run]:
        return [self.verify_inside(), self.verify_python(), self.verify_gate()]

    def _run(self, python: Path | str, *args: str) -> Run:
        completed = self.run_cli(python, *args)
        assert completed.returncode in (0, 1), completed.stderr
        assert "Traceback" not in completed.stderr
        data = json.loads(completed.stdout)
        findings = [
            (finding["code"], finding.get("file"))
            for distribution in data["distributions"]
            if distribution["name"] == NAME
            for finding in distribution["findings"]
        ]
        others = [
            finding["code"]
            for distribution in data["distributions"]
            if distribution["name"] != NAME
            for finding in distribution["findings"]
        ]
        assert others == [], others
        return Run(completed.returncode, findings, completed.stdout)


@pytest.fixture
def target(wheel: Path, venv_factory: VenvFactory, run_cli: RunCli, tmp_path: Path) -> Target:
    venv = venv_factory("datalinks")
    install(venv, wheel)
    lock = tmp_path / "importspy.lock"
    completed = run_cli(sys.executable, "lock", "--python", str(venv.python), "-o", str(lock))
    assert completed.returncode == 0, completed.stderr
    return Target(venv, lock, run_cli)


def scripts_dir(venv: Venv) -> Path:
    return venv.python.parent


def run_python(venv: Venv, code: str) -> None:
    subprocess.run(
        [str(venv.python), "-c", code], check=True, capture_output=True, timeout=CLI_TIMEOUT
    )


def label(venv: Venv, path: Path) -> str:
    """A path as findings show it: relative to site-packages, ``/``-separated."""
    import os

    return os.path.relpath(path, venv.site_packages).replace(os.sep, "/")


# ------------------------------------------------------------------------------ clean installs


@pytest.mark.parametrize("extra", [(), ("--no-compile",)], ids=["pip-default", "no-compile"])
def test_clean_install_gives_no_finding(
    wheel: Path, venv_factory: VenvFactory, run_cli: RunCli, tmp_path: Path, extra: tuple[str, ...]
) -> None:
    venv = venv_factory("clean")
    install(venv, wheel, *extra)
    tool = scripts_dir(venv) / "tool"
    assert tool.read_bytes().startswith(f"#!{venv.python}".encode())  # pip rewrote #!python
    assert (venv.root / "share" / "datalinks" / "table.txt").is_file()
    ran = subprocess.run([str(tool)], capture_output=True, text=True, timeout=CLI_TIMEOUT)
    assert ran.stdout == "tool ran\n"
    lock = tmp_path / "importspy.lock"
    assert (
        run_cli(sys.executable, "lock", "--python", str(venv.python), "-o", str(lock)).returncode
        == 0
    )

    for run in Target(venv, lock, run_cli).all_three():
        assert (run.returncode, run.findings) == (0, [])

    # --path with site-packages alone cannot see bin/ or share/: it says so, as a note.
    seen = run_cli(sys.executable, "verify", "--path", str(venv.site_packages))
    assert seen.returncode == 0, seen.stdout + seen.stderr
    assert "ISP344" in seen.stdout and "2 installed files outside site-packages" in seen.stdout
    as_json = run_cli(
        sys.executable, "verify", "--path", str(venv.site_packages), "--format", "json"
    )
    (distribution,) = [d for d in json.loads(as_json.stdout)["distributions"] if d["name"] == NAME]
    assert [(f["code"], f["severity"]) for f in distribution["findings"]] == [("ISP344", "note")]


def test_the_manifest_vouches_for_the_data_files(wheel: Path, run_cli: RunCli) -> None:
    shown = run_cli(sys.executable, "show", str(wheel), "--format", "json")
    assert shown.returncode == 0, shown.stderr
    manifest, _ = json.JSONDecoder().raw_decode(shown.stdout)  # the digests document
    paths = {entry["path"] for entry in manifest["files"]}
    assert {
        "datalinks-1.0.0.data/scripts/tool",
        "datalinks-1.0.0.data/data/share/datalinks/table.txt",
    } <= paths


# ------------------------------------------------------------------------------ attacks


def test_edited_installed_script_is_reported(target: Target, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    tool = scripts_dir(target.venv) / "tool"
    tool.write_text(tool.read_text() + payload(marker))
    subprocess.run([str(tool)], check=True, capture_output=True, timeout=CLI_TIMEOUT)
    assert marker.read_text() == "pwned"

    for run in target.all_three():
        assert run.returncode == 1
        assert ("ISP301", label(target.venv, tool)) in run.findings, run.findings


def test_script_pointed_at_another_interpreter_is_reported(target: Target, tmp_path: Path) -> None:
    # Same body, but the launcher now runs a program the attacker controls.
    marker = tmp_path / "marker"
    fake = tmp_path / "world" / "python"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\n{sys.executable} -c {json.dumps(payload(marker).strip())}\n")
    fake.chmod(0o755)
    tool = scripts_dir(target.venv) / "tool"
    _, _, body = tool.read_text().partition("\n")
    tool.write_text(f"#!{fake}\n{body}")
    subprocess.run([str(tool)], check=True, capture_output=True, timeout=CLI_TIMEOUT)
    assert marker.read_text() == "pwned"

    for run in target.all_three():
        assert run.returncode == 1
        assert ("ISP301", label(target.venv, tool)) in run.findings, run.findings


def test_module_replaced_by_link_to_identical_copy(target: Target, tmp_path: Path) -> None:
    module = target.venv.site_packages / "datalinks" / "core.py"
    copy = tmp_path / "world" / "core.py"
    copy.parent.mkdir()
    shutil.copyfile(module, copy)
    module.unlink()
    module.symlink_to(copy)

    # The digests still match: the link alone is the finding (ISP343, an error).
    for run in target.all_three():
        assert run.returncode == 1
        assert run.findings == [("ISP343", "datalinks/core.py")], run.findings

    marker = tmp_path / "marker"
    copy.write_text(copy.read_text() + payload(marker))  # site-packages itself is untouched
    run_python(target.venv, "import datalinks")
    assert marker.read_text() == "pwned"
    for run in target.all_three():
        assert run.returncode == 1
        assert ("ISP343", "datalinks/core.py") in run.findings
        assert ("ISP301", "datalinks/core.py") in run.findings, run.findings


def test_package_directory_replaced_by_link_to_a_copy(target: Target, tmp_path: Path) -> None:
    package = target.venv.site_packages / "datalinks"
    copy = tmp_path / "world" / "datalinks"
    shutil.copytree(package, copy)
    shutil.rmtree(package)
    package.symlink_to(copy, target_is_directory=True)
    marker = tmp_path / "marker"
    initial = copy / "__init__.py"
    initial.write_text(initial.read_text() + payload(marker))
    run_python(target.venv, "import datalinks")
    assert marker.read_text() == "pwned"

    for run in target.all_three():
        assert run.returncode == 1
        assert ("ISP343", "datalinks") in run.findings, run.findings
        assert ("ISP301", "datalinks/__init__.py") in run.findings
        # Reported once, at the link, not again for each file below it.
        assert [code for code, _ in run.findings].count("ISP343") == 1


def test_installed_data_file_edited_or_linked_away(target: Target, tmp_path: Path) -> None:
    table = target.venv.root / "share" / "datalinks" / "table.txt"
    copy = tmp_path / "world" / "table.txt"
    copy.parent.mkdir()
    shutil.copyfile(table, copy)
    table.unlink()
    table.symlink_to(copy)
    for run in target.all_three():
        assert run.returncode == 1
        assert run.findings == [("ISP343", label(target.venv, table))], run.findings
