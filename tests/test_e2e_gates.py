"""End to end: the CI/CD gates, run the way docs/ci-cd.md recommends.

The verifier lives in a virtual environment of its own (hatch-importspy and its dependencies
only) and is pointed at the application's environment with ``--python`` (or ``--path``); the
application's environments hold wheels built from fixture projects by the real hook and
installed by pip.  Every command is the real ``python -m importspy`` in a subprocess, and every
run snapshots the target environment: the verifier must leave it exactly as it found it.

Covered here: the approval lock against a distribution rebuilt consistently under the same
version; ``--python`` against another Python version and against a ``--system-site-packages``
venv, with the target's ``.pth`` payload never running; ``--path`` alone; the policy (YAML file,
a pyproject's ``[tool.importspy]``, ``--require-manifest`` with ``--allow`` globs, an accepted
patched file, ``--strict``); the SARIF, JUnit and GitHub reports of a real failing run and all
formats in one run; unusable policy and lock files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import junitparser
import pytest

from hatch_importspy.report.json import JSON_SCHEMA
from hatch_importspy.results import NOTICE_NO_FACTS
from hatch_importspy.verify.installed import find_distributions
from hatch_importspy.verify.lock import dumps_lock, loads_lock, make_lock
from tests.helpers.builds import ProjectFactory
from tests.helpers.venvs import RunCli, Venv, VenvFactory
from tests.test_e2e import copy_venv, snapshot
from tests.test_interpreter import make_venv, other_python, site_paths_seen_by_site

pytestmark = pytest.mark.e2e

SARIF_SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)

CORE = '''\
"""The module the scenarios tamper with."""


def run(count: int) -> int:
    return count * 2


def stop() -> None:
    return None
'''
GATED_FILES: dict[str, str | bytes] = {
    "gated_app/__init__.py": '"""An application behind the deploy gate."""\n',
    "gated_app/core.py": CORE,
}
BUNDLE_FILES: dict[str, str | bytes] = {
    "ca_bundle/__init__.py": "",
    "ca_bundle/cacert.pem": "-----BEGIN CERTIFICATE-----\nas built\n-----END CERTIFICATE-----\n",
}
PLAIN_FILES: dict[str, str | bytes] = {
    "plain_lib/__init__.py": "VALUE = 1\n",
    "plain_lib-hook.pth": "import plain_lib\n",
}
PLAIN_TOML = (
    '[tool.hatch.build.targets.wheel.force-include]\n"plain_lib-hook.pth" = "plain_lib-hook.pth"\n'
)
PEM = "ca_bundle/cacert.pem"
ACCEPT_REASON = "replaced by the image's system CA bundle"

GITHUB_LINE = re.compile(
    r"::(?P<command>error|warning|notice) (?:file=(?P<file>[^,:]+),(?:line=(?P<line>\d+),)?)?"
    r"title=(?P<title>[^:,]+)::(?P<message>.+)"
)


# --------------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Report:
    """One ``verify --format json`` run: exit status, parsed report and stderr."""

    returncode: int
    data: dict[str, Any]

    @property
    def codes(self) -> dict[str, list[str]]:
        """Finding codes by distribution name (``""`` for findings owned by none)."""
        codes = {d["name"]: [f["code"] for f in d["findings"]] for d in self.data["distributions"]}
        if self.data["environment_findings"]:
            codes[""] = [f["code"] for f in self.data["environment_findings"]]
        return codes

    def distribution(self, name: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = [d for d in self.data["distributions"] if d["name"] == name]
        assert len(found) == 1, name
        return found[0]


@dataclass(frozen=True)
class Verifier:
    """The CLI of the verifier's own environment, pointed at application environments."""

    run_cli: RunCli
    venv: Venv

    def run(
        self, target: Venv | None, *args: str, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python -m importspy *args``; the target environment must not change."""
        before = snapshot(target.root) if target is not None else None
        completed = self.run_cli(self.venv.python, *args, cwd=cwd)
        if target is not None:
            assert snapshot(target.root) == before, "the verifier changed the target environment"
        assert "Traceback" not in completed.stderr, completed.stderr
        return completed

    def verify(self, target: Venv, *args: str, python: bool = True) -> Report:
        """``verify --format json`` of ``target`` (through ``--python`` unless told not to)."""
        scope = ["--python", str(target.python)] if python else []
        completed = self.run(target, "verify", *scope, "--format", "json", *args)
        assert completed.returncode in (0, 1), completed.stderr
        data = json.loads(completed.stdout)
        jsonschema.validate(data, JSON_SCHEMA)
        assert data["summary"]["exit_code"] == completed.returncode
        return Report(completed.returncode, data)

    def unusable(self, target: Venv | None, *args: str) -> str:
        """A command that must fail with exit 2 and one line on stderr: that line."""
        completed = self.run(target, *args)
        assert completed.returncode == 2, completed.stdout + completed.stderr
        assert completed.stdout == ""
        assert completed.stderr.count("\n") == 1 and completed.stderr.endswith("\n")
        return completed.stderr.strip()


def install(venv: Venv, *wheels: Path, force: bool = False) -> None:
    """Install wheels into ``venv`` with pip, from files only (``force``: over the same version)."""
    command = [sys.executable, "-m", "pip", "--python", str(venv.python), "install"]
    command += ["--no-index", "--no-deps", "--disable-pip-version-check", "-q"]
    if force:
        command.append("--force-reinstall")
    completed = subprocess.run(
        [*command, *map(str, wheels)], capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def python_venv(python: str, root: Path, *options: str) -> Venv:
    """A venv made by ``python`` (any version), described as :class:`Venv`."""
    executable = make_venv(python, root, *options)
    [site] = root.glob("lib/python3.*/site-packages") or root.glob("Lib/site-packages")
    return Venv(root=root, python=executable, site_packages=site)


def tamper(venv: Venv, path: str, old: str, new: str) -> None:
    file = venv.site_packages / path
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1
    file.write_text(text.replace(old, new), encoding="utf-8")


# --------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def verifier(run_cli: RunCli, venv_factory: VenvFactory) -> Verifier:
    """hatch-importspy in a tool environment of its own, as ``pipx``/``uvx`` would install it."""
    return Verifier(run_cli, venv_factory("verifier"))


@pytest.fixture(scope="module")
def app_wheels(
    project_factory: ProjectFactory, build_wheel: Callable[..., Path]
) -> dict[str, Path]:
    """``gated-app`` and ``ca-bundle`` (with manifests), ``plain-lib`` (none, ships a .pth)."""
    return {
        "gated-app": build_wheel(project_factory(GATED_FILES, name="gated-app", options={})),
        "ca-bundle": build_wheel(project_factory(BUNDLE_FILES, name="ca-bundle", options={})),
        "plain-lib": build_wheel(
            project_factory(PLAIN_FILES, name="plain-lib", options=None, extra_toml=PLAIN_TOML)
        ),
    }


@pytest.fixture(scope="module")
def app_venv(venv_factory: VenvFactory, app_wheels: dict[str, Path]) -> Venv:
    """The application's environment: the three wheels, no pip, no hatch-importspy.  Shared:
    scenarios that tamper with it work on a copy (:func:`app_copy`)."""
    return venv_factory("app", wheels=list(app_wheels.values()), importspy=False)


@pytest.fixture
def app_copy(app_venv: Venv, tmp_path: Path) -> Venv:
    return copy_venv(app_venv, tmp_path)


# --------------------------------------------------------------------------------- the lock


def test_lock_catches_a_swapped_distribution_regenerated_consistently(
    verifier: Verifier,
    venv_factory: VenvFactory,
    project_factory: ProjectFactory,
    build_wheel: Callable[..., Path],
    tmp_path: Path,
) -> None:
    def release(body: str) -> Path:
        files = {"swapped_app/__init__.py": f"def pay(amount: int) -> int:\n    {body}\n"}
        return build_wheel(project_factory(files, name="swapped-app", options={}))

    approved, swapped = release("return amount"), release("return amount * 100  # skims")
    target = venv_factory("swap-target", wheels=[approved], importspy=False)
    lock_file = tmp_path / "importspy.lock"
    written = verifier.run(target, "lock", "--python", str(target.python), "-o", str(lock_file))
    assert (written.returncode, written.stdout, written.stderr) == (0, "", "")
    # The same lock on stdout, and from the directory alone: the format is deterministic.
    printed = verifier.run(target, "lock", "--python", str(target.python))
    assert printed.stdout == lock_file.read_text(encoding="utf-8")
    from_path = verifier.run(target, "lock", "--path", str(target.site_packages))
    assert from_path.stdout == printed.stdout
    [manifest] = target.site_packages.glob("swapped_app-*.dist-info/extra_metadata/importspy.yaml")
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    [cache] = target.site_packages.glob("swapped_app/__pycache__/__init__.*.pyc")  # pip compiled
    assert printed.stdout.splitlines()[2:] == [
        "distributions:",
        '- name: "swapped-app"',
        '  version: "1.0.0"',
        f'  manifest: "sha256:{digest}"',
        "  bytecode:",  # proven, then approved by its hash
        f'    "swapped_app/__pycache__/{cache.name}": '
        f'"sha256:{hashlib.sha256(cache.read_bytes()).hexdigest()}"',
    ]
    assert verifier.verify(target, "--lock", str(lock_file)).codes == {"swapped-app": []}

    # Whoever controls the publishing rebuilds the release under the same name and version,
    # RECORD and manifest regenerated together: verify alone sees nothing wrong...
    install(target, swapped, force=True)
    assert verifier.verify(target).codes == {"swapped-app": []}
    # ...the team's own lock does, through --python and through --path alike.
    for scope in (["--python", str(target.python)], ["--path", str(target.site_packages)]):
        gated = verifier.verify(target, *scope, "--lock", str(lock_file), python=False)
        assert gated.returncode == 1
        [finding] = gated.distribution("swapped-app")["findings"]
        assert finding["code"] == "ISP333"
        assert finding["expected"] == f"manifest sha256:{digest}"
        assert finding["found"].startswith("manifest sha256:") and digest not in finding["found"]
        assert f"is not the build {lock_file} line 4 approves" in finding["message"]
        assert "lock" in gated.distribution("swapped-app")["checks"]


# --------------------------------------------------------------------------------- --python


def approved(lock: str) -> list[tuple[str, str, str, str]]:
    """The distributions a lock approves, its bytecode left out."""
    entries = loads_lock(lock, source="lock").entries
    return [(entry.name, entry.version, entry.kind, entry.digest) for entry in entries]


@pytest.fixture(scope="module")
def second_python() -> str:
    """A Python of another minor version than the one running the tests, or a skip."""
    for minor in (12, 13, 10, 11):
        if minor != sys.version_info.minor and (found := other_python(minor)) is not None:
            return found
    pytest.skip("no second Python version on this machine (python3.10/3.12/3.13 not found)")


def test_python_of_another_version_is_what_the_environment_checks_describe(
    verifier: Verifier,
    second_python: str,
    project_factory: ProjectFactory,
    build_wheel: Callable[..., Path],
    tmp_path: Path,
) -> None:
    version = subprocess.run(
        [second_python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    minor = ".".join(version.split(".")[:2])
    pinned = build_wheel(
        project_factory(
            {"pinned_app/__init__.py": "X = 1\n"},
            name="pinned-app",
            options={"python": f"=={minor}.*"},
        )
    )
    target = python_venv(second_python, tmp_path / "target")
    assert f"python{minor}" in str(target.site_packages)  # not where the verifier's Python looks
    install(target, pinned)

    report = verifier.verify(target)
    assert report.returncode == 0
    assert report.codes == {"pinned-app": []}
    assert report.distribution("pinned-app")["checks"][0] == "environment"

    # The same constraint fails for the verifier's own Python: the facts were the target's.
    own = verifier.verify(target, str(pinned), python=False)
    [finding] = own.distribution("pinned-app")["findings"]
    assert (finding["code"], finding["expected"]) == ("ISP101", f"=={minor}.*")
    assert finding["found"] == ".".join(map(str, sys.version_info[:3]))
    # And the target's facts apply to wheel targets too.
    assert verifier.verify(target, str(pinned)).codes == {"pinned-app": []}


def test_python_of_a_system_site_packages_venv_and_its_pth_payload_never_runs(
    verifier: Verifier, app_wheels: dict[str, Path], tmp_path: Path
) -> None:
    target = python_venv(sys.executable, tmp_path / "layered", "--system-site-packages")
    install(target, app_wheels["gated-app"], app_wheels["ca-bundle"])
    seen = site_paths_seen_by_site(target.python)  # before the payload: our own venv
    assert len(seen) > 1 and seen[0] == target.site_packages  # the base's directories follow

    marker = tmp_path / "payload-ran"
    payload = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n"
    (target.site_packages / "zz_payload.pth").write_text(payload, encoding="utf-8")

    report = verifier.verify(target)
    assert not marker.exists(), "verify --python ran the target's .pth payload"
    assert report.codes["gated-app"] == [] and report.codes["ca-bundle"] == []
    payloads = [f for f in report.data["environment_findings"] if f["file"] == "zz_payload.pth"]
    assert [f["code"] for f in payloads] == ["ISP307"]
    assert str(target.site_packages) in payloads[0]["message"]

    # The lock reads every directory the target's own `site` would, in its order; --path only
    # the directory given.
    locked = verifier.run(target, "lock", "--python", str(target.python))
    assert not marker.exists()
    assert approved(locked.stdout) == approved(dumps_lock(make_lock(find_distributions(seen))))
    only_venv = verifier.run(target, "lock", "--path", str(target.site_packages))
    in_venv = make_lock(find_distributions([target.site_packages]))
    assert approved(only_venv.stdout) == approved(dumps_lock(in_venv))

    # The payload is real: any ordinary start of the target runs it.
    subprocess.run([str(target.python), "-c", "pass"], check=True, timeout=60)
    assert marker.read_text(encoding="utf-8") == "ran"


def test_path_without_python_skips_environment_checks_with_a_notice(
    verifier: Verifier,
    venv_factory: VenvFactory,
    project_factory: ProjectFactory,
    build_wheel: Callable[..., Path],
) -> None:
    elsewhere = next(p for p in ("win32", "darwin", "linux") if p != sys.platform)
    wheel = build_wheel(
        project_factory(
            {"elsewhere_app/__init__.py": "X = 1\n"},
            name="elsewhere-app",
            options={"platforms": [elsewhere]},
        )
    )
    target = venv_factory("elsewhere", wheels=[wheel], importspy=False)
    site = str(target.site_packages)

    report = verifier.verify(target, "--path", site, python=False)
    assert report.returncode == 0
    assert report.codes == {"elsewhere-app": []}
    assert "environment" not in report.distribution("elsewhere-app")["checks"]
    assert NOTICE_NO_FACTS in report.data["notices"]
    text = verifier.run(target, "verify", "--path", site)
    assert f"notice: {NOTICE_NO_FACTS}" in text.stdout.splitlines()

    # With --python as well, the interpreter supplies the facts and --path the directory.
    both = verifier.verify(target, "--path", site)
    assert both.returncode == 1
    assert both.codes == {"elsewhere-app": ["ISP102"]}
    assert NOTICE_NO_FACTS not in both.data["notices"]


# --------------------------------------------------------------------------------- the policy


def test_require_manifest_with_allow_globs_and_strict(verifier: Verifier, app_venv: Venv) -> None:
    plain = verifier.verify(app_venv)
    assert plain.returncode == 0  # plain-lib's .pth is a warning (ISP308): warnings pass...
    assert plain.codes == {"ca-bundle": [], "gated-app": [], "": ["ISP308"]}
    strict = verifier.verify(app_venv, "--strict")
    assert strict.returncode == 1  # ...unless --strict
    assert strict.data["summary"]["warnings"] == 1

    gated = verifier.verify(app_venv, "--require-manifest")
    assert gated.returncode == 1
    assert gated.codes["plain-lib"] == ["ISP320"]
    assert gated.distribution("plain-lib")["has_manifest"] is False
    # A glob, in another spelling of the name: exempt.
    allowed = verifier.verify(app_venv, "--require-manifest", "--allow", "Plain_*", "other")
    assert allowed.returncode == 0
    assert allowed.codes["plain-lib"] == []
    assert "policy" in allowed.distribution("gated-app")["checks"]


def test_yaml_policy_accepts_a_patched_file_and_shows_the_reason(
    verifier: Verifier, app_copy: Venv, tmp_path: Path
) -> None:
    tamper(app_copy, PEM, "as built", "the system's bundle")
    assert verifier.verify(app_copy).codes["ca-bundle"] == ["ISP301"]
    policy = tmp_path / "gate.yaml"
    policy.write_text(
        "require-manifest: true\n"
        "allow: [plain-lib]\n"
        "accept:\n"
        "  - distribution: CA_Bundle\n"
        "    path: ca_bundle/*.pem\n"
        f"    reason: {ACCEPT_REASON}\n",
        encoding="utf-8",
    )
    text = verifier.run(
        app_copy, "verify", "--python", str(app_copy.python), "--policy", str(policy)
    )
    assert text.returncode == 0, text.stdout + text.stderr
    lines = text.stdout.splitlines()
    assert f"  ISP321 note {PEM}: modified file accepted by policy: {ACCEPT_REASON}" in [
        line.split(" (expected")[0] for line in lines
    ]
    # The policy is the floor: the command line adds to it, never removes from it.
    strict = verifier.verify(app_copy, "--policy", str(policy), "--strict")
    assert strict.returncode == 1
    assert strict.codes[""] == ["ISP308"]


def test_pyproject_policy_table_with_severities(
    verifier: Verifier, app_venv: Venv, tmp_path: Path
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "deployer"\n\n'
        '[tool.importspy]\nrequire-manifest = true\nallow = ["plain-*"]\nstrict = true\n',
        encoding="utf-8",
    )
    failing = verifier.verify(app_venv, "--policy", str(pyproject))
    assert failing.returncode == 1  # strict in the file: the ISP308 warning fails
    assert failing.data["summary"]["strict"] is True
    with pyproject.open("a", encoding="utf-8") as file:
        file.write('severities = { ISP308 = "note" }\n')
    passing = verifier.verify(app_venv, "--policy", str(pyproject))
    assert passing.returncode == 0
    [note] = passing.data["environment_findings"]
    assert (note["code"], note["severity"]) == ("ISP308", "note")


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("gate.yaml", "require_manifest: true\n", "require_manifest is not a policy key"),
        ("gate.yaml", "allow: pip\n", "allow must be a list"),
        ("gate.yaml", "severities: {ISP999: error}\n", "severities.ISP999 is not a finding code"),
        ("pyproject.toml", '[project]\nname = "x"\n', "has no [tool.importspy] table"),
        ("pyproject.toml", "[tool.importspy\n", "not valid TOML"),
    ],
)
def test_unusable_policy_file_is_one_line_naming_it(
    verifier: Verifier, app_venv: Venv, tmp_path: Path, name: str, content: str, problem: str
) -> None:
    policy = tmp_path / name
    policy.write_text(content, encoding="utf-8")
    line = verifier.unusable(
        app_venv, "verify", "--python", str(app_venv.python), "--policy", str(policy)
    )
    assert line.startswith(f"importspy: error: {policy}: ")
    assert problem in line


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("schema: importspy-lock/9\ndistributions: []\n", "schema must be 'importspy-lock/2'"),
        (
            'schema: "importspy-lock/1"\ndistributions:\n- {name: a, version: "1", manifest: x}\n',
            "distributions[0] (line 3).manifest must be sha256:",
        ),
        ("[unclosed\n", "not valid YAML"),
        (None, "cannot read"),
    ],
)
def test_unusable_lock_file_is_one_line_naming_it(
    verifier: Verifier, app_venv: Venv, tmp_path: Path, content: str | None, problem: str
) -> None:
    lock = tmp_path / "importspy.lock"
    if content is not None:
        lock.write_text(content, encoding="utf-8")
    line = verifier.unusable(
        app_venv, "verify", "--python", str(app_venv.python), "--lock", str(lock)
    )
    assert line.startswith(f"importspy: error: {lock}: ")
    assert problem in line


# --------------------------------------------------------------------------------- reports


@pytest.fixture(scope="module")
def failing_run(
    verifier: Verifier, app_venv: Venv, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """One real failing run writing every format at once, from a checkout holding the target.

    The target (a copy of the application's environment inside the checkout) has a function
    added to ``gated_app/core.py`` (ISP301 and an ISP202 warning with its line), ``stop``
    removed (ISP201) and an unowned ``.pth`` (ISP307).
    """
    checkout = tmp_path_factory.mktemp("checkout")
    target = copy_venv(app_venv, checkout)
    tamper(
        target,
        "gated_app/core.py",
        "def stop() -> None:\n    return None\n",
        "def injected(command: str) -> None:\n    return None\n",
    )
    (target.site_packages / "zz_evil.pth").write_text("import os\n", encoding="utf-8")
    reports = checkout / "reports"
    reports.mkdir()
    files = {fmt: reports / f"importspy.{fmt}" for fmt in ("json", "junit", "sarif", "github")}
    outputs = [arg for fmt, path in files.items() for arg in (f"--output-{fmt}", str(path))]
    completed = verifier.run(
        target,
        "verify",
        "--python",
        str(target.python),
        "--format",
        "text",
        *outputs,
        cwd=checkout,
    )
    single = verifier.run(
        target, "verify", "--python", str(target.python), "--format", "json", cwd=checkout
    )
    return {
        "completed": completed,
        "single_json": single.stdout,
        "target": target,
        "checkout": checkout,
        **{fmt: path.read_text(encoding="utf-8") for fmt, path in files.items()},
    }


def test_all_formats_in_one_run(failing_run: dict[str, Any]) -> None:
    completed: subprocess.CompletedProcess[str] = failing_run["completed"]
    assert completed.returncode == 1
    assert completed.stderr == ""
    assert completed.stdout.startswith("ca-bundle 1.0.0 (")  # the text report, on stdout
    assert completed.stdout.endswith(": violations found\n")
    # Every document describes the same result: the JSON file is the single-format report.
    assert failing_run["json"] == failing_run["single_json"]
    report = json.loads(failing_run["json"])
    codes = {d["name"]: [f["code"] for f in d["findings"]] for d in report["distributions"]}
    assert codes == {"ca-bundle": [], "gated-app": ["ISP301", "ISP202", "ISP201"]}
    assert [f["code"] for f in report["environment_findings"]] == ["ISP307", "ISP308"]


def test_sarif_of_a_real_failing_run_is_valid_sarif(failing_run: dict[str, Any]) -> None:
    sarif = json.loads(failing_run["sarif"])
    jsonschema.validate(sarif, SARIF_SCHEMA)
    [run] = sarif["runs"]
    assert run["properties"]["compliant"] is False
    results = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]): r
        for r in run["results"]
    }
    site = failing_run["target"].site_packages.relative_to(failing_run["checkout"]).as_posix()
    assert not site.startswith("/")  # relative to the checkout, as code scanning requires
    added = results[("ISP202", f"{site}/gated_app/core.py")]
    assert added["level"] == "warning"
    assert added["locations"][0]["physicalLocation"]["region"] == {"startLine": 8}
    assert added["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        "gated_app.core:injected"
    )
    assert results[("ISP301", f"{site}/gated_app/core.py")]["level"] == "error"
    assert results[("ISP307", f"{site}/zz_evil.pth")]["level"] == "error"
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["help"]["text"]


def test_junit_of_a_real_failing_run_reads_in_a_junit_parser(failing_run: dict[str, Any]) -> None:
    xml = junitparser.JUnitXml.fromstring(failing_run["junit"].encode("utf-8"))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {"ca-bundle 1.0.0", "gated-app 1.0.0", "environment"}
    gated = {case.name: case for case in suites["gated-app 1.0.0"]}
    # One test case per check that ran, as the JSON report of the same run lists them.
    [checks] = [
        d["checks"]
        for d in json.loads(failing_run["json"])["distributions"]
        if d["name"] == "gated-app"
    ]
    assert list(gated) == checks
    assert {"environment", "integrity", "structure", "dependencies"} <= set(checks)
    assert gated["environment"].is_passed and gated["dependencies"].is_passed
    [integrity] = gated["integrity"].result
    assert isinstance(integrity, junitparser.Failure)
    assert integrity.type == "ISP301"
    assert integrity.message.startswith("ISP301 gated_app/core.py: ")
    [structure] = gated["structure"].result
    assert isinstance(structure, junitparser.Failure)
    assert structure.type == "ISP201"  # the error; the ISP202 warning does not fail the case
    assert "ISP202 warning gated_app.core:injected" in (gated["structure"].system_out or "")
    assert all(case.is_passed for case in suites["ca-bundle 1.0.0"])
    assert suites["gated-app 1.0.0"].failures == 2
    assert suites["gated-app 1.0.0"].tests == len(checks)
    [unowned] = list(suites["environment"])
    assert [r.type for r in unowned.result] == ["ISP307"]


def test_github_annotations_of_a_real_failing_run_line_by_line(
    failing_run: dict[str, Any],
) -> None:
    lines = failing_run["github"].splitlines()
    *annotations, summary = lines
    assert summary.startswith("importspy: ") and summary.endswith(": violations found")
    parsed = []
    for line in annotations:
        match = GITHUB_LINE.fullmatch(line)
        assert match, line
        parsed.append(match)
    site = failing_run["target"].site_packages.relative_to(failing_run["checkout"]).as_posix()
    assert [(m["command"], m["title"].split()[0], m["file"], m["line"]) for m in parsed] == [
        # Errors first, then warnings; within each, by distribution, file, object and code.
        ("error", "ISP307", f"{site}/zz_evil.pth", None),
        ("error", "ISP301", f"{site}/gated_app/core.py", None),
        ("error", "ISP201", f"{site}/gated_app/core.py", None),
        ("warning", "ISP202", f"{site}/gated_app/core.py", "8"),
        ("warning", "ISP308", f"{site}/plain_lib-hook.pth", None),
    ]
    assert parsed[2]["message"].startswith("gated-app 1.0.0: gated_app.core:stop: ")
    assert parsed[2]["title"] == "ISP201 object missing"


# --------------------------------------------------------------------------------- usage


def test_console_script_is_python_m_importspy(
    verifier: Verifier, app_venv: Venv, tmp_path: Path
) -> None:
    """``hatch-importspy``, the name ``uvx``/``pipx`` start, runs the same command."""
    script = verifier.venv.python.parent / (
        "hatch-importspy.exe" if os.name == "nt" else "hatch-importspy"
    )
    args = ["verify", "--python", str(app_venv.python), "--format", "json"]
    as_module = verifier.run(app_venv, *args)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    as_script = subprocess.run(
        [str(script), *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (as_script.returncode, as_script.stderr) == (as_module.returncode, "")
    assert as_script.stdout == as_module.stdout


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (("--format", "json", "--format", "sarif"), "--format json and --format sarif cannot all"),
        (("--output-sarif", "{d}/a", "--output-json", "{d}/a"), "both name"),
        (("--format", "sarif", "--output-sarif", "{d}/s", "--output", "{d}/o"), "--output {d}/o"),
        (("--path", "{d}/absent"), "--path {d}/absent: not a directory"),
        (("--python", "{d}/absent/python"), "--python {d}/absent/python: cannot run"),
        (("{d}/x-1.0-py3-none-any.whl", "--lock", "{d}/x.lock"), "--lock {d}/x.lock: a lock"),
    ],
)
def test_unusable_gate_options(
    verifier: Verifier, tmp_path: Path, args: tuple[str, ...], mentions: str
) -> None:
    line = verifier.unusable(None, "verify", *(arg.format(d=tmp_path) for arg in args))
    assert mentions.format(d=tmp_path) in line
    assert list(tmp_path.iterdir()) == []  # refused before anything was written


def test_lock_python_and_path_are_exclusive(verifier: Verifier, app_venv: Venv) -> None:
    line = verifier.unusable(
        app_venv, "lock", "--python", str(app_venv.python), "--path", str(app_venv.site_packages)
    )
    assert "argument --path: not allowed with argument --python" in line
