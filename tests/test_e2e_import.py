"""``verify --import`` end to end: real wheels built with the real hook, installed by pip into a
fresh virtual environment, and the real command line, run by the environment's own python and
from the test interpreter with ``--python``.

The drift package's files are exactly what the manifest vouches for (static verify passes it),
yet Python sees something else once it is imported: only ``--import`` can tell.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.builds import ProjectFactory
from tests.helpers.runtime_samples import CLEAN_FILES, DRIFT_FILES
from tests.helpers.venvs import RunCli, Venv, VenvFactory

pytestmark = pytest.mark.e2e

IMPORT_CODES = {"ISP209", "ISP210", "ISP211", "ISP212", "ISP213"}


@dataclass(frozen=True)
class Installed:
    venv: Venv
    wheels: dict[str, Path]


@pytest.fixture(scope="module")
def installed(
    project_factory: ProjectFactory,
    build_wheel: Callable[..., Path],
    venv_factory: VenvFactory,
) -> Installed:
    """One environment with the clean, the drift and the crashing package, each built with the
    hook and installed by pip."""
    crash_files: dict[str, str | bytes] = {
        "crashpkg/__init__.py": "import os\n\nos._exit(7)  # ends the process mid-import\n"
    }
    projects = {
        "clean-demo": project_factory(CLEAN_FILES, name="clean-demo", options={}),
        "drift-demo": project_factory(DRIFT_FILES, name="drift-demo", options={}),
        "crash-demo": project_factory(crash_files, name="crash-demo", options={}),
    }
    wheels = {name: build_wheel(project) for name, project in projects.items()}
    venv = venv_factory("import-check", wheels=list(wheels.values()))
    return Installed(venv, wheels)


def report(done: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def import_findings(document: dict[str, Any], name: str) -> set[tuple[str, str]]:
    (distribution,) = [d for d in document["distributions"] if d["name"] == name]
    assert "import" in distribution["checks"]
    return {
        (f["code"], f["object"] or f["module"])
        for f in distribution["findings"]
        if f["code"] in IMPORT_CODES
    }


def both_ways(run_cli: RunCli, venv: Venv, *args: str) -> dict[str, Any]:
    """The run by the environment's own python, and from the test interpreter with --python."""
    return {
        "own python": run_cli(venv.python, "verify", *args),
        "--python": run_cli(sys.executable, "verify", "--python", str(venv.python), *args),
    }


def test_drift_only_an_import_shows_is_reported(installed: Installed, run_cli: RunCli) -> None:
    venv = installed.venv
    static = run_cli(venv.python, "verify", "drift-demo")
    assert static.returncode == 0, static.stdout + static.stderr  # every byte is as vouched
    for how, done in both_ways(run_cli, venv, "--import", "drift-demo", "--format", "json").items():
        assert done.returncode == 1, (how, done.stdout, done.stderr)
        assert import_findings(report(done), "drift-demo") == {
            ("ISP211", "driftpkg.api:greet"),  # a decorator without functools.wraps
            ("ISP210", "driftpkg.api:helper"),  # deleted by driftpkg.patches at import
            ("ISP210", "driftpkg.api:legacy"),  # popped from its own globals() at import
            ("ISP212", "driftpkg.api:Service.stop"),  # turned into a property at import
            ("ISP209", "driftpkg.broken"),  # raises at import
            ("ISP213", "driftpkg.optional"),  # needs a module nobody installed
        }, how
    text = run_cli(venv.python, "verify", "--import", "drift-demo")
    assert (
        "ISP211 error driftpkg.api:greet: function greet has another signature at run time "
        "(expected greet(name, greeting=...), found greet(*args, **kwargs))"
    ) in text.stdout
    assert "ISP209 error driftpkg/broken.py: importing driftpkg.broken raised RuntimeError" in (
        text.stdout
    )


def test_a_clean_package_gives_no_import_finding(installed: Installed, run_cli: RunCli) -> None:
    for how, done in both_ways(
        run_cli, installed.venv, "--import", "clean-demo", "--format", "json"
    ).items():
        assert done.returncode == 0, (how, done.stdout, done.stderr)
        assert import_findings(report(done), "clean-demo") == set(), how
    strict = run_cli(installed.venv.python, "verify", "--import", "--strict", "clean-demo")
    assert strict.returncode == 0, strict.stdout + strict.stderr


def test_a_probe_that_dies_is_one_line_and_exit_2(installed: Installed, run_cli: RunCli) -> None:
    for how, done in both_ways(run_cli, installed.venv, "--import", "crash-demo").items():
        assert done.returncode == 2, (how, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, how
        assert "exit status 7 (while importing crashpkg)" in done.stderr, how


def test_without_import_nothing_is_imported(installed: Installed, run_cli: RunCli) -> None:
    # crashpkg ends any process that imports it: a static run that passes imported nothing.
    done = run_cli(installed.venv.python, "verify", "crash-demo")
    assert done.returncode == 0, done.stdout + done.stderr


def test_import_is_refused_where_no_interpreter_imports(
    installed: Installed, run_cli: RunCli
) -> None:
    venv = installed.venv
    runs = {
        "--path": run_cli(sys.executable, "verify", "--import", "--path", str(venv.site_packages)),
        "wheel": run_cli(venv.python, "verify", "--import", str(installed.wheels["clean-demo"])),
    }
    for how, done in runs.items():
        assert done.returncode == 2, (how, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1 and "--import" in done.stderr, how
        assert done.stdout == "", how
