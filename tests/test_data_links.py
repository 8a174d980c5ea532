"""Unit tests: ``.data`` files placed by scheme, installed script launchers, links under vouched
files (:mod:`~hatch_importspy.formats.scripts`, :mod:`~hatch_importspy.verify.outside`,
:mod:`~hatch_importspy.verify.links`, :mod:`~hatch_importspy.verify.schemes`,
:mod:`~hatch_importspy.describe.shared`)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from hatch_importspy.describe.shared import shared_files
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.scripts import (
    installed_script_digest,
    split_launcher,
    wheel_script_bytes,
)
from hatch_importspy.verify.links import inspect_links, link_findings
from hatch_importspy.verify.outside import OutsideFile, outside_files, outside_findings, place
from hatch_importspy.verify.schemes import InstallScheme, scheme_from_mapping

META = "pkg-1.0.dist-info"
BODY = b"print('tool ran')\n"
WHEEL_SCRIPT = b"#!python\n" + BODY


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def make_scheme(root: Path) -> InstallScheme:
    site = root / "lib" / "python3.11" / "site-packages"
    for directory in (site, root / "bin"):
        directory.mkdir(parents=True, exist_ok=True)
    return InstallScheme(site, site, root / "bin", root, str(root / "bin" / "python"))


# ------------------------------------------------------------------------------ scripts


def test_wheel_script_bytes_rewrites_python_shebangs_only() -> None:
    assert wheel_script_bytes(b"#!/usr/bin/env python3\n" + BODY) == WHEEL_SCRIPT
    assert wheel_script_bytes(b"#!/usr/bin/python3.11 -u\n" + BODY) == b"#!python -u\n" + BODY
    assert wheel_script_bytes(b"#!/bin/sh\necho hi\n") == b"#!/bin/sh\necho hi\n"
    assert wheel_script_bytes(b"no shebang python\n") == b"no shebang python\n"
    too_long = b"#!/" + b"x" * 300 + b"python"
    assert wheel_script_bytes(too_long) == too_long


def test_split_launcher_reads_both_installer_forms() -> None:
    assert split_launcher(b"#!/venv/bin/python\n" + BODY) == ("/venv/bin/python", b"", BODY)
    sh = b"#!/bin/sh\n'''exec' '/a b/python' \"$0\" \"$@\"\n' '''\n" + BODY
    assert split_launcher(sh) == ("/a b/python", b"", BODY)
    assert split_launcher(BODY) is None
    # Another program's shebang is a launcher naming that program: the caller refuses it.
    assert split_launcher(b"#!/bin/sh\necho\n") == ("/bin/sh", b"", b"echo\n")


def test_installed_script_digest_accepts_only_the_environments_interpreter() -> None:
    want = sha(WHEEL_SCRIPT)

    def allowed(interpreter: str) -> bool:
        return interpreter == "/venv/bin/python"

    installed = b"#!/venv/bin/python\n" + BODY
    assert installed_script_digest(installed, wanted=want, allowed=allowed) == want
    elsewhere = b"#!/tmp/x/python\n" + BODY
    assert installed_script_digest(elsewhere, wanted=want, allowed=allowed) == sha(elsewhere)
    edited = installed + b"import os\n"
    assert installed_script_digest(edited, wanted=want, allowed=allowed) == sha(edited)


# ------------------------------------------------------------------------------ placing


def test_outside_files_are_the_data_categories_outside_site_packages() -> None:
    paths = [
        "pkg/__init__.py",
        "pkg-1.0.data/purelib/pkg/x.py",
        "pkg-1.0.data/scripts/tool",
        "pkg-1.0.data/data/share/pkg/t.txt",
    ]
    assert outside_files(paths, META) == [
        OutsideFile("pkg-1.0.data/data/share/pkg/t.txt", "data", "share/pkg/t.txt"),
        OutsideFile("pkg-1.0.data/scripts/tool", "scripts", "tool"),
    ]


def test_place_by_scheme_and_record(tmp_path: Path) -> None:
    scheme = make_scheme(tmp_path)
    files = [
        OutsideFile("pkg-1.0.data/scripts/tool", "scripts", "tool"),
        OutsideFile("pkg-1.0.data/data/share/t.txt", "data", "share/t.txt"),
        OutsideFile("pkg-1.0.data/headers/x.h", "headers", "x.h"),
        OutsideFile("pkg-1.0.data/odd/y", "odd", "y"),
    ]
    rows = ["pkg/__init__.py", "../../../include/site/python3.11/pkg/x.h", "../../../bin/tool"]
    placed, unseen = place(files, site_dir=scheme.purelib, scheme=scheme, record_paths=rows)
    assert [item.label for item in placed] == [
        "../../../bin/tool",
        "../../../share/t.txt",
        "../../../include/site/python3.11/pkg/x.h",
    ]
    assert [file.category for file in unseen] == ["odd"]
    # A RECORD row pointing out of the include directory is not believed.
    header = files[2]
    placed, _ = place(
        [header], site_dir=scheme.purelib, scheme=scheme, record_paths=["../../../../x.h"]
    )
    assert placed[0].label == "../../../include/x.h"


def test_without_a_scheme_nothing_is_looked_for_and_a_note_says_so(tmp_path: Path) -> None:
    files = outside_files(["pkg-1.0.data/scripts/tool", "pkg-1.0.data/data/a"], META)
    placed, unseen = place(files, site_dir=tmp_path, scheme=None, record_paths=())
    assert placed == []
    findings, reports = outside_findings("pkg", {}, placed, unseen, None)
    assert reports == []
    (note,) = findings
    assert (note.code, note.found) == ("ISP344", "2")
    assert "1 in data, 1 in scripts" in note.message
    # A site directory the scheme does not cover: the same.
    scheme = make_scheme(tmp_path / "venv")
    _, unseen = place(files, site_dir=tmp_path, scheme=scheme, record_paths=())
    assert len(unseen) == 2


def test_outside_findings_hash_where_the_scheme_put_them(tmp_path: Path) -> None:
    scheme = make_scheme(tmp_path)
    (scheme.scripts / "tool").write_bytes(f"#!{scheme.executable}\n".encode() + BODY)
    (tmp_path / "share").mkdir()
    (tmp_path / "share" / "t.txt").write_bytes(b"changed\n")
    digests = {
        "pkg-1.0.data/scripts/tool": sha(WHEEL_SCRIPT),
        "pkg-1.0.data/data/share/t.txt": sha(b"original\n"),
        "pkg-1.0.data/data/share/gone.txt": sha(b"x"),
    }
    placed, unseen = place(
        outside_files(digests, META), site_dir=scheme.purelib, scheme=scheme, record_paths=()
    )
    findings, _ = outside_findings("pkg", digests, placed, unseen, scheme)
    assert [(f.code, f.file) for f in findings] == [
        ("ISP302", "../../../share/gone.txt"),
        ("ISP301", "../../../share/t.txt"),
    ]


# ------------------------------------------------------------------------------ links


def test_links_leaving_the_site_directory(tmp_path: Path) -> None:
    site, world = tmp_path / "site", tmp_path / "world"
    (site / "pkg").mkdir(parents=True)
    (world / "other").mkdir(parents=True)
    (world / "m.py").write_text("x = 1\n")
    (world / "other" / "a.py").write_text("")
    (site / "pkg" / "m.py").symlink_to(world / "m.py")
    (site / "pkg" / "inside.py").write_text("")
    (site / "pkg" / "alias.py").symlink_to(site / "pkg" / "inside.py")  # stays inside: fine
    (site / "other").symlink_to(world / "other", target_is_directory=True)
    paths = ["pkg/m.py", "pkg/inside.py", "pkg/alias.py", "other/a.py", "pkg/missing.py"]
    report = inspect_links(site, paths)
    assert report.escaping == {
        "pkg/m.py": str(world / "m.py"),
        "other": str(world / "other"),
    }
    assert report.hard_linked == ()
    findings = link_findings("pkg", [("", report)])
    assert [(f.code, f.file) for f in findings] == [("ISP343", "other"), ("ISP343", "pkg/m.py")]


def test_hard_links_are_one_note(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    for name in ("a.py", "b.py"):
        (tmp_path / "pkg" / name).write_text(name)
        os.link(tmp_path / "pkg" / name, tmp_path / f"cache-{name}")
    (tmp_path / "pkg" / "c.py").write_text("")
    report = inspect_links(tmp_path, ["pkg/a.py", "pkg/b.py", "pkg/c.py"])
    assert report.hard_linked == ("pkg/a.py", "pkg/b.py")
    (note,) = link_findings("pkg", [("", report), ("../../bin/", inspect_links(tmp_path, []))])
    assert (note.code, note.found) == ("ISP345", "2")
    assert note.effective_severity.value == "note"


# ------------------------------------------------------------------------------ schemes, build


def test_scheme_from_mapping(tmp_path: Path) -> None:
    assert scheme_from_mapping({}, executable="python") is None
    paths = {key: str(tmp_path / key) for key in ("purelib", "platlib", "scripts", "data")}
    scheme = scheme_from_mapping(paths, executable="/x/python")
    assert scheme is not None and scheme.covers(tmp_path / "purelib")
    assert not scheme.covers(tmp_path)
    with pytest.raises(UnusableInputError, match="incomplete install scheme"):
        scheme_from_mapping({"purelib": "/a"}, executable="python", source="py")


@dataclass
class _Included:
    path: str
    distribution_path: str


@dataclass
class _Builder:
    root: Path

    def recurse_explicit_files(self, inclusion_map: dict[str, str]) -> Iterable[_Included]:
        return [_Included(str(self.root / src), dest) for src, dest in inclusion_map.items()]


def test_shared_files_are_described_as_the_wheel_stores_them(tmp_path: Path) -> None:
    (tmp_path / "tool").write_bytes(b"#!/usr/bin/env python3\n" + BODY)
    (tmp_path / "t.txt").write_bytes(b"data\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    files = shared_files(
        _Builder(tmp_path),
        data_directory="pkg-1.0.data",
        data={"t.txt": "share/t.txt"},
        scripts={"tool": "tool"},
        scratch=scratch,
    )
    assert [(path, source.read_bytes()) for path, source in files] == [
        ("pkg-1.0.data/data/share/t.txt", b"data\n"),
        ("pkg-1.0.data/scripts/tool", WHEEL_SCRIPT),
    ]
