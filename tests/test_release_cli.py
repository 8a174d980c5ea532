"""Release packaging end to end: the real hook, the real CLI in subprocesses, real setuptools.

Four releases of one fixture project (``acme-tools``) are built with the hook: 1.0.0; a
compatible 1.0.1 (only additions, widenings and other harmless changes, and one module no
longer described); a 1.1.0 that makes a breaking change of every kind ISP5xx knows (and some
compatible ones); and a 2.0.0 with the same code as 1.1.0.  ``python -m importspy diff`` compares
them as wheels, as a committed manifest (``show --manifest-only``) and as an installed
distribution.  The baseline gate stops a real build and lets it through with ``allow-breaking``.
``python -m importspy embed`` rewrites a setuptools wheel, which is installed into a fresh venv
and verified there, and refuses unsound wheels.

The CLI runs as ``python -m importspy`` under the interpreter running the tests (where
hatch-importspy is installed for the hook), except where a test needs it inside a venv.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hatch_importspy.report.json import JSON_SCHEMA
from tests.helpers.builds import SOURCE_DATE_EPOCH, BuildResult, ProjectFactory
from tests.helpers.fakedist import install
from tests.helpers.venvs import RunCli, VenvFactory
from tests.test_embed import GOOD, build_setuptools_wheel, truncated, wheel_bytes

pytestmark = pytest.mark.e2e

INIT_V1 = """\
from .core import Client, fetch

__all__ = ["Client", "fetch", "VERSION"]
VERSION = "1"
"""

CORE_V1 = """\
DEFAULT_TIMEOUT: int = 10
RETRIES = 3


def legacy_fetch(url):
    return url


def encode(data, encoding):
    return data


def configure(name, verbose=False):
    return name


class OldThing:
    pass


def fetch(url, timeout=10, *, retries=0) -> bytes:
    return b""


def parse(data, strict, /):
    return data


def helper(a, b):
    return a


class Base:
    pass


class Mixin:
    pass


class Client(Base, Mixin):
    timeout = 10

    def __init__(self, host, port=80):
        self.host = host

    def get(self, path):
        return path

    def close(self):
        pass

    @property
    def url(self) -> str:
        return self.host


def _private():
    pass
"""

LEGACY = "def old_api():\n    pass\n"

INIT_V1_1 = """\
from .core import Client, fetch

__all__ = ["Client", "VERSION"]
VERSION = "1"
"""

CORE_V1_1 = """\
DEFAULT_TIMEOUT: float = 10.0


def encode(data, *, encoding):
    return data


def configure(name):
    return name


def fetch(url, timeout, *, retries=0, verify=True) -> str:
    return ""


def parse(data, strict):
    return data


def helper(b, a):
    return a


def stream(url):
    return url


class Base:
    pass


class Mixin:
    pass


class Client(Base):
    def __init__(self, host, port=80, *, scheme):
        self.host = host

    def get(self, route):
        return route

    def url(self) -> str:
        return self.host
