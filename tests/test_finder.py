"""The path finder model against CPython's own rules, and against importlib itself."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from hatch_importspy.pyrules.finder import (
    EntryKind,
    Listing,
    LoaderSuffixes,
    find_in_directory,
    module_names,
    module_of_path,
    resolve,
)
from hatch_importspy.verify.listings import DirectoryListings

LINUX = LoaderSuffixes((".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so"))
EXT = ".cpython-311-x86_64-linux-gnu.so"


def test_source_module_alone_is_taken() -> None:
    found = find_in_directory(Listing(frozenset({"x.py"})), "x", LINUX)
    assert found is not None
    assert (found.kind, found.file) == (EntryKind.SOURCE, "x.py")


def test_package_directory_beats_a_module_of_the_same_name() -> None:
    listing = Listing(frozenset({"x.py"}), {"x": frozenset({"__init__.py"})})
    found = find_in_directory(listing, "x", LINUX)
    assert found is not None
    assert (found.kind, found.file) == (EntryKind.PACKAGE, "x/__init__.py")


def test_extension_beats_source_and_source_beats_bytecode() -> None:
    listing = Listing(frozenset({"x.py", "x.pyc", "x" + EXT}))
    found = find_in_directory(listing, "x", LINUX)
    assert found is not None and (found.kind, found.file) == (EntryKind.EXTENSION, "x" + EXT)
    found = find_in_directory(Listing(frozenset({"x.py", "x.pyc"})), "x", LINUX)
    assert found is not None and found.kind is EntryKind.SOURCE
    found = find_in_directory(Listing(frozenset({"x.pyc"})), "x", LINUX)
    assert found is not None and found.kind is EntryKind.BYTECODE


def test_suffix_order_follows_the_parameters() -> None:
    listing = Listing(frozenset({"x.so", "x.abi3.so"}))
    found = find_in_directory(listing, "x", LINUX)
    assert found is not None and found.file == "x.abi3.so"
    other = LoaderSuffixes((".cpython-312-x86_64-linux-gnu.so",))
    assert find_in_directory(listing, "x", other) is None  # another interpreter ignores them


def test_extension_init_wins_inside_a_package() -> None:
    listing = Listing(directories={"x": frozenset({"__init__.py", "__init__" + EXT})})
    found = find_in_directory(listing, "x", LINUX)
    assert found is not None and found.file == f"x/__init__{EXT}"


def test_a_bare_directory_is_only_a_namespace_portion() -> None:
    listing = Listing(frozenset({"x.py"}), {"x": frozenset()})
    found = find_in_directory(listing, "x", LINUX)
    assert found is not None and found.kind is EntryKind.SOURCE
    found = find_in_directory(Listing(directories={"x": frozenset()}), "x", LINUX)
    assert found is not None and (found.kind, found.file) == (EntryKind.NAMESPACE, None)
    assert find_in_directory(Listing(), "x", LINUX) is None


def test_module_names_skip_dotted_entries() -> None:
    listing = Listing(
        frozenset({"a.py", "b" + EXT, "c.pth", "d-1.0.pyc", "e.tar.py", "f-g.py"}),
        {"pkg": frozenset({"__init__.py"})},
    )
    assert module_names(listing, LINUX) == ("a", "b", "f-g", "pkg")


def test_module_of_path() -> None:
    assert module_of_path("a/b/c.py", LINUX) == "a.b.c"
    assert module_of_path("a/b/__init__.py", LINUX) == "a.b"
    assert module_of_path("x" + EXT, LINUX) == "x"
    assert module_of_path("a/data.txt", LINUX) is None
    assert module_of_path("a/__pycache__/c.cpython-311.pyc", LINUX) is None
    assert module_of_path("pkg-1.0.dist-info/x.py", LINUX) is None


def _listings(tree: dict[str, Listing]) -> Callable[[str], Listing]:
    return lambda directory: tree.get(directory, Listing())


def test_earlier_path_entries_win() -> None:
    tree = {
        "/venv": Listing(frozenset({"x.py"})),
        "/system": Listing(directories={"x": frozenset({"__init__.py"})}),
    }
    resolved = resolve("x", ["/venv", "/system"], _listings(tree), LINUX)
    assert resolved is not None and resolved.file == "/venv/x.py"
    resolved = resolve("x", ["/system", "/venv"], _listings(tree), LINUX)
    assert resolved is not None and resolved.file == "/system/x/__init__.py"


def test_submodules_are_searched_in_the_package_or_in_every_namespace_portion() -> None:
    tree = {
        "/a": Listing(directories={"pkg": frozenset({"__init__.py"}), "ns": frozenset()}),
        "/b": Listing(directories={"pkg": frozenset({"__init__.py"}), "ns": frozenset()}),
        "/a/pkg": Listing(frozenset({"__init__.py"})),
        "/b/pkg": Listing(frozenset({"__init__.py", "m.py"})),
        "/a/ns": Listing(),
        "/b/ns": Listing(frozenset({"m.py"})),
    }
    # pkg is a regular package in /a: /b/pkg/m.py is out of reach.
    assert resolve("pkg.m", ["/a", "/b"], _listings(tree), LINUX) is None
    resolved = resolve("ns.m", ["/a", "/b"], _listings(tree), LINUX)
    assert resolved is not None and resolved.file == "/b/ns/m.py"
    assert resolve("ns", ["/a", "/b"], _listings(tree), LINUX) is None  # a namespace package


def test_running_suffixes_are_importlibs() -> None:
    running = LoaderSuffixes.running()
    assert running.extension == tuple(importlib.machinery.EXTENSION_SUFFIXES)
    assert running.ordered()[-1] == (".pyc", EntryKind.BYTECODE)


def test_the_model_agrees_with_importlib_on_a_real_directory(tmp_path: Path) -> None:
    """Every combination of entries for one name: the model's choice is ``find_spec``'s."""
    extension = importlib.machinery.EXTENSION_SUFFIXES[0]
    cases = {
        "s_only": ["s_only.py"],
        "pkg_vs_mod": ["pkg_vs_mod.py", "pkg_vs_mod/__init__.py"],
        "ext_vs_mod": ["ext_vs_mod.py", "ext_vs_mod" + extension],
        "pyc_vs_mod": ["pyc_vs_mod.py", "pyc_vs_mod.pyc"],
        "pyc_only_pkg": ["pyc_only_pkg.py", "pyc_only_pkg/__init__.pyc"],
        "bare_vs_mod": ["bare_vs_mod.py", "bare_vs_mod/readme.txt"],
        "ext_init": ["ext_init/__init__.py", "ext_init/__init__" + extension],
    }
    for files in cases.values():
        for file in files:
            (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / file).write_bytes(b"")
    listings = DirectoryListings(LoaderSuffixes.running())
    script = (
        "import importlib.machinery as m, sys\n"
        "for name in sys.argv[2:]:\n"
        "    spec = m.PathFinder.find_spec(name, [sys.argv[1]])\n"
        "    print(spec.origin)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script, str(tmp_path), *cases],
        capture_output=True,
        text=True,
        check=True,
    )
    origins = completed.stdout.splitlines()
    for name, origin in zip(cases, origins, strict=True):
        resolved = resolve(name, [str(tmp_path)], listings, listings.suffixes)
        assert resolved is not None and resolved.file == origin, name
