"""What a build with the hook prints: one summary line on success, each problem once on failure.

A newcomer reads the build output first.  A successful build says what the manifest covers and
what it costs; a build the hook stops says why, once, without a traceback of hatchling's
internals burying the reason (hatchling's ``abort`` ends the backend process quietly).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from hatch_importspy.hook import summary_line
from hatch_importspy.model import FileEntry, SpyModel
from tests.helpers.builds import BuildResult, ProjectFactory

BuildProject = Callable[..., BuildResult]

PACKAGE = {
    "mypkg/__init__.py": '"""A package."""\n\nfrom .core import greet\n',
    "mypkg/core.py": "def greet(name: str) -> str:\n    return name\n",
    "mypkg/data.json": '{"a": 1}\n',
}

SUMMARY = re.compile(r"^importspy: described (\d+) modules?, (\d+) files?, manifest \d+\.\d kB$")


def test_the_summary_line_counts_modules_files_and_kilobytes() -> None:
    model = SpyModel(name="p", version="1", files=(FileEntry(path="p/a.json", sha256="0" * 64),))

    assert summary_line(model, 2345) == "importspy: described 0 modules, 1 file, manifest 2.3 kB"


@pytest.mark.e2e
def test_a_successful_build_prints_one_summary_line(
    project_factory: ProjectFactory, build_project: BuildProject, tmp_path: Path
) -> None:
    result = build_project(project_factory(PACKAGE, options={}), out_dir=tmp_path / "out")

    assert result.returncode == 0, result.output
    lines = [line for line in result.output.splitlines() if SUMMARY.match(line.strip())]
    assert len(lines) == 1, result.output
    match = SUMMARY.match(lines[0].strip())
    assert match is not None and match.groups() == ("2", "1")


@pytest.mark.e2e
@pytest.mark.parametrize("key", ["include", "exclude"])
def test_an_entry_matching_no_module_stops_the_build_once_without_a_traceback(
    key: str, project_factory: ProjectFactory, build_project: BuildProject, tmp_path: Path
) -> None:
    project = project_factory(PACKAGE, options={key: ["mypkg.cor"]})

    result = build_project(project, out_dir=tmp_path / "out")

    expected = (
        f"importspy: tool.hatch.build.hooks.importspy.{key}: 'mypkg.cor' matches no module in "
        "the wheel (did you mean 'mypkg.core'?)"
    )
    assert result.returncode != 0
    assert result.output.count(expected) == 1, result.output
    assert "Traceback" not in result.output, result.output
    assert not any(path.suffix == ".whl" for path in result.artifacts)


@pytest.mark.e2e
def test_a_configuration_error_is_printed_once_without_a_traceback(
    project_factory: ProjectFactory, build_project: BuildProject, tmp_path: Path
) -> None:
    project = project_factory(PACKAGE, options={"privat": True})

    result = build_project(project, out_dir=tmp_path / "out")

    problem = "tool.hatch.build.hooks.importspy.privat is not a known option (did you mean"
    assert result.returncode != 0
    assert result.output.count(problem) == 1, result.output
    assert "Traceback" not in result.output, result.output