"""


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


CORE_V1_0_1 = _replace_once(
    _replace_once(
        _replace_once(
            CORE_V1,
            "def fetch(url, timeout=10, *, retries=0) -> bytes:",
            "def fetch(url, timeout=10, *, retries=0, verify=True) -> bytes:",
        ),
        "def _private():\n    pass\n",
        "def added():\n    pass\n",
    ),
    "def configure(name, verbose=False):",
    "def configure(name, verbose=None):",
)

OPTIONS_V1: dict[str, object] = {}
OPTIONS_V1_0_1: dict[str, object] = {"exclude": ["acme_tools.legacy"]}
OPTIONS_V1_1: dict[str, object] = {
    "platforms": ["linux"],
    "machines": ["x86_64"],
    "implementations": ["cpython"],
    "env": ["ACME_TOKEN"],
}

Row = tuple[str, str | None]
"""``(code, object path)`` of one finding."""

EXPECTED_1_1: list[Row] = [
    ("ISP520", None),
    ("ISP521", None),
    ("ISP522", None),
    ("ISP523", None),
    ("ISP524", "ACME_TOKEN"),
    ("ISP502", "acme_tools.core:RETRIES"),
    ("ISP502", "acme_tools.core:legacy_fetch"),
    ("ISP502", "acme_tools.core:OldThing"),
    ("ISP502", "acme_tools.core:Client.timeout"),
    ("ISP510", "acme_tools.core:encode"),
    ("ISP505", "acme_tools.core:configure"),
    ("ISP503", "acme_tools:fetch"),
    ("ISP511", "acme_tools.core:Client"),
    ("ISP509", "acme_tools.core:Client.__init__"),
    ("ISP502", "acme_tools.core:Client.close"),
    ("ISP506", "acme_tools.core:Client.get"),
    ("ISP504", "acme_tools.core:Client.url"),
    ("ISP513", "acme_tools.core:DEFAULT_TIMEOUT"),
    ("ISP512", "acme_tools.core:fetch"),
    ("ISP508", "acme_tools.core:fetch"),
    ("ISP541", "acme_tools.core:fetch"),
    ("ISP507", "acme_tools.core:helper"),
    ("ISP541", "acme_tools.core:parse"),
    ("ISP541", "acme_tools.core:parse"),
    ("ISP540", "acme_tools.core:stream"),
    ("ISP540", "acme_tools.extras"),
    ("ISP501", "acme_tools.legacy"),
    ("ISP531", "packaging"),
    ("ISP530", "pyyaml"),
]
"""1.0.0 -> 1.1.0: every breaking kind, and the compatible changes that come with them."""

EXPECTED_1_0_1: list[Row] = [
    ("ISP540", "acme_tools.core:added"),
    ("ISP541", "acme_tools.core:fetch"),
    ("ISP549", "acme_tools.core:configure"),
    ("ISP542", None),
    ("ISP543", "packaging"),
    ("ISP514", "acme_tools.legacy"),
]
"""1.0.0 -> 1.0.1: every compatible kind, and a module that is no longer described."""

BREAKING_CODES = {f"ISP{n}" for n in [*range(501, 514), *range(520, 525), 530, 531]}
COMPATIBLE_CODES = {"ISP540", "ISP541", "ISP542", "ISP543", "ISP549"}


# --------------------------------------------------------------------------------- helpers


def cli(run_cli: RunCli, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``python -m importspy ARGS`` under the test interpreter; never a traceback."""
    completed = run_cli(sys.executable, *args, **kwargs)
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


def diff_report(run_cli: RunCli, *args: str) -> tuple[int, dict[str, Any]]:
    """``diff ARGS --format json``: the exit status and the (schema-valid) report."""
    completed = cli(run_cli, "diff", *args, "--format", "json")
    assert completed.returncode in (0, 1), completed.stderr
    report = json.loads(completed.stdout)
    jsonschema.validate(report, JSON_SCHEMA)
    assert report["summary"]["exit_code"] == completed.returncode
    return completed.returncode, report


def findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    (distribution,) = report["distributions"]
    assert distribution["checks"] == ["release"]
    return list(distribution["findings"])


def rows(report: dict[str, Any]) -> list[Row]:
    return sorted(((f["code"], f["object"]) for f in findings(report)), key=str)


def unusable(completed: subprocess.CompletedProcess[str]) -> str:
    """The one line of a run that had to stop with exit 2 and nothing on stdout."""
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert completed.stdout == ""
    assert completed.stderr.count("\n") == 1 and completed.stderr.endswith("\n"), completed.stderr
    assert "Traceback" not in completed.stderr
    return completed.stderr.strip()


def record_problems(wheel: Path) -> list[str]:
    """What an installer would refuse: a member RECORD does not list, or lists with another
    hash or size, and a RECORD row naming no member."""
    with zipfile.ZipFile(wheel) as archive:
        contents = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    record_name = next(n for n in contents if n.endswith(".dist-info/RECORD") and n.count("/") == 1)
    problems = []
    listed = set()
    for path, digest, size in csv.reader(io.StringIO(contents[record_name].decode())):
        listed.add(path)
        if path == record_name:
            continue
        if path not in contents:
            problems.append(f"{path}: listed but missing")
            continue
        content = contents[path]
        algorithm, _, value = digest.partition("=")
        actual = base64.urlsafe_b64encode(hashlib.new(algorithm, content).digest()).rstrip(b"=")
        if value != actual.decode() or size != str(len(content)):
            problems.append(f"{path}: does not match its RECORD row")
    problems += [f"{path}: not in RECORD" for path in sorted(set(contents) - listed)]
    return problems


