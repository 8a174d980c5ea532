"""verify_installed / verify_wheels / load_model on hand-made site directories and wheels.

Each test installs one fake distribution whose manifest matches its files, changes exactly one
thing, and asserts the exact findings.  The real hook and CLI are covered by the e2e tests.
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path
from typing import Any

import pytest

import hatch_importspy.describe.extract as extract_module
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.findings import Finding
from hatch_importspy.formats.manifest import dumps
from hatch_importspy.model import EnvironmentConstraints, SpyModel
from hatch_importspy.results import (
    NOTICE_NO_FACTS,
    NOTICE_NO_MANIFEST,
    NOTICE_NO_MARKERS,
    NOTICE_WHEEL_DEPENDENCIES,
    DistributionResult,
    VerifyResult,
)
from hatch_importspy.verify.installed import default_site_dirs
from hatch_importspy.verify.targets import load_model
from hatch_importspy.verify.verifier import verify_installed
from hatch_importspy.verify.wheels import verify_wheels
from tests.helpers.fakedist import LINUX_FACTS as FACTS
from tests.helpers.fakedist import install, make_wheel, model_for, record_hash, sha

CORE = b"def greet(name: str, *, loud: bool = False) -> str:\n    return name\n"
FILES = {
    "demo/__init__.py": b"from .core import greet\n",
    "demo/core.py": CORE,
    "demo/data.json": b"{}\n",
}
ALL_CHECKS = ("environment", "integrity", "structure", "dependencies")


def demo_model(**changes: Any) -> SpyModel:
    return dataclasses.replace(model_for("demo", "1.0", FILES), **changes)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site directory holding the clean ``demo`` distribution."""
    directory = tmp_path / "site-packages"
    directory.mkdir()
    install(directory, "demo", "1.0", FILES, manifest=demo_model())
    return directory


def only(result: VerifyResult) -> DistributionResult:
    (distribution,) = result.distributions
    return distribution


def codes(result: VerifyResult) -> list[tuple[str, str | None]]:
    return [(f.code, f.object or f.file) for f in result.findings()]


# --------------------------------------------------------------------------- installed


def test_clean_install_has_no_findings(site: Path) -> None:
    result = verify_installed([site], [], FACTS)
    assert result.findings() == ()
    assert result.notices == ()
    assert only(result) == DistributionResult(
        "demo", "1.0", str(site / "demo-1.0.dist-info"), True, (), ALL_CHECKS
    )


