"""``embed``: a manifest added to a wheel from another backend, and unsound wheels refused.

The main fixture is a real setuptools wheel, built by ``python -m build --wheel --no-isolation``
from a tiny setuptools project (package data, a ``data-files`` entry that lands under ``.data/``,
a dependency and ``requires-python``).  Unsound wheels are written byte by byte, one defect each.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from hatch_importspy.describe.config import ImportSpyOptions
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.manifest import load_bytes
from hatch_importspy.formats.wheel import read_wheel
from hatch_importspy.model import SpyModel
from hatch_importspy.release.embed import describe_wheel, embed_manifest
from hatch_importspy.verify.wheels import verify_wheels

SOURCE_DATE_EPOCH = "1700000000"
DIST_INFO = "tiny_st-0.1.0.dist-info"
MANIFEST = f"{DIST_INFO}/extra_metadata/importspy.yaml"

SETUPTOOLS_PROJECT = {
    "pyproject.toml": """\
[build-system]
requires = ["setuptools>=70.1"]
build-backend = "setuptools.build_meta"

[project]
name = "tiny-st"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["packaging>=20"]

[tool.setuptools]
packages = ["tinypkg", "tinypkg.sub"]

[tool.setuptools.package-data]
tinypkg = ["*.txt"]

[tool.setuptools.data-files]
"share/tiny" = ["share/readme.txt"]

[tool.importspy]
platforms = ["linux", "darwin", "win32"]
require-manifest = true
""",
    "tinypkg/__init__.py": '"""Tiny."""\n\n__all__ = ["greet"]\n\n\ndef greet(name: str) -> str:\n'
    '    return f"hello {name}"\n',
    "tinypkg/_impl.py": "def _helper():\n    return 1\n",
    "tinypkg/data.txt": "some data\n",
    "tinypkg/sub/__init__.py": "",
    "tinypkg/sub/shapes.py": (
        "class Shape:\n"
        "    sides: int = 0\n\n"
        "    def __init__(self, name):\n"
        "        self.name = name\n\n"
        "    def area(self, scale=1.0) -> float:\n"
        "        return 0.0\n"
    ),
    "share/readme.txt": "read me\n",
}


def build_setuptools_wheel(root: Path, out: Path) -> Path:
    """Write the setuptools project under ``root`` and build its wheel into ``out``."""
    for relative, text in SETUPTOOLS_PROJECT.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    environment["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    completed = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), "."],
        cwd=root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )
    wheels = sorted(out.glob("*.whl"))
    assert completed.returncode == 0 and len(wheels) == 1, completed.stdout
    return wheels[0]


@pytest.fixture(scope="module")
def setuptools_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny_st-0.1.0-py3-none-any.whl, built by setuptools (never modified by the tests)."""
    root = tmp_path_factory.mktemp("setuptools-project")
    return build_setuptools_wheel(root, tmp_path_factory.mktemp("setuptools-dist"))


