"""ISP301-ISP306 from exact path/digest mappings."""

from __future__ import annotations

from hatch_importspy.compare.integrity import (
    added_file_findings,
    claimed_file_findings,
    file_findings,
    in_record_scope,
    package_directories,
    record_findings,
)
from hatch_importspy.findings import Finding

A, B, C = "a" * 64, "b" * 64, "c" * 64
META = "pkg-1.0.dist-info"


def test_files_unchanged_modified_missing_unreadable() -> None:
    expected = {"pkg/__init__.py": A, "pkg/core.py": B, "pkg/data.json": C, "pkg/locked.py": A}
    found = {
        "pkg/__init__.py": A,
        "pkg/core.py": C,
        "pkg/data.json": None,
        "pkg/locked.py": "unreadable: Permission denied",
    }
    modules = {"pkg/__init__.py": "pkg", "pkg/core.py": "pkg.core", "pkg/locked.py": "pkg.locked"}
    assert file_findings("pkg", expected, found, modules=modules) == [
        Finding(
            "ISP301",
            "pkg",
            "modified since the build",
            module="pkg.core",
            file="pkg/core.py",
            expected=B,
            found=C,
        ),
        Finding("ISP302", "pkg", "pkg/data.json is missing", file="pkg/data.json", expected=C),
        Finding(
            "ISP301",
            "pkg",
            "cannot be read",
            module="pkg.locked",
            file="pkg/locked.py",
            expected=A,
            found="unreadable: Permission denied",
        ),
    ]


def test_manifest_digests_compare_case_insensitively() -> None:
    assert file_findings("pkg", {"x.py": A.upper()}, {"x.py": A}) == []


def test_record_and_manifest_agree() -> None:
    expected = {"pkg/__init__.py": A, "pkg/x.pth": B}
    record = {
        "pkg/__init__.py": A,
        "pkg/x.pth": B,
        f"{META}/RECORD": None,
        f"{META}/METADATA": C,
        f"{META}/extra_metadata/importspy.yaml": C,
        "pkg/__pycache__/__init__.cpython-311.pyc": None,
        "../../bin/tool": C,
        "/usr/bin/tool": C,
    }
    assert record_findings("pkg", expected, record, metadata_dir=META) == []


def test_record_lists_a_file_the_manifest_does_not() -> None:
    """The re-packed wheel: a .pth slipped in with a correct RECORD hash."""
    record = {"pkg/__init__.py": A, "evil.pth": B}
    assert record_findings("pkg", {"pkg/__init__.py": A}, record, metadata_dir=META) == [
        Finding(
            "ISP304",
            "pkg",
            "evil.pth is in RECORD but not in the manifest",
            file="evil.pth",
            found=B,
        )
    ]


def test_manifest_lists_a_file_record_does_not_and_hashes_disagree() -> None:
    expected = {"pkg/__init__.py": A, "pkg/core.py": B, "pkg/unhashed.py": C}
    record = {"pkg/__init__.py": C, "pkg/unhashed.py": None}
    assert record_findings("pkg", expected, record, metadata_dir=META) == [
        Finding(
            "ISP306",
            "pkg",
            "RECORD's sha256 of pkg/__init__.py differs from the manifest's",
            file="pkg/__init__.py",
            expected=A,
            found=C,
        ),
        Finding(
            "ISP305",
            "pkg",
            "pkg/core.py is in the manifest but not in RECORD",
            file="pkg/core.py",
            expected=B,
        ),
    ]


def test_record_scope() -> None:
    assert in_record_scope("pkg/x.py", META)
    assert in_record_scope("top.py", META)
    assert in_record_scope("pkg-1.0.data/purelib/pkg/x.py", META)  # inside site-packages
    assert in_record_scope("pkg-1.0.data/scripts/tool", META)  # a wheel member: vouched for
    assert not in_record_scope(f"{META}/RECORD", META)
    assert not in_record_scope("pkg/__pycache__/x.cpython-311.pyc", META)
    assert not in_record_scope("../../bin/tool", META)
    assert not in_record_scope("/usr/bin/tool", META)


def test_package_directories() -> None:
    paths = ["pkg/__init__.py", "pkg/sub/m.py", "single.py", "other/x.json", f"{META}/x", "../x/y"]
    assert package_directories(paths, metadata_dir=META) == {"pkg", "other"}


def test_added_files() -> None:
    present = [
        "pkg/__init__.py",
        "pkg/__pycache__/__init__.cpython-311.pyc",
        "pkg/__pycache__/core.cpython-311.opt-1.pyc",
        "pkg/__pycache__/ghost.cpython-311.pyc",
        "pkg/core.py",
        "pkg/evil.py",
        "pkg/shared.py",
        "pkg/sourceless.pyc",
    ]
    vouched = {"pkg/__init__.py", "pkg/core.py"}
    owned = {"pkg/__init__.py", "pkg/shared.py"}  # e.g. another distribution of a namespace
    assert added_file_findings("pkg", present, owned=owned, vouched=vouched) == [
        Finding(
            "ISP303",
            "pkg",
            f"{path} is owned by no installed distribution",
            file=path,
            found=path,
        )
        for path in ("pkg/__pycache__/ghost.cpython-311.pyc", "pkg/evil.py", "pkg/sourceless.pyc")
    ]


def test_added_files_in_a_wheel_say_so() -> None:
    (finding,) = added_file_findings("pkg", ["pkg/x.py"], owned=set(), vouched=set(), in_wheel=True)
    assert finding.message == "pkg/x.py is listed in neither RECORD nor the manifest"


def test_a_file_another_distribution_claims_inside_a_package_is_reported() -> None:
    vouched = {"victim/__init__.py": "a" * 64, "victim/core.py": "b" * 64}
    claims = {"victim/evil.py": ("packaging",), "victim/__pycache__/core.cpython-311.pyc": ("x",)}
    findings = claimed_file_findings("victim", claims, vouched=vouched, init_owners={})
    assert [(f.code, f.file) for f in findings] == [("ISP303", "victim/evil.py")]
    assert "claimed by packaging's RECORD" in findings[0].message


def test_namespace_portions_sharing_a_package_are_not_reported() -> None:
    vouched = {"ns/__init__.py": "a" * 64, "ns/a.py": "b" * 64}
    claims = {"ns/b.py": ("ns-b",)}
    # pkgutil style: the other portion ships the same __init__.py
    portions = {"ns/__init__.py": ("ns-a", "ns-b")}
    assert claimed_file_findings("ns-a", claims, vouched=vouched, init_owners=portions) == []
    # native namespace: no __init__.py vouched, so no regular package of this distribution
    native = {"ns/a.py": "b" * 64}
    assert claimed_file_findings("ns-a", claims, vouched=native, init_owners={}) == []