def test_unchanged_files_are_never_parsed(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed a file whose digest matched")

    # The verifier imports the extractor only when a digest differs; patch it where it lives.
    monkeypatch.setattr(extract_module, "extract_structure", refuse)
    assert verify_installed([site], ["demo"], FACTS).findings() == ()


def test_body_only_edit_is_integrity_only(site: Path) -> None:
    edited = CORE.replace(b"return name", b"return name.upper()")
    (site / "demo/core.py").write_bytes(edited)
    assert verify_installed([site], [], FACTS).findings() == (
        Finding(
            "ISP301",
            "demo",
            "modified since the build",
            module="demo.core",
            file="demo/core.py",
            expected=sha(CORE),
            found=sha(edited),
        ),
    )


def test_signature_change_is_integrity_and_structure(site: Path) -> None:
    (site / "demo/core.py").write_bytes(b"def greet(name: str, *, loud: bool) -> str: ...\n")
    result = verify_installed([site], [], FACTS)
    assert codes(result) == [("ISP301", "demo/core.py"), ("ISP203", "demo.core:greet")]
    structural = result.findings()[1]
    assert (structural.message, structural.expected, structural.found, structural.line) == (
        "parameter 'loud' of greet lost its default",
        "loud: bool = False (keyword-only)",
        "loud: bool (keyword-only)",
        1,
    )


def test_removed_function(site: Path) -> None:
    (site / "demo/core.py").write_bytes(b"X = 1\n")
    assert codes(verify_installed([site], [], FACTS)) == [
        ("ISP301", "demo/core.py"),
        ("ISP202", "demo.core:X"),
        ("ISP201", "demo.core:greet"),
    ]


def test_unparseable_installed_module(site: Path) -> None:
    (site / "demo/core.py").write_bytes(b"def greet(:\n")
    result = verify_installed([site], [], FACTS)
    assert codes(result) == [("ISP301", "demo/core.py"), ("ISP208", "demo.core")]
    parse = result.findings()[1]
    assert parse.file == "demo/core.py"
    assert parse.found is not None and parse.found.startswith("line 1: ")


def test_deleted_file(site: Path) -> None:
    (site / "demo/data.json").unlink()
    assert verify_installed([site], [], FACTS).findings() == (
        Finding(
            "ISP302",
            "demo",
            "demo/data.json is missing",
            file="demo/data.json",
            expected=sha(FILES["demo/data.json"]),
        ),
    )


def test_added_files_in_the_package_directory(site: Path) -> None:
    (site / "demo/extra.py").write_bytes(b"import os\n")
    (site / "demo/__pycache__").mkdir()
    (site / "demo/__pycache__/core.cpython-311.pyc").write_bytes(b"compiled")
    (site / "demo/__pycache__/extra.cpython-311.pyc").write_bytes(b"compiled")
    (site / "unrelated.py").write_bytes(b"")  # outside demo's directories: ISP314, not ISP303
    assert codes(verify_installed([site], [], FACTS)) == [
        ("ISP314", "unrelated.py"),
        ("ISP303", "demo/__pycache__/extra.cpython-311.pyc"),
        ("ISP303", "demo/extra.py"),
    ]


def test_file_owned_by_another_distribution_is_not_added(site: Path) -> None:
    install(site, "plugin", "1.0", {"demo/plugins/x.py": b""})
    assert verify_installed([site], ["demo"], FACTS).findings() == ()


def test_repacked_wheel_with_a_recorded_pth(tmp_path: Path) -> None:
    """RECORD vouches for a .pth (correct hash) that the manifest never saw."""
    payload = b"import os; os.system('x')\n"
    install(tmp_path, "demo", "1.0", {**FILES, "demo_boot.pth": payload}, manifest=demo_model())
    result = verify_installed([tmp_path], [], FACTS)
    assert result.findings() == (
        Finding(
            "ISP304",
            "demo",
            "demo_boot.pth is in RECORD but not in the manifest",
            file="demo_boot.pth",
            found=sha(payload),
        ),
    )
    assert result.environment_findings == ()  # owned by a manifest-bearing distribution


def test_record_disagreements(tmp_path: Path) -> None:
    info = install(tmp_path, "demo", "1.0", FILES, manifest=demo_model())
    rows = (info / "RECORD").read_text().splitlines()
    rows = [row for row in rows if not row.startswith("demo/data.json,")]
    rows = [
        f"demo/core.py,{record_hash(b'other')},5" if row.startswith("demo/core.py,") else row
        for row in rows
    ]
    (info / "RECORD").write_text("\n".join(rows) + "\n")
    assert codes(verify_installed([tmp_path], [], FACTS)) == [
        ("ISP306", "demo/core.py"),
        ("ISP305", "demo/data.json"),  # vouched for by the manifest, so not also ISP303
    ]


def test_missing_record(tmp_path: Path) -> None:
    install(tmp_path, "demo", "1.0", FILES, manifest=demo_model(), record=False)
    result = verify_installed([tmp_path], [], FACTS)
    assert only(result).findings == (
        Finding(
            "ISP310",
            "demo",
            "demo-1.0.dist-info/RECORD is missing",
            file="demo-1.0.dist-info/RECORD",
        ),
    )
    # Nothing lists its package either: that is top-level code nobody installed.
    assert [(f.code, f.file) for f in result.environment_findings] == [
        ("ISP314", "demo/__init__.py")
    ]


def test_corrupted_manifest(tmp_path: Path) -> None:
    install(tmp_path, "demo", "1.0", FILES, manifest=b"{not: [valid")
    install(
        tmp_path,
        "other",
        "2.0",
        {"other.py": b""},
        manifest=model_for("other", "2.0", {"other.py": b""}),
    )
    result = verify_installed([tmp_path], [], FACTS)
    demo, other = result.distributions
    (finding,) = demo.findings
    assert (finding.code, finding.file) == (
        "ISP309",
        "demo-1.0.dist-info/extra_metadata/importspy.yaml",
    )
    assert finding.message.startswith(
        f"{tmp_path / 'demo-1.0.dist-info/extra_metadata/importspy.yaml'}: "
    )
    assert (demo.has_manifest, demo.checks) == (True, ("integrity",))
    assert other.findings == () and other.checks == ALL_CHECKS  # verification went on


def test_manifest_that_is_a_directory_is_unreadable_not_absent(site: Path) -> None:
    manifest = site / "demo-1.0.dist-info/extra_metadata/importspy.yaml"
    manifest.unlink()
    manifest.mkdir()
    result = verify_installed([site], [], FACTS)  # still selected: something is there
    assert result.notices == ()
    assert only(result).has_manifest and only(result).checks == ("integrity",)
    assert only(result).findings == (
        Finding(
            "ISP309",
            "demo",
            f"{manifest}: cannot read: is a directory",
            file="demo-1.0.dist-info/extra_metadata/importspy.yaml",
        ),
    )
    with pytest.raises(UnusableInputError) as caught:
        load_model("demo", [site])
    assert str(caught.value) == f"{manifest}: cannot read: is a directory"


def test_unknown_schema_and_identity_mismatch(tmp_path: Path) -> None:
    text = dumps(demo_model(name="someone-else", version="9.9"))
    install(tmp_path, "demo", "1.0", FILES, manifest=text.encode())
    assert [
        (f.code, f.expected, f.found) for f in verify_installed([tmp_path], [], FACTS).findings()
    ] == [
        ("ISP309", "demo", "someone-else"),
        ("ISP309", "1.0", "9.9"),
    ]
    install(
        tmp_path / "b",
        "demo",
        "1.0",
        FILES,
        manifest=text.replace('"schema": "1"', '"schema": "99"').encode(),
    )
    (finding,) = verify_installed([tmp_path / "b"], [], FACTS).findings()
    assert finding.code == "ISP309" and "unsupported schema '99'" in finding.message


def test_versions_compare_normalised(tmp_path: Path) -> None:
    install(tmp_path, "demo", "1.0.0", FILES, manifest=demo_model(version="1.0"))
    assert verify_installed([tmp_path], [], FACTS).findings() == ()


def test_environment_constraints(tmp_path: Path) -> None:
    constraints = EnvironmentConstraints(
        python=">=3.12",
        platforms=("win32",),
        machines=("aarch64",),
        implementations=("pypy",),
        env=("DEMO_TOKEN",),
    )
    install(tmp_path, "demo", "1.0", FILES, manifest=demo_model(environment=constraints))
    assert [f.code for f in verify_installed([tmp_path], [], FACTS).findings()] == [
        "ISP101",
        "ISP102",
        "ISP103",
        "ISP104",
        "ISP105",
    ]


def test_without_facts_environment_checks_are_skipped(tmp_path: Path) -> None:
    constraints = EnvironmentConstraints(python=">=3.99")
    model = demo_model(
        environment=constraints, requires=('absent; python_version > "3"', "missing")
    )
    install(tmp_path, "demo", "1.0", FILES, manifest=model)
    result = verify_installed([tmp_path], [], None)
    assert codes(result) == [("ISP401", "missing")]
    assert only(result).checks == ("integrity", "structure", "dependencies")
    assert result.notices == (NOTICE_NO_FACTS, NOTICE_NO_MARKERS)


def test_dependencies(tmp_path: Path) -> None:
    requires = ("dep>=2", "absent", 'winonly; sys_platform == "win32"', "extra-only; extra == 'x'")
    install(tmp_path, "demo", "1.0", FILES, manifest=demo_model(requires=requires))
    install(tmp_path, "Dep", "1.5", {"dep.py": b""})
    assert [
        (f.code, f.expected, f.found)
        for f in verify_installed([tmp_path], ["demo"], FACTS).findings()
    ] == [
        ("ISP401", "absent", None),
        ("ISP402", "dep>=2", "1.5"),
    ]


def test_selection_by_name(site: Path) -> None:
    install(site, "plain", "3.0", {"plain.py": b""})
    result = verify_installed([site], ["PLAIN", "Demo"], FACTS)
    plain, demo = result.distributions
    assert (plain.name, plain.has_manifest, [f.code for f in plain.findings]) == (
        "plain",
        False,
        ["ISP309"],
    )
    assert (demo.name, demo.findings) == ("demo", ())
    with pytest.raises(UnusableInputError) as caught:
        verify_installed([site], ["nope"], FACTS)
    assert str(caught.value) == f"nope: no distribution of that name is installed in {site}"


def test_no_manifest_anywhere_is_a_notice(tmp_path: Path) -> None:
    install(tmp_path, "plain", "3.0", {"plain.py": b""})
    result = verify_installed([tmp_path], [], FACTS)
    assert result.distributions == ()
    assert result.notices == (NOTICE_NO_MANIFEST,)


def test_unowned_startup_code_is_an_environment_finding(site: Path) -> None:
    (site / "zz-evil.pth").write_text("import evil\n")
    result = verify_installed([site], [], FACTS)
    assert only(result).findings == ()
    assert [(f.code, f.distribution, f.file) for f in result.environment_findings] == [
        ("ISP307", "", "zz-evil.pth")
    ]


def test_every_copy_with_a_manifest_is_verified(tmp_path: Path, site: Path) -> None:
    shadow = tmp_path / "shadow"
    install(shadow, "demo", "0.9", FILES)  # no manifest: not verified unless named
    result = verify_installed([site, shadow], [], FACTS)
    assert only(result).version == "1.0"
    assert result.notices == (
        f"demo is installed more than once; {site / 'demo-1.0.dist-info'} comes first on the "
        "path; every copy is verified",
    )
    named = verify_installed([site, shadow], ["demo"], FACTS)
    assert [(d.version, d.has_manifest) for d in named.distributions] == [
        ("1.0", True),
        ("0.9", False),
    ]


def test_verification_writes_nothing(site: Path) -> None:
    (site / "demo/core.py").write_bytes(b"def greet(:\n")
    before = {p: p.stat().st_mtime_ns for p in site.rglob("*")}
    verify_installed([site], [], FACTS)
    assert {p: p.stat().st_mtime_ns for p in site.rglob("*")} == before


def test_site_dir_that_is_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError) as caught:
        verify_installed([tmp_path / "absent"], [], FACTS)
    assert str(caught.value) == f"{tmp_path / 'absent'}: not a directory"


