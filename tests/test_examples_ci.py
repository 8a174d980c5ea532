"""The CI/CD examples in ``examples/ci/``: they parse, and they run the real commands.

No Docker engine, Kubernetes cluster or CI runner is available where these tests run, so the
examples are checked as far as this machine allows: every YAML file parses and has the shape
its system requires, the Dockerfile's stages depend on each other so that a failing verify step
fails the build, and every ``python -m importspy`` command line uses only options the verifier
documents, with the formats and files the surrounding configuration expects.  Each command line is
parsed by the verifier's own argument parser (``hatch_importspy.arguments.build_parser``), so an
example cannot drift from the options the command really has.  The sample policy file is loaded
by the real policy reader.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from hatch_importspy.arguments import UsageError, build_parser
from hatch_importspy.cli import planned_outputs
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.verify.policy import load_policy, loads_policy, loads_pyproject_policy

CI = Path(__file__).resolve().parent.parent / "examples" / "ci"
ROOT = CI.parent.parent
README = ROOT / "README.md"
CI_PAGE = ROOT / "docs" / "ci-cd.md"

COMMAND = re.compile(r"python\"? -m importspy (verify|lock)\b(.*)")
SHELL_END = re.compile(r"&&|\|\||[;|>']")
"""Where the importspy command ends in a shell line: an operator, a redirection, a YAML quote."""


def load(name: str) -> Any:
    return yaml.safe_load((CI / name).read_text(encoding="utf-8"))


def importspy_commands(text: str) -> list[list[str]]:
    """Every ``python -m importspy ...`` invocation in ``text``, as argument lists.

    Shell line continuations (also inside comments, where the next line starts with ``#``)
    are joined first; ``$VAR`` paths stay as written, since only the options matter here.
    """
    joined = re.sub(r"\\\n\s*#?\s*", " ", text)
    commands = []
    for match in COMMAND.finditer(joined):
        rest = SHELL_END.split(match.group(2))[0]
        commands.append([match.group(1), *shlex.split(rest)])
    return commands


def parse(command: list[str]) -> argparse.Namespace:
    """One command line, parsed by the verifier's real parser; a usage error fails the test."""
    try:
        return build_parser().parse_args(command)
    except UsageError as error:
        pytest.fail(f"{shlex.join(command)}: {error}")


def reports_of(args: argparse.Namespace) -> dict[str, str | None]:
    """Format -> file (``None``: stdout) of each report a verify command writes, as the CLI
    plans them (a conflicting combination fails the test)."""
    try:
        outputs = planned_outputs(args)
    except UnusableInputError as error:
        pytest.fail(str(error))
    return {out.format: None if out.path is None else str(out.path) for out in outputs}


def verify_commands(text: str) -> list[argparse.Namespace]:
    return [parse(command) for command in importspy_commands(text) if command[0] == "verify"]


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
    assert wheel_check.targets == ["dist/*.whl"]
    assert reports_of(wheel_check) == {"github": None}
    [gate] = verify_commands(steps[environment]["run"])
    assert gate.python == ".venv/bin/python"
    assert gate.require_manifest and gate.policy and gate.lock
    # Annotations in the log and SARIF for code scanning, from one run.
    assert reports_of(gate) == {"sarif": "importspy.sarif", "github": None}
    assert steps[upload]["uses"] == "github/codeql-action/upload-sarif@v4"
    assert steps[upload]["with"]["sarif_file"] == "importspy.sarif"
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
        junit = reports_of(command)["junit"]
        assert junit is not None and job["artifacts"]["reports"]["junit"] == junit
        assert job["artifacts"]["when"] == "always"
    [gate] = verify_commands("\n".join(config["verify-environment"]["script"]))
    assert gate.python == "/opt/app/bin/python"
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
    assert list(stages) == ["build", "runtime", "verify", "final", "guarded"]
    assert stages["verify"][0] == "FROM runtime AS verify"
    assert stages["final"][0] == "FROM runtime AS final"
    # BuildKit builds only what the target needs: the final stage must consume the verify stage.
    assert any(line.startswith("COPY --from=verify ") for line in stages["final"])
    [verify_run] = [line for line in stages["verify"] if "-m importspy verify" in line]
    assert verify_run.startswith("RUN /opt/importspy/bin/python -m importspy verify")
    # The marker the final stage copies is only written when verification succeeded.
    assert verify_run.endswith("&& touch /gate/verified")
    [gate] = verify_commands(verify_run)
    assert gate.python == "/opt/app/bin/python"
    assert gate.require_manifest and gate.policy and gate.lock
    runtime = " ".join(stages["runtime"])
    assert "python -m venv /opt/app" in runtime and "python -m venv /opt/importspy" in runtime
    for lock in [parse(c) for c in importspy_commands(text) if c[0] == "lock"]:
        assert lock.python == "/opt/app/bin/python"


def guard_command(words: list[str]) -> argparse.Namespace:
    """A ``python -m importspy run`` command line, parsed by the real parser, with its program
    parsed as ``run`` parses it."""
    from hatch_importspy.guard.launch import Target

    assert words[:4] == ["/opt/importspy/bin/python", "-m", "importspy", "run"], words
    args = parse(words[3:])
    assert Target.parse(args.program) == Target("module", "acme_inventory")
    return args


def test_dockerfile_guarded_stage_runs_the_app_under_the_guard() -> None:
    import json

    text = (CI / "Dockerfile").read_text(encoding="utf-8")
    stages = dockerfile_stages(text)
    guarded = stages["guarded"]
    assert guarded[0] == "FROM runtime AS guarded"
    assert "COPY --from=verify /gate/verified /opt/importspy/verified" in guarded
    [entry] = [
        json.loads(line.split(" ", 1)[1]) for line in guarded if line.startswith("ENTRYPOINT")
    ]
    [cmd] = [json.loads(line.split(" ", 1)[1]) for line in guarded if line.startswith("CMD")]
    args = guard_command(entry + cmd)
    assert args.python == "/opt/app/bin/python" and args.mode == "enforce"
    # The lock the guard reads is the one the verify stage made of this very environment, after
    # verification passed, and copied in.
    [made] = [line for line in stages["verify"] if "-m importspy lock" in line]
    [lock] = verify_lock_commands(made)
    assert f"COPY --from=verify {lock.output} {args.lock}" in guarded
    assert "USER 65534" in guarded


def verify_lock_commands(text: str) -> list[argparse.Namespace]:
    return [parse(command) for command in importspy_commands(text) if command[0] == "lock"]


def test_kubernetes_guarded_deployment_runs_the_image_entry_point() -> None:
    import json

    [deployment] = list(yaml.safe_load_all((CI / "k8s-guarded.yaml").read_text("utf-8")))
    pod = deployment["spec"]["template"]["spec"]
    [init] = pod["initContainers"]
    [app] = pod["containers"]
    assert init["image"] == app["image"]
    assert parse(init["command"][3:]).lock
    args = guard_command(app["command"] + app["args"])
    assert (str(args.lock), args.mode) == ("/opt/importspy/runtime.lock", "enforce")
    dockerfile = dockerfile_stages((CI / "Dockerfile").read_text(encoding="utf-8"))
    [entry] = [line for line in dockerfile["guarded"] if line.startswith("ENTRYPOINT")]
    image_entry = json.loads(entry.split(" ", 1)[1])
    command = list(app["command"])
    at = command.index("--log")
    del command[at : at + 2]  # the pod adds a log of every load to the image's entry point
    assert command == image_entry
    assert app["securityContext"]["readOnlyRootFilesystem"] is True


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
    gate = parse(init["command"][3:])
    assert gate.python == "/opt/app/bin/python"
    assert gate.require_manifest
    mount = init["volumeMounts"][0]
    assert gate.policy.is_relative_to(mount["mountPath"])
    assert gate.lock.is_relative_to(mount["mountPath"])
    [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["configMap"]["name"] == "importspy-gate"
    assert init["securityContext"]["readOnlyRootFilesystem"] is True
    assert init["envFrom"] == app["envFrom"]


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml", "Dockerfile"])
def test_examples_use_only_documented_options(name: str) -> None:
    commands = importspy_commands((CI / name).read_text(encoding="utf-8"))
    assert commands
    for command in commands:
        args = parse(command)
        if command[0] == "verify":
            assert reports_of(args)  # destinations the CLI accepts


def test_the_option_check_rejects_what_the_verifier_does_not_have() -> None:
    args = parse(["verify", "--python", "x", "--strict"])
    assert (args.python, args.strict) == ("x", True)
    for wrong in (["verify", "--no-such-option"], ["verify", "--format", "html"], ["lock", "x"]):
        with pytest.raises(pytest.fail.Exception):
            parse(wrong)


def test_sample_policy_is_valid() -> None:
    policy = load_policy(CI / "importspy-policy.yaml")
    assert policy.require_manifest
    assert policy.allows("pip") and policy.allows("Setuptools")
    assert [entry.path for entry in policy.accept] == ["certifi/cacert.pem"]


# ------------------------------------------------------------- the documentation and README


def page_section(heading: str) -> str:
    """docs/ci-cd.md's text from ``heading`` to the next heading of level 2 or 3."""
    text = "\n" + CI_PAGE.read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n") + 1
    following = re.compile(r"^#{2,3} ", re.MULTILINE).search(text, start + len(heading))
    return text[start : following.start() if following else len(text)]


def test_documented_stage_commands_are_real_command_lines() -> None:
    section = page_section("# Use in CI/CD")
    rows = re.findall(
        r"^\| (after the build|test stage|before deploy) \|.*\| `([^`]+)`", section, re.M
    )
    assert [stage for stage, _ in rows] == ["after the build", "test stage", "before deploy"]
    for _, command in rows:
        words = shlex.split(command)
        assert words[0] == "hatch-importspy"
        assert reports_of(parse(words[1:]))
    [(_, deploy)] = [row for row in rows if row[0] == "before deploy"]
    gate = parse(shlex.split(deploy)[1:])
    assert gate.require_manifest and gate.policy and gate.lock and gate.python


def test_documented_policy_examples_are_valid_policies() -> None:
    section = page_section("## The policy file")
    [yaml_text] = re.findall(r"```yaml\n(.*?)```", section, re.S)
    [toml_text] = re.findall(r"```toml\n(.*?)```", section, re.S)
    from_yaml = loads_policy(yaml_text, source="docs yaml")
    from_toml = loads_pyproject_policy(toml_text, source="docs toml")
    for policy in (from_yaml, from_toml):
        assert policy.require_manifest and policy.allows("Setuptools")
        assert [entry.path for entry in policy.accept] == ["certifi/cacert.pem"]
        assert dict(policy.severities) == {"ISP202": from_yaml.severities["ISP202"]}


def test_the_readme_ci_one_liner_is_a_real_command_line() -> None:
    section = README.read_text(encoding="utf-8").split("\n## In CI\n", 1)[1]
    [line] = re.findall(r"```bash\n(.*?)\n```", section, re.S)[:1]
    words = shlex.split(line)
    assert words[:2] == ["uvx", "hatch-importspy"]
    args = parse(words[2:])
    assert args.python and args.strict
    assert reports_of(args) == {"text": None}
