"""The manifest document: deterministic, round-trips, and rejects bad input with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from hatch_importspy.describe.extract import extract_structure
from hatch_importspy.errors import ManifestError
from hatch_importspy.formats.manifest import (
    dumps,
    dumps_json,
    dumps_yaml,
    load_bytes,
    load_bytes_deferred,
    loads,
)
from hatch_importspy.model import (
    CallShape,
    Deployment,
    EnvironmentConstraints,
    Expectation,
    ExpectedName,
    FileEntry,
    Module,
    SpyModel,
)

SOURCE = Path(__file__).resolve().parent / "test_extract.py"


def sample_model() -> SpyModel:
    structure = extract_structure(SOURCE.read_bytes(), filename="x.py", private=True)
    return SpyModel(
        name="demo",
        version="1.0",
        environment=EnvironmentConstraints(
            python=">=3.10", platforms=("linux",), machines=("x86_64",), env=("TOKEN",)
        ),
        requires=("packaging>=24; python_version >= '3.10'",),
        modules=(Module("demo", "demo/__init__.py", "ab" * 32, structure),),
        files=(FileEntry("demo/data.json", "cd" * 32), FileEntry("demo.pth", "ef" * 32)),
        expects=(
            Expectation(
                module="yaml",
                distribution="pyyaml",
                names=(ExpectedName("safe_load", "callable", (CallShape(1, ("Loader",)),)),),
                deployments=(Deployment(machine="x86_64", pythons=("3.11",)),),
            ),
        ),
        private=True,
        generator="hatch-importspy test",
    )


def test_round_trip_through_both_forms() -> None:
    model = sample_model()
    assert loads(dumps(model), "m") == model
    assert loads(dumps_yaml(model), "m") == model


def test_line_numbers_survive_the_round_trip() -> None:
    model = sample_model()
    again = loads(dumps(model), "m")
    lines = [f.line for f in again.modules[0].structure.functions]
    assert lines == [f.line for f in model.modules[0].structure.functions]
    assert all(line > 0 for line in lines)


def test_output_is_deterministic_and_portable() -> None:
    text = dumps(sample_model())
    assert text == dumps(sample_model())
    assert text.endswith("\n")
    assert "\r" not in text
    assert str(Path.cwd()) not in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{", r"^m\.yaml: line 1: "),
        (b"- a\n- b\n", r"^m\.yaml: document: expected a mapping$"),
        (b'{"schema": "9"}', r"^m\.yaml: schema: unsupported schema '9' \(expected '1'\)$"),
        (b'{"schema": "1", "name": 3}', r"^m\.yaml: manifest\.name: expected a string$"),
        (
            b'{"schema": "1", "name": "a", "version": "1", "modules": [{"name": "a"}]}',
            r"^m\.yaml: manifest\.modules\[0\]\.path: expected a string$",
        ),
        (
            b'schema: "1"\nname: a\nversion: "1"\nmodules:\n- {name: a, path: a.py, sha256: x,'
            b" functions: [{name: f, parameters: [{name: p, kind: sideways}]}]}\n",
            r"^m\.yaml: manifest\.modules\[0\]\.functions\[0\]\.parameters\[0\]\.kind: "
            r"unknown value 'sideways'$",
        ),
        (b"\xff\xfe", r"^m\.yaml: not UTF-8 text$"),
        (b"[" * 5_000 + b"]" * 5_000, r"^m\.yaml: nested too deeply to read$"),
        (b"a: " + b"[" * 5_000 + b"]" * 5_000, r"^m\.yaml: nested too deeply to read$"),
    ],
)
def test_bad_manifests_are_one_line_errors(content: bytes, message: str) -> None:
    with pytest.raises(ManifestError, match=message) as caught:
        load_bytes(content, "m.yaml")
    assert "\n" not in str(caught.value)


def with_structure(structure: object) -> str:
    """The sample manifest with ``structure`` as its one module's structure."""
    header = dumps(sample_model()).split("\n---\n")[0]
    return f"{header}\n---\n{json.dumps({'demo/__init__.py': structure})}"


def structure_with(
    bad_method: object, bad_attribute: object, bad_class: object
) -> dict[str, object]:
    """A module's structure with problems (or good items) placed deep inside its second class."""
    return {
        "functions": [{"name": "f", "parameters": [{"name": "a"}]}],
        "classes": [
            {"name": "A", "methods": [{"name": "m"}]},
            {
                "name": "B",
                "methods": [{"name": "m"}, bad_method],
                "attributes": [{"name": "x"}, bad_attribute],
                "classes": [{"name": "C"}, {"name": "D", "classes": [bad_class]}],
            },
        ],
    }


GOOD_METHOD = {"name": "g", "parameters": [{"name": "self"}, {"name": "b", "kind": "keyword-only"}]}
GOOD_ATTRIBUTE = {"name": "y", "scope": "instance"}
GOOD_CLASS = {"name": "E", "line": 3}
CLASS_B = r"^m: structures\['demo/__init__\.py'\]\.classes\[1\]\."