def test_default_site_dirs_exist() -> None:
    directories = default_site_dirs()
    assert directories and all(directory.is_dir() for directory in directories)
    assert len(set(directories)) == len(directories)


# --------------------------------------------------------------------------- wheels


def wheel(
    tmp_path: Path,
    files: dict[str, bytes] | None = None,
    *,
    manifest: SpyModel | bytes | None = None,
    record_overrides: dict[str, str | None] | None = None,
    unrecorded: dict[str, bytes] | None = None,
) -> Path:
    """The ``demo`` wheel, with its clean manifest unless another is given."""
    return make_wheel(
        tmp_path / "demo-1.0-py3-none-any.whl",
        "demo",
        "1.0",
        FILES if files is None else files,
        manifest=demo_model() if manifest is None else manifest,
        record_overrides=record_overrides,
        unrecorded=unrecorded,
    )


def test_clean_wheel(tmp_path: Path) -> None:
    path = wheel(tmp_path)
    result = verify_wheels([path], FACTS)
    assert only(result) == DistributionResult(
        "demo", "1.0", str(path), True, (), ("environment", "integrity", "structure")
    )
    assert result.notices == (NOTICE_WHEEL_DEPENDENCIES,)


def test_tampered_wheel_member(tmp_path: Path) -> None:
    changed = b"def greet(name): ...\n"
    path = wheel(tmp_path, {**FILES, "demo/core.py": changed})
    assert codes(verify_wheels([path], FACTS)) == [
        ("ISP301", "demo/core.py"),
        ("ISP306", "demo/core.py"),  # RECORD was regenerated for the new bytes
        ("ISP203", "demo.core:greet"),
        ("ISP204", "demo.core:greet"),
        ("ISP204", "demo.core:greet"),
    ]


