"""The repository's GitHub Action (action.yml) and workflows, as far as a machine without GitHub
can take them.

No runner is involved: the action's ``run:`` steps are executed here by bash, in order, with
their ``env:`` expressions substituted the way the runner would (``inputs.*`` from the given
inputs and the defaults, ``steps.<id>.outputs.*`` from what earlier steps wrote to
``$GITHUB_OUTPUT``, ``runner.temp``).  The ``uses:`` steps are GitHub's own actions:
``setup-python`` is stood in for by the running interpreter, and the SARIF upload is checked to
receive the file the verify step wrote, which must exist and be SARIF.  The workflows are parsed
for the jobs, matrix and publishing step they promise.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers.builds import REPO_ROOT, subprocess_env
from tests.helpers.venvs import Venv, VenvFactory

ACTION = REPO_ROOT / "action.yml"
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def substitute(text: str, context: Mapping[str, str]) -> str:
    """``${{ name }}`` replaced by ``context[name]``; an unknown expression fails the test."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in context, f"action.yml uses ${{{{ {name} }}}}, not known to this test"
        return context[name]

    return EXPRESSION.sub(value, text)


def run_action(inputs: Mapping[str, str], *, workdir: Path) -> tuple[int, dict[str, str]]:
    """Run action.yml's steps as the runner would; return the last exit status and the outputs
    of every step as ``steps.<id>.outputs.<key>``."""
    action = load(ACTION)
    context = {f"inputs.{name}": spec.get("default", "") for name, spec in action["inputs"].items()}
    context.update({f"inputs.{name}": value for name, value in inputs.items()})
    context["runner.temp"] = str(workdir / "runner-temp")
    (workdir / "runner-temp").mkdir(exist_ok=True)
    status = 0
    for index, step in enumerate(action["runs"]["steps"]):
        if "uses" in step:
            if step["uses"].startswith("actions/setup-python@"):
                context[f"steps.{step['id']}.outputs.python-path"] = sys.executable
            continue
        assert step["shell"] == "bash", step
        output_file = workdir / f"output-{index}"
        output_file.write_text("")
        env = {name: substitute(str(value), context) for name, value in step["env"].items()}
        completed = subprocess.run(
            ["bash", "-c", step["run"]],
            cwd=workdir,
            env=subprocess_env({**env, "GITHUB_OUTPUT": str(output_file)}),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        for line in output_file.read_text().splitlines():
            key, _, value = line.partition("=")
            context[f"steps.{step['id']}.outputs.{key}"] = value
        status = completed.returncode
        if status != 0:
            context["failed"] = f"{step['name']}: {completed.stdout}{completed.stderr}"
            break
    return status, context


@pytest.fixture(scope="module")
def target(venv_factory: VenvFactory, demo_wheel: Path) -> Venv:
    """The environment the action checks: the demo application alone, no hatch-importspy."""
    return venv_factory("action-target", wheels=(demo_wheel,), importspy=False)


def test_action_is_composite_reads_inputs_through_env_and_uploads_sarif() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert {"python", "policy", "lock", "formats"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    for step in steps:
        if "run" in step:  # no ${{ }} inside a script: inputs cannot inject shell code
            assert EXPRESSION.search(step["run"]) is None, step["name"]
    [upload] = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload")]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ steps.verify.outputs.sarif-file }}"


@pytest.mark.e2e
def test_action_steps_verify_the_target_from_their_own_environment_and_write_sarif(
    target: Venv, importspy_wheel: Path, tmp_path: Path
) -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed here")
    policy = tmp_path / "importspy-policy.yaml"
    policy.write_text("require-manifest: true\nallow: [pip, setuptools]\n")
    inputs = {
        "python": str(target.python),
        "policy": str(policy),
        "formats": "github, json",
        "spec": str(importspy_wheel),
    }

    status, outputs = run_action(inputs, workdir=tmp_path)

    assert status == 0, outputs.get("failed")
    assert outputs["steps.verify.outputs.exit-code"] == "0"
    verifier = Path(outputs["steps.verifier.outputs.python"])
    assert tmp_path / "runner-temp" in verifier.parents  # its own environment, not the target's
    sarif = json.loads((tmp_path / outputs["steps.verify.outputs.sarif-file"]).read_text())
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["tool"]["driver"]["name"]
    report = json.loads((tmp_path / "importspy.json").read_text())
    assert [d["name"] for d in report["distributions"]] == ["acme-inventory"]


@pytest.mark.e2e
def test_action_fails_the_step_on_findings_and_still_leaves_sarif_to_upload(
    target: Venv, importspy_wheel: Path, tmp_path: Path
) -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed here")
    lock = tmp_path / "importspy.lock"  # approves nothing: every installed distribution is new
    lock.write_text('schema: "importspy-lock/1"\ndistributions: []\n')

    status, outputs = run_action(
        {"python": str(target.python), "lock": str(lock), "spec": str(importspy_wheel)},
        workdir=tmp_path,
    )

    assert status == 1
    assert outputs["steps.verify.outputs.exit-code"] == "1"
    sarif = json.loads((tmp_path / outputs["steps.verify.outputs.sarif-file"]).read_text())
    assert "ISP330" in {result["ruleId"] for result in sarif["runs"][0]["results"]}


def test_ci_workflow_runs_the_test_script_on_every_python_and_os() -> None:
    workflow = load(WORKFLOWS / "ci.yml")
    [job] = workflow["jobs"].values()
    matrix = job["strategy"]["matrix"]
    assert matrix["python-version"] == ["3.10", "3.11", "3.12", "3.13", "3.14"]
    assert set(matrix["os"]) == {"ubuntu-latest", "macos-latest", "windows-latest"}
    assert any(step.get("run") == "bash scripts/test.sh" for step in job["steps"])


def test_release_workflow_builds_with_the_hook_and_publishes_with_trusted_publishing() -> None:
    workflow = load(WORKFLOWS / "release.yml")
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    runs = [step.get("run", "") for step in build["steps"]]
    assert any("python -m build" in run for run in runs)  # the checkout's own hook runs in it
    assert any("importspy verify dist/*.whl" in run for run in runs)
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}
    uses = [step.get("uses", "") for step in publish["steps"]]
    assert any(use.startswith("pypa/gh-action-pypi-publish@") for use in uses)
    # No token anywhere: trusted publishing.
    assert "password" not in json.dumps(publish)
