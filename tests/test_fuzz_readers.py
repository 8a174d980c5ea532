"""Property and fuzz tests: every reader of untrusted input raises nothing but its one-line error.

Each reader -- manifest, RECORD, METADATA, wheel zips, contracts, policy, lock, ``.pth`` -- is fed
generated text and mutated valid input; the only exception allowed to escape is
:class:`~hatch_importspy.errors.UnusableInputError` (a subclass for some), and its message is one
line.  The ``fast`` profile keeps the suite quick; ``scripts/fuzz.sh`` runs the same tests with
``HATCH_IMPORTSPY_FUZZ=long`` for many more examples.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hatch_importspy.describe.contracts import load_contract
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.manifest import dumps, dumps_yaml, load_bytes, load_bytes_deferred
from hatch_importspy.formats.record import parse_record, record_digests
from hatch_importspy.formats.wheel import open_wheel, read_wheel
from hatch_importspy.formats.yaml_safe import load_documents
from hatch_importspy.verify import installed
from hatch_importspy.verify.lock import loads_lock
from hatch_importspy.verify.policy import loads_policy
from tests.helpers.fakedist import make_wheel, model_for

settings.register_profile(
    "fast", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HATCH_IMPORTSPY_FUZZ", "fast"))

FILES = {"pkg/__init__.py": b"class A:\n    def f(self, x: int = 1) -> None: ...\n"}
MODEL = model_for("demo", "1.0", FILES)
EMBEDDED = dumps(MODEL).encode()
BLOCK = dumps_yaml(MODEL).encode()

yaml_ish = st.lists(
    st.sampled_from([*"ab01:-[]{}&*!|>'\"#, \n\t.²٣\0", "---", "<<", "9" * 50, "&a", "*a"]),
    max_size=120,
).map("".join)


def only_one_line_errors(read: Callable[[], Any]) -> None:
    try:
        read()
    except UnusableInputError as error:
        assert "\n" not in str(error), str(error)


def mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    content = bytearray(data)
    for position, value in edits:
        if content:
            content[position % len(content)] = value
    return bytes(content)


edits = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=8)


@given(st.binary(max_size=400))
def test_manifest_from_any_bytes(content: bytes) -> None:
    only_one_line_errors(lambda: load_bytes(content, "m.yaml"))


@given(yaml_ish)
def test_manifest_from_yaml_like_text(text: str) -> None:
    only_one_line_errors(lambda: load_bytes(text.encode(), "m.yaml"))


@given(st.sampled_from([EMBEDDED, BLOCK]), edits)
def test_manifest_mutated(content: bytes, changes: list[tuple[int, int]]) -> None:
    mutated = mutate(content, changes)

    def read_all() -> None:
        model, structure = load_bytes_deferred(mutated, "m.yaml")
        for module in model.modules:
            structure(module.path)

    only_one_line_errors(read_all)
    only_one_line_errors(lambda: load_bytes(mutated, "m.yaml"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=20,
)
manifest_keys = st.sampled_from(
    ["schema", "name", "version", "modules", "files", "expects", "environment", "private"]
)


@given(st.dictionaries(manifest_keys, json_values, max_size=6))
def test_manifest_with_wrong_shapes(changes: dict[str, Any]) -> None:
    header = json.loads(EMBEDDED.partition(b"\n---\n")[0])
    content = json.dumps({**header, **changes}).encode()
    only_one_line_errors(lambda: load_bytes(content, "m.yaml"))


@given(yaml_ish)
def test_safe_yaml_of_any_text(text: str) -> None:
    only_one_line_errors(lambda: load_documents(text, source="x.yaml", nodes=10_000))


@given(st.text(alphabet=st.sampled_from(list('ab/.,="\n\r²٣9 -_=')), max_size=300))
def test_record_of_any_text(text: str) -> None:
    only_one_line_errors(lambda: parse_record(text, source="RECORD"))
    only_one_line_errors(lambda: record_digests(text, source="RECORD"))


@given(st.text(max_size=300))
def test_record_rows_keep_their_sizes_within_limit(text: str) -> None:
    try:
        entries = parse_record(text, source="RECORD")
    except UnusableInputError:
        return
    assert all(entry.size is None or entry.size < 10**20 for entry in entries)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_metadata_and_installed_files_of_any_bytes(tmp_path: Path, content: bytes) -> None:
    info = tmp_path / "legacy-1.0.egg-info"
    info.mkdir(exist_ok=True)
    (info / "PKG-INFO").write_bytes(content)
    (info / "installed-files.txt").write_bytes(content)
    distribution = installed.InstalledDistribution(tmp_path, info)
    assert isinstance(installed._read_identity(info), tuple)
    only_one_line_errors(lambda: installed.read_record(distribution))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_pth_of_any_bytes(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "x.pth").write_bytes(content)
    [found] = installed.find_startup_files(tmp_path)
    assert all(line.startswith(("import", "<not read")) for line in found.executable_lines)


def wheel_bytes() -> bytes:
    buffer = io.BytesIO()
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"fuzz-{os.getpid()}.whl"
    make_wheel(path, "demo", "1.0", FILES, manifest=MODEL)
    buffer.write(path.read_bytes())
    path.unlink()
    return buffer.getvalue()


WHEEL = wheel_bytes()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits)
def test_wheel_mutated(tmp_path: Path, changes: list[tuple[int, int]]) -> None:
    target = tmp_path / "demo-1.0-py3-none-any.whl"
    target.write_bytes(mutate(WHEEL, changes))
    only_one_line_errors(lambda: read_wheel(target))


member_names = st.text(
    alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]),
    min_size=1,
    max_size=20,
) | st.sampled_from(["demo-1.0.dist-info/METADATA", "demo-1.0.dist-info/RECORD", "a/../b", "/x"])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(member_names, st.binary(max_size=50), max_size=6))
def test_wheel_with_any_members(tmp_path: Path, members: dict[str, bytes]) -> None:
    target = tmp_path / "any.whl"
    with zipfile.ZipFile(target, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)

    def read() -> None:
        with open_wheel(target) as opened:
            opened.contents()

    only_one_line_errors(read)


@given(yaml_ish)
def test_policy_of_any_text(text: str) -> None:
    only_one_line_errors(lambda: loads_policy(text, source="policy.yaml"))


@given(yaml_ish)
def test_lock_of_any_text(text: str) -> None:
    only_one_line_errors(lambda: loads_lock(text, source="importspy.lock"))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(yaml_ish)
def test_contract_of_any_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "contract.yml"
    path.write_text(text, encoding="utf-8")
    only_one_line_errors(lambda: load_contract(path, root=tmp_path))


@pytest.mark.parametrize(
    "read",
    [
        lambda text: loads_policy(text, source="p"),
        lambda text: loads_lock(text, source="l"),
        lambda text: load_bytes(text.encode(), "m"),
    ],
)
def test_billion_laughs_is_refused_by_every_yaml_reader(read: Callable[[str], Any]) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(UnusableInputError, match=r"aliases|expands to more than"):
        read("\n".join(lines) + "\n")
