"""The manifest's ``binds`` and the per-name ``optional``/``unmet_at_build`` flags: round trips,
compact deterministic output, old manifests still load (and say "not recorded"), bad input is one
line."""

from __future__ import annotations

import ast
import json
import re
import textwrap
from pathlib import Path

import pytest

from hatch_importspy.describe.bindings import module_bindings, writes_namespace
from hatch_importspy.describe.config import ImportSpyOptions
from hatch_importspy.describe.distribution import describe_distribution
from hatch_importspy.errors import ManifestError
from hatch_importspy.formats.manifest import (
    DOCUMENT_SEPARATOR,
    dumps,
    dumps_yaml,
    load_bytes_deferred,
    load_facts_deferred,
    loads,
)
from hatch_importspy.model import (
    Expectation,
    ExpectedName,
    ImportBinding,
    Module,
    ModuleBindings,
    ModuleStructure,
    SpyModel,
)

BINDINGS = ModuleBindings(
    imports=(
        ("get", ImportBinding("requests.api", "get", 3)),
        ("os", ImportBinding("os", None, 1)),
        ("up", ImportBinding(None, "up", 2)),
    ),
    star_imports=("pkg.star", None),
    star_lines=(4, 5),
    dynamic=True,
)


def model(*modules: Module) -> SpyModel:
    return SpyModel(
        name="demo",
        version="1.0",
        modules=modules,
        expects=(
            Expectation(
                module="six.moves",
                distribution="six",
                names=(
                    ExpectedName("fallback", optional=True),
                    ExpectedName("latent", "callable", unmet_at_build=True),
                ),
                optional=True,
                unmet_at_build=True,
            ),
        ),
    )


def sample() -> SpyModel:
    return model(
        Module("demo", "demo/__init__.py", "ab" * 32, ModuleStructure(), BINDINGS),
        Module("demo.empty", "demo/empty.py", "cd" * 32, ModuleStructure(), ModuleBindings()),
        Module("demo.old", "demo/old.py", "ef" * 32, ModuleStructure(), None),
    )


def test_bindings_and_flags_round_trip_through_every_form() -> None:
    original = sample()
    for text in (dumps(original), dumps_yaml(original)):
        loaded = loads(text, "m")
        assert loaded == original
        assert loaded.modules[0].bindings == BINDINGS
        assert loaded.modules[0].bindings.star_lines == (4, 5)
        assert [b.line for _, b in loaded.modules[0].bindings.imports] == [3, 1, 2]


def test_deferred_facts_reader_gives_structure_and_bindings_by_path() -> None:
    loaded, facts = load_facts_deferred(dumps(sample()).encode(), "m")
    assert all(module.bindings is None for module in loaded.modules)  # deferred, not decoded
    assert facts("demo/__init__.py") == (ModuleStructure(), BINDINGS)
    assert facts("demo/empty.py") == (ModuleStructure(), ModuleBindings())
    assert facts("demo/old.py") == (ModuleStructure(), None)
    _, structures = load_bytes_deferred(dumps(sample()).encode(), "m")
    assert structures("demo/__init__.py") == ModuleStructure()


def test_output_is_compact_and_marks_recorded_but_empty() -> None:
    text = dumps(sample())
    header, _, body = text.partition(DOCUMENT_SEPARATOR)
    structures = json.loads(body)
    assert structures["demo/empty.py"] == {"binds": {}}
    assert "binds" not in structures["demo/old.py"]
    assert structures["demo/__init__.py"]["binds"] == {
        "imports": {
            "get": ["requests.api", "get", 3],
            "os": ["os", None, 1],
            "up": [None, "up", 2],
        },
        "stars": [["pkg.star", 4], [None, 5]],
        "dynamic": True,
    }
    expects = json.loads(header)["expects"][0]
    assert expects["optional"] is True and expects["unmet_at_build"] is True
    assert expects["names"][0] == {"name": "fallback", "kind": "any", "optional": True}
    assert dumps(sample()) == text


def test_an_old_manifest_without_binds_or_flags_loads_as_not_recorded() -> None:
    old = {
        "schema": "1",
        "name": "demo",
        "version": "1.0",
        "modules": [{"name": "demo", "path": "demo/__init__.py", "sha256": "ab" * 32}],
        "expects": [{"module": "six", "origin": "inferred", "names": [{"name": "x"}]}],
    }
    loaded = loads(json.dumps(old), "old")
    assert loaded.modules[0].bindings is None
    assert loaded.expects[0].names[0] == ExpectedName("x")
    assert not loaded.expects[0].unmet_at_build