# --------------------------------------------------------------------------------- the releases


@pytest.fixture(scope="module")
def releases(project_factory: ProjectFactory, build_wheel: Callable[..., Path]) -> dict[str, Path]:
    """The four releases' wheels, built with the real hook, by version."""

    def build(
        version: str,
        files: dict[str, str | bytes],
        options: dict[str, object],
        requires_python: str,
        dependencies: list[str],
    ) -> Path:
        project = project_factory(
            files,
            name="acme-tools",
            version=version,
            options=options,
            requires_python=requires_python,
            dependencies=dependencies,
        )
        return build_wheel(project)

    v1_files: dict[str, str | bytes] = {
        "acme_tools/__init__.py": INIT_V1,
        "acme_tools/core.py": CORE_V1,
        "acme_tools/legacy.py": LEGACY,
    }
    v1_1_files: dict[str, str | bytes] = {
        "acme_tools/__init__.py": INIT_V1_1,
        "acme_tools/core.py": CORE_V1_1,
        "acme_tools/extras.py": "",
    }
    compatible = {**v1_files, "acme_tools/core.py": CORE_V1_0_1}
    v1_1_deps = ["packaging>=22", "pyyaml>=6"]
    return {
        "1.0.0": build("1.0.0", v1_files, OPTIONS_V1, ">=3.9", ["packaging>=20"]),
        "1.0.1": build("1.0.1", compatible, OPTIONS_V1_0_1, ">=3.8", ["packaging>=19"]),
        "1.1.0": build("1.1.0", v1_1_files, OPTIONS_V1_1, ">=3.10", v1_1_deps),
        "2.0.0": build("2.0.0", v1_1_files, OPTIONS_V1_1, ">=3.10", v1_1_deps),
    }


def test_every_breaking_kind_between_wheels_built_by_the_hook(
    releases: dict[str, Path], run_cli: RunCli
) -> None:
    status, report = diff_report(run_cli, str(releases["1.0.0"]), str(releases["1.1.0"]))
    assert rows(report) == sorted(EXPECTED_1_1, key=str)
    assert {code for code, _ in EXPECTED_1_1} >= BREAKING_CODES
    by_code = {f["code"]: f for f in findings(report)}
    assert (by_code["ISP520"]["expected"], by_code["ISP520"]["found"]) == (">=3.9", ">=3.10")
    assert (by_code["ISP512"]["expected"], by_code["ISP512"]["found"]) == ("bytes", "str")
    assert (by_code["ISP513"]["expected"], by_code["ISP513"]["found"]) == ("int", "float")
    assert by_code["ISP511"]["message"] == "class Client lost base Mixin"
    for finding in findings(report):
        expected = "error" if finding["code"] in BREAKING_CODES else "note"
        assert finding["severity"] == expected, finding
    assert report["notices"] == ["version 1.0.0 -> 1.1.0: breaking changes are errors"]
    assert status == 1  # a minor bump may not break


def test_every_compatible_kind_is_a_note_and_the_release_passes(
    releases: dict[str, Path], run_cli: RunCli
) -> None:
    status, report = diff_report(run_cli, str(releases["1.0.0"]), str(releases["1.0.1"]))
    assert rows(report) == sorted(EXPECTED_1_0_1, key=str)
    assert {code for code, _ in EXPECTED_1_0_1} >= COMPATIBLE_CODES
    severities = {f["code"]: f["severity"] for f in findings(report)}
    assert severities.pop("ISP514") == "warning"  # its surface can no longer be compared
    assert set(severities.values()) == {"note"}
    assert status == 0
    strict, _ = diff_report(run_cli, str(releases["1.0.0"]), str(releases["1.0.1"]), "--strict")
    assert strict == 1


