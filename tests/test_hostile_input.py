"""Hostile input, one case each: no traceback, no hang, no read outside the distribution.

Every case seen to crash, hang or read too much is here, scaled down where a limit can be set
lower through a parameter.  The command-line cases run ``python -m importspy`` in a subprocess
(marked ``e2e``) and assert the exit code, a single line on stderr and no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hatch_importspy.errors import ManifestError, UnusableInputError
from hatch_importspy.formats import digest as digest_module
from hatch_importspy.formats import manifest as manifest_format
from hatch_importspy.formats import manifest_reader
from hatch_importspy.formats.digest import sha256_file
from hatch_importspy.formats.manifest import dumps, load_bytes, loads
from hatch_importspy.formats.record import parse_record, read_regular_file
from hatch_importspy.formats.wheel import open_wheel, read_wheel
from hatch_importspy.limits import CLASS_NESTING
from hatch_importspy.verify import startup_path as startup_path_module
from hatch_importspy.verify.verifier import verify_installed
from hatch_importspy.verify.walk import walk_package_directories
from tests.helpers.fakedist import install, make_wheel, model_for

TIMEOUT = 60
FILES = {"pkg/__init__.py": b"X = 1\n"}


def run_importspy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "importspy", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], code: int) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def manifest_bytes(**changes: object) -> bytes:
    """The embedded manifest of a one-module package, with header keys replaced."""
    model = model_for("demo", "1.0", FILES)
    header, _, structures = dumps(model).partition(manifest_format.DOCUMENT_SEPARATOR)
    data = {**json.loads(header), **changes}
    return (json.dumps(data) + manifest_format.DOCUMENT_SEPARATOR + structures).encode()


def huge_integer_manifest() -> bytes:
    header = manifest_bytes().decode().partition(manifest_format.DOCUMENT_SEPARATOR)[0]
    return header.replace('"private": false', '"private": ' + "9" * 5000).encode()


def alias_bomb_manifest() -> bytes:
    lines = ["a0: &a0 {name: C, line: 1}"]
    for level in range(1, 9):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} {{name: C, classes: [{', '.join([previous] * 10)}]}}")
    lines.append("schema: x")
    return ("\n".join(lines) + "\n").encode()


def unsafe_path_manifest(path: str) -> bytes:
    return manifest_bytes(files=[{"path": path, "sha256": "0" * 64}])


def site_with(tmp_path: Path, manifest: bytes, **options: object) -> Path:
    site = tmp_path / "site"
    install(site, "demo", "1.0", FILES, manifest=manifest, **options)  # type: ignore[arg-type]
    return site


def findings_of(site: Path) -> list[tuple[str, str]]:
    result = verify_installed([site], ["demo"], None)
    return [(f.code, f.message) for r in result.distributions for f in r.findings]


# --------------------------------------------------------------------------- manifests


def test_integer_past_the_digit_limit_is_a_manifest_error() -> None:
    with pytest.raises(ManifestError, match="cannot be read"):
        load_bytes(huge_integer_manifest(), "m.yaml")


def test_integer_past_the_limit_is_refused() -> None:
    data = manifest_format.to_data(model_for("demo", "1.0", FILES))
    data["modules"][0]["functions"] = [{"name": "f", "line": 10**30}]
    with pytest.raises(ManifestError, match="integer beyond the limit"):
        loads(json.dumps(data), "m.yaml")


def test_alias_bomb_is_refused_without_expanding() -> None:
    with pytest.raises(ManifestError, match="aliases are not allowed"):
        load_bytes(alias_bomb_manifest(), "m.yaml")


def test_the_block_yaml_writer_never_writes_aliases() -> None:
    model = model_for("demo", "1.0", {"pkg/a.py": b"class A:\n    x: int\n", **FILES})
    assert loads(manifest_format.dumps_yaml(model), "m.yaml") == loads(dumps(model), "m.yaml")


def test_classes_nested_past_the_limit_are_refused() -> None:
    cls: dict[str, object] = {"name": "C"}
    for _ in range(CLASS_NESTING + 1):
        cls = {"name": "C", "classes": [cls]}
    structures = {"pkg/__init__.py": {"classes": [cls]}}
    header = manifest_bytes().decode().partition(manifest_format.DOCUMENT_SEPARATOR)[0]
    content = header + manifest_format.DOCUMENT_SEPARATOR + json.dumps(structures)
    with pytest.raises(ManifestError, match="nested deeper than"):
        loads(content, "m.yaml")


def test_too_many_entries_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest_reader, "MANIFEST_ENTRIES", 5)
    files = [{"path": f"pkg/f{i}.txt", "sha256": "0" * 64} for i in range(6)]
    with pytest.raises(ManifestError, match="beyond the limit of 5"):
        load_bytes(manifest_bytes(files=files), "m.yaml")


def test_too_large_a_manifest_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest_format, "MANIFEST_BYTES", 100)
    with pytest.raises(ManifestError, match="larger than 100 bytes"):
        load_bytes(manifest_bytes(), "m.yaml")


@pytest.mark.parametrize("path", ["../../etc/passwd", "/proc/self/environ", "/dev/zero", ""])
def test_manifest_paths_leaving_the_distribution_are_refused_unopened(
    tmp_path: Path, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    def spy(path: str) -> str:
        opened.append(str(path))
        return ""

    monkeypatch.setattr(digest_module, "sha256_file", spy)
    site = site_with(tmp_path, unsafe_path_manifest(path))
    findings = findings_of(site)
    assert [code for code, _ in findings] == ["ISP309"]
    assert "not opened" in findings[0][1]
    # Only the distribution's own RECORD rows are hashed (its self-check), never the manifest's.
    assert all(Path(opened_path).resolve().is_relative_to(site.resolve()) for opened_path in opened)


def test_record_rows_outside_are_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = site_with(
        tmp_path,
        dumps(model_for("demo", "1.0", FILES)).encode(),
        record_extra={"../../etc/passwd": "sha256=x", "/dev/zero": "sha256=x"},
    )
    opened: list[str] = []

    def spy(path: str) -> str:
        opened.append(str(path))
        return sha256_file(path)

    monkeypatch.setattr(digest_module, "sha256_file", spy)
    verify_installed([site], ["demo"], None)
    assert opened and all(Path(path).resolve().is_relative_to(site.resolve()) for path in opened)


# --------------------------------------------------------------------------- RECORD and files


@pytest.mark.parametrize("size", ["\u00b2", "1" * 21, "\u0661"])
def test_record_size_must_be_a_short_ascii_number(size: str) -> None:
    with pytest.raises(UnusableInputError, match="is not a number"):
        parse_record(f"pkg/a.py,sha256=x,{size}\n", source="RECORD")


def test_superscript_record_size_is_an_isp310_finding(tmp_path: Path) -> None:
    site = site_with(tmp_path, dumps(model_for("demo", "1.0", FILES)).encode())
    record = next(site.glob("*.dist-info")) / "RECORD"
    record.write_text(record.read_text() + "pkg/x.py,,\u00b2\n", encoding="utf-8")
    assert "ISP310" in [code for code, _ in findings_of(site)]


def test_reading_past_a_limit_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "big"
    target.write_bytes(b"x" * (1 << 17))
    with pytest.raises(UnusableInputError, match="larger than 1000 bytes"):
        read_regular_file(target, limit=1000)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_as_installed_files_does_not_block(tmp_path: Path) -> None:
    site = site_with(tmp_path, dumps(model_for("demo", "1.0", FILES)).encode())
    egg = site / "legacy-1.0.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Name: legacy\nVersion: 1.0\n")
    os.mkfifo(egg / "installed-files.txt")
    (site / "legacy.pth").write_text("import os\n")
    os.mkfifo(site / "fifo.pth")
    result = verify_installed([site], [], None)  # would block forever reading the FIFO
    assert [r.name for r in result.distributions] == ["demo"]


def test_a_package_directory_linking_out_is_not_walked(tmp_path: Path) -> None:
    site = site_with(tmp_path, dumps(model_for("demo", "1.0", FILES)).encode())
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "secret.py").write_text("")
    (site / "pkg" / "sub").symlink_to(outside)  # below the top: listed as an entry
    walk = walk_package_directories(site, ["pkg"], known=frozenset(FILES))
    assert walk.files == ("pkg/sub",)
    (site / "elsewhere").symlink_to(outside)
    walk = walk_package_directories(site, ["pkg", "elsewhere"])
    assert walk.unfollowed == ("elsewhere",)
    assert "secret" not in " ".join(walk.files)


def test_a_package_directory_linked_to_usr_is_a_finding(tmp_path: Path) -> None:
    site = tmp_path / "site"
    files = {"pkg/__init__.py": b"X = 1\n"}
    install(site, "demo", "1.0", files, manifest=model_for("demo", "1.0", files))
    real = site / "pkg"
    (real / "__init__.py").unlink()
    real.rmdir()
    real.symlink_to("/usr")
    findings = findings_of(site)
    assert any(code == "ISP303" and "not followed" in message for code, message in findings)


def test_the_walk_stops_at_its_limit(tmp_path: Path) -> None:
    for index in range(20):
        (tmp_path / "pkg").mkdir(exist_ok=True)
        (tmp_path / "pkg" / f"f{index}").write_text("")
    walk = walk_package_directories(tmp_path, ["pkg"], limit=5)
    assert walk.truncated and len(walk.files) <= 5


def test_a_huge_pth_file_is_unreadable_start_up_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Too large to read is never "nothing to run": it is reported like an unreadable one (ISP318).
    monkeypatch.setattr(startup_path_module, "PTH_BYTES", 10)
    (tmp_path / "x.pth").write_text("# nothing to run, but longer than ten bytes\n")
    [found] = startup_path_module.find_startup_files(tmp_path)
    assert found.problem == "larger than 10 bytes"


# --------------------------------------------------------------------------- wheels


def test_an_inflating_member_is_refused_past_the_limit(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl", "demo", "1.0", FILES)
    with zipfile.ZipFile(wheel, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pkg/zeros.bin", b"\0" * (1 << 20))
    with open_wheel(wheel) as opened, pytest.raises(UnusableInputError, match="larger than"):
        opened.read("pkg/zeros.bin", limit=1 << 16)


def test_too_many_members_are_refused_before_parsing(tmp_path: Path) -> None:
    from hatch_importspy.formats import wheel as wheel_format

    wheel = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl", "demo", "1.0", FILES)
    with pytest.raises(UnusableInputError, match="more than 2"):
        wheel_format._check_member_count(wheel, limit=2)


# --------------------------------------------------------------------------- the command line


def write_wheel(tmp_path: Path, manifest: bytes, **members: bytes) -> Path:
    wheel = make_wheel(
        tmp_path / "demo-1.0-py3-none-any.whl", "demo", "1.0", FILES, manifest=manifest
    )
    with zipfile.ZipFile(wheel, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return wheel


@pytest.mark.e2e
def test_cli_huge_integer_manifest_exits_2(tmp_path: Path) -> None:
    target = tmp_path / "importspy.yaml"
    target.write_bytes(huge_integer_manifest())
    result = run_importspy("diff", str(target), str(target))
    assert_one_line(result, 2)
    assert "cannot be read" in result.stderr
    wheel = write_wheel(tmp_path, huge_integer_manifest())
    result = run_importspy("show", str(wheel))
    assert_one_line(result, 2)
    assert "cannot be read" in result.stderr


@pytest.mark.e2e
def test_cli_verify_of_hostile_manifests_reports_isp309(tmp_path: Path) -> None:
    for index, manifest in enumerate(
        [huge_integer_manifest(), alias_bomb_manifest(), unsafe_path_manifest("/dev/zero")]
    ):
        site = site_with(tmp_path / str(index), manifest)
        result = run_importspy("verify", "--path", str(site), "demo")
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr and "ISP309" in result.stdout


@pytest.mark.e2e
def test_cli_verify_of_a_wheel_with_hostile_parts(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    wheel = write_wheel(tmp_path / "a", huge_integer_manifest())
    result = run_importspy("verify", str(wheel))
    assert result.returncode == 1 and "ISP309" in result.stdout and not result.stderr
    (tmp_path / "b").mkdir()
    wheel = make_wheel(
        tmp_path / "b" / "demo-1.0-py3-none-any.whl",
        "demo",
        "1.0",
        FILES,
        record_overrides={"pkg/__init__.py": "sha256=x,\u00b2"},
    )
    for command in ("verify", "embed"):
        result = run_importspy(
            command, str(wheel), *(["-o", str(tmp_path)] if command == "embed" else [])
        )
        assert_one_line(result, 2)


def peak_memory_of(*args: str) -> tuple[int, str]:
    """Run ``python -m importspy`` in a child of a fresh child; its peak RSS in KiB, stderr."""
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run([sys.executable, '-m', 'importspy', *sys.argv[1:]],"
        " capture_output=True, text=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(done.returncode)\n"
        "sys.stdout.write(done.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=TIMEOUT
    )
    peak, code, *stderr = result.stdout.splitlines()
    assert code == "2", result.stdout
    return int(peak), "\n".join(stderr)


@pytest.mark.e2e
def test_cli_inflating_members_stay_within_memory(tmp_path: Path) -> None:
    from hatch_importspy.limits import MANIFEST_BYTES, METADATA_BYTES

    wheel = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl", "demo", "1.0", FILES)
    with zipfile.ZipFile(wheel) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    info_dir = "demo-1.0.dist-info"
    members[f"{info_dir}/METADATA"] = b"Name: demo\nVersion: 1.0\n\n" + b" " * (METADATA_BYTES + 1)
    members[f"{info_dir}/extra_metadata/importspy.yaml"] = b" " * (MANIFEST_BYTES + 1)
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            target.writestr(name, content)
    for command in ("verify", "show"):
        peak, stderr = peak_memory_of(command, str(wheel))
        assert "larger than" in stderr and "Traceback" not in stderr
        assert len(stderr.strip().splitlines()) == 1
        assert peak < 400 * 1024, f"{command}: {peak} KiB"


@pytest.mark.e2e
def test_cli_alias_bomb_stays_within_memory_and_time(tmp_path: Path) -> None:
    target = tmp_path / "importspy.yaml"
    target.write_bytes(alias_bomb_manifest())
    peak, stderr = peak_memory_of("diff", str(target), str(target))
    assert "aliases are not allowed" in stderr
    assert peak < 200 * 1024


def test_a_wheel_needing_an_unknown_zip_version_is_one_line(tmp_path: Path) -> None:
    # Found by the fuzz test: zipfile refuses a central directory entry that needs zip 6.4.
    wheel = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl", "demo", "1.0", FILES)
    data = bytearray(wheel.read_bytes())
    central = data.find(b"PK\x01\x02")
    data[central + 6] = 64  # "version needed to extract"
    wheel.write_bytes(bytes(data))
    with pytest.raises(UnusableInputError, match="not a valid wheel"):
        read_wheel(wheel)