@pytest.mark.parametrize(
    ("binds", "message"),
    [
        ("[]", "binds: expected a mapping"),
        ('{"imports": {"x": ["m", "x"]}}', "expected [module, name, line]"),
        ('{"imports": {"x": ["m", 1, 1]}}', "expected [module, name, line]"),
        ('{"stars": [["m"]]}', "expected [module, line]"),
        ('{"stars": [["m", 1e99]]}', "expected [module, line]"),
        ('{"dynamic": 1}', "dynamic: expected true or false"),
    ],
)
def test_bad_binds_are_one_line_errors(binds: str, message: str) -> None:
    text = dumps(model(Module("demo", "demo/__init__.py", "ab" * 32, ModuleStructure(), BINDINGS)))
    header, separator, _ = text.partition(DOCUMENT_SEPARATOR)
    broken = f'{header}{separator}{{"demo/__init__.py": {{"binds": {binds}}}}}\n'
    with pytest.raises(ManifestError, match=re.escape(message)):
        loads(broken, "m")
    _, facts = load_facts_deferred(broken.encode(), "m")
    with pytest.raises(ManifestError, match=re.escape(message)):
        facts("demo/__init__.py")


def test_bindings_follow_the_last_binding_and_keep_fallbacks_first() -> None:
    tree = ast.parse(
        textwrap.dedent(
            """
            from a import x
            from b import x
            try:
                from fast import y
            except ImportError:
                from slow import y
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from stubs import z
            from .sibling import *
            import sys
            sys.modules["pkg.virtual"] = object()
            """
        )
    )
    bindings = module_bindings(tree, name="pkg.mod", is_package=False)
    assert dict(bindings.imports) == {
        "x": ImportBinding("b", "x"),
        "y": ImportBinding("fast", "y"),
        "TYPE_CHECKING": ImportBinding("typing", "TYPE_CHECKING"),
        "sys": ImportBinding("sys"),
    }
    assert bindings.star_imports == ("pkg.sibling",)
    assert bindings.star_lines == (11,)
    assert bindings.dynamic


def test_the_build_records_binds_for_every_described_module(tmp_path: Path) -> None:
    (tmp_path / "init.py").write_text("from .api import get\nfrom .models import *\n")
    (tmp_path / "api.py").write_text("def get(url): ...\n")
    described = describe_distribution(
        [("pkg/__init__.py", tmp_path / "init.py"), ("pkg/api.py", tmp_path / "api.py")],
        name="pkg",
        version="1",
        requires=(),
        options=ImportSpyOptions(),
        workers=1,
    )
    by_name = {module.name: module.bindings for module in described.modules}
    assert by_name["pkg.api"] == ModuleBindings()
    package = by_name["pkg"]
    assert package is not None
    assert dict(package.imports) == {"get": ImportBinding("pkg.api", "get")}
    assert package.star_imports == ("pkg.models",)
    assert loads(dumps(described), "m") == described


@pytest.mark.parametrize(
    ("source", "dynamic"),
    [
        (b"x = 1\n", False),
        (b"globals()['x'] = 1\n", True),
        (b"import sys\nsys.modules['m'] = object()\n", True),
        # ``globals`` in fullwidth letters: NFKC makes it the same name.
        ("\uff47\uff4c\uff4f\uff42\uff41\uff4c\uff53()['x'] = 1\n".encode(), True),
        (b"# globals mentioned in a comment only\nx = 1\n", False),
        # Every way Python lets a name reach its call or subscript bracket.
        (b"(globals  # the module's\n)()['x'] = 1\n", True),
        (b"globals \\\n ()['x'] = 1\n", True),
        (b"import sys\n(sys.modules\n  # comment\n  )['m'] = object()\n", True),
        (b"import sys\nsys.modules \t[\n'm'] = 1\n", True),
        # Reads and prose are not writes (a subscripted read is walked to tell it from one).
        (b"import sys\nm = sys.modules.get('m')\nn = sys.modules['n']\n", False),
        (b'"""Uses globals and submodules."""\nsubmodules = []\nG = globals\n', False),
        (b"import sys\nsys.modules['m'].x = 1\n", False),
    ],
)
def test_the_namespace_write_check_agrees_with_and_without_the_source(
    source: bytes, dynamic: bool
) -> None:
    tree = ast.parse(source)
    assert writes_namespace(tree) is dynamic
    assert writes_namespace(tree, source) is dynamic