def test_wheel_member_missing_unrecorded_and_recorded_extra(tmp_path: Path) -> None:
    files = {k: v for k, v in FILES.items() if k != "demo/data.json"}
    files["demo_boot.pth"] = b"import evil\n"
    path = wheel(tmp_path, files, unrecorded={"demo/sneaky.py": b""})
    assert codes(verify_wheels([path], FACTS)) == [
        ("ISP302", "demo/data.json"),
        ("ISP305", "demo/data.json"),
        ("ISP303", "demo/sneaky.py"),
        ("ISP304", "demo_boot.pth"),
    ]


def test_wheel_record_hash_disagrees(tmp_path: Path) -> None:
    path = wheel(tmp_path, record_overrides={"demo/data.json": f"{record_hash(b'x')},1"})
    (finding,) = verify_wheels([path], None).findings()
    assert (finding.code, finding.file, finding.found) == ("ISP306", "demo/data.json", sha(b"x"))


def test_wheel_without_manifest_and_with_a_broken_one(tmp_path: Path) -> None:
    bare = make_wheel(tmp_path / "bare-1.0-py3-none-any.whl", "bare", "1.0", {"bare.py": b""})
    broken = wheel(tmp_path, manifest=b"[]")
    result = verify_wheels([bare, broken], None)
    assert [
        (d.name, d.has_manifest, [f.code for f in d.findings]) for d in result.distributions
    ] == [
        ("bare", False, ["ISP309"]),
        ("demo", True, ["ISP309"]),
    ]
    assert result.notices == (NOTICE_WHEEL_DEPENDENCIES, NOTICE_NO_FACTS)


