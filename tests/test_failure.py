"""An unexpected exception in a command is exit 2 and one line, never exit 1 ("violations").

The failure is injected by replacing the verifier's entry point with one that raises, in process
(``main``) and in a subprocess of a real environment (``python -m importspy`` and the console
script), where the injection rides in on a ``sitecustomize`` module.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from hatch_importspy import cli
from hatch_importspy.cli import main
from hatch_importspy.failure import DEBUG_VARIABLE, command_context, failure_line
from hatch_importspy.verify import verifier
from tests.helpers.builds import CLI_TIMEOUT, subprocess_env
from tests.helpers.fakedist import install, model_for
from tests.helpers.venvs import Venv, VenvFactory

FILES = {"app/__init__.py": b"X = 1\n"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site-packages"
    install(site, "app", "1.0", FILES, manifest=model_for("app", "1.0", FILES))
    return site


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("injected\nsecond line")


@pytest.fixture
def broken_verifier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verifier, "verify_installed", _boom)
    monkeypatch.delenv(DEBUG_VARIABLE, raising=False)


@pytest.mark.usefixtures("broken_verifier")
def test_a_bug_is_one_line_and_exit_2(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "app", "--path", str(site)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith(
        "importspy: error: verify app: unexpected RuntimeError: injected\\nsecond line ("
    )
    assert "Traceback" not in captured.err


@pytest.mark.usefixtures("broken_verifier")
@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback_then_the_line(
    site: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["verify", "--path", str(site)]
    argv = ["--debug", *argv] if where == "before" else [*argv, "--debug"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "in _boom" in err
    assert err.splitlines()[-1].startswith("importspy: error: verify: unexpected RuntimeError")


@pytest.mark.usefixtures("broken_verifier")
def test_the_debug_variable_shows_the_traceback(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(DEBUG_VARIABLE, "1")
    assert main(["verify", "--path", str(site)]) == 2
    assert "in _boom" in capsys.readouterr().err
    monkeypatch.setenv(DEBUG_VARIABLE, "0")
    assert main(["verify", "--path", str(site)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_bug_while_parsing_is_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken_parser() -> None:
        raise KeyError("parser")

    monkeypatch.setattr(cli, "build_parser", broken_parser)
    assert main(["verify"]) == 2
    assert capsys.readouterr().err.startswith(
        "importspy: error: python -m importspy: unexpected KeyError: 'parser' ("
    )


def test_the_line_names_a_non_builtin_exception_by_module() -> None:
    class Odd(Exception):
        pass

    line = failure_line("show x", Odd())
    assert line.startswith(f"importspy: error: show x: unexpected {__name__}.")
    assert "Odd (" in line


def test_the_context_names_at_most_three_inputs() -> None:
    assert command_context("verify") == "verify"
    assert command_context("diff", ["a.whl", "b.whl"]) == "diff a.whl b.whl"
    assert command_context("verify", ["a", "b", "c", "d"]) == "verify a b c ..."


# --------------------------------------------------------------------------- in a subprocess

INJECTION = """\
import hatch_importspy.verify.verifier as verifier

def _boom(*args, **kwargs):
    raise RuntimeError("injected in a subprocess")

verifier.verify_installed = _boom
"""


@pytest.fixture(scope="module")
def failing_venv(venv_factory: VenvFactory, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    return venv_factory("failing-venv")


@pytest.mark.e2e
@pytest.mark.parametrize("how", ["module", "script"])
@pytest.mark.parametrize("debug", [False, True])
def test_a_bug_in_a_subprocess_is_one_line_and_exit_2(
    failing_venv: Venv, tmp_path: Path, how: str, debug: bool
) -> None:
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(INJECTION, encoding="utf-8")
    bindir = failing_venv.python.parent
    if how == "module":
        command = [str(failing_venv.python), "-m", "importspy", "verify"]
    else:
        command = [
            str(bindir / ("hatch-importspy" + (".exe" if os.name == "nt" else ""))),
            "verify",
        ]
    env = subprocess_env({"PYTHONPATH": str(inject), DEBUG_VARIABLE: "1" if debug else ""})
    completed = subprocess.run(
        command,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert lines[-1].startswith(
        "importspy: error: verify: unexpected RuntimeError: injected in a subprocess ("
    )
    assert ("Traceback (most recent call last):" in lines) is debug
    if not debug:
        assert len(lines) == 1
