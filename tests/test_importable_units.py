"""The readers behind ISP313-ISP314 (:mod:`hatch_importspy.verify.importable`,
:mod:`hatch_importspy.verify.listings`): the fast paths they take give what the slow ones did."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hatch_importspy.pyrules.finder import LoaderSuffixes, PathResolver, find_in_directory
from hatch_importspy.verify import importable
from hatch_importspy.verify.importable import listed_files
from hatch_importspy.verify.installed import RecordIndex, find_distributions
from hatch_importspy.verify.listings import DirectoryListings
from tests.helpers.fakedist import install

LINUX = LoaderSuffixes((".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so"))


def _with_record(site: Path, name: str, rows: list[str]) -> None:
    info = install(site, name, "1.0", {}, record=False)
    (info / "RECORD").write_text("\n".join([*rows, f"{info.name}/RECORD,,"]) + "\n")


@pytest.mark.parametrize(
    ("row", "listed"),
    [
        ("plain.py,sha256=x,1", "plain.py"),
        ("./dotted.py,sha256=x,1", "dotted.py"),
        ("pkg//doubled.py,sha256=x,1", "pkg/doubled.py"),
        ("pkg\\back.py,sha256=x,1", "pkg/back.py"),
        ('"quoted,name.py",sha256=x,1', "quoted,name.py"),
        ("sub/../climbed.py,sha256=x,1", "climbed.py"),
    ],
)
def test_a_record_row_lists_its_file_however_it_is_spelled(
    tmp_path: Path, row: str, listed: str
) -> None:
    _with_record(tmp_path, "owner", [row, "other.py,sha256=x,1"])
    distributions = find_distributions([tmp_path])
    wanted = [f"{tmp_path}/{listed}", f"{tmp_path}/unlisted.py"]
    assert listed_files(distributions, RecordIndex(distributions), wanted) == {wanted[0]}


def test_a_row_that_leaves_the_site_directory_lists_a_file_of_another(tmp_path: Path) -> None:
    site, other = tmp_path / "site", tmp_path / "other"
    other.mkdir()
    _with_record(site, "owner", ["../other/elsewhere.py,sha256=x,1"])
    distributions = find_distributions([site])
    wanted = [os.path.normpath(f"{other}/elsewhere.py"), f"{site}/elsewhere.py"]
    assert listed_files(distributions, RecordIndex(distributions), wanted) == {wanted[0]}


@pytest.mark.parametrize(
    "text",
    [
        "a.py,,\n./b.py,,\n",
        "/abs.py,,\n",
        "C:/drive.py,,\n",
        "a\\b.py,,\n",
        "a//b.py,,\n",
        "a/./b.py,,\n",
        "../../bin/tool,,\n",
    ],
)
def test_the_quick_test_never_misses_a_row_the_expression_would_take(text: str) -> None:
    assert importable._UNUSUAL.findall(text)
    assert importable._may_be_unusual(text)


def test_the_quick_test_spares_a_plain_record() -> None:
    text = "pkg/__init__.py,sha256=abc,10\npkg-1.0.dist-info/RECORD,,\n"
    assert not importable._may_be_unusual(text)
    assert importable._UNUSUAL.findall(text) == []


def test_a_subdirectory_is_searched_for_init_files_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/__init__.py").write_bytes(b"")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "bare").mkdir()
    looked: list[str] = []
    real = os.path.isfile

    def isfile(path: str) -> bool:
        looked.append(Path(path).parent.name)
        return real(path)

    monkeypatch.setattr(os.path, "isfile", isfile)
    listing = DirectoryListings(LINUX)(str(tmp_path))
    assert sorted(listing.directories) == ["__pycache__", "bare", "pkg"]
    assert looked == []
    found = find_in_directory(listing, "pkg", LINUX)
    assert found is not None and found.file == "pkg/__init__.py"
    assert set(looked) == {"pkg"}
    assert listing.directories["bare"] == frozenset()  # a namespace portion
    assert set(looked) == {"pkg", "bare"}


def test_a_path_resolver_finds_each_package_once(tmp_path: Path) -> None:
    for file in ("pkg/__init__.py", "pkg/a.py", "pkg/sub/__init__.py", "pkg/sub/b.py", "ns/c.py"):
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_bytes(b"")
    (tmp_path / "mod.py").write_bytes(b"")
    listings = DirectoryListings(LINUX)
    asked: list[str] = []

    def listing_of(directory: str) -> object:
        asked.append(directory)
        return listings(directory)

    resolve = PathResolver([str(tmp_path)], listing_of, LINUX)  # type: ignore[arg-type]
    files = {name: resolve(name) for name in ("pkg.a", "pkg.sub.b", "ns.c", "mod.x", "ns")}
    assert {name: r.file if r else None for name, r in files.items()} == {
        "pkg.a": f"{tmp_path}/pkg/a.py",
        "pkg.sub.b": f"{tmp_path}/pkg/sub/b.py",
        "ns.c": f"{tmp_path}/ns/c.py",
        "mod.x": None,  # a plain module has no submodules
        "ns": None,  # a namespace package: nothing of it runs
    }
    # The packages pkg, ns and mod once each (as parents), and ns once more as a name asked for.
    assert asked.count(str(tmp_path)) == 4
    assert asked.count(f"{tmp_path}/pkg") == 2  # pkg.a, then pkg.sub
