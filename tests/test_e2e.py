"""End to end: real wheels built with the real hook, real virtual environments, the real CLI.

Every scenario builds fixture projects with ``python -m build --no-isolation`` (the ``importspy``
hook found through its entry point), installs the wheels together with the hatch-importspy wheel
into a virtual environment, changes a *copy* of that environment the way an attacker or an
accident would, and runs ``python -m importspy verify --format json`` there in a subprocess.  The
assertions are the exact findings: codes and the object path (or file) of each.

Every run also snapshots the whole environment before and after: ``verify`` must leave it
byte-for-byte and file-for-file as it found it (no ``__pycache__``, nothing new, nothing touched).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from hatch_importspy.facts import normalise_machine
from hatch_importspy.formats import manifest
from hatch_importspy.report.json import JSON_SCHEMA
from tests.helpers.builds import ProjectFactory, iter_wheel
from tests.helpers.venvs import RunCli, Venv, VenvFactory

pytestmark = pytest.mark.e2e

API = '''\
"""The API whose installed copy the tests tamper with."""

from __future__ import annotations

LIMIT: int = 10


def greet(name: str, punctuation: str = "!") -> str:
    return f"Hello, {name}{punctuation}"


def pair(first: int, second: str) -> str:
    return f"{first}{second}"


def removable(value: int) -> int:
    return value


class Widget:
    size: int = 1

    def __init__(self, label: str) -> None:
        self.label = label

    def render(self, width: int = 80) -> str:
        return self.label.center(width)

    def removable_method(self) -> None:
        return None
'''

FIXTURE_FILES: dict[str, str | bytes] = {
    "spyfix/__init__.py": '"""Fixture package of the end-to-end tests."""\n',
    "spyfix/api.py": API,
    "spyfix/extra.py": "def helper() -> int:\n    return 1\n",
    "spyfix/data/table.json": '{"rows": []}\n',
}
"""The main fixture distribution, ``spyfix 1.0.0``."""

INSTALLED_API = "spyfix/api.py"
MANIFEST = "spyfix-1.0.0.dist-info/extra_metadata/importspy.yaml"
REQUIRED_VARIABLE = "IMPORTSPY_E2E_REQUIRED_VARIABLE"

Place = tuple[str, str]
"""``(code, object path or file)`` of one finding: what the scenarios assert."""


# --------------------------------------------------------------------------------- helpers


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every directory and file under ``root`` with its size and modification time."""
    state: dict[str, tuple[int, int]] = {}
    for directory, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(directory, name)
            info = path.lstat()
            state[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns)
    return state


@dataclass(frozen=True)
class Outcome:
    """One ``verify --format json`` run: its exit status and its parsed report."""

    returncode: int
    report: dict[str, Any]

    @property
    def places(self) -> list[Place]:
        """Every finding as ``(code, object or file)``, in report order."""
        findings = [f for d in self.report["distributions"] for f in d["findings"]]
        findings += self.report["environment_findings"]
        return [(f["code"], f["object"] or f["file"] or "") for f in findings]

    def findings(self, code: str) -> list[dict[str, Any]]:
        return [f for d in self.report["distributions"] for f in d["findings"] if f["code"] == code]


