"""Attacks on what a distribution declares: entry points, console-script wrappers, Requires-Dist.

Each case builds a real wheel of a fixture project (``[project.scripts]`` and a plugin entry-point
group) with the real hook, installs it with pip into a fresh virtual environment, tampers with
it as someone with write access to the environment would, proves that the payload really runs
(the script started, or the plugin group loaded by a subprocess the way a plugin host loads it,
writes a marker file), and then shows that ``verify`` reports it with its code and exit 1:

(a) ``python -m importspy verify`` run by the environment's own python;
(b) ``verify --python <venv python>`` from the test interpreter;
(c) the strict gate: ``lock`` on the clean install, then after the tamper ``verify --python ...
    --lock LOCK --require-manifest --allow ... --strict``.

The payload lives in a top-level module outside the distribution's package directory, so that
no older check (files added, files modified) can be what catches the attack.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from hatch_importspy.formats.record import hex_to_record_digest
from tests.helpers.builds import ProjectFactory
from tests.helpers.venvs import RunCli, Venv, VenvFactory

pytestmark = pytest.mark.e2e

PLUGIN_GROUP = "spyep.plugins"
FILES: dict[str, str | bytes] = {
    "spyep/__init__.py": '"""A package with console scripts and plugins."""\n',
    "spyep/cli.py": "def main() -> int:\n    print('spyep cli')\n    return 0\n",
    "spyep/plugin.py": "def hook() -> str:\n    return 'the real plugin'\n",
}
EXTRA_TOML = f"""
[project.scripts]
spyep = "spyep.cli:main"

[project.gui-scripts]
spyep-gui = "spyep.cli:main"

[project.entry-points."{PLUGIN_GROUP}"]
default = "spyep.plugin:hook"
"""
PAYLOAD_MODULE = "zz_spyep_payload"
REQUIREMENT = "packaging>=20"
EVIL_REQUIREMENT = "spyep-helper-evil>=0"


@dataclass(frozen=True)
class Installed:
    venv: Venv
    dist_info: Path
    lock: Path
    allow: tuple[str, ...]

    @property
    def marker(self) -> Path:
        return self.venv.root / "payload-ran"


@pytest.fixture(scope="module")
def spyep_wheel(project_factory: ProjectFactory, build_wheel: Callable[..., Path]) -> Path:
    project = project_factory(
        FILES, name="spyep", options={}, dependencies=[REQUIREMENT], extra_toml=EXTRA_TOML
    )
    return build_wheel(project)


@pytest.fixture
def installed(
    spyep_wheel: Path, venv_factory: VenvFactory, run_cli: RunCli, tmp_path: Path
) -> Installed:
    """A fresh install, locked while clean; ``allow`` names every distribution without a
    manifest the clean environment holds (the verifier's own)."""
    venv = venv_factory("spyep", wheels=[spyep_wheel])
    dist_info = next(venv.site_packages.glob("spyep-1.0.0.dist-info"))
    lock = tmp_path / "importspy.lock"
    locked = run_cli(sys.executable, "lock", "--python", str(venv.python), "-o", str(lock))
    assert locked.returncode == 0, locked.stderr
    others = sorted(
        canonicalize_name(path.name.split("-")[0])
        for path in venv.site_packages.glob("*.dist-info")
        if path != dist_info
    )
    return Installed(venv, dist_info, lock, tuple(others))


# --------------------------------------------------------------------------- tampering


def payload(marker: Path) -> str:
    return (
        "from pathlib import Path\n\n\n"
        "def run(*args: object) -> int:\n"
        f"    Path({str(marker)!r}).write_text('ran', encoding='utf-8')\n"
        "    return 0\n"
    )


def plant_payload(target: Installed) -> None:
    (target.venv.site_packages / f"{PAYLOAD_MODULE}.py").write_text(
        payload(target.marker), encoding="utf-8"
    )


def rewrite_record_row(dist_info: Path, site_dir: Path, changed: Path) -> None:
    """What a careful attacker does after changing a file: RECORD states its new hash."""
    record = dist_info / "RECORD"
    rows = list(csv.reader(record.read_text(encoding="utf-8").splitlines()))
    content = changed.read_bytes()
    digest = "sha256=" + hex_to_record_digest(hashlib.sha256(content).hexdigest())
    for row in rows:
        if row and os.path.normpath(site_dir / row[0]) == os.path.normpath(changed):
            row[1:] = [digest, str(len(content))]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    record.write_text(out.getvalue(), encoding="utf-8")


def rewrite_entry_point(target: Installed, group: str, name: str, value: str) -> None:
    path = target.dist_info / "entry_points.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    section = ""
    for index, line in enumerate(lines):
        if line.startswith("["):
            section = line.strip("[]")
        elif section == group and line.partition("=")[0].strip() == name:
            lines[index] = f"{name} = {value}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rewrite_record_row(target.dist_info, target.venv.site_packages, path)


def wrapper_text(python: Path, module: str, attr: str) -> str:
    """A console-script wrapper as pip writes it."""
    return (
        f"#!{python}\n"
        "# -*- coding: utf-8 -*-\n"
        "import re\n"
        "import sys\n"
        f"from {module} import {attr}\n"
        "if __name__ == '__main__':\n"
        "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
        f"    sys.exit({attr}())\n"
    )


def script(target: Installed, name: str = "spyep") -> Path:
    return target.venv.root / "bin" / name


def run_script(target: Installed) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(script(target))], capture_output=True, text=True, timeout=60, check=False
    )


