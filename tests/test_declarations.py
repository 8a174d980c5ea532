"""Entry points, script wrappers and Requires-Dist: the parsers, the manifest field, the
comparisons (ISP340-ISP342) and what verify says for an installed distribution."""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from email.parser import HeaderParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hatch_importspy.compare.entry_points import entry_point_findings, requires_findings
from hatch_importspy.compare.wrappers import wrapper_call, wrapper_findings
from hatch_importspy.errors import ManifestError
from hatch_importspy.formats.entry_points import (
    ObjectReference,
    object_reference,
    parse_entry_points,
)
from hatch_importspy.formats.manifest import dumps, loads, to_data
from hatch_importspy.model import EntryPoint, SpyModel
from hatch_importspy.verify.declared import _plain_requires_dist, read_requires_dist
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.fakedist import install, model_for, record_hash

TEXT = """\
[console_scripts]
tool = pkg.cli:main

[gui_scripts]
tool-gui = pkg.gui:App.run

# a comment
[pytest11]
pkg = pkg.plugin [testing]
"""
ENTRIES = (
    EntryPoint("console_scripts", "tool", "pkg.cli:main"),
    EntryPoint("gui_scripts", "tool-gui", "pkg.gui:App.run"),
    EntryPoint("pytest11", "pkg", "pkg.plugin [testing]"),
)
PIP_WRAPPER = b"""#!/venv/bin/python
# -*- coding: utf-8 -*-
import re
import sys
from pkg.cli import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""
EXPECTED = ObjectReference("pkg.cli", "main")


# --------------------------------------------------------------------------- parsing


def test_entry_points_txt_is_read_as_importlib_metadata_reads_it() -> None:
    assert parse_entry_points(TEXT) == ENTRIES
    assert parse_entry_points("") == ()


def test_a_duplicate_line_is_kept() -> None:
    doubled = parse_entry_points("[g]\na = x:y\na = evil:run\n")
    assert doubled == (EntryPoint("g", "a", "evil:run"), EntryPoint("g", "a", "x:y"))


def test_object_references() -> None:
    assert object_reference("pkg.gui:App.run [x]") == ObjectReference("pkg.gui", "App.run")
    assert object_reference("pkg.plugin") == ObjectReference("pkg.plugin", None)
    assert object_reference("not a reference!") is None


# --------------------------------------------------------------------------- the manifest field


def model(entry_points: tuple[EntryPoint, ...] | None) -> SpyModel:
    return SpyModel(name="pkg", version="1.0", entry_points=entry_points)


def test_manifest_records_entry_points_by_group_and_name_and_reads_them_back() -> None:
    data = to_data(model(ENTRIES))
    assert data["entry_points"] == {
        "console_scripts": {"tool": "pkg.cli:main"},
        "gui_scripts": {"tool-gui": "pkg.gui:App.run"},
        "pytest11": {"pkg": "pkg.plugin [testing]"},
    }
    assert loads(dumps(model(ENTRIES)), "m").entry_points == ENTRIES
    assert dumps(model(tuple(reversed(ENTRIES)))) == dumps(model(ENTRIES))


def test_none_declared_is_written_and_differs_from_not_recorded() -> None:
    assert to_data(model(()))["entry_points"] == {}
    assert loads(dumps(model(())), "m").entry_points == ()
    assert "entry_points" not in to_data(model(None))
    assert loads(dumps(model(None)), "m").entry_points is None  # an older manifest still loads


@pytest.mark.parametrize(
    "field",
    ['"entry_points": []', '"entry_points": {"g": ["x"]}', '"entry_points": {"g": {"a": 1}}'],
)
def test_a_malformed_field_is_a_manifest_error(field: str) -> None:
    text = dumps(model(None)).replace('"expects": []', f'"expects": [], {field}', 1)
    with pytest.raises(ManifestError, match="entry_points"):
        loads(text, "m")


# --------------------------------------------------------------------------- comparisons


def test_same_entry_points_give_nothing() -> None:
    assert entry_point_findings("pkg", ENTRIES, tuple(reversed(ENTRIES)), file="f") == []


def test_changed_added_and_removed_entry_points() -> None:
    installed = (
        EntryPoint("console_scripts", "tool", "evil:run"),
        EntryPoint("pytest11", "pkg", "pkg.plugin [testing]"),
        EntryPoint("hatch", "pkg", "evil"),
    )
    findings = entry_point_findings("pkg", ENTRIES, installed, file="f")
    assert [(f.code, f.object, f.expected, f.found) for f in findings] == [
        ("ISP340", "[console_scripts] tool", "pkg.cli:main", "evil:run"),
        ("ISP340", "[gui_scripts] tool-gui", "pkg.gui:App.run", None),
        ("ISP340", "[hatch] pkg", None, "evil"),
    ]


def test_a_duplicate_entry_is_a_difference() -> None:
    installed = (*ENTRIES, EntryPoint("pytest11", "pkg", "evil"))
    findings = entry_point_findings("pkg", ENTRIES, installed, file="f")
    assert [(f.code, f.found) for f in findings] == [("ISP340", "evil")]


def test_requires_dist_order_does_not_matter() -> None:
    assert requires_findings("pkg", ["a>=1", "b"], ["b", "a>=1"], file="M") == []


def test_requires_dist_rewritten_dropped_and_added() -> None:
    findings = requires_findings("pkg", ["a>=1", "b", "c"], ["a>=0", "c", "evil"], file="M")
    assert [(f.code, f.expected, f.found) for f in findings] == [
        ("ISP342", "a>=1", "a>=0"),
        ("ISP342", "b", None),
        ("ISP342", None, "evil"),
    ]
    assert requires_findings("pkg", ["a"], ["a", "a"], file="M")[0].found == "a"


# --------------------------------------------------------------------------- wrappers


def test_pip_wrapper_calls_its_entry_point() -> None:
    assert wrapper_call(PIP_WRAPPER) == EXPECTED


def test_installer_wrapper_with_a_dotted_attribute_and_a_trampoline() -> None:
    source = (
        b"#!/bin/sh\n'''exec' \"/a very/long/python\" \"$0\" \"$@\"\n' '''\n"
        b"import re\nimport sys\nfrom pkg.gui import App\n"
        b'if __name__ == "__main__":\n'
        b'    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])\n'
        b"    sys.exit(App.run())\n"
    )
    assert wrapper_call(source) == ObjectReference("pkg.gui", "App.run")


UV_WRAPPER = (
    b"#!/venv/bin/python\n# -*- coding: utf-8 -*-\nimport sys\nfrom pkg.cli import main\n"
    b'if __name__ == "__main__":\n'
    b'    if sys.argv[0].endswith("-script.pyw"):\n'
    b"        sys.argv[0] = sys.argv[0][:-11]\n"
    b'    elif sys.argv[0].endswith(".exe"):\n'
    b"        sys.argv[0] = sys.argv[0][:-4]\n"
    b"    sys.exit(main())\n"
)
"""The wrapper uv 0.13 writes: the ``argv[0]`` clean-up as suffix trims, no ``re``.  Found as a
false ISP341 on a clean ``uv pip install`` (tests/attacks/test_clean_installs.py)."""


def test_uv_wrapper_calls_its_entry_point() -> None:
    assert wrapper_call(UV_WRAPPER) == EXPECTED


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"[:-11]", b"[:evil()]"),
        (b"[:-4]", b"[-4:]"),
        (b"sys.argv[0][:-4]", b"__import__('evil')"),
        (b'.endswith(".exe")', b".endswith(evil())"),
        (b'.endswith(".exe")', b".startswith('x')"),
        (
            b"        sys.argv[0] = sys.argv[0][:-4]\n",
            b"        sys.argv[0] = sys.argv[0][:-4]\n    else:\n        __import__('evil')\n",
        ),
        (
            b"        sys.argv[0] = sys.argv[0][:-11]\n",
            b"        sys.argv[0] = sys.argv[0][:-11]\n        import evil\n",
        ),
    ],
)
def test_a_changed_uv_clean_up_is_a_problem(old: bytes, new: bytes) -> None:
    assert old in UV_WRAPPER
    called = wrapper_call(UV_WRAPPER.replace(old, new, 1))
    assert isinstance(called, str) and "unexpected statement" in called, called


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        ((b"from pkg.cli import main", b"from evil import run as main"), "unexpected statement"),
        ((b"import sys\n", b"import sys\nimport os\n"), "import os"),
        ((b"    sys.exit(main())", b"    __import__('evil')\n    sys.exit(main())"), "line 8"),
        ((b"sys.exit(main())", b"sys.exit(main(1))"), "unexpected statement"),
        ((b"sys.exit(main())", b"sys.exit(other())"), "unexpected statement"),
        ((b"re.sub(r'", b"re.sub(evil() or r'"), "unexpected statement"),
        ((b"if __name__", b"if True or __name__"), "unexpected statement"),
        ((b"import re\n", b"exec('evil')\nimport re\n"), "exec"),
        ((b"    sys.exit(main())\n", b"    sys.exit(main())\nelse:\n    pass\n"), "unexpected"),
        ((b"import re", b"import re("), "not Python source"),
    ],
)
def test_anything_else_in_a_wrapper_is_a_problem(edit: tuple[bytes, bytes], problem: str) -> None:
    old, new = edit
    assert old in PIP_WRAPPER
    called = wrapper_call(PIP_WRAPPER.replace(old, new))
    assert isinstance(called, str) and problem in called, called


def test_wrapper_findings() -> None:
    digest = hashlib.sha256(PIP_WRAPPER).hexdigest()

    def check(source: bytes, stated: str | None) -> list[tuple[str, str | None]]:
        findings = wrapper_findings(
            "pkg",
            "tool",
            EXPECTED,
            file="../../../bin/tool",
            source=source,
            digest=hashlib.sha256(source).hexdigest(),
            stated=stated,
        )
        return [(f.code, f.found) for f in findings]

    assert check(PIP_WRAPPER, digest) == []
    assert check(PIP_WRAPPER, None) == []
    other = PIP_WRAPPER.replace(b"pkg.cli import main", b"pkg.evil import main")
    assert check(other, digest) == [("ISP341", "pkg.evil:main")]
    shebang = PIP_WRAPPER.replace(b"#!/venv/bin/python", b"#!/tmp/python")
    assert check(shebang, digest) == [("ISP341", hashlib.sha256(shebang).hexdigest())]


# --------------------------------------------------------------------------- verify, installed


def installed_site(tmp_path: Path, manifest: SpyModel, wrapper: bytes | None) -> Path:
    """``<prefix>/lib/python3.11/site-packages`` with ``pkg`` installed and, when given, its
    ``tool`` wrapper in ``<prefix>/bin`` listed in RECORD."""
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    files = {"pkg/__init__.py": b"", "pkg/cli.py": b"def main():\n    return 0\n"}
    extra: dict[str, str] = {}
    if wrapper is not None:
        (tmp_path / "bin").mkdir()
        (tmp_path / "bin" / "tool").write_bytes(wrapper)
        extra["../../../bin/tool"] = record_hash(wrapper)
    info = install(site, "pkg", "1.0", files, manifest=manifest, record_extra=extra)
    (info / "entry_points.txt").write_text("[console_scripts]\ntool = pkg.cli:main\n")
    return site


def base_model(entry_points: tuple[EntryPoint, ...] | None = ()) -> SpyModel:
    files = {"pkg/__init__.py": b"", "pkg/cli.py": b"def main():\n    return 0\n"}
    return model_for("pkg", "1.0", files, entry_points=entry_points)


def test_verify_passes_a_clean_install(tmp_path: Path) -> None:
    manifest = dataclasses.replace(base_model(), entry_points=(ENTRIES[0],))
    result = verify_installed([installed_site(tmp_path, manifest, PIP_WRAPPER)], [], None)
    assert result.findings() == ()
    assert not [notice for notice in result.notices if "pkg" in notice]


def test_verify_says_when_entry_points_were_not_recorded(tmp_path: Path) -> None:
    old = base_model(entry_points=None)
    result = verify_installed([installed_site(tmp_path, old, PIP_WRAPPER)], [], None)
    assert result.findings() == ()
    assert any("does not record entry points" in notice for notice in result.notices)


def test_verify_says_when_no_wrapper_is_listed(tmp_path: Path) -> None:
    manifest = dataclasses.replace(base_model(), entry_points=(ENTRIES[0],))
    result = verify_installed([installed_site(tmp_path, manifest, None)], [], None)
    assert result.findings() == ()
    assert any("RECORD lists no wrapper for script tool" in n for n in result.notices)


def test_verify_checks_the_wrapper_in_the_scripts_directory_even_if_record_moves_it(
    tmp_path: Path,
) -> None:
    manifest = dataclasses.replace(base_model(), entry_points=(ENTRIES[0],))
    site = installed_site(tmp_path, manifest, PIP_WRAPPER)
    decoy = tmp_path / "decoy" / "tool"
    decoy.parent.mkdir()
    decoy.write_bytes(PIP_WRAPPER)
    record = next(site.glob("*.dist-info")) / "RECORD"
    record.write_text(record.read_text().replace("../../../bin/tool", "../../../decoy/tool"))
    (tmp_path / "bin" / "tool").write_bytes(PIP_WRAPPER.replace(b"pkg.cli", b"evil"))
    result = verify_installed([site], [], None)
    assert [(f.code, f.file) for f in result.findings()] == [("ISP341", "../../../bin/tool")]


def test_verify_reports_entry_points_and_requires_dist(tmp_path: Path) -> None:
    manifest = dataclasses.replace(
        base_model(), entry_points=(ENTRIES[0],), requires=("packaging>=20",)
    )
    site = installed_site(tmp_path, manifest, PIP_WRAPPER)
    info = next(site.glob("*.dist-info"))
    (info / "entry_points.txt").write_text("[console_scripts]\ntool = evil:run\n")
    metadata = info / "METADATA"
    metadata.write_text(metadata.read_text().replace("packaging>=20", "packaging>=0"))
    result = verify_installed([site], [], None)
    codes = sorted(f.code for f in result.findings() if f.code.startswith("ISP34"))
    assert codes == ["ISP340", "ISP342"]


# --------------------------------------------------------------------------- embed


def test_embed_records_the_wheels_own_entry_points(tmp_path: Path) -> None:
    from hatch_importspy.describe.config import parse_options
    from hatch_importspy.release.embed import describe_wheel
    from tests.helpers.fakedist import make_wheel

    files = {
        "pkg/__init__.py": b"",
        "pkg-1.0.dist-info/entry_points.txt": TEXT.encode(),
    }
    wheel = make_wheel(tmp_path / "pkg-1.0-py3-none-any.whl", "pkg", "1.0", files)
    described = describe_wheel(wheel, options=parse_options({}, where="t", requires_python=None))
    assert described.entry_points == ENTRIES
    (tmp_path / "plain").mkdir()
    plain = make_wheel(tmp_path / "plain" / "pkg-1.0-py3-none-any.whl", "pkg", "1.0", files={})
    none = describe_wheel(plain, options=parse_options({}, where="t", requires_python=None))
    assert none.entry_points == ()


_LINE_PIECES = st.sampled_from(
    [
        "Requires-Dist: b>=1",
        "requires-dist:c; extra == 'x'",
        "REQUIRES-DIST: \t d ",
        "Requires-Dist:",
        "Requires-Dist: e\x0b\x85\u2028f",
        "Requires-Dist: =?utf-8?q?g?=",
        "Name: caf\u00e9",
        "Summary: a: b",
        " continued",
        "\tcontinued",
        "From somebody",
        "From: somebody",
        "not a header line",
        ":no name",
        "",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(_LINE_PIECES, max_size=8),
    ends=st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=8, max_size=8),
    body=st.booleans(),
)
def test_requires_dist_is_read_as_the_email_parser_reads_it(
    lines: list[str], ends: list[str], body: bool
) -> None:
    """Plain header lines are read without the parser, anything else by it: either way the
    values are the parser's, whatever the lines, their ends and their order."""
    text = "".join(line + end for line, end in zip(lines, ends, strict=False))
    if body:
        text += "\nRequires-Dist: in-the-body\n"
    whole = HeaderParser().parsestr(text, headersonly=True).get_all("Requires-Dist") or []
    with tempfile.TemporaryDirectory() as directory:
        metadata = Path(directory, "METADATA")
        metadata.write_bytes(text.encode())
        assert read_requires_dist(metadata) == tuple(str(value) for value in whole)


