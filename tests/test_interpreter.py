"""Querying another interpreter with ``-I -S -B``: real venvs, other Pythons, bad targets."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from packaging.markers import default_environment

from hatch_importspy.cli import main
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.facts import current_environment
from hatch_importspy.verify.interpreter import (
    QUERY_SCRIPT,
    InterpreterValues,
    query_command,
    query_interpreter,
)
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.builds import ProjectFactory

SITE_PATHS = (
    "import json, sys; print(json.dumps([p for p in sys.path "
    "if p.endswith(('site-packages', 'dist-packages'))]))"
)


def make_venv(python: str | Path, root: Path, *options: str) -> Path:
    subprocess.run(
        [str(python), "-m", "venv", "--without-pip", *options, str(root)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return root / ("Scripts" if os.name == "nt" else "bin") / "python"


def site_paths_seen_by_site(python: Path) -> list[Path]:
    """What the target's own ``site`` puts on sys.path (fine here: these are our own venvs)."""
    completed = subprocess.run(
        [str(python), "-c", SITE_PATHS], capture_output=True, text=True, check=True, timeout=60
    )
    return [Path(path) for path in json.loads(completed.stdout)]


def other_python(minor: int) -> str | None:
    """A working ``python3.<minor>`` on this machine, from PATH or pyenv, else ``None``."""
    pyenv = Path(os.environ.get("PYENV_ROOT", "~/.pyenv")).expanduser()
    candidates = [shutil.which(f"python3.{minor}")]
    candidates += [str(p) for p in sorted(pyenv.glob(f"versions/3.{minor}.*/bin/python3.{minor}"))]
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            completed = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info[1])"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except OSError:
            continue
        if completed.returncode == 0 and completed.stdout.strip() == str(minor):
            return candidate
    return None


def test_the_query_runs_isolated_and_without_site() -> None:
    command = query_command("/opt/python")
    assert command[:5] == ["/opt/python", "-I", "-S", "-B", "-c"]
    assert command[5] == QUERY_SCRIPT
    imported = {
        name.strip()
        for line in QUERY_SCRIPT.splitlines()
        if line.startswith("import ")
        for name in line.removeprefix("import ").split(",")
    }
    assert imported == {"importlib.machinery", "json", "os", "platform", "sys", "sysconfig"}


def test_a_venv_of_the_running_python(tmp_path: Path) -> None:
    python = make_venv(sys.executable, tmp_path / "venv")
    answer = query_interpreter(python)
    assert answer.in_venv
    assert Path(answer.prefix) == tmp_path / "venv"
    assert list(answer.site_dirs) == site_paths_seen_by_site(python)
    facts, ours = answer.facts, current_environment()
    assert (facts.python_version, facts.platform, facts.machine, facts.implementation) == (
        ours.python_version,
        ours.platform,
        ours.machine,
        ours.implementation,
    )
    # The marker environment, computed by hand in the target, is packaging's exactly.
    assert dict(facts.markers) == default_environment()


def test_a_venv_with_system_site_packages_and_copied_binaries(tmp_path: Path) -> None:
    """A different layout: the base interpreter's site-packages come after the venv's own."""
    python = make_venv(sys.executable, tmp_path / "wide", "--system-site-packages", "--copies")
    answer = query_interpreter(python)
    seen = site_paths_seen_by_site(python)
    assert len(seen) >= 2
    assert list(answer.site_dirs) == seen


def test_environment_variable_names_only(tmp_path: Path) -> None:
    python = make_venv(sys.executable, tmp_path / "venv")
    answer = query_interpreter(python, env={"DATABASE_URL": "postgres://secret@db/x", "PATH": ""})
    # Exactly what the target sees: ours, plus what it sets itself (e.g. LC_CTYPE when it
    # coerces the C locale), never the values.
    assert (
        {"DATABASE_URL", "PATH"} <= answer.facts.env_names <= {"DATABASE_URL", "PATH", "LC_CTYPE"}
    )
    assert "secret" not in json.dumps(answer.facts.to_mapping())