def test_the_version_rule_decides_the_exit_status(
    releases: dict[str, Path], run_cli: RunCli
) -> None:
    old, minor, major = (str(releases[v]) for v in ("1.0.0", "1.1.0", "2.0.0"))
    assert diff_report(run_cli, old, minor)[0] == 1
    assert diff_report(run_cli, old, minor, "--strict")[0] == 1

    status, report = diff_report(run_cli, old, major)
    assert status == 0
    assert rows(report) == sorted(EXPECTED_1_1, key=str)
    breaking = [f for f in findings(report) if f["code"] in BREAKING_CODES]
    assert {f["severity"] for f in breaking} == {"warning"}
    assert report["summary"]["warnings"] == len(breaking)
    assert report["notices"] == [
        "version 1.0.0 -> 2.0.0: breaking changes are warnings (the version announces them)"
    ]
    assert diff_report(run_cli, old, major, "--strict")[0] == 1

    text = cli(run_cli, "diff", old, major)
    assert text.returncode == 0
    assert "ISP501 warning acme_tools.legacy: " in text.stdout


def test_diff_against_the_committed_manifest_of_a_release(
    releases: dict[str, Path], run_cli: RunCli, tmp_path: Path
) -> None:
    shown = cli(run_cli, "show", "--manifest-only", str(releases["1.0.0"]))
    assert shown.returncode == 0, shown.stderr
    assert "#" not in shown.stdout  # the document alone, no reading aid
    baseline = tmp_path / "manifests" / "1.0.0.yaml"
    baseline.parent.mkdir()
    baseline.write_text(shown.stdout, encoding="utf-8")

    _, from_wheels = diff_report(run_cli, str(releases["1.0.0"]), str(releases["1.1.0"]))
    status, from_manifest = diff_report(run_cli, str(baseline), str(releases["1.1.0"]))
    assert status == 1
    assert findings(from_manifest) == findings(from_wheels)
    assert from_manifest["distributions"][0]["source"] == f"{baseline} -> {releases['1.1.0']}"


def test_diff_between_an_installed_release_and_a_wheel(
    releases: dict[str, Path], run_cli: RunCli, venv_factory: VenvFactory
) -> None:
    venv = venv_factory("release-installed", wheels=[releases["1.0.0"]], importspy=False)
    site = str(venv.site_packages)
    status, report = diff_report(run_cli, "Acme_Tools", str(releases["1.1.0"]), "--path", site)
    assert status == 1
    assert rows(report) == sorted(EXPECTED_1_1, key=str)
    assert report["distributions"][0]["source"] == f"installed Acme_Tools -> {releases['1.1.0']}"
    # the same installed release as the new side: a downgrade may not break either
    status, back = diff_report(run_cli, str(releases["1.1.0"]), "acme-tools", "--path", site)
    assert status == 1
    assert ("ISP540", "acme_tools.legacy") in rows(back)