def test_unreadable_wheel_is_unusable(tmp_path: Path) -> None:
    path = tmp_path / "junk.whl"
    path.write_bytes(b"junk")
    with pytest.raises(UnusableInputError, match=r"junk\.whl: not a valid wheel"):
        verify_wheels([path], FACTS)


# --------------------------------------------------------------------------- load_model


def test_load_model_from_installed_and_wheel(site: Path, tmp_path: Path) -> None:
    assert load_model("DEMO", [site]) == demo_model()
    assert load_model(str(wheel(tmp_path)), []) == demo_model()


def test_load_model_errors(site: Path, tmp_path: Path) -> None:
    install(site, "plain", "3.0", {"plain.py": b""})
    with pytest.raises(UnusableInputError, match="nope: no distribution of that name"):
        load_model("nope", [site])
    with pytest.raises(
        UnusableInputError, match=r"plain: .*plain-3\.0\.dist-info carries no importspy"
    ):
        load_model("plain", [site])
    bare = make_wheel(tmp_path / "bare-1.0-py3-none-any.whl", "bare", "1.0", {"bare.py": b""})
    with pytest.raises(UnusableInputError, match="the wheel carries no importspy manifest"):
        load_model(str(bare), [])
    with zipfile.ZipFile(tmp_path / "x.whl", "w"):
        pass
    with pytest.raises(UnusableInputError, match=r"no \.dist-info directory"):
        load_model(str(tmp_path / "x.whl"), [])


def test_bad_structure_of_a_changed_module_is_a_manifest_finding(tmp_path: Path) -> None:
    text = dumps(demo_model()).replace('"kind":"keyword-only"', '"kind":"odd"')
    assert '"odd"' in text
    install(tmp_path, "demo", "1.0", FILES, manifest=text.encode())
    assert verify_installed([tmp_path], [], FACTS).findings() == ()  # never read: file unchanged
    (tmp_path / "demo/core.py").write_bytes(b"def greet(name): ...\n")
    assert [(f.code, f.file) for f in verify_installed([tmp_path], [], FACTS).findings()] == [
        ("ISP301", "demo/core.py"),
        ("ISP309", "demo/core.py"),
    ]


def test_an_earlier_site_directory_shadows_a_vouched_package(tmp_path: Path, site: Path) -> None:
    """As in a ``--system-site-packages`` venv: the venv's directory comes first on the path."""
    earlier = tmp_path / "venv-site"
    install(earlier, "other", "2.0", {"demo/__init__.py": b"import os\n"})  # owned, not vouched
    result = verify_installed([earlier, site], [], FACTS)
    assert [(f.code, f.module, f.found) for f in only(result).findings] == [
        ("ISP313", "demo", f"{earlier}/demo/__init__.py")
    ]
    assert result.environment_findings == ()


def test_a_later_copy_is_excused_by_the_verified_first_copy(tmp_path: Path, site: Path) -> None:
    earlier = tmp_path / "venv-site"
    install(earlier, "demo", "1.0", FILES, manifest=demo_model())
    result = verify_installed([earlier, site], [], FACTS)
    assert [d.findings for d in result.distributions] == [(), ()]
