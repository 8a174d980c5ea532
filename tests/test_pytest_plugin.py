"""The pytest plugin, run in real pytest sessions inside a real virtual environment.

The environment holds hatch-importspy (built from this checkout), pytest (repacked from the
running environment, no network) and one application wheel built with the hook.  No session
passes ``-p``: pytest loads the plugin through the ``pytest11`` entry point of the installed
wheel, as it does for users, and the plugin stays off until ``--importspy`` or the ini option
enables it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.builds import ProjectFactory, repack_installed, runtime_closure
from tests.helpers.venvs import Venv, VenvFactory

pytestmark = pytest.mark.e2e

ENTRY_POINT = "importspy"
"""The plugin's name in pytest: what ``-p no:importspy`` blocks."""
_OUTER_VARIABLES = ("PYTHON", "PYTEST", "VIRTUAL_ENV")
"""Variables of the outer test run that must not leak into the inner session."""
TESTS = "def test_passes() -> None:\n    assert 1 + 1 == 2\n"


@pytest.fixture(scope="module")
def plugin_venv(
    project_factory: ProjectFactory,
    build_wheel: Callable[..., Path],
    venv_factory: VenvFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> Venv:
    app = project_factory(
        {"tested_app/__init__.py": "def answer() -> int:\n    return 42\n"},
        name="tested-app",
        options={},
    )
    venv = venv_factory("plugin-venv", wheels=[build_wheel(app)])
    out = tmp_path_factory.mktemp("pytest-wheels")
    venv.install(*(repack_installed(name, out) for name in ["pytest", *runtime_closure("pytest")]))
    return venv


def run_pytest(
    venv: Venv, directory: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    (directory / "test_sample.py").write_text(TESTS, encoding="utf-8")
    return subprocess.run(
        [str(venv.python), "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=directory,
        env={k: v for k, v in os.environ.items() if not k.startswith(_OUTER_VARIABLES)}
        | (env or {}),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def app_module(venv: Venv) -> Path:
    return venv.site_packages / "tested_app" / "__init__.py"


def test_conforming_environment_passes(plugin_venv: Venv, tmp_path: Path) -> None:
    completed = run_pytest(plugin_venv, tmp_path, "--importspy")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "== importspy ==" in completed.stdout
    assert "tested-app 1.0.0 (" in completed.stdout
    assert "ok (checked: environment, integrity, structure, dependencies)" in completed.stdout
    assert ": compliant" in completed.stdout


def test_tampered_environment_fails_the_session(plugin_venv: Venv, tmp_path: Path) -> None:
    module = app_module(plugin_venv)
    original = module.read_bytes()
    module.write_bytes(original + b"\nimport os  # injected\n")
    try:
        completed = run_pytest(plugin_venv, tmp_path, "--importspy")
        off = run_pytest(plugin_venv, tmp_path)
    finally:
        module.write_bytes(original)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "1 passed" in completed.stdout  # the tests themselves passed
    assert "ISP301 error tested_app/__init__.py: " in completed.stdout
    assert "the environment under test does not conform: the session fails" in completed.stdout
    # Off unless asked for: the same tampered environment, no --importspy, no check.
    assert off.returncode == 0
    assert "plugins: hatch-importspy-" in off.stdout  # loaded through the entry point, but off
    assert "== importspy ==" not in off.stdout
    assert "ISP301" not in off.stdout


def test_ini_option_enables_it_and_strictness_and_policy_apply(
    plugin_venv: Venv, tmp_path: Path
) -> None:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nimportspy = true\nimportspy_policy = gate.yaml\n", encoding="utf-8"
    )
    (tmp_path / "gate.yaml").write_text("require-manifest: true\n", encoding="utf-8")
    completed = run_pytest(plugin_venv, tmp_path)
    # Every distribution in the venv but tested-app lacks a manifest: ISP320 for each.
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "ISP320 error" in completed.stdout
    (tmp_path / "gate.yaml").write_text("require-manifest: true\nallow: ['*']\n", encoding="utf-8")
    assert run_pytest(plugin_venv, tmp_path).returncode == 0


def test_unusable_policy_stops_the_session(plugin_venv: Venv, tmp_path: Path) -> None:
    (tmp_path / "gate.yaml").write_text("require_manifest: true\n", encoding="utf-8")
    completed = run_pytest(plugin_venv, tmp_path, "--importspy", "--importspy-policy", "gate.yaml")
    assert completed.returncode == pytest.ExitCode.USAGE_ERROR
    assert "importspy: gate.yaml: require_manifest is not a policy key" in completed.stderr


def test_the_plugin_is_loaded_through_its_entry_point(plugin_venv: Venv, tmp_path: Path) -> None:
    help_text = run_pytest(plugin_venv, tmp_path, "--help")
    assert help_text.returncode == 0, help_text.stderr
    assert "--importspy " in help_text.stdout
    # Blocking the entry point's name removes the plugin, and with it its options.
    blocked = run_pytest(plugin_venv, tmp_path, "-p", f"no:{ENTRY_POINT}", "--importspy")
    assert blocked.returncode == pytest.ExitCode.USAGE_ERROR
    assert "unrecognized arguments: --importspy" in blocked.stderr


@pytest.mark.parametrize("hook", ["verify_installed", "render_text"])
def test_a_bug_in_the_plugin_is_one_line_and_exit_2(
    plugin_venv: Venv, tmp_path: Path, hook: str
) -> None:
    """An exception the plugin did not expect, at the session's start (the verification) or at
    its end (the report), ends the session with exit status 2 and one line, not pytest's
    internal-error traceback (exit 3) nor a silently passing session."""
    inject = tmp_path / "inject"
    inject.mkdir()
    module = "verify.verifier" if hook == "verify_installed" else "report.text"
    (inject / "sitecustomize.py").write_text(
        f"import hatch_importspy.{module} as target\n"
        "def _boom(*args, **kwargs):\n"
        "    raise RuntimeError('injected')\n"
        f"target.{hook} = _boom\n",
        encoding="utf-8",
    )
    completed = run_pytest(plugin_venv, tmp_path, "--importspy", env={"PYTHONPATH": str(inject)})
    assert completed.returncode == 2, completed.stdout + completed.stderr
    lines = [line for line in completed.stderr.splitlines() if "importspy" in line]
    assert len(lines) == 1, completed.stderr
    stage = "session start" if hook == "verify_installed" else "terminal summary"
    assert lines[0].startswith(f"Exit: importspy: error: pytest --importspy ({stage}): ")
    assert "unexpected RuntimeError: injected (" in lines[0]
    assert "Traceback" not in completed.stderr + completed.stdout