def python_c(target: Installed, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(target.venv.python), "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# --------------------------------------------------------------------------- verifying


def codes_of(output: str) -> list[str]:
    report = json.loads(output)
    found = [f["code"] for d in report["distributions"] for f in d["findings"]]
    return found + [f["code"] for f in report["environment_findings"]]


def assert_reported(run_cli: RunCli, target: Installed, code: str) -> None:
    """The three ways to run verify all report ``code`` and exit 1."""
    python = str(target.venv.python)
    own = run_cli(target.venv.python, "verify", "--format", "json")
    other = run_cli(sys.executable, "verify", "--python", python, "--format", "json")
    gate = run_cli(sys.executable, "verify", *gate_args(target), "--format", "json")
    for name, completed in (("own python", own), ("--python", other), ("strict gate", gate)):
        assert completed.returncode == 1, (name, completed.stdout, completed.stderr)
        assert code in codes_of(completed.stdout), (name, completed.stdout)


def gate_args(target: Installed) -> list[str]:
    allows = [arg for name in target.allow for arg in ("--allow", name)]
    python = str(target.venv.python)
    return [
        "--python",
        python,
        "--lock",
        str(target.lock),
        "--require-manifest",
        *allows,
        "--strict",
    ]


# --------------------------------------------------------------------------- the attacks


def test_console_script_rewritten_and_wrapper_regenerated(
    installed: Installed, run_cli: RunCli
) -> None:
    plant_payload(installed)
    rewrite_entry_point(installed, "console_scripts", "spyep", f"{PAYLOAD_MODULE}:run")
    wrapper = script(installed)
    wrapper.write_text(wrapper_text(installed.venv.python, PAYLOAD_MODULE, "run"), "utf-8")
    rewrite_record_row(installed.dist_info, installed.venv.site_packages, wrapper)

    assert run_script(installed).returncode == 0
    assert installed.marker.read_text(encoding="utf-8") == "ran"
    assert_reported(run_cli, installed, "ISP340")
    assert_reported(run_cli, installed, "ISP341")


def test_console_script_wrapper_edited(installed: Installed, run_cli: RunCli) -> None:
    plant_payload(installed)
    wrapper = script(installed)
    original = wrapper.read_text(encoding="utf-8")
    assert "from spyep.cli import main" in original  # pip's wrapper, as the check expects it
    wrapper.write_text(
        original.replace("from spyep.cli import main", f"from {PAYLOAD_MODULE} import run as main"),
        encoding="utf-8",
    )

    assert run_script(installed).returncode == 0
    assert installed.marker.read_text(encoding="utf-8") == "ran"
    assert_reported(run_cli, installed, "ISP341")


def test_wrapper_shebang_swapped(installed: Installed, run_cli: RunCli, tmp_path: Path) -> None:
    """The code is the plain wrapper, the interpreter is not: the RECORD hash catches it."""
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\necho ran > {installed.marker}\n", encoding="utf-8")
    fake.chmod(0o755)
    wrapper = script(installed)
    text = wrapper.read_text(encoding="utf-8")
    wrapper.write_text(f"#!{fake}\n" + text.partition("\n")[2], encoding="utf-8")

    run_script(installed)
    assert installed.marker.read_text(encoding="utf-8").strip() == "ran"
    assert_reported(run_cli, installed, "ISP341")


def test_plugin_group_entry_rewritten(installed: Installed, run_cli: RunCli) -> None:
    plant_payload(installed)
    rewrite_entry_point(installed, PLUGIN_GROUP, "default", f"{PAYLOAD_MODULE}:run")

    host = python_c(
        installed,
        "from importlib.metadata import entry_points\n"
        f"for ep in entry_points(group={PLUGIN_GROUP!r}):\n"
        "    ep.load()()\n",
    )
    assert host.returncode == 0, host.stderr
    assert installed.marker.read_text(encoding="utf-8") == "ran"
    assert_reported(run_cli, installed, "ISP340")


def test_plugin_entry_added(installed: Installed, run_cli: RunCli) -> None:
    plant_payload(installed)
    path = installed.dist_info / "entry_points.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + f"\n[pytest11]\nspyep = {PAYLOAD_MODULE}\n", "utf-8"
    )

    host = python_c(
        installed,
        "from importlib.metadata import entry_points\n"
        "for ep in entry_points(group='pytest11'):\n"
        "    if ep.name == 'spyep':\n"
        "        ep.load().run()\n",
    )
    assert host.returncode == 0, host.stderr
    assert installed.marker.read_text(encoding="utf-8") == "ran"
    assert_reported(run_cli, installed, "ISP340")


