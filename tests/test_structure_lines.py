"""Reading one module's entry of the structures document alone (``formats.structure_lines``):
the same answers as decoding the whole document, or the whole document is decoded."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from hatch_importspy.errors import ManifestError
from hatch_importspy.formats import manifest
from hatch_importspy.formats.manifest import dumps, load_bytes, load_facts_deferred
from hatch_importspy.formats.structure_lines import line_index
from hatch_importspy.model import SpyModel
from tests.test_manifest import sample_model


def three_modules() -> SpyModel:
    model = sample_model()
    (module,) = model.modules
    modules = tuple(
        replace(module, name=f"demo.m{index}", path=f"demo/m{index}.py") for index in range(3)
    )
    return replace(model, modules=(module, *modules))


def test_each_entry_is_the_whole_documents_and_the_rest_stays_undecoded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = three_modules()
    content = dumps(model).encode()
    full = {module.path: module for module in load_bytes(content, "m").modules}

    def refuse(self: object) -> object:
        raise AssertionError("decoded the whole structures document")

    monkeypatch.setattr(manifest._Documents, "structures", refuse)
    shallow, facts = load_facts_deferred(content, "m")
    for module in shallow.modules:
        structure, bindings = facts(module.path)
        assert structure == full[module.path].structure
        assert bindings == full[module.path].bindings


def test_the_index_reads_keys_as_json_does() -> None:
    document = b'{\n"a.py": {"x": 1},\n"b\\u002epy": {"y": 2},\n"a.py": {"z": 3}\n}\n'
    index = line_index(document)
    assert index is not None
    assert json.loads(document) == {"a.py": {"z": 3}, "b.py": {"y": 2}}
    assert index.entry("a.py") == {"z": 3}  # the later line wins, as in json.loads
    assert index.entry("b.py") == {"y": 2}  # an escaped key is the key it spells
    assert "c.py" not in index
    assert line_index(b"{}\n") is not None


@pytest.mark.parametrize(
    "document",
    [
        b'{"a.py": {"x": 1}}',  # one line
        b'{\n"a.py": {"x": 1}\n,"b.py": {}\n}',  # a comma at the start of a line
        b'{\n"a.py": {"x": 1}\n"b.py": {}\n}',  # a comma missing
        b'{\n "a.py": {"x": 1}\n}',  # indented
        b'{\n"a.py":{"x": 1}\n}',  # another separator
        b'{\n"a.py": {"x": 1}\n}\n\n',  # trailing lines
        b'{\n1: {"x": 1}\n}',  # not a string key
        b'{\n"a.py: {"x": 1}\n}',  # an unterminated key
        b'{\n"\xff": {}\n}',  # not UTF-8
    ],
)
def test_any_other_layout_is_left_to_the_whole_document(document: bytes) -> None:
    assert line_index(document) is None


def test_a_line_that_is_not_one_value_is_decoded_with_the_whole_document() -> None:
    model = three_modules()
    header, _, _ = dumps(model).partition("\n---\n")
    # Two pairs on one line: valid JSON, not the one-module-per-line form for "demo/m0.py".
    hidden = (
        '{\n"demo/__init__.py": {},\n"demo/m0.py": {"all": ["a"]}, "demo/m0.py": {"all": ["b"]},'
        '\n"demo/m1.py": {},\n"demo/m2.py": {}\n}\n'
    )
    _, facts = load_facts_deferred(f"{header}\n---\n{hidden}".encode(), "m")
    assert facts("demo/m0.py")[0].all == ("b",)  # what json.loads makes of the document
    broken = hidden.replace('{"all": ["a"]}', '{"all": ["a"]', 1)
    _, facts = load_facts_deferred(f"{header}\n---\n{broken}".encode(), "m")
    with pytest.raises(ManifestError, match=r"^m: structures: invalid JSON"):
        facts("demo/m0.py")


def test_a_module_missing_from_the_lines_is_looked_up_in_the_whole_document() -> None:
    text = dumps(three_modules()).replace('"demo/m1.py": {', '"other.py": {', 1)
    _, facts = load_facts_deferred(text.encode(), "m")
    with pytest.raises(ManifestError, match=r"^m: structures: no structure for module"):
        facts("demo/m1.py")
    assert facts("demo/m2.py")[0] == three_modules().modules[3].structure
