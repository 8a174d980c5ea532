"""A run that checked nothing never passes as a clean one.

A ``--path`` to the wrong directory, an environment where no distribution carries a manifest, a
``diff`` of two different distributions: each used to end "compliant", exit 0.  Now the first and
the last are unusable input (exit 2, one line) and the second an ``ISP355`` finding that every
report format shows, with the summary saying "nothing verified".
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hatch_importspy.cli import main
from hatch_importspy.formats.manifest import dumps_yaml
from hatch_importspy.results import NOTICE_NO_MANIFEST
from tests.helpers.fakedist import install, model_for

PLAIN = {"plain/__init__.py": b"X = 1\n"}


@pytest.fixture
def bare_site(tmp_path: Path) -> Path:
    """A site directory whose one distribution carries no manifest."""
    site = tmp_path / "site-packages"
    install(site, "plain", "2.0", PLAIN)
    return site


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    return captured.err.strip()


@pytest.mark.parametrize("command", ["verify", "lock"])
def test_a_path_without_distributions_is_unusable(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.txt").write_text("not a site-packages directory\n", encoding="utf-8")
    assert main([command, "--path", str(empty)]) == 2
    assert one_line(capsys) == (
        f"importspy: error: --path {empty}: holds no installed distribution "
        "(no *.dist-info directory): not a site-packages directory?"
    )
    assert main([command, "--path", str(tmp_path / "wrong" / "dir")]) == 2
    assert one_line(capsys).endswith(f"--path {tmp_path / 'wrong' / 'dir'}: not a directory")


def test_nothing_verified_is_a_warning_and_says_so(
    bare_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "--path", str(bare_site)]) == 0
    out = capsys.readouterr().out
    assert "environment (owned by no distribution)\n  ISP355 warning -: " in out
    assert "no installed distribution carries a manifest: nothing was verified" in out
    assert f"notice: {NOTICE_NO_MANIFEST}" not in out  # the finding supersedes the notice
    assert out.splitlines()[-1] == (
        "0 distributions checked (0 with a manifest): 0 errors, 1 warning, 0 notes: "
        "nothing verified"
    )
    assert "compliant" not in out


@pytest.mark.parametrize(
    "gate",
    [["--strict"], ["--require-manifest", "--allow", "plain"]],
)
def test_nothing_verified_fails_under_strict_or_require_manifest(
    bare_site: Path, gate: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "--path", str(bare_site), *gate]) == 1
    out = capsys.readouterr().out
    severity = "warning" if gate == ["--strict"] else "error"
    assert f"ISP355 {severity}" in out
    assert out.splitlines()[-1].endswith(
        ": violations found" + (" (strict: warnings fail)" if gate == ["--strict"] else "")
    )


def test_every_format_reports_nothing_verified(
    bare_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "junit", "sarif", "github")}
    argv = ["verify", "--path", str(bare_site)]
    for fmt, path in outputs.items():
        argv += [f"--output-{fmt}", str(path)]
    assert main(argv) == 0
    capsys.readouterr()
    summary = json.loads(outputs["json"].read_text(encoding="utf-8"))["summary"]
    assert (summary["verdict"], summary["compliant"], summary["warnings"]) == (
        "nothing verified",
        True,
        1,
    )
    document = json.loads(outputs["json"].read_text(encoding="utf-8"))
    assert [f["code"] for f in document["environment_findings"]] == ["ISP355"]
    assert document["notices"] == [n for n in document["notices"] if n != NOTICE_NO_MANIFEST]
    sarif = json.loads(outputs["sarif"].read_text(encoding="utf-8"))
    (run,) = sarif["runs"]
    assert run["properties"]["verdict"] == "nothing verified"
    assert [result["ruleId"] for result in run["results"]] == ["ISP355"]
    github = outputs["github"].read_text(encoding="utf-8").splitlines()
    assert github[-1].endswith(": nothing verified")
    assert any(line.startswith("::warning") and "ISP355" in line for line in github)
    junit = ET.fromstring(outputs["junit"].read_text(encoding="utf-8"))
    assert "ISP355" in ET.tostring(junit, encoding="unicode")


def test_a_named_distribution_is_not_nothing_verified(
    bare_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Naming a distribution without a manifest is its own finding (ISP309), not ISP355."""
    assert main(["verify", "plain", "--path", str(bare_site)]) == 1
    out = capsys.readouterr().out
    assert "ISP309" in out
    assert "ISP355" not in out


def test_a_manifest_anywhere_is_verified(
    bare_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"app/__init__.py": b"Y = 2\n"}
    install(bare_site, "app", "1.0", files, manifest=model_for("app", "1.0", files))
    assert main(["verify", "--path", str(bare_site)]) == 0
    out = capsys.readouterr().out
    assert "ISP355" not in out
    assert out.splitlines()[-1].endswith(": compliant")


def test_diff_of_two_distributions_is_unusable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    old.write_text(dumps_yaml(model_for("acme", "1.0", PLAIN)), encoding="utf-8")
    new.write_text(dumps_yaml(model_for("other-thing", "1.1", PLAIN)), encoding="utf-8")
    assert main(["diff", str(old), str(new)]) == 2
    assert one_line(capsys) == (
        f"importspy: error: {new}: describes distribution 'other-thing', and {old} describes "
        "'acme': diff compares two releases of one distribution"
    )
    new.write_text(dumps_yaml(model_for("ACME", "1.1", PLAIN)), encoding="utf-8")
    assert main(["diff", str(old), str(new)]) == 0
    capsys.readouterr()