@pytest.mark.parametrize(
    ("structure", "message"),
    [
        (
            structure_with(
                {"name": "g", "parameters": [{"name": "self"}, {"name": "b", "kind": "sideways"}]},
                GOOD_ATTRIBUTE,
                GOOD_CLASS,
            ),
            CLASS_B + r"methods\[1\]\.parameters\[1\]\.kind: unknown value 'sideways'$",
        ),
        (
            structure_with({"name": "g", "parameters": [{"name": "self"}, "b"]}, {}, {}),
            CLASS_B + r"methods\[1\]\.parameters\[1\]: expected a mapping$",
        ),
        (
            structure_with({"name": "g", "line": True}, GOOD_ATTRIBUTE, GOOD_CLASS),
            CLASS_B + r"methods\[1\]\.line: expected an integer$",
        ),
        (
            structure_with(GOOD_METHOD, {"name": "y", "scope": "global"}, GOOD_CLASS),
            CLASS_B + r"attributes\[1\]\.scope: unknown value 'global'$",
        ),
        (
            structure_with(GOOD_METHOD, GOOD_ATTRIBUTE, {"line": 3}),
            CLASS_B + r"classes\[1\]\.classes\[0\]\.name: expected a string$",
        ),
    ],
)
def test_a_problem_deep_in_a_structure_is_named_by_its_exact_place(
    structure: dict[str, object], message: str
) -> None:
    """Items are read without naming their places, and a problem is placed afterwards."""
    content = with_structure(structure)
    with pytest.raises(ManifestError, match=message):
        loads(content, "m")
    model, facts = load_bytes_deferred(content.encode(), "m")
    with pytest.raises(ManifestError, match=message):
        facts(model.modules[0].path)


def test_the_same_structure_without_problems_reads_in_full() -> None:
    content = with_structure(structure_with(GOOD_METHOD, GOOD_ATTRIBUTE, GOOD_CLASS))
    (module,) = loads(content, "m").modules
    b = module.structure.classes[1]
    assert [p.kind.value for p in b.methods[1].parameters] == [
        "positional-or-keyword",
        "keyword-only",
    ]
    assert [a.scope.value for a in b.attributes] == ["class", "instance"]
    assert b.classes[1].classes[0].line == 3


def test_embedded_form_is_a_header_then_structures_by_path() -> None:
    model = sample_model()
    text = dumps(model)
    header_text, structures_text = text.split("\n---\n")
    header = json.loads(header_text)
    (module,) = header["modules"]
    assert set(module) == {"name", "path", "sha256"}
    structures = json.loads(structures_text)
    assert list(structures) == ["demo/__init__.py"]
    assert "functions" in structures["demo/__init__.py"]
    assert len(structures_text.strip().splitlines()) == 3, "one line per module"
    header_again, structures_again = yaml.safe_load_all(text)
    assert header_again == header
    assert structures_again == structures
    (spelled_out,) = yaml.safe_load(dumps_yaml(model))["modules"]
    assert "functions" in spelled_out, "people get the structure spelled out"


def test_a_structure_document_that_is_not_json_is_one_line_error() -> None:
    text = dumps(sample_model()).replace("\n---\n{", "\n---\n{{", 1)
    with pytest.raises(ManifestError, match=r"^m: structures: invalid JSON"):
        loads(text, "m")


def test_a_module_without_structure_is_one_line_error() -> None:
    text = dumps(sample_model()).replace('"demo/__init__.py": {', '"other.py": {', 1)
    with pytest.raises(ManifestError, match=r"^m: structures: no structure for module"):
        loads(text, "m")


def test_structures_nested_too_deeply_are_one_line_error_when_read() -> None:
    header = dumps(sample_model()).split("\n---\n")[0]
    deep = '{"demo/__init__.py": {"all": ' + "[" * 5_000 + "]" * 5_000 + "}}"
    model, structure = load_bytes_deferred(f"{header}\n---\n{deep}".encode(), "m")
    with pytest.raises(ManifestError, match=r"^m: nested too deeply to read$"):
        structure(model.modules[0].path)


def test_more_than_two_documents_is_one_line_error() -> None:
    with pytest.raises(ManifestError, match=r"^m: expected one or two YAML documents$"):
        loads("a: 1\n---\nb: 2\n---\nc: 3\n", "m")


def test_the_json_form_is_one_document_that_reads_back_to_the_same_model() -> None:
    model = sample_model()
    text = dumps_json(model)

    data = json.loads(text)  # one document: a second one would make this raise
    assert "\n---\n" not in text
    assert data["modules"][0]["functions"]  # structures in place, not split off
    assert loads(text, "json") == model
    assert dumps_json(model) == text


@pytest.mark.parametrize(
    ("structure", "message"),
    [
        ({"functions": [{"name": "f", "async": None}]}, r"functions\[0\]\.async: expected true"),
        ({"functions": [{"name": "f", "line": None}]}, r"functions\[0\]\.line: expected an integ"),
        ({"functions": [{"name": "f", "line": True}]}, r"functions\[0\]\.line: expected an integ"),
        (
            {"functions": [{"name": "f", "decorators": None}]},
            r"functions\[0\]\.decorators: expected a list of strings",
        ),
        (
            {"functions": [{"name": "f", "parameters": [{"name": "a", "has_default": None}]}]},
            r"functions\[0\]\.parameters\[0\]\.has_default: expected true or false",
        ),
        (
            {"classes": [{"name": "C", "attributes": [{"name": "x", "conditional": None}]}]},
            r"classes\[0\]\.attributes\[0\]\.conditional: expected true or false",
        ),
    ],
)
def test_an_explicit_null_where_a_value_is_due_is_refused_as_before(
    structure: dict[str, object], message: str
) -> None:
    """The common shapes read inline accept exactly what the checked reading accepts."""
    content = with_structure(structure)
    with pytest.raises(ManifestError, match=message):
        loads(content, "m")