@pytest.fixture
def no_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def record_hash(content: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
    return f"sha256={digest.decode('ascii')}"


def members(wheel: Path) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.infolist()


def embedded_model(wheel: Path) -> SpyModel:
    contents = read_wheel(wheel)
    assert contents.manifest is not None
    return load_bytes(contents.manifest, str(wheel))


# --------------------------------------------------------------------------- a setuptools wheel


def test_embed_describes_a_setuptools_wheel(
    setuptools_wheel: Path, tmp_path: Path, no_source_date_epoch: None
) -> None:
    written = embed_manifest(setuptools_wheel, options=ImportSpyOptions(), output=tmp_path)
    assert written == tmp_path / setuptools_wheel.name
    model = embedded_model(written)
    assert (model.name, model.version) == ("tiny-st", "0.1.0")
    assert model.requires == ("packaging>=20",)
    assert model.environment.python == ">=3.10"  # the wheel's Requires-Python
    assert [(m.name, m.path) for m in model.modules] == [
        ("tinypkg", "tinypkg/__init__.py"),
        ("tinypkg._impl", "tinypkg/_impl.py"),
        ("tinypkg.sub", "tinypkg/sub/__init__.py"),
        ("tinypkg.sub.shapes", "tinypkg/sub/shapes.py"),
    ]
    assert [f.path for f in model.files] == [
        "tiny_st-0.1.0.data/data/share/tiny/readme.txt",
        "tinypkg/data.txt",
    ]
    shapes = model.modules[3].structure.classes[0]
    assert [m.name for m in shapes.methods] == ["__init__", "area"]
    assert model.modules[0].structure.all == ("greet",)
    with zipfile.ZipFile(written) as archive:
        for module in model.modules:
            content = archive.read(module.path)
            assert module.sha256 == hashlib.sha256(content).hexdigest()


def test_embed_keeps_every_member_and_writes_a_correct_record(
    setuptools_wheel: Path, tmp_path: Path, no_source_date_epoch: None
) -> None:
    written = embed_manifest(setuptools_wheel, options=ImportSpyOptions(), output=tmp_path)
    before, after = members(setuptools_wheel), members(written)
    record_index = [info.filename for info in before].index(f"{DIST_INFO}/RECORD")
    expected_names = [info.filename for info in before]
    expected_names.insert(record_index, MANIFEST)
    assert [info.filename for info in after] == expected_names
    originals = {info.filename: info for info in before}
    for info in after:
        if info.filename == MANIFEST:
            continue
        original = originals[info.filename]
        assert info.date_time == original.date_time, info.filename
        assert info.external_attr == original.external_attr, info.filename
        assert info.compress_type == original.compress_type, info.filename

    with zipfile.ZipFile(written) as archive:
        record = archive.read(f"{DIST_INFO}/RECORD").decode()
        rows = list(csv.reader(io.StringIO(record)))
        assert [row[0] for row in rows] == [
            name for name in expected_names if not name.endswith("/")
        ]
        for path, digest, size in rows:
            if path == f"{DIST_INFO}/RECORD":
                assert (digest, size) == ("", "")
                continue
            content = archive.read(path)
            assert (digest, size) == (record_hash(content), str(len(content))), path
        original_record = zipfile.ZipFile(setuptools_wheel).read(f"{DIST_INFO}/RECORD").decode()
        manifest_row = next(line for line in record.splitlines() if line.startswith(MANIFEST))
        assert record.replace(manifest_row + "\n", "") == original_record


def test_the_embedded_wheel_verifies_clean(setuptools_wheel: Path, tmp_path: Path) -> None:
    written = embed_manifest(setuptools_wheel, options=ImportSpyOptions(), output=tmp_path)
    result = verify_wheels([written], facts=None)
    assert result.findings() == ()
    assert result.distributions[0].has_manifest


def test_the_manifest_member_has_fixed_attributes_and_the_record_date(
    setuptools_wheel: Path, tmp_path: Path, no_source_date_epoch: None
) -> None:
    written = embed_manifest(setuptools_wheel, options=ImportSpyOptions(), output=tmp_path)
    infos = {info.filename: info for info in members(written)}
    manifest = infos[MANIFEST]
    assert manifest.date_time == infos[f"{DIST_INFO}/RECORD"].date_time
    assert manifest.external_attr == 0o100644 << 16
    assert manifest.compress_type == zipfile.ZIP_DEFLATED


def test_source_date_epoch_dates_the_manifest(
    setuptools_wheel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")  # 2020-09-13 12:26:40 UTC
    written = embed_manifest(setuptools_wheel, options=ImportSpyOptions(), output=tmp_path)
    manifest = next(info for info in members(written) if info.filename == MANIFEST)
    assert manifest.date_time == (2020, 9, 13, 12, 26, 40)


def test_a_bad_source_date_epoch_is_unusable_input(
    setuptools_wheel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(UnusableInputError, match=r"^SOURCE_DATE_EPOCH: 'yesterday' is not a"):
        embed_manifest(setuptools_wheel, options=ImportSpyOptions(), output=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_embed_is_reproducible(setuptools_wheel: Path, tmp_path: Path) -> None:
    first = embed_manifest(
        setuptools_wheel, options=ImportSpyOptions(), output=tmp_path / "first.whl"
    )
    second = embed_manifest(
        setuptools_wheel, options=ImportSpyOptions(), output=tmp_path / "second.whl"
    )
    assert first.read_bytes() == second.read_bytes()


def test_embed_in_place_replaces_the_wheel_atomically(
    setuptools_wheel: Path, tmp_path: Path
) -> None:
    wheel = tmp_path / setuptools_wheel.name
    wheel.write_bytes(setuptools_wheel.read_bytes())
    wheel.chmod(0o640)
    assert embed_manifest(wheel, options=ImportSpyOptions()) == wheel
    assert read_wheel(wheel).manifest is not None
    assert list(tmp_path.iterdir()) == [wheel]  # no temporary file left behind
    assert wheel.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    ("output", "problem"),
    [
        ("dist2", "neither an existing directory nor a .whl file name"),
        ("missing/out.whl", "its directory does not exist"),
    ],
)
def test_an_output_that_is_neither_a_directory_nor_a_wheel_path_is_refused(
    setuptools_wheel: Path, tmp_path: Path, output: str, problem: str
) -> None:
    with pytest.raises(UnusableInputError) as raised:
        embed_manifest(setuptools_wheel, options=ImportSpyOptions(), output=tmp_path / output)
    assert str(raised.value) == f"{tmp_path / output}: {problem}"
    assert list(tmp_path.iterdir()) == []


def test_a_wheel_that_already_carries_a_manifest_is_refused_unless_replaced(
    setuptools_wheel: Path, tmp_path: Path
) -> None:
    once = embed_manifest(setuptools_wheel, options=ImportSpyOptions(), output=tmp_path / "a.whl")
    with pytest.raises(UnusableInputError) as raised:
        embed_manifest(once, options=ImportSpyOptions(), output=tmp_path / "b.whl")
    assert str(raised.value).startswith(f"{once}: already carries an importspy manifest")
    assert not (tmp_path / "b.whl").exists()

    twice = embed_manifest(
        once, options=ImportSpyOptions(), output=tmp_path / "b.whl", replace=True
    )
    assert twice.read_bytes() == once.read_bytes()  # same options: the same manifest, in place
    narrowed = embed_manifest(
        once,
        options=ImportSpyOptions(platforms=("linux",)),
        output=tmp_path / "c.whl",
        replace=True,
    )
    assert [info.filename for info in members(narrowed)] == [
        info.filename for info in members(once)
    ]
    assert embedded_model(narrowed).environment.platforms == ("linux",)
    assert verify_wheels([narrowed], facts=None).findings() == ()


def test_options_shape_the_manifest(setuptools_wheel: Path, tmp_path: Path) -> None:
    options = ImportSpyOptions(
        python=">=3.11",
        machines=("x86_64",),
        env=("TINY_HOME",),
        exclude=("tinypkg.sub",),
        private=True,
    )
    model = embedded_model(embed_manifest(setuptools_wheel, options=options, output=tmp_path))
    assert model.environment.python == ">=3.11"  # an explicit value wins over Requires-Python
    assert model.environment.machines == ("x86_64",)
    assert model.environment.env == ("TINY_HOME",)
    assert [m.name for m in model.modules] == ["tinypkg", "tinypkg._impl"]
    assert "tinypkg/sub/shapes.py" in [f.path for f in model.files]
    assert model.private
    assert [f.name for f in model.modules[1].structure.functions] == ["_helper"]


def test_a_check_that_raises_stops_before_anything_is_written(
    setuptools_wheel: Path, tmp_path: Path
) -> None:
    seen: list[SpyModel] = []

    def gate(model: SpyModel) -> None:
        seen.append(model)
        raise RuntimeError("breaking")

    with pytest.raises(RuntimeError, match="breaking"):
        embed_manifest(setuptools_wheel, options=ImportSpyOptions(), output=tmp_path, check=gate)
    assert [model.name for model in seen] == ["tiny-st"]
    assert list(tmp_path.iterdir()) == []


def test_contracts_are_embedded_from_the_project_directory(
    setuptools_wheel: Path, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    (project / "contracts").mkdir(parents=True)
    (project / "contracts" / "packaging.yml").write_text(
        "filename: packaging/version.py\nclasses:\n  - name: Version\n", encoding="utf-8"
    )
    options = ImportSpyOptions(contracts=("contracts/*.yml",), infer_expectations=False)
    written = embed_manifest(setuptools_wheel, options=options, output=tmp_path, project=project)
    (expectation,) = embedded_model(written).expects
    assert (expectation.module, expectation.distribution) == ("packaging.version", "packaging")
    assert [name.name for name in expectation.names] == ["Version"]
    assert verify_wheels([written], facts=None).findings() == ()


def test_contracts_without_a_project_directory_are_refused_rather_than_ignored(
    setuptools_wheel: Path, tmp_path: Path
) -> None:
    options = ImportSpyOptions(contracts=("contracts/*.yml",))
    with pytest.raises(UnusableInputError, match="contracts are configured but no project"):
        embed_manifest(setuptools_wheel, options=options, output=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_contract_glob_that_matches_nothing_is_refused(
    setuptools_wheel: Path, tmp_path: Path
) -> None:
    options = ImportSpyOptions(contracts=("contracts/*.yml",))
    with pytest.raises(UnusableInputError, match="matches no file"):
        embed_manifest(setuptools_wheel, options=options, output=tmp_path, project=tmp_path)


def test_describe_wheel_gives_the_model_embed_writes(
    setuptools_wheel: Path, tmp_path: Path
) -> None:
    model = describe_wheel(setuptools_wheel, options=ImportSpyOptions())
    written = embed_manifest(setuptools_wheel, options=ImportSpyOptions(), output=tmp_path)
    assert model == embedded_model(written)
    assert read_wheel(setuptools_wheel).manifest is None


# --------------------------------------------------------------------------- unsound wheels


def wheel_bytes(
    entries: Sequence[tuple[str, bytes]],
    *,
    record: str | None = "auto",
    extra: Sequence[tuple[str, bytes]] = (),
) -> bytes:
    """A wheel of ``entries`` plus METADATA and RECORD (``None``: no RECORD; ``auto``: correct);
    ``extra`` members are written after RECORD and are not listed in it."""
    dist_info = "evil-1.0.dist-info"
    files = [*entries, (f"{dist_info}/METADATA", METADATA)]
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are what some tests want
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in files:
                archive.writestr(name, content)
            if record is not None:
                if record == "auto":
                    rows = [f"{n},{record_hash(c)},{len(c)}" for n, c in files]
                    record = "\n".join([*rows, f"{dist_info}/RECORD,,"]) + "\n"
                archive.writestr(f"{dist_info}/RECORD", record)
            for name, content in extra:
                archive.writestr(name, content)
    return buffer.getvalue()


GOOD = [("evil/__init__.py", b"def f(): ...\n")]
METADATA = b"Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n"


def truncated() -> bytes:
    data = wheel_bytes(GOOD)
    return data[: len(data) // 2]


def corrupted_member() -> bytes:
    data = bytearray(wheel_bytes([("evil/__init__.py", b"x = 1\n" * 200)]))
    start = data.index(b"evil/__init__.py") + len(b"evil/__init__.py")
    data[start + 5] ^= 0xFF  # inside the compressed bytes of the first member
    return bytes(data)


UNSOUND: dict[str, tuple[Callable[[], bytes], str]] = {
    "path traversal": (
        lambda: wheel_bytes([*GOOD, ("../evil.py", b"import os\n")]),
        "member '../evil.py' contains a '..' component",
    ),
    "absolute member": (
        lambda: wheel_bytes([*GOOD, ("/etc/evil.pth", b"import os\n")]),
        "member '/etc/evil.pth' is an absolute path",
    ),
    "duplicate member": (
        lambda: wheel_bytes([*GOOD, ("evil/__init__.py", b"import os\n")]),
        "member 'evil/__init__.py' appears twice",
    ),
    "missing RECORD": (
        lambda: wheel_bytes(GOOD, record=None),
        "evil-1.0.dist-info/RECORD is missing",
    ),
    "truncated zip": (truncated, "not a valid wheel (zip) file"),
    "not a zip": (lambda: b"#!/bin/sh\necho not a wheel\n", "not a valid wheel (zip) file"),
    "corrupt member": (corrupted_member, "cannot decompress"),
    "member not in RECORD": (
        lambda: wheel_bytes(GOOD, extra=[("evil/payload.pth", b"import os\n")]),
        "evil/payload.pth is not listed in RECORD",
    ),
    "tampered member": (
        lambda: wheel_bytes(
            GOOD,
            record=(
                f"evil/__init__.py,{record_hash(b'something else')},13\n"
                f"evil-1.0.dist-info/METADATA,{record_hash(METADATA)},{len(METADATA)}\n"
                "evil-1.0.dist-info/RECORD,,\n"
            ),
        ),
        "evil/__init__.py does not match its RECORD hash",
    ),
    "member without a hash": (
        lambda: wheel_bytes(
            GOOD,
            record=(
                f"evil/__init__.py,{record_hash(GOOD[0][1])},{len(GOOD[0][1])}\n"
                "evil-1.0.dist-info/METADATA,,\nevil-1.0.dist-info/RECORD,,\n"
            ),
        ),
        "RECORD lists evil-1.0.dist-info/METADATA without a hash",
    ),
    "wrong size": (
        lambda: wheel_bytes(
            GOOD,
            record=(
                f"evil/__init__.py,{record_hash(GOOD[0][1])},999\n"
                f"evil-1.0.dist-info/METADATA,{record_hash(METADATA)},{len(METADATA)}\n"
                "evil-1.0.dist-info/RECORD,,\n"
            ),
        ),
        "evil/__init__.py does not match its RECORD size",
    ),
    "RECORD names a missing file": (
        lambda: wheel_bytes(
            [],
            record=(
                f"evil/gone.py,{record_hash(b'')},0\n"
                f"evil-1.0.dist-info/METADATA,{record_hash(METADATA)},{len(METADATA)}\n"
                "evil-1.0.dist-info/RECORD,,\n"
            ),
        ),
        "RECORD lists 'evil/gone.py', which is not in the wheel",
    ),
    "signed RECORD": (
        lambda: wheel_bytes(GOOD, extra=[("evil-1.0.dist-info/RECORD.jws", b"{}")]),
        "RECORD is signed (RECORD.jws)",
    ),
    "no dist-info": (
        lambda: zip_of([("evil/__init__.py", b"")]),
        "no .dist-info directory",
    ),
}


def zip_of(entries: Sequence[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("case", sorted(UNSOUND))
def test_an_unsound_wheel_is_refused_with_one_line(case: str, tmp_path: Path) -> None:
    make, problem = UNSOUND[case]
    wheel = tmp_path / "evil-1.0-py3-none-any.whl"
    wheel.write_bytes(make())
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UnusableInputError) as raised:
        embed_manifest(wheel, options=ImportSpyOptions(), output=out)
    message = str(raised.value)
    assert message.startswith(f"{wheel}: "), message
    assert problem in message
    assert "\n" not in message
    assert list(out.iterdir()) == []


def test_a_sound_hand_made_wheel_is_accepted(tmp_path: Path) -> None:
    wheel = tmp_path / "evil-1.0-py3-none-any.whl"
    wheel.write_bytes(wheel_bytes(GOOD))
    written = embed_manifest(wheel, options=ImportSpyOptions(), output=tmp_path / "ok.whl")
    assert verify_wheels([written], facts=None).findings() == ()
