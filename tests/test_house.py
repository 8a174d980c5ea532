"""The shape of the package, read from its imports: the rules a change must keep.

Every import arrow points down (no module imports, even lazily, one that imports it back); the
reporters, the lock, the policy and the release tools take results from :mod:`.results`, never
from the orchestration in :mod:`.verify.verifier`; the pure comparisons of :mod:`.compare` import
no producer of models; and no module grows past about 800 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hatch_importspy"
LONGEST = 800
"""Lines a module may have: past it, a module does more than one job."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str) -> set[str]:
    """The hatch-importspy modules ``name`` imports anywhere in its code (at the top, in a
    function, under ``TYPE_CHECKING``): ``from a import b`` counts ``a.b`` when that is a
    module, else ``a``."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                whole = f"{base}.{alias.name}"
                found.add(whole if whole in MODULES else base)
    return {module for module in found if module in MODULES and module != name}


ARROWS = {name: imported(name) for name in MODULES}


def circles(arrows: dict[str, set[str]]) -> list[list[str]]:
    """Every loop of imports found by a depth-first walk, each as the modules around it."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    found: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(arrows[name]):
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(arrows):
        if name not in state:
            visit(name, [name])
    return found


def test_the_imports_are_read_whole() -> None:
    assert len(MODULES) > 100
    # A lazy import inside a function, a module named by ``from package import module``, and
    # one under ``TYPE_CHECKING``:
    assert "hatch_importspy.verify.verifier" in ARROWS["hatch_importspy.cli"]
    assert "hatch_importspy.pyrules.bytecode" in ARROWS["hatch_importspy.verify.bytecode"]
    assert "hatch_importspy.formats.wheel" in ARROWS["hatch_importspy.verify.wheels"]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert circles(ARROWS) == []


@pytest.mark.parametrize(
    "prefix",
    [
        "hatch_importspy.report",
        "hatch_importspy.release",
        "hatch_importspy.verify.lock",
        "hatch_importspy.verify.policy",
    ],
)
def test_results_are_taken_from_results_not_from_the_orchestration(prefix: str) -> None:
    importers = sorted(
        name
        for name, targets in ARROWS.items()
        if name.startswith(prefix) and "hatch_importspy.verify.verifier" in targets
    )
    assert importers == []


def test_the_comparisons_import_no_producer() -> None:
    producers = (
        "hatch_importspy.describe.extract",
        "hatch_importspy.describe.infer",
        "hatch_importspy.describe.provider",
        "hatch_importspy.verify",
    )
    found = sorted(
        (name, target)
        for name, targets in ARROWS.items()
        if name.startswith("hatch_importspy.compare")
        for target in targets
        if target.startswith(producers)
    )
    assert found == []


def test_no_module_is_longer_than_about_800_lines() -> None:
    long = {
        name: length
        for name, path in MODULES.items()
        if (length := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST
    }
    assert long == {}
