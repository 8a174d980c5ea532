"""The build hook, through real builds: ``python -m build --no-isolation`` with the real hook."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

import pytest

from hatch_importspy.formats.manifest import load_bytes
from hatch_importspy.hook import wheel_disagreements
from hatch_importspy.model import (
    CallShape,
    Expectation,
    ExpectedName,
    FunctionKind,
    ParameterKind,
    SpyModel,
)
from tests.helpers.builds import SOURCE_DATE_EPOCH, BuildResult, ProjectFactory
from tests.helpers.fakedist import make_wheel, model_for
from tests.helpers.venvs import VenvFactory

BuildWheel = Callable[..., Path]
BuildProject = Callable[..., BuildResult]

MANIFEST_SUFFIX = ".dist-info/extra_metadata/importspy.yaml"

SIMPLE_PACKAGE = {
    "mypkg/__init__.py": '"""A package."""\n\n__all__ = ["greet"]\n\nfrom .core import greet\n',
    "mypkg/core.py": "def greet(name: str, *, loud: bool = False) -> str:\n    return name\n",
    "mypkg/data.json": '{"a": 1}\n',
}


def members(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}


def manifest_of(wheel: Path) -> SpyModel:
    (name,) = [name for name in members(wheel) if name.endswith(MANIFEST_SUFFIX)]
    return load_bytes(members(wheel)[name], f"{wheel.name}:{name}")


def tree_listing(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if "dist" not in path.parts}


@pytest.fixture(scope="session")
def demo_manifest(demo_wheel: Path) -> SpyModel:
    return manifest_of(demo_wheel)


# ----------------------------------------------------------------------------------- content


@pytest.mark.e2e
def test_manifest_is_embedded_in_dist_info_and_listed_in_record(demo_wheel: Path) -> None:
    files = members(demo_wheel)
    record = files["acme_inventory-1.0.0.dist-info/RECORD"].decode()

    assert "acme_inventory-1.0.0.dist-info/extra_metadata/importspy.yaml" in files
    assert "acme_inventory-1.0.0.dist-info/extra_metadata/importspy.yaml,sha256=" in record


@pytest.mark.e2e
def test_every_shipped_file_is_in_the_manifest_with_the_sha256_of_its_bytes(
    demo_wheel: Path, demo_manifest: SpyModel
) -> None:
    shipped = {
        name: hashlib.sha256(content).hexdigest()
        for name, content in members(demo_wheel).items()
        if not name.startswith("acme_inventory-1.0.0.dist-info/")
    }

    assert demo_manifest.file_digests() == shipped


@pytest.mark.e2e
def test_modules_files_and_environment_of_the_demo(demo_manifest: SpyModel) -> None:
    assert demo_manifest.name == "acme-inventory"
    assert demo_manifest.version == "1.0.0"
    assert [(m.name, m.path) for m in demo_manifest.modules] == [
        ("acme_inventory", "acme_inventory/__init__.py"),
        ("acme_inventory.models", "acme_inventory/models.py"),
        ("acme_inventory.pricing", "acme_inventory/pricing.py"),
    ]
    # `exclude = ["acme_inventory._vendor"]`: recorded by hash only, like the data files.
    assert [entry.path for entry in demo_manifest.files] == [
        "acme_inventory/_vendor/__init__.py",
        "acme_inventory/_vendor/slugify.py",
        "acme_inventory/data/units.json",
        "acme_inventory/py.typed",
    ]
    # `python` comes from requires-python; the lists are sorted.
    assert demo_manifest.environment.python == ">=3.10"
    assert demo_manifest.environment.platforms == ("darwin", "linux", "win32")
    assert demo_manifest.environment.implementations == ("cpython", "pypy")
    assert demo_manifest.requires == ()
    assert demo_manifest.generator.startswith("hatch-importspy ")


@pytest.mark.e2e
def test_structure_of_the_demo_modules(demo_manifest: SpyModel) -> None:
    modules = {module.name: module.structure for module in demo_manifest.modules}
    (warehouse,) = [c for c in modules["acme_inventory.models"].classes if c.name == "Warehouse"]
    kinds = {method.name: method.kind for method in warehouse.methods}
    (quote,) = [f for f in modules["acme_inventory.pricing"].functions if f.name == "quote"]

    assert kinds["total_units"] is FunctionKind.PROPERTY
    assert kinds["normalise_code"] is FunctionKind.STATICMETHOD
    assert kinds["from_mapping"] is FunctionKind.CLASSMETHOD
    assert kinds["receive"] is FunctionKind.METHOD
    assert [(p.name, p.kind) for p in quote.parameters] == [
        ("items", ParameterKind.POSITIONAL_ONLY),
        ("catalogue", ParameterKind.POSITIONAL_ONLY),
        ("tax_rate", ParameterKind.KEYWORD_ONLY),
        ("surcharges", ParameterKind.VAR_KEYWORD),
    ]
    assert modules["acme_inventory"].all is not None
    assert "Warehouse" in modules["acme_inventory"].all


@pytest.mark.e2e
def test_requires_are_the_requires_dist_of_metadata_with_markers(
    project_factory: ProjectFactory, build_wheel: BuildWheel
) -> None:
    project = project_factory(
        SIMPLE_PACKAGE,
        dependencies=["packaging>=24", "pyyaml>=6; python_version < '4'"],
        options={},
        extra_toml='[project.optional-dependencies]\nfast = ["orjson>=3"]\n',
    )

    wheel = build_wheel(project)

    metadata = members(wheel)["fixture_pkg-1.0.0.dist-info/METADATA"].decode()
    requires_dist = HeaderParser().parsestr(metadata).get_all("Requires-Dist")
    assert manifest_of(wheel).requires == tuple(requires_dist or ())
    assert manifest_of(wheel).requires == (
        "packaging>=24",
        "pyyaml>=6; python_version < '4'",
        "orjson>=3; extra == 'fast'",
    )


@pytest.mark.e2e
def test_without_requires_python_and_python_option_any_python_is_recorded(
    project_factory: ProjectFactory, build_wheel: BuildWheel
) -> None:
    project = project_factory(SIMPLE_PACKAGE, requires_python=None, options={"env": ["HOME"]})

    manifest = manifest_of(build_wheel(project))

    assert manifest.environment.python is None
    assert manifest.environment.env == ("HOME",)


@pytest.mark.e2e
def test_files_force_included_by_an_earlier_hook_are_described(
    project_factory: ProjectFactory, build_wheel: BuildWheel
) -> None:
    hook = (
        "import tempfile, pathlib\n"
        "from hatchling.builders.hooks.plugin.interface import BuildHookInterface\n\n"
        "class Generate(BuildHookInterface):\n"
        "    def initialize(self, version, build_data):\n"
        "        directory = pathlib.Path(tempfile.mkdtemp())\n"
        "        (directory / 'gen.py').write_text('def generated(a, b=1): ...\\n')\n"
        "        build_data['force_include'][str(directory / 'gen.py')] = 'mypkg/_gen.py'\n"
    )
    project = project_factory(
        {**SIMPLE_PACKAGE, "hatch_build.py": hook},
        options=None,
        extra_toml=(
            "[tool.hatch.build.hooks.custom]\n"
            "path = 'hatch_build.py'\n\n"
            "[tool.hatch.build.hooks.importspy]\n"
            "private = true\n"
        ),
    )

    wheel = build_wheel(project)

    modules = {module.path: module for module in manifest_of(wheel).modules}
    generated = modules["mypkg/_gen.py"]
    assert generated.name == "mypkg._gen"
    assert [f.name for f in generated.structure.functions] == ["generated"]
    assert generated.sha256 == hashlib.sha256(members(wheel)["mypkg/_gen.py"]).hexdigest()


@pytest.mark.e2e
def test_a_module_that_does_not_parse_becomes_a_file_entry_with_a_warning(
    project_factory: ProjectFactory, build_project: BuildProject
) -> None:
    broken = b"def broken(:\n    pass\n"
    project = project_factory({**SIMPLE_PACKAGE, "mypkg/broken.py": broken}, options={})

    result = build_project(project)

    manifest = manifest_of(result.wheel)
    assert "mypkg/broken.py" not in manifest.module_by_path()
    assert manifest.file_digests()["mypkg/broken.py"] == hashlib.sha256(broken).hexdigest()
    assert "importspy: mypkg/broken.py: line 1: invalid syntax; recorded as a plain file" in (
        result.output
    )


# ----------------------------------------------------------------------------------- targets


@pytest.mark.e2e
def test_the_sdist_gets_no_manifest_and_the_project_tree_is_untouched(
    project_factory: ProjectFactory, build_project: BuildProject, tmp_path: Path
) -> None:
    project = project_factory(SIMPLE_PACKAGE, options={"platforms": ["linux"]})
    before = tree_listing(project)

    result = build_project(project, target="sdist", out_dir=tmp_path / "out")

    assert result.returncode == 0, result.output
    (sdist,) = result.artifacts
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    assert "fixture_pkg-1.0.0/mypkg/core.py" in names
    assert not any("importspy.yaml" in name for name in names)
    assert tree_listing(project) == before


@pytest.mark.e2e
def test_the_sdist_build_also_stops_on_a_config_error(
    project_factory: ProjectFactory, build_project: BuildProject, tmp_path: Path
) -> None:
    project = project_factory(SIMPLE_PACKAGE, options={"private": "yes"})

    result = build_project(project, target="sdist", out_dir=tmp_path / "out")

    assert result.returncode != 0
    assert "tool.hatch.build.hooks.importspy.private must be true or false" in result.output
    assert result.artifacts == ()


EDITABLE_CAPABLE_PYPROJECT = (
    "[build-system]\nrequires = ['hatchling', 'hatch-importspy']\n"
    "build-backend = 'hatchling.build'\n\n"
    "[project]\nname = 'fixture-pkg'\nversion = '1.0.0'\n\n"
    "[tool.hatch.build.targets.wheel]\npackages = ['mypkg']\ndev-mode-dirs = ['.']\n\n"
    "[tool.hatch.build.hooks.importspy]\n"
)
"""A project whose wheel target can also build editable wheels (``dev-mode-dirs``)."""


def test_an_editable_build_embeds_no_manifest_and_says_so(
    project_factory: ProjectFactory, tmp_path: Path
) -> None:
    project = project_factory({**SIMPLE_PACKAGE, "pyproject.toml": EDITABLE_CAPABLE_PYPROJECT})
    out = tmp_path / "out"
    out.mkdir()

    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from hatchling.build import build_editable;"
            "print(build_editable(sys.argv[1]))",
            str(out),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    wheel = out / completed.stdout.strip().splitlines()[-1]
    assert not any(name.endswith("importspy.yaml") for name in members(wheel))
    assert "importspy: editable build, no manifest embedded" in completed.stderr


# ----------------------------------------------------------------------------------- errors


@pytest.mark.e2e
def test_a_config_error_stops_the_build_naming_every_key(
    project_factory: ProjectFactory, build_project: BuildProject, tmp_path: Path
) -> None:
    project = project_factory(
        SIMPLE_PACKAGE, options={"platforms": "linux", "colour": "blue", "python": ">=3.10,<"}
    )

    result = build_project(project, out_dir=tmp_path / "out")

    assert result.returncode != 0
    assert result.artifacts == ()
    for problem in (
        "importspy: tool.hatch.build.hooks.importspy.colour is not a known option",
        "importspy: tool.hatch.build.hooks.importspy.platforms must be a list of strings",
        "importspy: tool.hatch.build.hooks.importspy.python: invalid version specifier",
    ):
        assert problem in result.output


@pytest.mark.e2e
def test_a_target_level_table_is_named_in_errors(
    project_factory: ProjectFactory, build_project: BuildProject, tmp_path: Path
) -> None:
    project = project_factory(
        SIMPLE_PACKAGE,
        options=None,
        extra_toml="[tool.hatch.build.targets.wheel.hooks.importspy]\nprivate = 1\n",
    )

    result = build_project(project, out_dir=tmp_path / "out")

    assert result.returncode != 0
    assert "tool.hatch.build.targets.wheel.hooks.importspy.private must be true or false" in (
        result.output
    )


@pytest.mark.e2e
def test_a_baseline_that_does_not_exist_stops_the_build_naming_the_key_and_file(
    project_factory: ProjectFactory, build_project: BuildProject, tmp_path: Path
) -> None:
    project = project_factory(SIMPLE_PACKAGE, options={"baseline": "manifests/1.0.0.yaml"})

    result = build_project(project, out_dir=tmp_path / "out")

    assert result.returncode != 0
    expected = (
        f"importspy: tool.hatch.build.hooks.importspy.baseline: "
        f"{project / 'manifests' / '1.0.0.yaml'}: cannot read the baseline manifest"
    )
    assert expected in result.output
    assert result.artifacts == ()


@pytest.mark.e2e
def test_a_contract_glob_that_matches_nothing_stops_every_build(
    project_factory: ProjectFactory, build_project: BuildProject, tmp_path: Path
) -> None:
    project = project_factory(SIMPLE_PACKAGE, options={"contracts": ["contracts/*.yml"]})

    for target in ("sdist", "wheel"):
        result = build_project(project, target=target, out_dir=tmp_path / target)

        assert result.returncode != 0
        assert (
            "importspy: tool.hatch.build.hooks.importspy.contracts: pattern 'contracts/*.yml' "
            "matches no file"
        ) in result.output
        assert result.artifacts == ()


@pytest.mark.e2e
def test_a_hook_running_after_importspy_that_adds_a_file_fails_the_build(
    project_factory: ProjectFactory, build_project: BuildProject, tmp_path: Path
) -> None:
    hook = (
        "import tempfile, pathlib\n"
        "from hatchling.builders.hooks.plugin.interface import BuildHookInterface\n\n"
        "class Late(BuildHookInterface):\n"
        "    def initialize(self, version, build_data):\n"
        "        directory = pathlib.Path(tempfile.mkdtemp())\n"
        "        (directory / 'payload.pth').write_text('import os\\n')\n"
        "        build_data['force_include'][str(directory / 'payload.pth')] = 'payload.pth'\n"
    )
    project = project_factory(
        {**SIMPLE_PACKAGE, "hatch_build.py": hook},
        options={},
        extra_toml="[tool.hatch.build.hooks.custom]\npath = 'hatch_build.py'\n",
    )

    result = build_project(project, out_dir=tmp_path / "out")

    assert result.returncode != 0
    assert "importspy: payload.pth: in the wheel but not in the manifest" in result.output
    assert "list importspy last" in result.output
    assert not any(path.suffix == ".whl" for path in result.artifacts)


def test_the_temporary_manifest_lives_outside_the_project_and_is_removed(
    project_factory: ProjectFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hatchling.builders.wheel import WheelBuilder

    created: list[Path] = []
    real_mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(*args: Any, **kwargs: Any) -> str:
        directory = str(real_mkdtemp(*args, **kwargs))
        created.append(Path(directory))
        return directory

    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
    project = project_factory(SIMPLE_PACKAGE, options={})
    before = tree_listing(project)

    (wheel,) = WheelBuilder(str(project)).build(directory=str(tmp_path / "out"))

    ours = [d for d in created if d.name.startswith("hatch-importspy-")]
    assert len(ours) == 1
    assert not ours[0].exists()
    assert project not in ours[0].parents
    assert tree_listing(project) == before
    assert manifest_of(Path(wheel)).name == "fixture-pkg"


# ----------------------------------------------------------------------------------- reproducible


@pytest.mark.e2e
def test_two_builds_with_the_same_source_date_epoch_are_byte_identical(
    demo_project: Path, demo_wheel: Path, build_wheel: BuildWheel, tmp_path: Path
) -> None:
    again = build_wheel(demo_project, out_dir=tmp_path / "again")

    assert again.name == demo_wheel.name
    assert again.read_bytes() == demo_wheel.read_bytes()


@pytest.mark.e2e
def test_a_wheel_built_from_the_sdist_is_byte_identical(
    demo_project: Path, demo_wheel: Path, build_project: BuildProject, tmp_path: Path
) -> None:
    sdist = build_project(demo_project, target="sdist", out_dir=tmp_path / "sdist")
    assert sdist.returncode == 0, sdist.output
    with tarfile.open(sdist.artifacts[0]) as archive:
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12+/3.11.4+
            archive.extractall(tmp_path / "unpacked", filter="data")
        else:  # older patch releases; our own sdist is trusted
            archive.extractall(tmp_path / "unpacked")
    (unpacked,) = (tmp_path / "unpacked").iterdir()

    from_sdist = build_project(unpacked, out_dir=tmp_path / "wheel").wheel

    assert from_sdist.read_bytes() == demo_wheel.read_bytes()


@pytest.mark.e2e
def test_a_build_from_another_directory_is_byte_identical(
    demo_project: Path, demo_wheel: Path, build_wheel: BuildWheel, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "some" / "other" / "place"
    shutil.copytree(demo_project, elsewhere, ignore=shutil.ignore_patterns("dist"))

    moved = build_wheel(elsewhere, out_dir=tmp_path / "out")

    assert moved.read_bytes() == demo_wheel.read_bytes()
    manifest_text = members(moved)["acme_inventory-1.0.0.dist-info/extra_metadata/importspy.yaml"]
    assert str(elsewhere).encode() not in manifest_text
    assert str(tmp_path).encode() not in manifest_text


@pytest.mark.e2e
def test_the_manifest_does_not_depend_on_the_build_time(
    demo_project: Path, demo_wheel: Path, build_wheel: BuildWheel, tmp_path: Path
) -> None:
    later = build_wheel(
        demo_project,
        out_dir=tmp_path / "later",
        env={"SOURCE_DATE_EPOCH": str(int(SOURCE_DATE_EPOCH) + 86_400)},
    )

    name = "acme_inventory-1.0.0.dist-info/extra_metadata/importspy.yaml"
    assert members(later)[name] == members(demo_wheel)[name]
    assert later.read_bytes() != demo_wheel.read_bytes()


# ----------------------------------------------------------------------------------- plugin


def test_the_plugin_module_is_cheap_to_import() -> None:
    probe = (
        "import sys, hatch_importspy.plugin as p;"
        "heavy = [m for m in ('hatch_importspy.hook', 'hatch_importspy.describe.distribution',"
        " 'hatch_importspy.describe.extract', 'yaml') if m in sys.modules];"
        "print(heavy);"
        "cls = p.hatch_register_build_hook();"
        "print(cls.PLUGIN_NAME, 'hatch_importspy.describe.distribution' in sys.modules)"
    )

    completed = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )

    assert completed.stdout.split("\n")[:2] == ["[]", "importspy False"]


# ----------------------------------------------------------------------------------- installed


@pytest.mark.e2e
def test_after_install_the_manifest_is_read_through_importlib_metadata(
    venv_factory: VenvFactory, demo_wheel: Path
) -> None:
    venv = venv_factory("demo-installed", wheels=[demo_wheel])
    probe = (
        "import sys, importlib.metadata as m;"
        "sys.stdout.write(m.distribution('acme-inventory')"
        ".read_text('extra_metadata/importspy.yaml'))"
    )

    completed = subprocess.run(
        [str(venv.python), "-I", "-c", probe], capture_output=True, text=True, check=True
    )

    wheel_manifest = members(demo_wheel)[
        "acme_inventory-1.0.0.dist-info/extra_metadata/importspy.yaml"
    ]
    assert completed.stdout.encode() == wheel_manifest
    assert (venv.site_packages / "acme_inventory" / "pricing.py").is_file()


@pytest.mark.e2e
def test_the_importspy_venv_is_complete_without_a_network(venv_factory: VenvFactory) -> None:
    venv = venv_factory("importspy-only")

    check = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv.python), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    imported = subprocess.run(
        [str(venv.python), "-I", "-c", "import hatch_importspy.formats.manifest, yaml, packaging"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert check.returncode == 0, check.stdout + check.stderr
    assert imported.returncode == 0, imported.stderr
    assert (venv.site_packages / "hatch_importspy" / "formats" / "manifest.py").is_file()


@pytest.mark.e2e
def test_inference_records_external_uses_unless_switched_off(
    project_factory: ProjectFactory, build_project: BuildProject, tmp_path: Path
) -> None:
    files = {
        **SIMPLE_PACKAGE,
        "mypkg/io.py": "import yaml\nimport json\n\n\ndef load(text):\n"
        "    return yaml.safe_load(text), json.loads(text)\n",
    }
    recorded = []
    for infer in (True, False):
        project = project_factory(files, options={"infer-expectations": infer})
        result = build_project(project, out_dir=tmp_path / str(infer))
        assert "not implemented" not in result.output
        recorded.append(manifest_of(result.wheel).expects)

    # The build environment has PyYAML installed: its top-level name ``yaml`` maps to it, and
    # the use is met by it (the files the check read are recorded).
    import yaml

    yaml_digest = hashlib.sha256(Path(yaml.__file__).read_bytes()).hexdigest()
    assert recorded == [
        (
            Expectation(
                module="yaml",
                distribution="pyyaml",
                names=(ExpectedName("safe_load", "callable", (CallShape(1),)),),
                met_at_build=(("yaml", f"yaml/__init__.py {yaml_digest}"),),
            ),
        ),
        (),
    ]


def test_one_builder_run_of_a_standard_and_an_editable_wheel(
    project_factory: ProjectFactory, tmp_path: Path
) -> None:
    from hatchling.builders.wheel import WheelBuilder

    project = project_factory({**SIMPLE_PACKAGE, "pyproject.toml": EDITABLE_CAPABLE_PYPROJECT})
    out = tmp_path / "out"

    built = WheelBuilder(str(project)).build(directory=str(out / "standard"), versions=["standard"])
    standard = Path(next(iter(built)))
    # Both versions share one file name: copy each wheel away as the builder yields it.
    wheels = []
    for index, path in enumerate(
        WheelBuilder(str(project)).build(
            directory=str(out / "both"), versions=["standard", "editable"]
        )
    ):
        wheels.append(Path(shutil.copy(path, out / f"{index}.whl")))

    assert len(wheels) == 2
    assert manifest_of(wheels[0]) == manifest_of(standard)
    assert not any(name.endswith("importspy.yaml") for name in members(wheels[1]))


def test_wheel_disagreements_word_each_record_finding(tmp_path: Path) -> None:
    files = {"pkg/__init__.py": b"", "pkg/a.py": b"a = 1\n", "pkg/gone.py": b""}
    model = model_for("pkg", "1.0", files)
    built = {"pkg/__init__.py": b"", "pkg/a.py": b"a = 2\n", "pkg/extra.py": b""}
    wheel = make_wheel(tmp_path / "pkg-1.0-py3-none-any.whl", "pkg", "1.0", built, manifest=model)
    assert wheel_disagreements(wheel, model) == [
        "pkg/extra.py: in the wheel but not in the manifest",
        "pkg/a.py: content differs from the manifest",
        "pkg/gone.py: in the manifest but not in the wheel",
    ]
    clean = make_wheel(tmp_path / "clean-1.0-py3-none-any.whl", "pkg", "1.0", files, manifest=model)
    assert wheel_disagreements(clean, model) == []


def test_wheel_disagreements_report_an_unusable_wheel_as_one_problem(tmp_path: Path) -> None:
    model = model_for("pkg", "1.0", {"pkg/__init__.py": b""})
    wheel = make_wheel(
        tmp_path / "pkg-1.0-py3-none-any.whl", "pkg", "1.0", {"pkg/__init__.py": b""}
    )
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("../evil.pth", b"import os\n")  # what a misbehaving later hook could add
    assert wheel_disagreements(wheel, model) == [
        f"{wheel}: member '../evil.pth' contains a '..' component"
    ]
    no_record = tmp_path / "bare-1.0-py3-none-any.whl"
    with zipfile.ZipFile(no_record, "w") as archive:
        archive.writestr("bare-1.0.dist-info/METADATA", b"Name: bare\nVersion: 1.0\n")
    assert wheel_disagreements(no_record, model) == [f"{no_record.name}: the wheel has no RECORD"]