def test_stated_values_are_compared_in_the_target_not_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A contract's environment values are compared in the target's environment: ours says
    ``test``, the target's ``prod``; the target is asked about the stated names only, and no
    value comes back (only the names that differ)."""
    python = make_venv(sys.executable, tmp_path / "venv")
    monkeypatch.setenv("ISPY_MODE", "test")
    target_env = {**os.environ, "ISPY_MODE": "prod", "ISPY_TOKEN": "s3cret-value"}
    facts = query_interpreter(python, env=target_env).facts
    assert facts.differing_values({"ISPY_MODE": "prod"}) == frozenset()
    assert facts.differing_values({"ISPY_MODE": "test", "ISPY_UNSET": "x"}) == {
        "ISPY_MODE",
        "ISPY_UNSET",
    }
    assert "s3cret" not in repr(facts) and "s3cret" not in json.dumps(facts.to_mapping())
    # The running interpreter's own facts compare with its own environment.
    assert current_environment().differing_values({"ISPY_MODE": "prod"}) == {"ISPY_MODE"}


def test_startup_code_of_the_target_never_runs(tmp_path: Path) -> None:
    python = make_venv(sys.executable, tmp_path / "venv")
    [site] = query_interpreter(python).site_dirs
    ran = tmp_path / "payload-ran"
    (site / "payload.pth").write_text(
        f"import pathlib; pathlib.Path({str(ran)!r}).write_text('x')\n", encoding="utf-8"
    )
    answer = query_interpreter(python)
    assert list(answer.site_dirs) == [site]
    assert not ran.exists()
    # The payload is real: any normal start of the target runs it.
    subprocess.run([str(python), "-c", "pass"], check=True, timeout=60)
    assert ran.exists()


@pytest.mark.parametrize("minor", [10, 12, 13])
def test_another_python_version(minor: int, tmp_path: Path) -> None:
    other = other_python(minor)
    if other is None:
        pytest.skip(f"no working python3.{minor} on this machine")
    python = make_venv(other, tmp_path / f"py3{minor}")
    answer = query_interpreter(python)
    assert answer.facts.python_version.startswith(f"3.{minor}.")
    assert answer.facts.markers["python_version"] == f"3.{minor}"
    assert list(answer.site_dirs) == site_paths_seen_by_site(python)


@pytest.mark.e2e
def test_environment_checks_describe_the_target_not_the_verifier(
    tmp_path: Path, project_factory: ProjectFactory, build_wheel: Callable[..., Path]
) -> None:
    other = other_python(10) or other_python(12) or other_python(13)
    if other is None:
        pytest.skip("no second Python version on this machine")
    python = make_venv(other, tmp_path / "target")
    answer = query_interpreter(python)
    target_version = answer.facts.python_version
    project = project_factory(
        {"pinned/__init__.py": "X = 1\n"},
        name="pinned",
        options={"python": f"=={current_environment().python_version}"},
    )
    wheel = build_wheel(project)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-index",
            "--no-deps",
            "--disable-pip-version-check",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    result = verify_installed(answer.site_dirs, [], answer.facts)
    [finding] = result.findings()
    assert finding.code == "ISP101"
    assert finding.found == target_version
    # The verifier itself satisfies the constraint: the finding is about the target.
    assert verify_installed(answer.site_dirs, [], current_environment()).findings() == ()


# --------------------------------------------------------------------------- unusable targets


def fake_interpreter(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-python"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


pytestmark_posix = pytest.mark.skipif(os.name == "nt", reason="uses a POSIX shell script")


def test_missing_interpreter(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError) as raised:
        query_interpreter(tmp_path / "nope" / "python")
    assert (
        str(raised.value)
        == f"{tmp_path / 'nope' / 'python'}: cannot run: No such file or directory"
    )


@pytestmark_posix
def test_not_executable(tmp_path: Path) -> None:
    target = tmp_path / "python"
    target.write_text("not a program", encoding="utf-8")
    with pytest.raises(UnusableInputError) as raised:
        query_interpreter(target)
    assert str(raised.value) == f"{target}: cannot run: Permission denied"


@pytestmark_posix
def test_failing_interpreter(tmp_path: Path) -> None:
    target = fake_interpreter(tmp_path, 'echo "first" >&2; echo "boom: bad things" >&2; exit 3')
    with pytest.raises(UnusableInputError) as raised:
        query_interpreter(target)
    assert str(raised.value) == (
        f"{target}: environment query failed with exit status 3: boom: bad things"
    )


@pytestmark_posix
def test_interpreter_answering_nonsense(tmp_path: Path) -> None:
    target = fake_interpreter(tmp_path, "echo 'Python 2.7.18'")
    with pytest.raises(UnusableInputError) as raised:
        query_interpreter(target)
    assert str(raised.value) == (
        f"{target}: did not answer the environment query with JSON (got 'Python 2.7.18\\n')"
    )
    target = fake_interpreter(tmp_path, """echo '{"site_imported": false, "platform": 1}'""")
    with pytest.raises(UnusableInputError) as raised:
        query_interpreter(target)
    assert str(raised.value) == f"{target} (environment query): python_version must be a string"


@pytestmark_posix
def test_interpreter_that_ran_site_is_refused(tmp_path: Path) -> None:
    target = fake_interpreter(tmp_path, """echo '{"site_imported": true}'""")
    with pytest.raises(UnusableInputError) as raised:
        query_interpreter(target)
    assert str(raised.value) == f"{target}: imported site despite -S; refusing to trust it"


@pytestmark_posix
def test_interpreter_that_hangs(tmp_path: Path) -> None:
    target = fake_interpreter(tmp_path, "exec sleep 30")
    with pytest.raises(UnusableInputError) as raised:
        query_interpreter(target, timeout=0.5)
    assert str(raised.value) == f"{target}: did not answer the environment query within 0.5 s"


def test_the_query_writes_no_bytecode(tmp_path: Path) -> None:
    """``-I`` ignores ``PYTHONDONTWRITEBYTECODE``; ``-B`` keeps the query from caching bytecode.

    A venv's standard library is its base interpreter's, which has its bytecode already, so a
    target without any is made by pointing ``pycache_prefix`` at an empty directory: Python then
    looks for (and caches) bytecode only there.  The same query without ``-B`` is the control: it
    does write there, so the empty directory after the real query proves something.
    """
    command = query_command(sys.executable)
    assert "-B" in command[1 : command.index("-c")]

    def run(query: list[str], prefix: Path) -> list[Path]:
        prefix.mkdir()
        with_prefix = [query[0], "-X", f"pycache_prefix={prefix}", *query[1:]]
        completed = subprocess.run(with_prefix, capture_output=True, timeout=60, check=False)
        assert completed.returncode == 0, completed.stderr
        json.loads(completed.stdout)
        return sorted(prefix.rglob("*"))

    assert run(command, tmp_path / "query") == []
    assert run([part for part in command if part != "-B"], tmp_path / "control") != []


@pytestmark_posix
def test_each_stated_value_is_asked_about_once(tmp_path: Path) -> None:
    """The values query runs only for names not asked about yet, with the stated values on
    stdin, never on the command line."""
    log, argv = tmp_path / "calls", tmp_path / "argv"
    python = make_venv(sys.executable, tmp_path / "venv")
    wrapper = fake_interpreter(
        tmp_path, f'echo call >> {log}\nprintf "%s\\n" "$@" >> {argv}\nexec {python} "$@"'
    )
    facts = query_interpreter(wrapper, env={"ISPY_MODE": "prod", "PATH": ""}).facts
    assert facts.differing_values({"ISPY_MODE": "prod"}) == frozenset()
    assert facts.differing_values({"ISPY_MODE": "prod", "OTHER": "x"}) == {"OTHER"}
    assert facts.differing_values({"ISPY_MODE": "prod", "OTHER": "x"}) == {"OTHER"}
    # The facts, then ISPY_MODE, then OTHER alone; no name or value on a command line.
    assert log.read_text(encoding="utf-8").splitlines() == ["call"] * 3
    arguments = argv.read_text(encoding="utf-8")
    assert "prod" not in arguments and "OTHER" not in arguments


@pytestmark_posix
def test_a_target_answering_the_values_query_with_nonsense(tmp_path: Path) -> None:
    python = make_venv(sys.executable, tmp_path / "venv")
    facts = query_interpreter(python).facts
    target = fake_interpreter(tmp_path, """echo '["NOT_ASKED"]'""")
    lying = replace(facts, values=InterpreterValues(str(target)))
    with pytest.raises(UnusableInputError) as raised:
        lying.differing_values({"ISPY_MODE": "prod"})
    assert str(raised.value) == (
        f"{target}: did not answer the environment values query with names it was asked about"
    )


@pytestmark_posix
def test_verify_starts_the_query_first_and_stops_it_when_its_input_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``verify --python`` starts the target's query before it reads its own input; a refused
    input is still the error reported, and the query is stopped, not left running."""
    pid_file = tmp_path / "pid"
    target = fake_interpreter(tmp_path, f"echo $$ > {pid_file}; exec sleep 30")
    policy = tmp_path / "absent.toml"
    assert main(["verify", "--python", str(target), "--policy", str(policy)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"importspy: error: {policy}: cannot read: No such file or directory"
    )
    if pid_file.exists():  # (else it was stopped before its first line, all the better)
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid_file.read_text(encoding="utf-8")), 0)  # killed and reaped


@pytestmark_posix
def test_verify_reports_a_target_that_cannot_be_run_after_checking_its_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    absent = tmp_path / "nope" / "python"
    assert main(["verify", "--python", str(absent)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"importspy: error: --python {absent}: cannot run: No such file or directory"
    )
