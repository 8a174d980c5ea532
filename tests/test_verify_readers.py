"""The readers behind verify: RECORD parsing, installed distributions, ownership, wheels."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from hatch_importspy.errors import ManifestError, UnusableInputError
from hatch_importspy.formats.digest import sha256_file
from hatch_importspy.formats.manifest import dumps, dumps_yaml, load_bytes_deferred
from hatch_importspy.formats.record import (
    RecordEntry,
    bytecode_source,
    hex_to_record_digest,
    installed_path,
    is_bytecode_cache,
    normalise_record_path,
    parse_record,
    read_regular_file,
    record_digest_to_hex,
    record_digests,
    stated_digests,
)
from hatch_importspy.formats.wheel import (
    open_wheel,
    read_member,
    read_wheel,
    read_wheel_manifest,
    unsafe_member_problem,
)
from hatch_importspy.model import ModuleStructure
from hatch_importspy.verify.installed import (
    InstalledDistribution,
    InstalledVersions,
    RecordIndex,
    find_distributions,
    hash_files,
    list_files,
    read_manifest_bytes,
    read_record,
    unique_directories,
)
from hatch_importspy.verify.targets import load_model
from tests.helpers.fakedist import install, make_wheel, model_for, record_hash, sha

FILES = {"pkg/__init__.py": b"def f(a): ...\n", "pkg/data.json": b"{}\n"}


# --------------------------------------------------------------------------- records


def test_record_digest_conversions() -> None:
    content = b"hello\n"
    hex_digest = hashlib.sha256(content).hexdigest()
    spelled = record_hash(content).removeprefix("sha256=")
    assert record_digest_to_hex(spelled) == hex_digest
    assert hex_to_record_digest(hex_digest) == spelled
    assert record_digest_to_hex("not base64!") is None
    assert record_digest_to_hex("AAAA") is None  # decodes, but is not 32 bytes


def test_record_entry_sha256() -> None:
    content = b"x"
    assert RecordEntry("a", record_hash(content)).sha256 == sha(content)
    assert RecordEntry("a", None).sha256 is None
    assert RecordEntry("a", "md5=abc").sha256 is None
    assert RecordEntry("a", "sha256=garbage!").sha256 == "sha256=garbage!"


def test_parse_record() -> None:
    text = 'pkg/a.py,sha256=abc,12\n"pkg/with,comma.py",,\n\npkg-1.0.dist-info/RECORD,,\n'
    assert parse_record(text, source="RECORD") == (
        RecordEntry("pkg/a.py", "sha256=abc", 12),
        RecordEntry("pkg/with,comma.py", None, None),
        RecordEntry("pkg-1.0.dist-info/RECORD", None, None),
    )


@pytest.mark.parametrize(
    "text",
    [
        # without a quote character: rows split at the commas
        f"./pkg//a.py,{record_hash(b'a')},1\npkg/b.py,sha256=garbage!,\n\npkg/c.py,md5=x,3\n"
        "pkg-1.0.dist-info/RECORD,,\npkg/__pycache__/a.cpython-311.pyc,,\n",
        # quoted rows: through the csv module
        f'"pkg/with,comma.py",{record_hash(b"b")},1\r\npkg/a.py,,\r\n',
    ],
)
def test_record_digests_agree_with_parsed_rows(text: str) -> None:
    expected = {normalise_record_path(e.path): e.sha256 for e in parse_record(text, source="R")}
    assert record_digests(text, source="R") == expected
    assert stated_digests(parse_record(text, source="R")) == expected


def test_record_digests_spell_digests_as_hex() -> None:
    text = f"./pkg//a.py,{record_hash(b'a')},1\npkg/b.py,sha256=garbage!,\npkg/c.py,,\n"
    assert record_digests(text, source="R") == {
        "pkg/a.py": sha(b"a"),
        "pkg/b.py": "sha256=garbage!",
        "pkg/c.py": None,
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,c,d\n", "x/RECORD: line 1: expected 'path,hash,size', found 4 fields"),
        ("a.py,sha256=x,12\nb.py,sha256=y,big\n", "x/RECORD: line 2: size 'big' is not a number"),
    ],
)
def test_malformed_record(text: str, message: str) -> None:
    with pytest.raises(UnusableInputError) as caught:
        parse_record(text, source="x/RECORD")
    assert str(caught.value) == message
    with pytest.raises(UnusableInputError) as caught:
        record_digests(text, source="x/RECORD")
    assert str(caught.value) == message


def test_path_helpers() -> None:
    assert normalise_record_path("./pkg//a.py") == "pkg/a.py"
    assert normalise_record_path("../../bin/x") == "../../bin/x"
    assert installed_path("pkg/a.py", "pkg-1.0.dist-info") == "pkg/a.py"
    assert installed_path("pkg-1.0.data/purelib/pkg/a.py", "pkg-1.0.dist-info") == "pkg/a.py"
    assert installed_path("pkg-1.0.data/platlib/ext.so", "pkg-1.0.dist-info") == "ext.so"
    assert installed_path("pkg-1.0.data/scripts/tool", "pkg-1.0.dist-info") is None
    assert is_bytecode_cache("pkg/__pycache__/a.cpython-311.pyc")
    assert is_bytecode_cache("__pycache__/top.cpython-311.pyc")
    assert not is_bytecode_cache("pkg/a.pyc")
    assert bytecode_source("pkg/sub/__pycache__/a.cpython-311.opt-2.pyc") == "pkg/sub/a.py"
    assert bytecode_source("__pycache__/top.cpython-311.pyc") == "top.py"
    assert bytecode_source("pkg/a.pyc") is None


def test_sha256_file_reads_large_files_in_pieces(tmp_path: Path) -> None:
    content = bytes(range(256)) * 20_000  # ~5 MB, more than one chunk
    (tmp_path / "big").write_bytes(content)
    assert sha256_file(tmp_path / "big") == sha(content)


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="POSIX")
def test_fifos_and_devices_are_never_waited_on_nor_read_forever(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")  # nobody writes to it: a blocking open would wait forever
    (tmp_path / "zero").symlink_to("/dev/zero")  # endless
    assert sha256_file(tmp_path / "fifo") == sha(b"")  # differs from any module's digest
    with pytest.raises(OSError, match="not a regular file"):
        sha256_file(tmp_path / "zero")
    for special in ("fifo", "zero"):
        with pytest.raises(OSError, match="not a regular file"):
            read_regular_file(tmp_path / special)
    assert hash_files(tmp_path, ["zero"]) == {"zero": "unreadable: not a regular file"}
    planted = tmp_path / "planted-1.0.dist-info"
    planted.mkdir()
    os.mkfifo(planted / "METADATA")
    (distribution,) = find_distributions([tmp_path])
    assert (distribution.name, distribution.version) == ("planted", "1.0")  # the directory's
    (tmp_path / "plain").write_bytes(b"x" * 100_000)
    assert read_regular_file(tmp_path / "plain") == b"x" * 100_000


# --------------------------------------------------------------------------- installed


def test_find_distributions_reads_names_and_versions(tmp_path: Path) -> None:
    info = install(tmp_path, "My.Pkg", "1.0.post1", FILES)
    legacy = tmp_path / "old_thing-0.9-py3.11.egg-info"
    legacy.write_text("Metadata-Version: 1.0\nName: old-thing\nVersion: 0.9\n")
    broken = tmp_path / "nameless-2.0.dist-info"
    broken.mkdir()
    (tmp_path / "pkg").mkdir(exist_ok=True)
    found = find_distributions([tmp_path, tmp_path / "." / "."])
    assert found == (
        InstalledDistribution(tmp_path, info),
        InstalledDistribution(tmp_path, broken),
        InstalledDistribution(tmp_path, legacy),
    )
    assert [(d.name, d.version, d.canonical_name) for d in found] == [
        ("My.Pkg", "1.0.post1", "my-pkg"),
        ("nameless", "2.0", "nameless"),
        ("old-thing", "0.9", "old-thing"),
    ]
    first = find_distributions([tmp_path])[0]
    assert first.canonical_name == "my-pkg"
    assert first.metadata_name == "My.Pkg-1.0.post1.dist-info"


def test_canonical_name_from_metadata_when_the_directory_name_is_ambiguous(
    tmp_path: Path,
) -> None:
    unescaped = tmp_path / "python-dateutil-2.8.2.dist-info"  # the name's "-" not escaped
    unescaped.mkdir()
    (unescaped / "METADATA").write_text("Name: python-dateutil\nVersion: 2.8.2\n")
    (distribution,) = find_distributions([tmp_path])
    assert distribution.canonical_name == "python-dateutil"
    assert distribution.version == "2.8.2"


def test_installed_versions_read_metadata_only_when_looked_up(tmp_path: Path) -> None:
    install(tmp_path, "pkg", "1.0", {})
    install(tmp_path, "other", "2.0", {})
    first = {d.canonical_name: d for d in find_distributions([tmp_path])}
    versions = InstalledVersions(first)
    assert versions.get("pkg") == "1.0"
    assert versions.get("absent") is None
    assert "_identity" in vars(first["pkg"])
    assert "_identity" not in vars(first["other"])
    assert dict(versions) == {"other": "2.0", "pkg": "1.0"}


def test_find_distributions_in_path_order(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    install(second, "pkg", "2.0", {})
    install(first, "pkg", "1.0", {})
    assert [d.version for d in find_distributions([first, second])] == ["1.0", "2.0"]


def test_unique_directories_follow_symlinks(tmp_path: Path) -> None:
    real = tmp_path / "lib"
    real.mkdir()
    (tmp_path / "lib64").symlink_to(real)
    assert unique_directories([real, tmp_path / "lib64", real]) == (real,)


def test_unlistable_site_dir_is_unusable(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match="cannot list directory"):
        find_distributions([tmp_path / "absent"])


def test_read_record_and_manifest(tmp_path: Path) -> None:
    model = model_for("pkg", "1.0", FILES)
    install(tmp_path, "pkg", "1.0", FILES, manifest=model)
    (distribution,) = find_distributions([tmp_path])
    record = read_record(distribution)
    assert record is not None
    assert [entry.path for entry in record] == [
        "pkg/__init__.py",
        "pkg/data.json",
        "pkg-1.0.dist-info/METADATA",
        "pkg-1.0.dist-info/extra_metadata/importspy.yaml",
        "pkg-1.0.dist-info/RECORD",
    ]
    assert record[0].sha256 == sha(FILES["pkg/__init__.py"])
    manifest = read_manifest_bytes(distribution)
    assert manifest is not None and b'"name": "pkg"' in manifest


def test_missing_record_and_manifest_are_none(tmp_path: Path) -> None:
    install(tmp_path, "pkg", "1.0", FILES, record=False)
    (distribution,) = find_distributions([tmp_path])
    assert read_record(distribution) is None
    assert read_manifest_bytes(distribution) is None


def test_unreadable_record_names_the_file(tmp_path: Path) -> None:
    info = install(tmp_path, "pkg", "1.0", FILES)
    (info / "RECORD").write_bytes(b"\xff\xfe broken")
    (distribution,) = find_distributions([tmp_path])
    with pytest.raises(UnusableInputError, match=r"pkg-1\.0\.dist-info/RECORD: cannot read"):
        read_record(distribution)


def test_egg_info_installed_files_are_read_relative_to_site(tmp_path: Path) -> None:
    egg = tmp_path / "legacy-1.0-py3.11.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Name: legacy\nVersion: 1.0\n")
    (egg / "installed-files.txt").write_text("../legacy/__init__.py\nPKG-INFO\n")
    (distribution,) = find_distributions([tmp_path])
    assert read_record(distribution) == (
        RecordEntry("legacy/__init__.py"),
        RecordEntry("legacy-1.0-py3.11.egg-info/PKG-INFO"),
    )


def test_ownership_index(tmp_path: Path) -> None:
    install(tmp_path, "alpha", "1.0", {"ns/a.py": b"", "shared.txt": b""})
    install(tmp_path, "beta", "1.0", {"ns/b.py": b""}, record_extra={"shared.txt": ""})
    distributions = find_distributions([tmp_path])
    ownership = RecordIndex(distributions)
    assert ownership.owners_of(tmp_path / "ns" / "a.py") == ("alpha",)
    assert ownership.owners_of(tmp_path / "shared.txt") == ("alpha", "beta")
    assert ownership.owners_of(tmp_path / "ns" / "c.py") == ()
    relative = ownership.relative_to(tmp_path)
    assert "ns/b.py" in relative
    assert "ns/./b.py" in relative
    assert "ns/c.py" not in relative


def test_hash_files_and_list_files(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "a.py").write_bytes(b"a")
    (tmp_path / "pkg" / "sub" / "b.py").write_bytes(b"b")
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path / "pkg")
    (tmp_path / "top.py").write_bytes(b"")
    assert hash_files(tmp_path, ["pkg/a.py", "pkg/gone.py", "pkg/a.py/x"]) == {
        "pkg/a.py": sha(b"a"),
        "pkg/gone.py": None,
        "pkg/a.py/x": None,
    }
    assert list_files(tmp_path, ["pkg"]) == ("pkg/a.py", "pkg/loop", "pkg/sub/b.py")
    assert list_files(tmp_path, ["absent"]) == ()


def test_list_files_leaves_out_known_files_and_their_bytecode(tmp_path: Path) -> None:
    cache = tmp_path / "pkg" / "__pycache__"
    cache.mkdir(parents=True)
    for name in ("a.py", "b.py", "a.pyc"):
        (tmp_path / "pkg" / name).write_bytes(b"")
    for name in ("a.cpython-311.pyc", "b.cpython-311.pyc", "gone.cpython-311.pyc", "a.txt"):
        (cache / name).write_bytes(b"")
    known = {"pkg/a.py"}
    assert list_files(tmp_path, ["pkg"], known=known) == (
        "pkg/__pycache__/a.txt",
        "pkg/__pycache__/b.cpython-311.pyc",
        "pkg/__pycache__/gone.cpython-311.pyc",
        "pkg/a.pyc",
        "pkg/b.py",
    )


# --------------------------------------------------------------------------- wheels


def test_read_wheel(tmp_path: Path) -> None:
    model = model_for("pkg", "1.0", FILES)
    wheel = make_wheel(tmp_path / "pkg-1.0-py3-none-any.whl", "pkg", "1.0", FILES, manifest=model)
    contents = read_wheel(wheel)
    assert (contents.name, contents.version, contents.metadata_dir) == (
        "pkg",
        "1.0",
        "pkg-1.0.dist-info",
    )
    assert contents.digests["pkg/__init__.py"] == sha(FILES["pkg/__init__.py"])
    assert "pkg-1.0.dist-info/RECORD" in contents.digests
    assert {entry.path for entry in contents.record} >= set(FILES)
    assert contents.manifest is not None and b'"version": "1.0"' in contents.manifest
    assert read_member(wheel, "pkg/data.json") == b"{}\n"
    assert read_wheel(wheel, hash_members=False).digests == {}


def test_wheel_without_manifest(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "pkg-1.0-py3-none-any.whl", "pkg", "1.0", FILES)
    assert read_wheel(wheel).manifest is None


def test_manifest_is_read_without_record(tmp_path: Path) -> None:
    """``show`` needs only the manifest: a damaged RECORD does not stop it (verify reports it)."""
    model = model_for("pkg", "1.0", FILES)
    wheel = make_wheel(
        tmp_path / "pkg-1.0-py3-none-any.whl",
        "pkg",
        "1.0",
        FILES,
        manifest=model,
        record_overrides={"pkg/data.json": "sha256=x,not-a-size"},
    )
    with pytest.raises(UnusableInputError, match="size 'not-a-size' is not a number"):
        read_wheel(wheel)
    manifest = read_wheel_manifest(wheel)
    assert manifest is not None
    assert manifest.source == f"{wheel}!pkg-1.0.dist-info/extra_metadata/importspy.yaml"
    assert manifest.data == dumps(model).encode()
    assert load_model(str(wheel), ()) == model


def test_manifest_only_reader_without_manifest_or_with_unsafe_names(tmp_path: Path) -> None:
    bare = make_wheel(tmp_path / "pkg-1.0-py3-none-any.whl", "pkg", "1.0", FILES)
    assert read_wheel_manifest(bare) is None
    with pytest.raises(UnusableInputError, match="carries no importspy manifest"):
        load_model(str(bare), ())
    unsafe = make_wheel(
        tmp_path / "evil-1.0-py3-none-any.whl",
        "evil",
        "1.0",
        FILES,
        manifest=model_for("evil", "1.0", FILES),
        unrecorded={"../evil-1.0.dist-info/extra_metadata/importspy.yaml": b"{}"},
    )
    with pytest.raises(UnusableInputError, match=r"contains a '\.\.' component"):
        read_wheel_manifest(unsafe)
    several = _zip(
        tmp_path / "two.whl",
        {
            "a-1.0.dist-info/extra_metadata/importspy.yaml": b"{}",
            "b-1.0.dist-info/extra_metadata/importspy.yaml": b"{}",
        },
    )
    with pytest.raises(UnusableInputError, match=r"several \.dist-info directories"):
        read_wheel_manifest(several)


def test_bad_zip_is_unusable(tmp_path: Path) -> None:
    wheel = tmp_path / "bad-1.0-py3-none-any.whl"
    wheel.write_bytes(b"not a zip")
    with pytest.raises(UnusableInputError) as caught:
        read_wheel(wheel)
    assert str(caught.value).startswith(f"{wheel}: not a valid wheel (zip) file")
    with pytest.raises(UnusableInputError, match="cannot read"):
        read_wheel(tmp_path / "absent.whl")


def test_encrypted_member_is_unusable(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "pkg-1.0-py3-none-any.whl", "pkg", "1.0", FILES)
    data = bytearray(wheel.read_bytes())
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 1  # the "encrypted" flag of the first member's central directory entry
    encrypted = tmp_path / "enc-1.0-py3-none-any.whl"
    encrypted.write_bytes(bytes(data))
    first = zipfile.ZipFile(wheel).namelist()[0]
    with pytest.raises(UnusableInputError) as caught:
        read_wheel(encrypted)
    assert str(caught.value) == f"{encrypted}: {first}: is encrypted"
    with pytest.raises(UnusableInputError, match=r": is encrypted$"):
        read_member(encrypted, first)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def test_wheel_without_record_or_dist_info_is_unusable(tmp_path: Path) -> None:
    no_record = _zip(tmp_path / "a.whl", {"a-1.0.dist-info/METADATA": b"Name: a\nVersion: 1.0\n"})
    with pytest.raises(UnusableInputError) as caught:
        read_wheel(no_record)
    assert str(caught.value) == f"{no_record}: a-1.0.dist-info/RECORD is missing"
    no_info = _zip(tmp_path / "b.whl", {"b/__init__.py": b""})
    with pytest.raises(UnusableInputError, match=r"b\.whl: no \.dist-info directory"):
        read_wheel(no_info)


def test_open_wheel_reads_members_and_leaves_the_callers_errors_alone(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "pkg-1.0-py3-none-any.whl", "pkg", "1.0", FILES)
    with open_wheel(wheel) as archive:
        assert archive.metadata_dir == "pkg-1.0.dist-info"
        assert archive.record_name == "pkg-1.0.dist-info/RECORD"
        name = next(iter(FILES))
        assert archive.read(name) == FILES[name]
        assert archive.sha256(name) == hashlib.sha256(FILES[name]).hexdigest()
        with pytest.raises(UnusableInputError) as caught:
            archive.read("pkg/absent.py")
        assert str(caught.value) == f"{wheel}: no member 'pkg/absent.py'"
    # An error raised by the code inside the block is not the wheel's: it is not relabelled.
    with pytest.raises(OSError, match="disk full"), open_wheel(wheel):
        raise OSError("disk full")


@pytest.mark.parametrize(
    ("member", "problem"),
    [
        ("/etc/passwd", "is an absolute path"),
        ("C:/evil.py", "is an absolute path"),
        ("pkg/../../evil.pth", "contains a '..' component"),
        ("pkg\\evil.py", "contains a backslash"),
    ],
)
def test_unsafe_member_names_are_unusable(tmp_path: Path, member: str, problem: str) -> None:
    assert unsafe_member_problem(member) == problem
    wheel = make_wheel(
        tmp_path / "pkg-1.0-py3-none-any.whl", "pkg", "1.0", FILES, unrecorded={member: b"x"}
    )
    with pytest.raises(UnusableInputError) as caught:
        read_wheel(wheel)
    assert str(caught.value) == f"{wheel}: member {member!r} {problem}"


def test_duplicate_member_is_unusable(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "pkg-1.0-py3-none-any.whl", "pkg", "1.0", FILES)
    with zipfile.ZipFile(wheel, "a") as archive, pytest.warns(UserWarning):
        archive.writestr("pkg/__init__.py", b"evil")
    with pytest.raises(UnusableInputError) as caught:
        read_wheel(wheel)
    assert str(caught.value) == f"{wheel}: member 'pkg/__init__.py' appears twice"


# --------------------------------------------------------------------------- deferred manifest


def test_deferred_manifest_reads_structures_on_demand() -> None:
    model = model_for("pkg", "1.0", FILES)
    data = dumps(model).encode()
    shallow, structures = load_bytes_deferred(data, "m.yaml")
    assert [module.structure for module in shallow.modules] == [ModuleStructure()]
    assert dataclasses.replace(shallow, modules=model.modules) == model
    assert structures("pkg/__init__.py") == model.modules[0].structure
    assert load_bytes_deferred(dumps_yaml(model).encode(), "m.yaml")[0] == shallow


def test_deferred_manifest_reports_a_bad_structure_when_asked() -> None:
    text = dumps(model_for("pkg", "1.0", FILES)).replace(
        '"kind":"positional-or-keyword"', '"kind":"odd"'
    )
    assert '"odd"' in text
    shallow, structures = load_bytes_deferred(text.encode(), "m.yaml")
    assert shallow.modules[0].path == "pkg/__init__.py"
    with pytest.raises(ManifestError) as caught:
        structures("pkg/__init__.py")
    assert str(caught.value) == (
        "m.yaml: structures['pkg/__init__.py'].functions[0].parameters[0].kind: unknown value 'odd'"
    )
    with pytest.raises(ManifestError, match=r"m\.yaml: schema: unsupported schema"):
        load_bytes_deferred(text.replace('"schema": "1"', '"schema": "0"').encode(), "m.yaml")


def test_undecodable_metadata_falls_back_to_the_directory_name(tmp_path: Path) -> None:
    info = install(tmp_path, "pkg", "1.0", FILES)
    (info / "METADATA").write_bytes(b"Name: \xff\xfe\n")
    (distribution,) = find_distributions([tmp_path])
    assert (distribution.name, distribution.version) == ("pkg", "1.0")


def test_manifest_start_stops_after_the_separator_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hatch_importspy.formats.manifest import DOCUMENT_SEPARATOR
    from hatch_importspy.verify import installed

    install(tmp_path, "pkg", "1.0", FILES, manifest=model_for("pkg", "1.0", FILES))
    (distribution,) = find_distributions([tmp_path])
    whole = distribution.manifest_path.read_bytes()
    separator = DOCUMENT_SEPARATOR.encode()
    end = whole.index(separator) + len(separator)
    for chunk in (3, 7, len(separator), 4096):
        monkeypatch.setattr(installed, "_MANIFEST_CHUNK", chunk)
        assert installed.read_manifest_start(distribution, until=separator) == whole[:end]
    assert installed.read_manifest_start(distribution, until=b"never there") == whole
