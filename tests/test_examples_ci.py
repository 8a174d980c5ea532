"""The CI/CD examples in ``examples/ci/``: they parse, and they run the real commands.

No Docker engine, Kubernetes cluster or CI runner is available where these tests run, so the
examples are checked as far as this machine allows: every YAML file parses and has the shape
its system requires, the Dockerfile's stages depend on each other so that a failing verify step
fails the build, and every ``python -m importspy`` command line uses only options the verifier
documents, with the formats and files the surrounding configuration expects.  The sample policy
file is loaded by the real policy reader.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from hatch_importspy.policy import load_policy

CI = Path(__file__).resolve().parent.parent / "examples" / "ci"

VERIFY_OPTIONS_WITH_VALUE = {"--python", "--path", "--format", "--output", "--policy", "--lock"}
VERIFY_FLAGS = {"--require-manifest", "--strict"}
FORMATS = {"text", "json", "junit", "sarif", "github"}
LOCK_OPTIONS = {"--python", "--path", "-o", "--output"}
COMMAND = re.compile(r"python\"? -m importspy (verify|lock)\b(.*)")


def load(name: str) -> Any:
    return yaml.safe_load((CI / name).read_text(encoding="utf-8"))


def importspy_commands(text: str) -> list[list[str]]:
    """Every ``python -m importspy ...`` invocation in ``text``, as argument lists.

    Shell line continuations and YAML folded lines are joined first; ``$VAR`` paths stay as
    written, since only the options matter here.
    """
    joined = re.sub(r"\\\n\s*", " ", text)
    commands = []
    for match in COMMAND.finditer(joined):
        rest = match.group(2).split("&&")[0].split("'")[0]
        commands.append([match.group(1), *shlex.split(rest)])
    return commands


def check_verify(arguments: list[str]) -> dict[str, str]:
    """The options of one verify command; fails on anything the verifier does not document."""
    options: dict[str, str] = {}
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        if argument in VERIFY_OPTIONS_WITH_VALUE:
            options[argument] = arguments[index + 1]
            index += 2
            continue
        if argument.startswith("-"):
            assert argument in VERIFY_FLAGS, argument
            options[argument] = ""
        index += 1
    assert options.get("--format", "text") in FORMATS
    return options


def verify_commands(text: str) -> list[dict[str, str]]:
    return [check_verify(c[1:]) for c in importspy_commands(text) if c[0] == "verify"]


def folded_runs(steps: list[dict[str, Any]]) -> str:
    return "\n".join(str(step.get("run", "")) for step in steps)


def test_github_actions_workflow() -> None:
    workflow = load("github-actions.yml")
    # PyYAML reads the key `on` as the boolean True (YAML 1.1); GitHub reads it as "on".
    assert set(workflow) >= {"name", True, "jobs"}
    [job] = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    names = [step.get("name", step.get("uses")) for step in steps]
    build = names.index("Build (the importspy hook embeds the manifest)")
    wheels = names.index("Verify the wheels")
    install = names.index("Install into a fresh environment")
    environment = names.index("Verify the environment")
    upload = next(i for i, s in enumerate(steps) if "upload-sarif" in s.get("uses", ""))
    assert build < wheels < install < environment < upload
    assert "python -m build --wheel" in steps[build]["run"]
    [wheel_check] = verify_commands(steps[wheels]["run"])
    assert wheel_check["--format"] == "github"
    [gate] = verify_commands(steps[environment]["run"])
    assert gate["--python"] == ".venv/bin/python"
    assert gate["--format"] == "sarif"
    assert {"--require-manifest", "--policy", "--lock"} <= set(gate)
    assert steps[upload]["uses"] == "github/codeql-action/upload-sarif@v4"
    assert steps[upload]["with"]["sarif_file"] == gate["--output"]
    assert "always()" in steps[upload]["if"]
    # The verifier has a tool environment of its own, separate from the application's .venv.
    assert '$RUNNER_TEMP/importspy/bin/python" -m importspy verify' in folded_runs(steps)


def test_gitlab_ci_junit_reports() -> None:
    config = load("gitlab-ci.yml")
    assert config["stages"] == ["build", "verify"]
    for job_name in ("build-wheels", "verify-environment"):
        job = config[job_name]
        commands = verify_commands("\n".join(job["script"]))
        [command] = commands
        assert command["--format"] == "junit"
        assert job["artifacts"]["reports"]["junit"] == command["--output"]
        assert job["artifacts"]["when"] == "always"
    [gate] = verify_commands("\n".join(config["verify-environment"]["script"]))
    assert gate["--python"] == "/opt/app/bin/python"
    assert config["verify-environment"]["needs"] == ["build-wheels"]


def dockerfile_stages(text: str) -> dict[str, list[str]]:
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in re.sub(r"\\\n\s*", " ", text).splitlines():
        if line.startswith("FROM "):
            match = re.fullmatch(r"FROM (\S+) AS (\S+)", line)
            assert match, line
            current = stages.setdefault(match.group(2), [line])
        elif line and not line.startswith("#"):
            current.append(line)
    return stages


def test_dockerfile_final_stage_depends_on_verification() -> None:
    # No Docker engine here: the stage graph is checked by reading the file.
    text = (CI / "Dockerfile").read_text(encoding="utf-8")
    assert text.startswith("# syntax=docker/dockerfile:1\n")
    stages = dockerfile_stages(text)
    assert list(stages) == ["build", "runtime", "verify", "final"]
    assert stages["verify"][0] == "FROM runtime AS verify"
    assert stages["final"][0] == "FROM runtime AS final"
    # BuildKit builds only what the target needs: the final stage must consume the verify stage.
    assert any(line.startswith("COPY --from=verify ") for line in stages["final"])
    [verify_run] = [line for line in stages["verify"] if "-m importspy verify" in line]
    assert verify_run.startswith("RUN /opt/importspy/bin/python -m importspy verify")
    # The marker the final stage copies is only written when verification succeeded.
    assert verify_run.endswith("&& touch /gate/verified")
    [gate] = verify_commands(verify_run)
    assert gate["--python"] == "/opt/app/bin/python"
    assert {"--require-manifest", "--policy", "--lock"} <= set(gate)
    runtime = " ".join(stages["runtime"])
    assert "python -m venv /opt/app" in runtime and "python -m venv /opt/importspy" in runtime
    assert "-m importspy lock" in text and "--python /opt/app/bin/python" in text


def test_kubernetes_init_container_gates_the_pod() -> None:
    documents = list(yaml.safe_load_all((CI / "k8s-init-container.yaml").read_text("utf-8")))
    [deployment] = documents
    assert (deployment["apiVersion"], deployment["kind"]) == ("apps/v1", "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    [init] = pod["initContainers"]
    [app] = pod["containers"]
    assert init["image"] == app["image"]
    assert init["command"][:4] == ["/opt/importspy/bin/python", "-m", "importspy", "verify"]
    [gate] = [check_verify(init["command"][4:])]
    assert gate["--python"] == "/opt/app/bin/python"
    mount = init["volumeMounts"][0]
    assert gate["--policy"].startswith(mount["mountPath"] + "/")
    assert gate["--lock"].startswith(mount["mountPath"] + "/")
    [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["configMap"]["name"] == "importspy-gate"
    assert init["securityContext"]["readOnlyRootFilesystem"] is True
    assert init["envFrom"] == app["envFrom"]


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml", "Dockerfile"])
def test_examples_use_only_documented_options(name: str) -> None:
    commands = importspy_commands((CI / name).read_text(encoding="utf-8"))
    assert commands
    for command in commands:
        if command[0] == "verify":
            check_verify(command[1:])
        else:
            flags = {argument for argument in command[1:] if argument.startswith("-")}
            assert flags <= LOCK_OPTIONS, flags


def test_the_option_check_rejects_what_the_verifier_does_not_document() -> None:
    assert check_verify(["--python", "x", "--strict"]) == {"--python": "x", "--strict": ""}
    with pytest.raises(AssertionError):
        check_verify(["--no-such-option"])
    with pytest.raises(AssertionError):
        check_verify(["--format", "html"])


def test_sample_policy_is_valid() -> None:
    policy = load_policy(CI / "importspy-policy.yaml")
    assert policy.require_manifest
    assert policy.allows("pip") and policy.allows("Setuptools")
    assert [entry.path for entry in policy.accept] == ["certifi/cacert.pem"]