def test_diff_writes_several_report_formats_in_one_run(
    releases: dict[str, Path], run_cli: RunCli, tmp_path: Path
) -> None:
    completed = cli(
        run_cli,
        "diff",
        str(releases["1.0.0"]),
        str(releases["2.0.0"]),
        "--output-sarif",
        str(tmp_path / "diff.sarif"),
        "--output-junit",
        str(tmp_path / "diff.xml"),
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("acme-tools 2.0.0 (")
    sarif = json.loads((tmp_path / "diff.sarif").read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == sorted(code for code, _ in EXPECTED_1_1)
    assert 'name="release"' in (tmp_path / "diff.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("case", "problem"),
    [
        ("missing wheel", "cannot read"),
        ("missing manifest", "no such file"),
        ("corrupt manifest", "corrupt.yaml: "),
        ("truncated wheel", "not a valid wheel"),
        ("unknown distribution", "no distribution of that name is installed"),
        ("empty --path", "holds no installed distribution"),
        ("bad format", "invalid choice: 'xml'"),
    ],
)
def test_diff_of_unusable_input_is_one_line_and_exit_2(
    case: str, problem: str, releases: dict[str, Path], run_cli: RunCli, tmp_path: Path
) -> None:
    good = str(releases["1.0.0"])
    corrupt = tmp_path / "corrupt.yaml"
    corrupt.write_text("schema: [\n", encoding="utf-8")
    broken = tmp_path / "broken-1.0.whl"
    broken.write_bytes(releases["1.0.0"].read_bytes()[:300])
    site = tmp_path / "site-packages"
    install(site, "other", "1.0", {"other/__init__.py": b""})
    args = {
        "missing wheel": [str(tmp_path / "gone-1.0-py3-none-any.whl"), good],
        "missing manifest": [good, str(tmp_path / "manifests" / "9.9.9.yaml")],
        "corrupt manifest": [str(corrupt), good],
        "truncated wheel": [good, str(broken)],
        "unknown distribution": [good, "no-such-distribution", "--path", str(site)],
        "empty --path": [good, "no-such-distribution", "--path", str(tmp_path)],
        "bad format": [good, good, "--format", "xml"],
    }[case]
    line = unusable(cli(run_cli, "diff", *args))
    assert problem in line, line


# --------------------------------------------------------------------------------- baseline gate

GATE_V1 = {
    "gate_demo/__init__.py": "from .api import open_session\n",
    "gate_demo/api.py": (
        "def open_session(host, port=443):\n    return host\n\n\n"
        "def close_session(session):\n    return None\n"
    ),
}
GATE_V1_1_API = "def open_session(host, port):\n    return host\n"
"""1.1.0 drops close_session and the default of port: two breaking changes."""


def test_the_baseline_gate_stops_a_real_build_until_breaking_is_allowed(
    project_factory: ProjectFactory,
    build_project: Callable[..., BuildResult],
    run_cli: RunCli,
    tmp_path: Path,
) -> None:
    project = project_factory(GATE_V1, name="gate-demo", version="1.0.0", options={})
    released = build_project(project, out_dir=tmp_path / "1.0.0").wheel
    shown = cli(run_cli, "show", "--manifest-only", str(released))
    assert shown.returncode == 0, shown.stderr
    (project / "manifests").mkdir()
    (project / "manifests" / "1.0.0.yaml").write_text(shown.stdout, encoding="utf-8")

    pyproject = project / "pyproject.toml"
    table = "[tool.hatch.build.hooks.importspy]\n"
    text = _replace_once(pyproject.read_text(encoding="utf-8"), 'version = "1.0.0"', "VERSION")
    text = _replace_once(text, table, table + 'baseline = "manifests/1.0.0.yaml"\n')

    # a compatible release passes, and says it was compared
    (project / "gate_demo" / "extra.py").write_text("def more():\n    pass\n", encoding="utf-8")
    pyproject.write_text(text.replace("VERSION", 'version = "1.0.1"'), encoding="utf-8")
    compatible = build_project(project, out_dir=tmp_path / "1.0.1")
    assert compatible.wheel.name == "gate_demo-1.0.1-py3-none-any.whl"
    assert (
        "importspy: no breaking changes against the baseline manifests/1.0.0.yaml "
        "(1.0.0 -> 1.0.1)" in compatible.output
    )

    # the API breaks in a minor release: the build stops and names every breaking change
    (project / "gate_demo" / "api.py").write_text(GATE_V1_1_API, encoding="utf-8")
    pyproject.write_text(text.replace("VERSION", 'version = "1.1.0"'), encoding="utf-8")
    stopped = build_project(project, out_dir=tmp_path / "1.1.0-stopped")
    assert stopped.returncode != 0
    assert [p.suffix for p in stopped.artifacts] == []
    assert (
        "importspy: 2 breaking changes against the baseline manifests/1.0.0.yaml "
        "(1.0.0 -> 1.1.0); the build was stopped:" in stopped.output
    )
    assert "ISP502 error gate_demo.api:close_session: " in stopped.output
    assert "ISP508 error gate_demo.api:open_session: " in stopped.output
    assert "allow-breaking = true" in stopped.output

    # allowed: the wheel is built, and the changes are still shown
    allowed_text = _replace_once(text, table, table + "allow-breaking = true\n")
    pyproject.write_text(allowed_text.replace("VERSION", 'version = "1.1.0"'), encoding="utf-8")
    allowed = build_project(project, out_dir=tmp_path / "1.1.0-allowed")
    assert allowed.wheel.name == "gate_demo-1.1.0-py3-none-any.whl"
    assert "(1.0.0 -> 1.1.0); allowed by allow-breaking:" in allowed.output
    assert "ISP502 error gate_demo.api:close_session: " in allowed.output

    # the sdist carries no manifest, so it is not gated
    sdist = build_project(project, target="sdist", out_dir=tmp_path / "sdist")
    assert sdist.returncode == 0, sdist.output


def test_a_baseline_of_another_distribution_stops_the_build(
    releases: dict[str, Path],
    project_factory: ProjectFactory,
    build_project: Callable[..., BuildResult],
    run_cli: RunCli,
    tmp_path: Path,
) -> None:
    project = project_factory(GATE_V1, name="gate-demo", options={"baseline": "acme-1.0.0.yaml"})
    shown = cli(run_cli, "show", "--manifest-only", str(releases["1.0.0"]))
    (project / "acme-1.0.0.yaml").write_text(shown.stdout, encoding="utf-8")
    result = build_project(project, out_dir=tmp_path / "out")
    assert result.returncode != 0
    assert (
        "importspy: tool.hatch.build.hooks.importspy.baseline: acme-1.0.0.yaml: the baseline "
        "describes distribution 'acme-tools', not 'gate-demo'" in result.output
    )
    assert result.artifacts == ()


# --------------------------------------------------------------------------------- embed


@pytest.fixture(scope="module")
def setuptools_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The setuptools project of ``test_embed`` and its wheel, built by setuptools."""
    root = tmp_path_factory.mktemp("st-project")
    wheel = build_setuptools_wheel(root, tmp_path_factory.mktemp("st-dist"))
    return root, wheel


@pytest.fixture(scope="module")
def embedded(
    setuptools_project: tuple[Path, Path], run_cli: RunCli, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The setuptools wheel after ``embed --pyproject PROJECT -o DIR``."""
    project, wheel = setuptools_project
    out = tmp_path_factory.mktemp("st-embedded")
    completed = cli(
        run_cli,
        "embed",
        str(wheel),
        "--pyproject",
        str(project),
        "-o",
        str(out),
        env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
    )
    assert completed.returncode == 0, completed.stderr
    written = out / wheel.name
    assert completed.stdout == f"importspy: embedded a manifest: {written}\n"
    return written


def test_an_embedded_setuptools_wheel_installs_and_verifies_clean(
    embedded: Path, venv_factory: VenvFactory, run_cli: RunCli
) -> None:
    assert record_problems(embedded) == []
    venv = venv_factory("embedded", wheels=[embedded])
    completed = run_cli(venv.python, "verify", "tiny-st", "--format", "json")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout)
    (distribution,) = report["distributions"]
    assert distribution["has_manifest"]
    assert distribution["findings"] == []
    assert report["environment_findings"] == []
    shown = run_cli(venv.python, "show", "--manifest-only", "tiny-st")
    assert "- win32" in shown.stdout  # [tool.importspy] platforms, read from the pyproject


def test_embed_is_reproducible(
    setuptools_project: tuple[Path, Path], embedded: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    project, wheel = setuptools_project
    again = cli(
        run_cli,
        "embed",
        str(wheel),
        "--pyproject",
        str(project / "pyproject.toml"),
        "-o",
        str(tmp_path / "again.whl"),
        env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
    )
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again.whl").read_bytes() == embedded.read_bytes()


def test_embed_in_place_with_command_line_options_and_the_project_of_the_current_directory(
    setuptools_project: tuple[Path, Path], run_cli: RunCli, tmp_path: Path
) -> None:
    project, original = setuptools_project
    wheel = tmp_path / original.name
    wheel.write_bytes(original.read_bytes())
    completed = cli(
        run_cli,
        "embed",
        str(wheel),
        "--platform",
        "linux",
        "--env",
        "TINY_HOME",
        "--no-infer-expectations",
        cwd=project,
    )
    assert completed.returncode == 0, completed.stderr
    shown = cli(run_cli, "show", "--format", "json", str(wheel))
    environment = json.loads(shown.stdout)["environment"]  # one document
    assert (environment["platforms"], environment["env"]) == (["linux"], ["TINY_HOME"])
    assert record_problems(wheel) == []

    again = cli(run_cli, "embed", str(wheel), cwd=project)
    line = unusable(again)
    assert line.startswith(f"importspy: error: {wheel}: already carries an importspy manifest")
    assert cli(run_cli, "embed", str(wheel), "--replace", cwd=project).returncode == 0


def test_embed_with_a_baseline_refuses_a_breaking_wheel(
    setuptools_project: tuple[Path, Path], embedded: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    _, wheel = setuptools_project
    shown = cli(run_cli, "show", "--manifest-only", str(embedded))
    baseline = tmp_path / "0.1.0.yaml"
    baseline.write_text(shown.stdout, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    narrowed = ["--platform", "linux", "--baseline", str(baseline), "-o", str(out)]
    stopped = cli(run_cli, "embed", str(wheel), *narrowed)
    assert stopped.returncode == 1
    assert stopped.stderr.splitlines()[:2] == [
        f"importspy: 1 breaking change against the baseline {baseline} (0.1.0 -> 0.1.0); "
        "the build was stopped:",
        "  ISP521 error tiny-st: platforms no longer include darwin, win32 (expected darwin, "
        "linux, win32, found linux)",
    ]
    assert stopped.stderr.splitlines()[-1] == f"importspy: {wheel} was left as it was"
    assert list(out.iterdir()) == []

    allowed = cli(run_cli, "embed", str(wheel), *narrowed, "--allow-breaking")
    assert allowed.returncode == 0, allowed.stderr
    assert "allowed by allow-breaking" in allowed.stderr
    assert [p.name for p in out.iterdir()] == [wheel.name]


def test_diff_describes_a_wheel_that_carries_no_manifest(
    setuptools_project: tuple[Path, Path], embedded: Path, run_cli: RunCli
) -> None:
    _, plain = setuptools_project
    status, report = diff_report(run_cli, str(plain), str(embedded))
    # the embedded manifest restricts platforms ([tool.importspy]); the plain wheel says nothing
    assert rows(report) == [("ISP521", None)]
    assert status == 1
    assert f"{plain} carries no manifest: described from its files" in report["notices"]


UNSOUND_CLI: dict[str, tuple[Callable[[], bytes], str]] = {
    "path traversal": (
        lambda: wheel_bytes([*GOOD, ("../evil.py", b"import os\n")]),
        "member '../evil.py' contains a '..' component",
    ),
    "missing RECORD": (
        lambda: wheel_bytes(GOOD, record=None),
        "evil-1.0.dist-info/RECORD is missing",
    ),
    "truncated zip": (truncated, "not a valid wheel (zip) file"),
}


@pytest.mark.parametrize("case", sorted(UNSOUND_CLI))
def test_embed_refuses_an_unsound_wheel_with_one_line(
    case: str, run_cli: RunCli, tmp_path: Path
) -> None:
    make, problem = UNSOUND_CLI[case]
    wheel = tmp_path / "evil-1.0-py3-none-any.whl"
    content = make()
    wheel.write_bytes(content)
    line = unusable(cli(run_cli, "embed", str(wheel)))
    assert line.startswith(f"importspy: error: {wheel}: "), line
    assert problem in line, line
    assert wheel.read_bytes() == content  # left exactly as it was
    assert [p.name for p in tmp_path.iterdir()] == [wheel.name]  # no temporary file left


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["gone-1.0-py3-none-any.whl"], "gone-1.0-py3-none-any.whl: cannot read"),
        (["a.whl", "b.whl", "-o", "nowhere"], "-o nowhere: with several wheels"),
        (["x.whl", "--platform", "windows"], "did you mean 'win32'?"),
        (["x.whl", "--python", ">=three"], "invalid version specifier"),
        (["x.whl", "--pyproject", "missing/pyproject.toml"], "cannot read"),
        ([], "the following arguments are required: WHEEL"),
    ],
)
def test_embed_of_unusable_input_is_one_line_and_exit_2(
    args: list[str], problem: str, run_cli: RunCli
) -> None:
    line = unusable(cli(run_cli, "embed", *args))
    assert problem in line, line
