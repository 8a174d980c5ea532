"""A ``.py`` shipped beside an extension module of its stem (mypyc): the manifest records that the
extension runs, and neither verify nor diff presents the source's structure as what runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hatch_importspy.compare.breaking import release_findings
from hatch_importspy.describe.config import ImportSpyOptions
from hatch_importspy.describe.distribution import describe_distribution
from hatch_importspy.describe.provider_source import directory_lookup
from hatch_importspy.errors import ManifestError
from hatch_importspy.facts import EnvironmentFacts
from hatch_importspy.formats.manifest import dumps, load_bytes, load_bytes_deferred, to_data
from hatch_importspy.model import SpyModel
from hatch_importspy.pyrules.extensions import extensions_by_stem, running_extensions
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.fakedist import install

SO = "md.cpython-311-x86_64-linux-gnu.so"
SOURCE = b"def mess_ratio(text: str, threshold: float = 0.2) -> float:\n    return 0.0\n"
FILES = {
    "cn/__init__.py": b"from cn.md import mess_ratio\n",
    "cn/md.py": SOURCE,
    f"cn/{SO}": b"\x7fELF not really an extension",
    "cn/api.py": b"def detect(data: bytes) -> str:\n    return ''\n",
}
FACTS = EnvironmentFacts(
    "3.11.7",
    "linux",
    "x86_64",
    "cpython",
    frozenset(),
    {"python_version": "3.11", "sys_platform": "linux", "python_full_version": "3.11.7"},
)


def describe(tmp_path: Path, files: dict[str, bytes] = FILES) -> SpyModel:
    pairs = []
    for path, content in files.items():
        source = tmp_path / "src" / path
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_bytes(content)
        pairs.append((path, source))
    return describe_distribution(
        pairs, name="cn", version="1.0", requires=(), options=ImportSpyOptions(), entry_points=()
    )


# --------------------------------------------------------------------------- the rule


def test_extension_suffixes_of_every_platform_and_the_finder_order() -> None:
    names = ["md.py", "md.so", "md.abi3.so", "md.cpython-311-x86_64-linux-gnu.so", "md.pyi"]
    assert extensions_by_stem(names) == {"md": "md.cpython-311-x86_64-linux-gnu.so"}
    assert extensions_by_stem(["md.so", "md.abi3.so"]) == {"md": "md.abi3.so"}
    assert extensions_by_stem(["md.cp311-win_amd64.pyd"]) == {"md": "md.cp311-win_amd64.pyd"}
    assert extensions_by_stem(["md.so.1", "md.txt", "md.py", "md.x.y.so"]) == {}


def test_only_a_source_beside_an_extension_of_its_stem_runs_from_it() -> None:
    paths = ["a/md.py", f"a/{SO}", "a/cd.py", f"b/{SO}", "a/__init__.py", "a/__init__.abi3.so"]
    assert running_extensions(paths) == {"a/md.py": SO, "a/__init__.py": "__init__.abi3.so"}
    assert running_extensions(["md.py", "md.abi3.so"]) == {"md.py": "md.abi3.so"}


# --------------------------------------------------------------------------- the manifest


def test_the_manifest_marks_the_module_and_hashes_both_files(tmp_path: Path) -> None:
    model = describe(tmp_path)
    modules = {module.path: module for module in model.modules}
    assert modules["cn/md.py"].runs == SO
    assert modules["cn/md.py"].structure.functions == ()  # the source's structure is not recorded
    assert modules["cn/api.py"].runs is None and modules["cn/api.py"].structure.functions
    assert f"cn/{SO}" in {entry.path for entry in model.files}
    header = to_data(model, structures=False)["modules"]
    md = modules["cn/md.py"]  # its compilation is recorded: a cache file of it is proven so
    assert md.code and md.pyc
    assert {"name": "cn.md", "path": "cn/md.py", "sha256": md.sha256, "runs": SO,
            "code": md.code, "pyc": md.pyc} in header  # fmt: skip
    assert "runs" not in next(m for m in header if m["path"] == "cn/api.py")
    text = dumps(model)
    assert dumps(describe(tmp_path / "again")) == text  # deterministic
    assert load_bytes(text.encode(), "m") == model
    deferred, _ = load_bytes_deferred(text.encode(), "m")
    assert {m.path: m.runs for m in deferred.modules}["cn/md.py"] == SO


def test_a_manifest_without_runs_still_loads(tmp_path: Path) -> None:
    model = describe(tmp_path, {p: c for p, c in FILES.items() if not p.endswith(".so")})
    assert all(module.runs is None for module in model.modules)
    assert load_bytes(dumps(model).encode(), "m") == model


@pytest.mark.parametrize("runs", ["../evil.so", "sub/md.so", "", 3])
def test_runs_must_name_a_file_beside_the_module(tmp_path: Path, runs: object) -> None:
    text = dumps(describe(tmp_path)).replace(
        f'"runs": "{SO}"', f'"runs": {runs!r}'.replace("'", '"')
    )
    with pytest.raises(ManifestError, match="runs"):
        load_bytes(text.encode(), "m")


# --------------------------------------------------------------------------- verify and diff


def test_verify_hashes_the_source_but_does_not_compare_its_structure(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    site.mkdir()
    install(site, "cn", "1.0", FILES, manifest=describe(tmp_path))
    assert verify_installed([site], [], FACTS).findings() == ()
    (site / "cn" / "md.py").write_bytes(b"X = 1\n")  # every function of the source gone
    findings = verify_installed([site], [], FACTS).findings()
    assert sorted({(f.code, f.file) for f in findings}) == [("ISP301", "cn/md.py")]
    (site / "cn" / SO).write_bytes(b"changed")  # the file that runs is vouched for too
    findings = verify_installed([site], [], FACTS).findings()
    assert ("ISP301", f"cn/{SO}") in {(f.code, f.file) for f in findings}


def test_diff_does_not_compare_a_source_that_does_not_run(tmp_path: Path) -> None:
    compiled = describe(tmp_path / "new")
    plain = describe(tmp_path / "old", {p: c for p, c in FILES.items() if not p.endswith(".so")})
    old = dataclasses.replace(plain, version="1.0")
    new = dataclasses.replace(compiled, version="1.1")
    findings = release_findings(old, new)
    assert [(f.code, f.module) for f in findings] == [("ISP514", "cn.md")]
    assert release_findings(new, dataclasses.replace(compiled, version="1.2")) == []


def test_expectations_read_the_extension_that_runs_not_the_source(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    for path, content in FILES.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(content)
    lookup = directory_lookup([site])
    md = lookup("cn.md")
    api = lookup("cn.api")
    assert md is not None and md.structure.functions == ()  # compiled: cannot tell
    assert api is not None and [f.name for f in api.structure.functions] == ["detect"]
