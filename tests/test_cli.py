"""The command line's edges, in process: usage errors, unusable targets, --help and --version.

Every way a user can get the command wrong must end as exit 2 with one line on stderr that names
the option or file and the problem, never a traceback; the end-to-end behaviour of ``verify`` and
``show`` on real installs is in ``test_e2e.py``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from hatch_importspy import __version__
from hatch_importspy.cli import is_wheel_target, main


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert captured.err.endswith("\n")
    assert captured.err.count("\n") == 1, captured.err
    return captured.err.strip()


@pytest.mark.parametrize(
    ("argv", "mentions"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["verify", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
        (["verify", "--bogus"], "unrecognized arguments: --bogus"),
        (["verify", "--output"], "argument --output: expected one argument"),
        (["show"], "the following arguments are required: TARGET"),
        (["show", "a", "b"], "unrecognized arguments: b"),
        (["show", "a", "--format", "text"], "argument --format: invalid choice: 'text'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    argv: list[str], mentions: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    line = one_line_error(capsys)
    assert line.startswith("python -m importspy")
    assert mentions in line


def test_help_prints_usage_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--help"]) == 0
    out = capsys.readouterr().out
    assert "usage: python -m importspy verify" in out
    assert "--strict" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"hatch-importspy {__version__}\n"


def test_unknown_distribution_is_unusable_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "no-such-distribution-anywhere"]) == 2
    assert "no-such-distribution-anywhere" in one_line_error(capsys)


def test_show_of_unknown_distribution_is_unusable_input(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["show", "no-such-distribution-anywhere"]) == 2
    assert "no-such-distribution-anywhere" in one_line_error(capsys)


def test_missing_wheel_is_unusable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = tmp_path / "absent-1.0-py3-none-any.whl"
    assert main(["verify", str(wheel)]) == 2
    assert str(wheel) in one_line_error(capsys)


@pytest.mark.parametrize("command", ["verify", "show"])
def test_wheel_that_is_not_a_zip_is_unusable_input(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = tmp_path / "broken-1.0-py3-none-any.whl"
    wheel.write_bytes(b"this is not a zip archive")
    assert main([command, str(wheel)]) == 2
    assert "broken-1.0-py3-none-any.whl" in one_line_error(capsys)


def test_wheel_without_a_manifest_cannot_be_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = tmp_path / "plain-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("plain/__init__.py", "")
        archive.writestr("plain-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: plain\n")
        archive.writestr("plain-1.0.dist-info/RECORD", "")
    assert main(["show", str(wheel)]) == 2
    assert "plain-1.0-py3-none-any.whl" in one_line_error(capsys)


def test_unwritable_output_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "no-such-directory" / "report.json"
    assert main(["verify", "--format", "json", "--output", str(output)]) == 2
    line = one_line_error(capsys)
    assert line.startswith(f"importspy: error: --output {output}: ")


@pytest.mark.parametrize(
    ("target", "is_wheel"),
    [
        ("dist/pkg-1.0-py3-none-any.whl", True),
        ("PKG-1.0-PY3-NONE-ANY.WHL", True),
        ("requests", False),
        ("acme-inventory", False),
    ],
)
def test_wheel_targets_are_told_by_their_suffix(target: str, is_wheel: bool) -> None:
    assert is_wheel_target(target) is is_wheel


def test_an_error_naming_a_crafted_file_stays_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = tmp_path / "evil\nISP000 ok-1.0-py3-none-any.whl"
    assert main(["verify", str(wheel)]) == 2
    assert "evil\\nISP000 ok-1.0-py3-none-any.whl" in one_line_error(capsys)
