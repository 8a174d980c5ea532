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
from hatch_importspy.cli import main
from hatch_importspy.formats.wheel import is_wheel_target
from tests.helpers.fakedist import install, model_for


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
        (["verify", "--allow"], "argument --allow: expected at least one argument"),
        (["verify", "--python"], "argument --python: expected one argument"),
        (["lock", "--python", "a", "--path", "b"], "argument --path: not allowed with"),
        (["lock", "extra"], "unrecognized arguments: extra"),
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


# --------------------------------------------------------------------------- gates, in process

APP_FILES = {"app/__init__.py": b"def run() -> int:\n    return 1\n"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site directory holding ``app`` 1.0 (with a manifest) and ``plain`` 2.0 (without)."""
    site = tmp_path / "site-packages"
    install(site, "app", "1.0", APP_FILES, manifest=model_for("app", "1.0", APP_FILES))
    install(site, "plain", "2.0", {"plain/__init__.py": b"X = 1\n"})
    return site


def test_lock_then_verify_against_it(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = tmp_path / "importspy.lock"
    assert main(["lock", "--path", str(site), "-o", str(lock)]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["lock", "--path", str(site)]) == 0
    assert capsys.readouterr().out == lock.read_text(encoding="utf-8")
    assert main(["verify", "--path", str(site), "--lock", str(lock)]) == 0
    capsys.readouterr()
    # plain carries no manifest: the lock holds its RECORD's digest, and another release's
    # RECORD under the same version differs from it.
    record = site / "plain-2.0.dist-info" / "RECORD"
    record.write_text(record.read_text(encoding="utf-8") + "plain/extra.py,,\n", encoding="utf-8")
    assert main(["verify", "--path", str(site), "--lock", str(lock)]) == 1
    out = capsys.readouterr().out
    assert f"ISP333 error plain: plain 2.0 is not the build {lock} line 7 approves" in out


def test_require_manifest_allow_and_strict_decide_the_exit_code(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["verify", "--path", str(site)]
    assert main(base) == 0
    assert main([*base, "--require-manifest"]) == 1
    assert "ISP320 error plain: plain 2.0 carries no manifest" in capsys.readouterr().out
    assert main([*base, "--require-manifest", "--allow", "PLAIN"]) == 0
    (site / "app" / "extra.py").write_bytes(b"")  # an added file: an error, not a warning
    assert main([*base, "--strict"]) == 1
    capsys.readouterr()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "json", "--format", "sarif"], "--format json and --format sarif cannot all"),
        (["--lock", "{d}/absent.lock"], "{d}/absent.lock: cannot read"),
        (["--policy", "{d}/absent.yaml"], "{d}/absent.yaml: cannot read"),
        (["--output-sarif", "{d}/no/dir/x.sarif"], "--output-sarif {d}/no/dir/x.sarif: "),
    ],
)
def test_gate_and_report_problems_are_one_line(
    site: Path,
    tmp_path: Path,
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["verify", "--path", str(site), *(arg.format(d=tmp_path) for arg in args)]
    assert main(argv) == 2
    assert message.format(d=tmp_path) in one_line_error(capsys)


def test_lock_output_that_cannot_be_written_names_the_option(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-directory" / "importspy.lock"
    assert main(["lock", "--path", str(site), "-o", str(target)]) == 2
    assert one_line_error(capsys).startswith(f"importspy: error: --output {target}: ")