def test_requires_dist_rewritten(installed: Installed, run_cli: RunCli) -> None:
    metadata = installed.dist_info / "METADATA"
    text = metadata.read_text(encoding="utf-8")
    assert f"Requires-Dist: {REQUIREMENT}\n" in text
    metadata.write_text(
        text.replace(f"Requires-Dist: {REQUIREMENT}\n", f"Requires-Dist: {EVIL_REQUIREMENT}\n"),
        encoding="utf-8",
    )
    rewrite_record_row(installed.dist_info, installed.venv.site_packages, metadata)

    reported = python_c(installed, "import importlib.metadata as m; print(m.requires('spyep'))")
    assert reported.returncode == 0, reported.stderr
    assert EVIL_REQUIREMENT in reported.stdout and REQUIREMENT not in reported.stdout
    assert_reported(run_cli, installed, "ISP342")


# --------------------------------------------------------------------------- clean installs


def test_clean_install_has_no_finding(installed: Installed, run_cli: RunCli) -> None:
    assert "spyep cli" in run_script(installed).stdout
    python = str(installed.venv.python)
    runs: Sequence[tuple[str, subprocess.CompletedProcess[str]]] = (
        ("own python", run_cli(installed.venv.python, "verify", "--format", "json")),
        ("--python", run_cli(sys.executable, "verify", "--python", python, "--format", "json")),
        (
            "strict gate",
            run_cli(sys.executable, "verify", *gate_args(installed), "--format", "json"),
        ),
    )
    for name, completed in runs:
        assert completed.returncode == 0, (name, completed.stdout, completed.stderr)
        report = json.loads(completed.stdout)
        assert codes_of(completed.stdout) == [], name
        assert not [n for n in report["notices"] if "spyep" in n], (name, report["notices"])
    shown = run_cli(installed.venv.python, "show", "spyep", "--format", "json")
    manifest = json.loads(shown.stdout.partition("\n---\n")[0])  # the embedded form's header
    assert manifest["entry_points"] == {
        "console_scripts": {"spyep": "spyep.cli:main"},
        "gui_scripts": {"spyep-gui": "spyep.cli:main"},
        PLUGIN_GROUP: {"default": "spyep.plugin:hook"},
    }


def test_wrappers_out_of_sight_are_said(
    installed: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    """A copy of site-packages without its scripts directory: no finding, but a notice per
    wrapper it could not see, never a silent pass."""
    copy = tmp_path / "deep" / "copied" / "site-packages"
    shutil.copytree(installed.venv.site_packages, copy)
    completed = run_cli(sys.executable, "verify", "--path", str(copy), "spyep", "--format", "json")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    notices = json.loads(completed.stdout)["notices"]
    for name in ("spyep", "spyep-gui"):
        assert any(f"wrapper of script {name} that RECORD lists is not at" in n for n in notices)