def test_plain_metadata_is_read_without_the_email_parser(tmp_path: Path) -> None:
    """(What the fast reading is for: METADATA as build back-ends write it.)"""
    metadata = tmp_path / "METADATA"
    metadata.write_text(
        "Metadata-Version: 2.4\nName: demo\nVersion: 1.0\nSummary: x: y\n"
        "Requires-Python: >=3.10\nRequires-Dist: packaging>=24\n"
        "Requires-Dist: pyyaml; extra == 'yaml'\nDescription-Content-Type: text/markdown\n"
        "\n# demo\n\nRequires-Dist: not-this\n"
    )
    assert _plain_requires_dist(metadata.read_text().partition("\n\n")[0] + "\n") == (
        "packaging>=24",
        "pyyaml; extra == 'yaml'",
    )
    assert read_requires_dist(metadata) == ("packaging>=24", "pyyaml; extra == 'yaml'")


@pytest.mark.parametrize(
    "text",
    [
        "Metadata-Version: 2.1\nName: a\nRequires-Dist: b>=1\nRequires-Dist: c; extra == 'x'\n\n"
        "Requires-Dist: not-a-header\n# README\n\nRequires-Dist: nor-this\n",
        "Metadata-Version: 2.1\r\nRequires-Dist: b\r\n\r\nRequires-Dist: body\r\n",
        "Metadata-Version: 2.1\rRequires-Dist: b\r\rRequires-Dist: body\r",
        "Metadata-Version: 2.1\r\nRequires-Dist: b\r\nRequires-Dist:\r\n c\r\n",
        "Requires-Dist: b\nnot a header line\nRequires-Dist: after-a-defect\n",
        "Requires-Dist: b",
        "\nRequires-Dist: body-only\n",
    ],
)
def test_requires_dist_is_read_from_the_headers_as_the_email_parser_reads_them(
    tmp_path: Path, text: str
) -> None:
    """Only the header block is handed to the parser: the answer is the whole text's."""
    metadata = tmp_path / "METADATA"
    metadata.write_bytes(text.encode())
    whole = HeaderParser().parsestr(text, headersonly=True).get_all("Requires-Dist") or []
    assert read_requires_dist(metadata) == tuple(str(value) for value in whole)