@dataclass(frozen=True)
class Cli:
    """Runs the CLI of one environment and checks what every run must hold."""

    run_cli: RunCli

    def run(
        self, venv: Venv, *args: str, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        before = snapshot(venv.root)
        completed = self.run_cli(venv.python, *args, env=env)
        assert snapshot(venv.root) == before, "the CLI changed the environment it checked"
        assert "Traceback" not in completed.stderr, completed.stderr
        return completed

    def verify(self, venv: Venv, *targets: str, env: Mapping[str, str] | None = None) -> Outcome:
        completed = self.run(venv, "verify", "--format", "json", *targets, env=env)
        assert completed.returncode in (0, 1), completed.stderr
        report = json.loads(completed.stdout)
        jsonschema.validate(report, JSON_SCHEMA)
        assert report["summary"]["exit_code"] == completed.returncode
        return Outcome(completed.returncode, report)

    def unusable(self, venv: Venv, *args: str) -> str:
        """Run a command that must fail with exit 2 and one line on stderr; return the line."""
        completed = self.run(venv, *args)
        assert completed.returncode == 2, completed.stdout + completed.stderr
        assert completed.stdout == ""
        assert completed.stderr.count("\n") == 1 and completed.stderr.endswith("\n")
        return completed.stderr.strip()


def copy_venv(venv: Venv, destination: Path) -> Venv:
    """A private copy of an environment, so a scenario's tampering cannot leak into another."""
    root = destination / "venv"
    shutil.copytree(venv.root, root, symlinks=True)
    return Venv(
        root=root,
        python=root / venv.python.relative_to(venv.root),
        site_packages=root / venv.site_packages.relative_to(venv.root),
    )


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not found once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def remove_lines(path: Path, first: str, count: int) -> None:
    """Remove ``count`` lines starting at the one that begins with ``first`` (indent included)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    del lines[start : start + count]
    path.write_text("".join(lines), encoding="utf-8")


def repack(wheel: Path, destination: Path, changes: Mapping[str, bytes | None]) -> Path:
    """Rewrite a wheel with members changed, added or (``None``) removed, RECORD made to match.

    This is what a compromised release pipeline does: every RECORD hash is correct, only the
    embedded manifest still tells what the hook saw at build time.
    """
    import base64
    import csv
    import hashlib
    import io

    members = dict(iter_wheel(wheel))
    members.update({name: data for name, data in changes.items() if data is not None})
    for name, data in changes.items():
        if data is None:
            del members[name]
    record_name = next(name for name in members if name.endswith(".dist-info/RECORD"))
    rows = []
    for name, data in members.items():
        if name != record_name:
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            rows.append((name, f"sha256={digest.decode()}", str(len(data))))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([*rows, (record_name, "", "")])
    members[record_name] = buffer.getvalue().encode()
    target = destination / wheel.name
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def other_than(current: str, *candidates: str) -> str:
    """The first candidate that is not the current machine's value."""
    return next(candidate for candidate in candidates if candidate != current)


# --------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def cli(run_cli: RunCli) -> Cli:
    return Cli(run_cli)


@pytest.fixture(scope="session")
def spyfix_wheel(project_factory: ProjectFactory, build_wheel: Callable[..., Path]) -> Path:
    return build_wheel(project_factory(FIXTURE_FILES, name="spyfix", options={}))


@pytest.fixture(scope="session")
def base_venv(venv_factory: VenvFactory, spyfix_wheel: Path) -> Venv:
    """hatch-importspy and ``spyfix`` installed; never changed (tests change copies)."""
    return venv_factory("base", wheels=[spyfix_wheel])


@pytest.fixture
def venv(base_venv: Venv, tmp_path: Path) -> Venv:
    """A private copy of :func:`base_venv` for one scenario to tamper with."""
    return copy_venv(base_venv, tmp_path)


@pytest.fixture(scope="session")
def dependency_wheels(
    project_factory: ProjectFactory, build_wheel: Callable[..., Path]
) -> dict[str, Path]:
    """``consumer`` (requires ``spyfix-dep>=2.0``) and ``spyfix-dep`` 1.0.0 and 2.0.0."""
    wheels = {
        f"dep-{version}": build_wheel(
            project_factory(
                {"spyfix_dep/__init__.py": f"VERSION = {version!r}\n"},
                name="spyfix-dep",
                version=version,
                options={},
            )
        )
        for version in ("1.0.0", "2.0.0")
    }
    wheels["consumer"] = build_wheel(
        project_factory(
            {"spyfix_consumer/__init__.py": "import spyfix_dep\n"},
            name="spyfix-consumer",
            options={},
            dependencies=["spyfix-dep>=2.0", "never-installed-dist; python_version < '3.0'"],
        )
    )
    return wheels


# --------------------------------------------------------------------------------- clean


def test_clean_install_is_compliant(cli: Cli, base_venv: Venv) -> None:
    outcome = cli.verify(base_venv)
    assert outcome.returncode == 0
    assert outcome.places == []
    verifier, spyfix = outcome.report["distributions"]
    # The verifier's own wheel carries a manifest too (its build runs its own hook).
    assert (verifier["name"], verifier["has_manifest"], verifier["findings"]) == (
        "hatch-importspy",
        True,
        [],
    )
    assert (spyfix["name"], spyfix["version"], spyfix["has_manifest"]) == ("spyfix", "1.0.0", True)
    assert spyfix["source"] == str(base_venv.site_packages / "spyfix-1.0.0.dist-info")
    assert set(spyfix["checks"]) == {"environment", "integrity", "structure", "dependencies"}


def test_clean_install_text_report(cli: Cli, base_venv: Venv) -> None:
    completed = cli.run(base_venv, "verify", "spyfix")
    assert completed.returncode == 0
    assert completed.stdout.splitlines() == [
        f"spyfix 1.0.0 ({base_venv.site_packages / 'spyfix-1.0.0.dist-info'})",
        "  ok (checked: environment, integrity, structure, dependencies)",
        "1 distribution checked (1 with a manifest): 0 errors, 0 warnings, 0 notes: compliant",
    ]


def test_verify_writes_no_bytecode_where_none_was_compiled(cli: Cli, venv: Venv) -> None:
    """As after ``pip install --no-compile``: running verify must not create ``__pycache__``."""
    for cache in sorted(venv.site_packages.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache)
    outcome = cli.verify(venv)  # the snapshot around the run proves nothing was written
    assert outcome.returncode == 0
    assert not list(venv.site_packages.rglob("__pycache__"))


# --------------------------------------------------------------------------------- structure


def test_removed_function(cli: Cli, venv: Venv) -> None:
    remove_lines(venv.site_packages / INSTALLED_API, "def removable(", 3)
    outcome = cli.verify(venv)
    assert outcome.returncode == 1
    assert outcome.places == [("ISP301", INSTALLED_API), ("ISP201", "spyfix.api:removable")]


def test_removed_method(cli: Cli, venv: Venv) -> None:
    remove_lines(venv.site_packages / INSTALLED_API, "    def removable_method(", 3)
    outcome = cli.verify(venv)
    assert outcome.returncode == 1
    assert outcome.places == [
        ("ISP301", INSTALLED_API),
        ("ISP201", "spyfix.api:Widget.removable_method"),
    ]


GREET = 'def greet(name: str, punctuation: str = "!") -> str:'
PAIR = "def pair(first: int, second: str) -> str:"

SIGNATURE_CHANGES = {
    "parameter removed": (GREET, "def greet(name: str) -> str:", "ISP203", "greet"),
    "parameter added": (
        GREET,
        'def greet(name: str, punctuation: str = "!", times: int = 1) -> str:',
        "ISP203",
        "greet",
    ),
    "parameter renamed": (
        GREET,
        'def greet(person: str, punctuation: str = "!") -> str:',
        "ISP203",
        "greet",
    ),
    "parameters reordered": (PAIR, "def pair(second: str, first: int) -> str:", "ISP203", "pair"),
    "parameter kind changed": (
        GREET,
        'def greet(name: str, *, punctuation: str = "!") -> str:',
        "ISP203",
        "greet",
    ),
    "default removed": (
        GREET,
        "def greet(name: str, punctuation: str) -> str:",
        "ISP203",
        "greet",
    ),
    "default added": (
        GREET,
        'def greet(name: str = "world", punctuation: str = "!") -> str:',
        "ISP203",
        "greet",
    ),
    "annotation changed": (
        GREET,
        'def greet(name: bytes, punctuation: str = "!") -> str:',
        "ISP204",
        "greet",
    ),
    "return annotation changed": (
        GREET,
        'def greet(name: str, punctuation: str = "!") -> bytes:',
        "ISP204",
        "greet",
    ),
}


@pytest.mark.parametrize(
    ("old", "new", "code", "function"), SIGNATURE_CHANGES.values(), ids=SIGNATURE_CHANGES.keys()
)
def test_changed_signature(
    cli: Cli, venv: Venv, old: str, new: str, code: str, function: str
) -> None:
    replace_in(venv.site_packages / INSTALLED_API, old, new)
    outcome = cli.verify(venv)
    assert outcome.returncode == 1
    assert outcome.places == [("ISP301", INSTALLED_API), (code, f"spyfix.api:{function}")]
    [finding] = outcome.findings(code)
    assert finding["module"] == "spyfix.api"
    assert finding["expected"] != finding["found"]


def test_body_only_edit_is_integrity_not_structure(cli: Cli, venv: Venv) -> None:
    replace_in(venv.site_packages / INSTALLED_API, "    return value\n", "    return -value\n")
    outcome = cli.verify(venv)
    assert outcome.returncode == 1
    assert outcome.places == [("ISP301", INSTALLED_API)]


def test_unparseable_installed_module(cli: Cli, venv: Venv) -> None:
    (venv.site_packages / INSTALLED_API).write_text("def broken(:\n    pass\n", encoding="utf-8")
    outcome = cli.verify(venv)
    assert outcome.returncode == 1
    assert outcome.places == [("ISP301", INSTALLED_API), ("ISP208", "spyfix.api")]


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX")
def test_fifos_and_devices_planted_in_the_install_are_reported_not_waited_on(
    cli: Cli, venv: Venv
) -> None:
    module = venv.site_packages / INSTALLED_API
    module.unlink()
    os.mkfifo(module)  # a blocking read would wait for a writer forever
    data = venv.site_packages / "spyfix/data/table.json"
    data.unlink()
    data.symlink_to("/dev/zero")  # an unchecked read would never end
    (record,) = venv.site_packages.glob("spyfix-*.dist-info/RECORD")
    record.unlink()
    os.mkfifo(record)
    outcome = cli.verify(venv)
    assert outcome.returncode == 1
    assert sorted(outcome.places) == sorted(
        [
            ("ISP301", "spyfix/data/table.json"),
            ("ISP301", INSTALLED_API),
            ("ISP310", f"{record.parent.name}/RECORD"),
            ("ISP314", "spyfix/__init__.py"),  # an unreadable RECORD owns nothing
            ("ISP343", "spyfix/data/table.json"),  # and the link itself leaves site-packages
        ]
    )
    (unreadable,) = [f for f in outcome.findings("ISP301") if f["file"].endswith(".json")]
    assert unreadable["message"] == "cannot be read"
    (broken_record,) = outcome.findings("ISP310")
    assert broken_record["message"].endswith("RECORD: cannot read: not a regular file")


# --------------------------------------------------------------------------------- integrity


def test_deleted_files(cli: Cli, venv: Venv) -> None:
    (venv.site_packages / "spyfix/extra.py").unlink()
    (venv.site_packages / "spyfix/data/table.json").unlink()
    outcome = cli.verify(venv)
    assert outcome.returncode == 1
    assert outcome.places == [
        ("ISP302", "spyfix/data/table.json"),
        ("ISP302", "spyfix/extra.py"),
    ]


def test_added_files_in_package_directories(cli: Cli, venv: Venv) -> None:
    (venv.site_packages / "spyfix/injected.py").write_text("import os\n", encoding="utf-8")
    (venv.site_packages / "spyfix/data/payload.bin").write_bytes(b"\x00payload")
    outcome = cli.verify(venv)
    assert outcome.returncode == 1
    assert outcome.places == [
        ("ISP303", "spyfix/data/payload.bin"),
        ("ISP303", "spyfix/injected.py"),
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [("zz-payload.pth", "import os; os.environ.setdefault('X', '1')\n"), ("sitecustomize.py", "")],
)
def test_unowned_startup_code(cli: Cli, venv: Venv, name: str, content: str) -> None:
    (venv.site_packages / name).write_text(content, encoding="utf-8")
    # A .pth of plain path lines executes nothing: it is not startup code.
    (venv.site_packages / "paths.pth").write_text("# a comment\n/nonexistent/dir\n")
    outcome = cli.verify(venv)
    assert outcome.returncode == 1
    assert outcome.places == [("ISP307", name)]
    assert outcome.report["distributions"][0]["findings"] == []


def test_startup_code_of_a_distribution_without_manifest_is_a_warning(
    cli: Cli,
    venv: Venv,
    project_factory: ProjectFactory,
    build_wheel: Callable[..., Path],
) -> None:
    project = project_factory(
        {"plainpkg/__init__.py": "", "plainpkg-hook.pth": "import plainpkg\n"},
        name="plainpkg",
        options=None,
        extra_toml='[tool.hatch.build.targets.wheel.force-include]\n"plainpkg-hook.pth" = '
        '"plainpkg-hook.pth"\n',
    )
    venv.install(build_wheel(project))
    outcome = cli.verify(venv)
    assert outcome.returncode == 0
    assert outcome.places == [("ISP308", "plainpkg-hook.pth")]
    strict = cli.run(venv, "verify", "--strict")
    assert strict.returncode == 1
    assert "ISP308 warning plainpkg-hook.pth" in strict.stdout


@pytest.mark.parametrize(
    "content",
    [b"{not a manifest", b'{"schema": "99", "name": "spyfix", "version": "1.0.0"}\n'],
    ids=["garbage", "unknown schema"],
)
def test_corrupted_manifest(cli: Cli, venv: Venv, content: bytes) -> None:
    (venv.site_packages / MANIFEST).write_bytes(content)
    outcome = cli.verify(venv)
    assert outcome.returncode == 1
    assert [code for code, _ in outcome.places] == ["ISP309"]
    line = cli.unusable(venv, "show", "spyfix")
    assert "importspy.yaml" in line


# --------------------------------------------------------------------------------- dependencies


def test_dependency_missing(cli: Cli, venv: Venv, dependency_wheels: dict[str, Path]) -> None:
    venv.install(dependency_wheels["consumer"])
    outcome = cli.verify(venv, "spyfix-consumer")
    assert outcome.returncode == 1
    assert [code for code, _ in outcome.places] == ["ISP401"]
    [finding] = outcome.findings("ISP401")
    assert "spyfix-dep" in finding["message"]
    assert "never-installed-dist" not in json.dumps(outcome.report)


def test_dependency_out_of_range(cli: Cli, venv: Venv, dependency_wheels: dict[str, Path]) -> None:
    venv.install(dependency_wheels["consumer"], dependency_wheels["dep-1.0.0"])
    outcome = cli.verify(venv)
    assert outcome.returncode == 1
    assert [code for code, _ in outcome.places] == ["ISP402"]
    [finding] = outcome.findings("ISP402")
    assert finding["distribution"] == "spyfix-consumer"
    assert "1.0.0" in (finding["found"] or "")
    assert ">=2.0" in (finding["expected"] or "")


def test_dependency_in_range(cli: Cli, venv: Venv, dependency_wheels: dict[str, Path]) -> None:
    venv.install(dependency_wheels["consumer"], dependency_wheels["dep-2.0.0"])
    outcome = cli.verify(venv)
    assert outcome.returncode == 0
    assert outcome.places == []
    names = [d["name"] for d in outcome.report["distributions"]]
    assert names == ["hatch-importspy", "spyfix", "spyfix-consumer", "spyfix-dep"]


# --------------------------------------------------------------------------------- environment


def test_each_environment_constraint(
    cli: Cli,
    venv: Venv,
    project_factory: ProjectFactory,
    build_wheel: Callable[..., Path],
) -> None:
    """A package built for somewhere else: every constraint the test machine cannot meet."""
    options = {
        "python": "<3.0",
        "platforms": [other_than(sys.platform, "aix", "cygwin")],
        "machines": [other_than(normalise_machine(platform.machine()), "s390x", "riscv64")],
        "implementations": [other_than(sys.implementation.name, "graalpy", "ironpython")],
        "env": [REQUIRED_VARIABLE],
    }
    project = project_factory({"elsewhere/__init__.py": ""}, name="elsewhere", options=options)
    venv.install(build_wheel(project))
    outcome = cli.verify(venv, "elsewhere")
    assert outcome.returncode == 1
    assert [code for code, _ in outcome.places] == [
        "ISP101",
        "ISP102",
        "ISP103",
        "ISP104",
        "ISP105",
    ]
    [missing] = outcome.findings("ISP105")
    assert REQUIRED_VARIABLE in missing["message"]

    secret = "s3cr3t-value-never-printed"
    with_variable = cli.run(venv, "verify", "elsewhere", env={REQUIRED_VARIABLE: secret})
    assert with_variable.returncode == 1
    assert "ISP105" not in with_variable.stdout
    assert secret not in with_variable.stdout + with_variable.stderr


# --------------------------------------------------------------------------------- wheels, show


def test_verify_a_wheel(cli: Cli, base_venv: Venv, spyfix_wheel: Path) -> None:
    outcome = cli.verify(base_venv, str(spyfix_wheel))
    assert outcome.returncode == 0
    assert outcome.places == []
    [spyfix] = outcome.report["distributions"]
    assert (spyfix["name"], spyfix["source"]) == ("spyfix", str(spyfix_wheel))


def test_verify_a_repacked_wheel(
    cli: Cli, base_venv: Venv, spyfix_wheel: Path, tmp_path: Path
) -> None:
    """A wheel changed after it was built, every RECORD hash correct: the manifest still tells."""
    api = API.replace("def removable(value: int) -> int:\n    return value\n", "")
    wheel = repack(
        spyfix_wheel,
        tmp_path,
        {INSTALLED_API: api.encode(), "spyfix-init.pth": b"import spyfix\n"},
    )
    outcome = cli.verify(base_venv, str(wheel))
    assert outcome.returncode == 1
    assert outcome.places == [
        ("ISP304", "spyfix-init.pth"),
        ("ISP301", INSTALLED_API),
        ("ISP306", INSTALLED_API),  # RECORD was rewritten to match: it disagrees with the manifest
        ("ISP201", "spyfix.api:removable"),
    ]


def test_verify_installed_names_and_wheels_together(
    cli: Cli, base_venv: Venv, spyfix_wheel: Path
) -> None:
    outcome = cli.verify(base_venv, "spyfix", str(spyfix_wheel))
    assert outcome.returncode == 0
    sources = sorted(d["source"] for d in outcome.report["distributions"])
    assert sources == sorted(
        [str(spyfix_wheel), str(base_venv.site_packages / "spyfix-1.0.0.dist-info")]
    )


def test_named_targets(cli: Cli, base_venv: Venv) -> None:
    """Any spelling of a name selects it; a distribution without a manifest is a finding."""
    outcome = cli.verify(base_venv, "SpyFix", "pyYAML")
    assert outcome.returncode == 1
    assert [(d["name"], d["has_manifest"]) for d in outcome.report["distributions"]] == [
        ("PyYAML", False),
        ("spyfix", True),
    ]
    assert outcome.places == [("ISP309", "")]
    assert outcome.findings("ISP309")[0]["distribution"] == "PyYAML"


def embedded_manifest(wheel: Path) -> str:
    return dict(iter_wheel(wheel))[MANIFEST].decode("utf-8")


@pytest.mark.parametrize("installed", [True, False], ids=["installed", "wheel"])
def test_show(cli: Cli, base_venv: Venv, spyfix_wheel: Path, installed: bool) -> None:
    target = "spyfix" if installed else str(spyfix_wheel)
    embedded = embedded_manifest(spyfix_wheel)
    as_yaml = cli.run(base_venv, "show", target)
    assert as_yaml.returncode == 0, as_yaml.stderr
    assert manifest.loads(as_yaml.stdout, "show") == manifest.loads(embedded, "wheel")
    # Block YAML for people, every module's structure spelled out.
    assert as_yaml.stdout.startswith("entry_points: {}\nenvironment:")  # sorted keys, block style
    [api] = [m for m in yaml.safe_load(as_yaml.stdout)["modules"] if m["name"] == "spyfix.api"]
    assert [f["name"] for f in api["functions"]] == ["greet", "pair", "removable"]
    as_json = cli.run(base_venv, "show", target, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    # One JSON document (jq and json.load read it), the same manifest as embedded.
    assert json.loads(as_json.stdout)["name"] == "spyfix"
    assert manifest.loads(as_json.stdout, "show") == manifest.loads(embedded, "wheel")


def test_output_file(cli: Cli, base_venv: Venv, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    completed = cli.run(base_venv, "verify", "--format", "json", "--output", str(report))
    assert (completed.returncode, completed.stdout) == (0, "")
    assert json.loads(report.read_text(encoding="utf-8"))["summary"]["compliant"] is True


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (("verify", "no-such-distribution"), "no-such-distribution"),
        (("verify", "/nonexistent/absent-1.0-py3-none-any.whl"), "absent-1.0-py3-none-any.whl"),
        (("show", "no-such-distribution"), "no-such-distribution"),
        (("verify", "--format", "xml"), "--format"),
        (("frobnicate",), "frobnicate"),
    ],
)
def test_unusable_targets_and_options(
    cli: Cli, base_venv: Venv, args: tuple[str, ...], mentions: str
) -> None:
    assert mentions in cli.unusable(base_venv, *args)


# --------------------------------------------------------------------------------- the example


def test_demo_project_tampering_is_caught(
    cli: Cli, venv_factory: VenvFactory, demo_wheel: Path
) -> None:
    """What ``scripts/demo.sh`` shows, offline: clean, then a function removed and a .pth added."""
    demo = venv_factory("demo", wheels=[demo_wheel])
    assert cli.verify(demo).places == []
    pricing = demo.site_packages / "acme_inventory/pricing.py"
    remove_lines(pricing, "async def quote_later(", 8)
    (demo.site_packages / "zz_demo_payload.pth").write_text("import os\n", encoding="utf-8")
    outcome = cli.verify(demo)
    assert outcome.returncode == 1
    assert outcome.places == [
        ("ISP301", "acme_inventory/pricing.py"),
        ("ISP201", "acme_inventory.pricing:quote_later"),
        ("ISP307", "zz_demo_payload.pth"),
    ]


# --------------------------------------------------------------------------------- coexistence


def importspy_package(venv: Venv) -> str:
    """Where ``import importspy`` comes from in ``venv``: a file, or ``namespace``."""
    completed = subprocess.run(
        [
            str(venv.python),
            "-c",
            "import importspy; print(getattr(importspy, '__file__', None) or 'namespace')",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=venv.root,
    )
    return completed.stdout.strip()


def test_python_m_importspy_alone_is_a_namespace_package(cli: Cli, base_venv: Venv) -> None:
    assert importspy_package(base_venv) == "namespace"
    assert not (base_venv.site_packages / "importspy" / "__init__.py").exists()
    assert cli.verify(base_venv).returncode == 0


@pytest.fixture
def pypi_importspy(venv: Venv, tmp_path: Path) -> Iterator[Venv]:
    """A copy of the base environment with the unrelated ``importspy==0.5.0`` from PyPI added."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    quick = ["--retries", "1", "--timeout", "20", "--no-deps", "--dest", str(tmp_path / "probe")]
    probe = subprocess.run(
        [*pip, "download", *quick, "importspy==0.5.0"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"the package index is unreachable, importspy==0.5.0 not fetched: {last}")
    install = subprocess.run(
        [*pip, "--python", str(venv.python), "install", "-q", "importspy==0.5.0"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    yield venv


def test_python_m_importspy_next_to_the_importspy_library(cli: Cli, pypi_importspy: Venv) -> None:
    package = importspy_package(pypi_importspy)
    assert package == str(pypi_importspy.site_packages / "importspy" / "__init__.py")
    outcome = cli.verify(pypi_importspy, "spyfix")
    assert outcome.returncode == 0
    assert outcome.places == []
    version = cli.run(pypi_importspy, "--version")
    assert version.stdout.startswith("hatch-importspy ")
