"""describe_distribution: from (wheel path, file) pairs to a SpyModel, without hatchling."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from hatch_importspy import __version__
from hatch_importspy.describe import distribution as describe_module
from hatch_importspy.describe.config import ConfigError, ImportSpyOptions
from hatch_importspy.describe.distribution import (
    PARALLEL_THRESHOLD,
    build_environment_resolver,
    default_workers,
    describe_distribution,
    is_selected,
    own_top_level,
    wheel_path,
)
from hatch_importspy.describe.extract import extract_structure
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats import manifest
from hatch_importspy.model import (
    CallShape,
    EnvironmentConstraints,
    Expectation,
    FileEntry,
    SpyModel,
)
from hatch_importspy.pyrules.bytecode import recorded_compilation

SOURCES: dict[str, bytes] = {
    "pkg/__init__.py": b'__all__ = ["api"]\n',
    "pkg/api.py": b"def get(key: str, /, default: object = None) -> object: ...\n",
    "pkg/_impl.py": b"def _helper(): ...\ndef visible(x): ...\n",
    "pkg/sub/__init__.py": b"",
    "pkg/sub/deep.py": b"class Deep:\n    def run(self) -> None: ...\n",
    "pkg/_vendor/lib.py": b"VALUE = 1\n",
    "pkg/py.typed": b"",
    "pkg/api.pyi": b"def get(key: str, /, default: object = ...) -> object: ...\n",
    "pkg/data/table.csv": b"a,b\n1,2\n",
    "pkg/broken.py": b"def broken(:\n    pass\n",
    "scripts-dir/not-importable.py": b"print('hi')\n",
}


@pytest.fixture
def tree(tmp_path: Path) -> list[tuple[str, Path]]:
    pairs = []
    for relative, content in SOURCES.items():
        source = tmp_path / "src" / relative
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_bytes(content)
        pairs.append((relative, source))
    return pairs


def describe(
    files: list[tuple[str, Path]], options: ImportSpyOptions, warnings: list[str] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """Module name by path and file digest by path, for compact assertions."""
    model = describe_distribution(
        files,
        name="pkg",
        version="1.0",
        requires=(),
        options=options,
        warn=None if warnings is None else warnings.append,
    )
    return (
        {module.path: module.name for module in model.modules},
        {entry.path: entry.sha256 for entry in model.files},
    )


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_every_file_is_either_a_described_module_or_a_hashed_file(
    tree: list[tuple[str, Path]],
) -> None:
    warnings: list[str] = []
    model = describe_distribution(
        reversed(tree),
        name="pkg",
        version="1.0",
        requires=("packaging>=24", 'tomli; python_version < "3.11"'),
        options=ImportSpyOptions(python=">=3.10", platforms=("linux",)),
        warn=warnings.append,
    )

    assert [(m.path, m.name) for m in model.modules] == [
        ("pkg/__init__.py", "pkg"),
        ("pkg/_impl.py", "pkg._impl"),
        ("pkg/_vendor/lib.py", "pkg._vendor.lib"),
        ("pkg/api.py", "pkg.api"),
        ("pkg/sub/__init__.py", "pkg.sub"),
        ("pkg/sub/deep.py", "pkg.sub.deep"),
    ]
    # Python source that no import names is loaded by path, so its compilation is recorded.
    script = "scripts-dir/not-importable.py"
    code, pyc = recorded_compilation(SOURCES[script])
    plain = ["pkg/api.pyi", "pkg/broken.py", "pkg/data/table.csv", "pkg/py.typed"]
    assert model.files == (
        *(FileEntry(path, sha(SOURCES[path])) for path in plain),
        FileEntry(script, sha(SOURCES[script]), code, pyc),
    )
    for module in model.modules:
        assert module.sha256 == sha(SOURCES[module.path])
        assert module.structure == extract_structure(
            SOURCES[module.path], filename=module.path, private=False
        )
    assert model.name == "pkg"
    assert model.version == "1.0"
    assert model.requires == ("packaging>=24", 'tomli; python_version < "3.11"')
    assert model.environment == EnvironmentConstraints(python=">=3.10", platforms=("linux",))
    assert model.generator == f"hatch-importspy {__version__}"
    assert model.private is False
    assert model.expects == ()
    assert warnings == [
        "pkg/broken.py: line 1: invalid syntax; recorded as a plain file, "
        "its structure is not described"
    ]


def test_private_names_are_described_only_when_asked(tree: list[tuple[str, Path]]) -> None:
    def impl_functions(private: bool) -> list[str]:
        model = describe_distribution(
            tree, name="pkg", version="1", requires=(), options=ImportSpyOptions(private=private)
        )
        (impl,) = [m for m in model.modules if m.name == "pkg._impl"]
        return [function.name for function in impl.structure.functions]

    assert impl_functions(private=False) == ["visible"]
    assert impl_functions(private=True) == ["_helper", "visible"]


def test_include_selects_modules_by_dotted_prefix(tree: list[tuple[str, Path]]) -> None:
    modules, files = describe(tree, ImportSpyOptions(include=("pkg.sub", "pkg.api")))

    assert sorted(modules.values()) == ["pkg.api", "pkg.sub", "pkg.sub.deep"]
    assert "pkg/__init__.py" in files
    assert "pkg/_impl.py" in files


def test_exclude_wins_over_include_and_keeps_the_file_hashed(
    tree: list[tuple[str, Path]],
) -> None:
    modules, files = describe(tree, ImportSpyOptions(include=("pkg",), exclude=("pkg._vendor",)))

    assert "pkg._vendor.lib" not in modules.values()
    assert files["pkg/_vendor/lib.py"] == sha(SOURCES["pkg/_vendor/lib.py"])


def test_prefix_matches_whole_name_parts_only() -> None:
    options = ImportSpyOptions(include=("pkg.api",))

    assert is_selected("pkg.api", options)
    assert is_selected("pkg.api.v2", options)
    assert not is_selected("pkg.apis", options)
    assert not is_selected("pkg", options)


def test_include_or_exclude_that_matches_nothing_stops_with_every_entry_named(
    tree: list[tuple[str, Path]],
) -> None:
    options = ImportSpyOptions(include=("pkg", "pgk"), exclude=("pkg.vendor",))

    with pytest.raises(ConfigError) as caught:
        describe(tree, options, [])

    assert caught.value.problems == (
        "tool.hatch.build.hooks.importspy.include: 'pgk' matches no module in the wheel "
        "(did you mean 'pkg'?)",
        "tool.hatch.build.hooks.importspy.exclude: 'pkg.vendor' matches no module in the wheel "
        "(did you mean 'pkg._vendor'?)",
    )


def test_entries_that_match_describe_without_complaint(tree: list[tuple[str, Path]]) -> None:
    warnings: list[str] = []

    modules, _ = describe(tree, ImportSpyOptions(include=("pkg",)), warnings)

    assert modules and all(name.startswith("pkg") for name in modules.values())
    assert not any("matches no module" in warning for warning in warnings)


def test_the_model_does_not_depend_on_the_order_files_are_given_in(
    tree: list[tuple[str, Path]],
) -> None:
    options = ImportSpyOptions()

    forward = describe_distribution(tree, name="p", version="1", requires=(), options=options)
    backward = describe_distribution(
        list(reversed(tree)), name="p", version="1", requires=(), options=options
    )

    assert forward == backward


def test_windows_separators_and_dot_prefixes_are_normalised(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_bytes(b"x = 1\n")

    model = describe_distribution(
        [("pkg\\m.py", source), ("./top.py", source)],
        name="p",
        version="1",
        requires=(),
        options=ImportSpyOptions(),
    )

    assert [(m.path, m.name) for m in model.modules] == [("pkg/m.py", "pkg.m"), ("top.py", "top")]


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.py", "pkg/../../x.py", "C:/x.py", ""])
def test_paths_that_leave_the_wheel_are_refused(path: str) -> None:
    with pytest.raises(UnusableInputError, match="not a relative path inside a wheel"):
        wheel_path(path)


def test_one_wheel_path_given_twice_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_bytes(b"")

    with pytest.raises(UnusableInputError, match=re.escape("pkg/m.py: given twice")):
        describe_distribution(
            [("pkg/m.py", source), ("pkg\\m.py", source)],
            name="p",
            version="1",
            requires=(),
            options=ImportSpyOptions(),
        )


def test_an_unreadable_file_is_an_unusable_input(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match=re.escape("pkg/gone.py: cannot read gone.py")):
        describe_distribution(
            [("pkg/gone.py", tmp_path / "gone.py")],
            name="p",
            version="1",
            requires=(),
            options=ImportSpyOptions(),
        )


def test_a_module_that_does_not_parse_never_raises_without_a_warning_callback(
    tmp_path: Path,
) -> None:
    source = tmp_path / "bad.py"
    source.write_bytes(b"\x00\xff not python")

    model = describe_distribution(
        [("pkg/bad.py", source)], name="p", version="1", requires=(), options=ImportSpyOptions()
    )

    assert model.modules == ()
    assert model.files == (FileEntry("pkg/bad.py", sha(b"\x00\xff not python")),)


def test_two_worker_processes_give_the_same_model_as_one(tree: list[tuple[str, Path]]) -> None:
    options = ImportSpyOptions(private=True)
    warnings: dict[int, list[str]] = {1: [], 2: []}

    models = {
        workers: describe_distribution(
            tree,
            name="p",
            version="1",
            requires=(),
            options=options,
            warn=warnings[workers].append,
            workers=workers,
        )
        for workers in (1, 2)
    }

    assert models[1] == models[2]
    assert warnings[1] == warnings[2] != []


def test_without_worker_processes_the_work_is_done_in_process(
    tree: list[tuple[str, Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_processes(*args: object, **kwargs: object) -> None:
        raise OSError("process creation is not permitted here")

    serial = describe_distribution(
        tree, name="p", version="1", requires=(), options=ImportSpyOptions(), workers=1
    )
    monkeypatch.setattr(describe_module, "ProcessPoolExecutor", no_processes)

    fallback = describe_distribution(
        tree, name="p", version="1", requires=(), options=ImportSpyOptions(), workers=2
    )

    assert fallback == serial


def test_small_packages_are_described_in_one_process() -> None:
    assert default_workers(1) == 1
    assert default_workers(PARALLEL_THRESHOLD - 1) == 1
    assert 1 <= default_workers(PARALLEL_THRESHOLD) <= 2


# ------------------------------------------------------------------------------ expectations

USES = {
    "app/__init__.py": b"from app.core import run\n",
    "app/core.py": b"import yaml\nfrom app import helpers\n\n\ndef run(t):\n"
    b"    return yaml.safe_load(t, Loader=None), helpers.x\n",
    "app/io.py": b"def dump(d):\n    import requests\n    return requests.post(d, json=d)\n",
    "app/plain.py": b"import json\n\n\ndef f():\n    return json.dumps(1)\n",
    "app/broken.py": b"import yaml\nyaml.oops(\n",
    "app_native.cpython-311-x86_64-linux-gnu.so": b"\x7fELF",
    "app-1.0.dist-info/METADATA": b"",
}


@pytest.fixture
def uses_tree(tmp_path: Path) -> list[tuple[str, Path]]:
    pairs = []
    for index, (relative, content) in enumerate(USES.items()):
        source = tmp_path / str(index)
        source.write_bytes(content)
        pairs.append((relative, source))
    return pairs


def expectation_summary(model: SpyModel) -> list[tuple[str, str | None, str, list[str]]]:
    return [(e.module, e.distribution, e.origin, [n.name for n in e.names]) for e in model.expects]


def test_expectations_are_inferred_from_the_same_parse_in_any_number_of_processes(
    uses_tree: list[tuple[str, Path]],
) -> None:
    contract = Expectation(module="yaml", origin="contracts/yaml.yml", names=())
    models = [
        describe_distribution(
            uses_tree,
            name="app",
            version="1.0",
            requires=("Requests>=2",),
            options=ImportSpyOptions(),
            workers=workers,
            contracts=(contract,),
        )
        for workers in (1, 2)
    ]

    assert models[0] == models[1]
    # Without a resolver only requirement names tell providers (``yaml`` is not ``pyyaml``);
    # the module that does not parse contributes nothing; inferred comes before the contract.
    assert expectation_summary(models[0]) == [
        ("requests", "requests", "inferred", ["post"]),
        ("yaml", None, "inferred", ["safe_load"]),
        ("yaml", None, "contracts/yaml.yml", []),
    ]
    [yaml] = [e for e in models[0].expects if e.origin == "inferred" and e.module == "yaml"]
    assert yaml.names[0].calls == (CallShape(1, ("Loader",)),)


def test_inference_switched_off_records_only_contracts(uses_tree: list[tuple[str, Path]]) -> None:
    model = describe_distribution(
        uses_tree,
        name="app",
        version="1.0",
        requires=(),
        options=ImportSpyOptions(infer_expectations=False),
        distribution_of=lambda name: "never-asked",
    )

    assert model.expects == ()


def test_the_given_resolver_names_providers(uses_tree: list[tuple[str, Path]]) -> None:
    asked: list[str] = []

    def resolver(name: str) -> str | None:
        asked.append(name)
        return {"requests": "Requests"}.get(name)

    model = describe_distribution(
        uses_tree,
        name="app",
        version="1.0",
        requires=(),
        options=ImportSpyOptions(),
        distribution_of=resolver,
    )

    assert [(e.module, e.distribution) for e in model.expects] == [
        ("requests", "requests"),
        ("yaml", None),
    ]
    assert sorted(asked) == ["requests", "yaml"]


def test_own_top_level_names_come_from_every_shipped_path() -> None:
    assert own_top_level(
        [
            "pkg/__init__.py",
            "pkg/data/x.json",
            "single.py",
            "native.cpython-311-x86_64-linux-gnu.so",
            "nspkg/sub/mod.py",
            "pkg-1.0.dist-info/METADATA",
            "pkg-1.0.data/purelib/extra/__init__.py",
            "pkg-1.0.data/scripts/tool",
            "hook.pth",
        ]
    ) == frozenset({"pkg", "single", "native", "nspkg", "extra", "hook"})


def test_the_build_environment_is_asked_only_when_a_name_needs_resolving(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []

    def installed() -> dict[str, list[str]]:
        calls.append(1)
        return {"yaml": ["PyYAML"]}

    monkeypatch.setattr(describe_module, "_packages_distributions", installed)
    resolve = build_environment_resolver(["requests"])
    assert calls == []
    # ``requests`` is not installed: describe_distribution tries the Requires-Dist names for it.
    assert (resolve("yaml"), resolve("requests"), resolve("other")) == ("pyyaml", None, None)
    assert calls == [1]


def test_providers_the_build_cannot_see_are_attributed_to_requirements_named_alike(
    tmp_path: Path,
) -> None:
    """An isolated build has only ``requests`` installed; ``yaml`` and ``dateutil`` are the
    ``PyYAML`` and ``python-dateutil`` requirements by name, a guess the manifest keeps as one;
    ``helpers`` matches no requirement and stays unknown."""
    source = tmp_path / "app.py"
    source.write_text(
        "import dateutil.parser\nimport helpers\nimport requests\nimport yaml\n\n\n"
        "def f():\n"
        "    return dateutil.parser.parse(requests.get(yaml.safe_load('')), helpers.x)\n"
    )
    contract = Expectation(module="yaml", origin="contracts/yaml.yml")
    model = describe_distribution(
        [("app/__init__.py", source)],
        name="app",
        version="1.0",
        requires=("python-dateutil>=2.8", "PyYAML; extra == 'yaml'", "requests"),
        options=ImportSpyOptions(),
        distribution_of={"requests": "requests"}.get,
        contracts=(contract,),
    )

    rows = [
        (e.module, e.origin, e.distribution, e.distribution_from_requires) for e in model.expects
    ]
    assert rows == [
        ("dateutil.parser", "inferred", "python-dateutil", True),
        ("helpers", "inferred", None, False),
        ("requests", "inferred", "requests", False),
        ("yaml", "inferred", "pyyaml", True),
        ("yaml", "contracts/yaml.yml", "pyyaml", True),
    ]
    assert manifest.loads(manifest.dumps(model), "app") == model
    assert "distribution_from_requires: true" in manifest.dumps_yaml(model)
