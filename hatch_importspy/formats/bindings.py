"""The ``binds`` entry of a module in the manifest: what it binds by import, compactly.

Written next to the module's structure (one line per module in the embedded form)::

    "binds": {"imports": {"get": ["requests.api", "get", 12]}, "stars": [["pkg.x", 5]],
              "dynamic": true}

An import entry is ``[module, name, line]``: ``module`` ``null`` for a relative import that climbs
above the top-level package, ``name`` ``null`` when the module itself is bound.  A star import is
``[module, line]``.  Empty parts are left out, so a module that imports nothing has
``"binds": {}``: present means "recorded", absent (a manifest written before these facts were) means
"not recorded", and the reader then falls back to parsing the provider's source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hatch_importspy.limits import INTEGER
from hatch_importspy.model import ImportBinding, ModuleBindings

BINDINGS_KEY = "binds"

Fail = Callable[[str, str], Exception]
"""``fail(where, problem)``: the manifest reader's error for a malformed entry."""


def bindings_to_data(bindings: ModuleBindings) -> dict[str, Any]:
    """The ``binds`` mapping of one module: deterministic (imports sorted by name)."""
    data: dict[str, Any] = {}
    if bindings.imports:
        data["imports"] = {
            name: [binding.module, binding.name, binding.line]
            for name, binding in sorted(bindings.imports, key=_first)
        }
    if bindings.star_imports:
        count = len(bindings.star_imports)
        lines = (bindings.star_lines + (0,) * count)[:count]  # 0: line unknown
        data["stars"] = [
            [module, line] for module, line in zip(bindings.star_imports, lines, strict=True)
        ]
    if bindings.dynamic:
        data["dynamic"] = True
    return data


def _first(item: tuple[str, ImportBinding]) -> str:
    return item[0]


def _optional_string(value: object) -> bool:
    return value is None or isinstance(value, str)


def _line(value: object) -> bool:
    return type(value) is int and -INTEGER <= value <= INTEGER


def bindings_from_data(value: object, where: str, fail: Fail) -> ModuleBindings:
    """Read a ``binds`` mapping from untrusted data; ``fail`` builds the error to raise."""
    if not isinstance(value, Mapping):
        raise fail(where, "expected a mapping")
    imports_data = value.get("imports", {})
    if not isinstance(imports_data, Mapping):
        raise fail(f"{where}.imports", "expected a mapping")
    imports: list[tuple[str, ImportBinding]] = []
    for name, entry in imports_data.items():
        if not (
            isinstance(name, str)
            and isinstance(entry, list)
            and len(entry) == 3
            and _optional_string(entry[0])
            and _optional_string(entry[1])
            and _line(entry[2])
        ):
            raise fail(f"{where}.imports[{name!r}]", "expected [module, name, line]")
        imports.append((name, ImportBinding(entry[0], entry[1], entry[2])))
    stars_data = value.get("stars", [])
    if not isinstance(stars_data, list):
        raise fail(f"{where}.stars", "expected a list")
    stars: list[str | None] = []
    lines: list[int] = []
    for index, entry in enumerate(stars_data):
        if not (
            isinstance(entry, list)
            and len(entry) == 2
            and _optional_string(entry[0])
            and _line(entry[1])
        ):
            raise fail(f"{where}.stars[{index}]", "expected [module, line]")
        stars.append(entry[0])
        lines.append(entry[1])
    dynamic = value.get("dynamic", False)
    if not isinstance(dynamic, bool):
        raise fail(f"{where}.dynamic", "expected true or false")
    return ModuleBindings(
        imports=tuple(sorted(imports, key=_first)),
        star_imports=tuple(stars),
        star_lines=tuple(lines),
        dynamic=dynamic,
    )
