"""The pure and reading parts of ISP316-ISP318: ``.pth`` parsing as ``site`` does it, the start-up
path through path lines, ownership from inside only, and RECORD self-checks."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from hatch_importspy.compare.record_self import outside_row_findings, record_digest_findings
from hatch_importspy.compare.startup import startup_findings
from hatch_importspy.findings import Finding
from hatch_importspy.formats.pth import PthContent, parse_pth, path_line_target, pth_lines
from hatch_importspy.surface import StartupKind
from hatch_importspy.verify.installed import RecordIndex, find_distributions, owns
from hatch_importspy.verify.policy import AcceptedFile, Policy
from hatch_importspy.verify.record_check import RecordCheck
from hatch_importspy.verify.startup_path import find_startup_files
from tests.helpers.fakedist import install


def test_pth_lines_split_only_at_universal_newlines() -> None:
    assert pth_lines("a\r\nb\rc\nd\x0cimport x\n") == ["a", "b", "c", "d\x0cimport x"]


def test_parse_pth_classifies_lines_as_site_does() -> None:
    content = b"\xef\xbb\xbfimport a\n# import b\n\n   \nimport\tc\n  import d\nsub  \n/abs\n"
    assert parse_pth(content) == PthContent(
        ("import a", "import\tc"), ("  import d", "sub", "/abs")
    )


def test_path_line_target_is_relative_to_the_site_dir_unless_absolute() -> None:
    assert path_line_target("/site", "../x") == "/x"
    assert path_line_target("/site", "/opt/y") == "/opt/y"


def test_rows_that_climb_out_or_are_absolute_own_nothing(tmp_path: Path) -> None:
    assert owns("pkg/mod.py")
    assert owns("pkg/../evil.pth")  # stays inside
    assert not owns("../site-packages/evil.pth")
    assert not owns("/abs/site-packages/evil.pth")
    site = tmp_path / "site-packages"
    site.mkdir()
    (site / "evil.pth").write_text("import os\n")
    install(
        site,
        "claimer",
        "1.0",
        {},
        record_extra={"../site-packages/evil.pth": "", str(site / "pkg" / "x.py"): ""},
    )
    index = RecordIndex(find_distributions([site]))
    assert index.owners_of(site / "evil.pth") == ()
    assert index.owners_of(site / "pkg" / "x.py") == ()


def test_record_check_flags_rows_landing_in_a_site_dir_but_not_scripts(tmp_path: Path) -> None:
    site = tmp_path / "lib" / "site-packages"
    site.mkdir(parents=True)
    check = RecordCheck.of([site])
    digests: dict[str, str | None] = {
        "../../bin/tool": "00" * 32,
        "../site-packages/evil.pth": None,
        "/etc/evil": None,
    }
    assert [(f.code, f.file) for f in check.findings("d", site, digests)] == [
        ("ISP316", "../site-packages/evil.pth"),
        ("ISP316", "/etc/evil"),
    ]


def test_record_check_hashes_rows_with_a_digest(tmp_path: Path) -> None:
    install(tmp_path, "d", "1.0", {"d/a.py": b"a = 1\n", "d/b.py": b"b = 1\n", "d/c.py": b""})
    (tmp_path / "d" / "a.py").write_text("a = 2\n")
    (tmp_path / "d" / "c.py").unlink()
    (distribution,) = find_distributions([tmp_path])
    findings = RecordCheck.of([tmp_path]).installed(distribution, RecordIndex([distribution]))
    assert [(f.code, f.file, f.message) for f in findings] == [
        ("ISP317", "d/a.py", "d/a.py differs from its RECORD"),
        ("ISP317", "d/c.py", "d/c.py is missing"),
    ]


def test_record_digest_findings_skip_nothing_that_differs() -> None:
    stated = {"a": "11", "b": "22", "c": "33"}
    found = {"a": "11", "b": "unreadable: Permission denied", "c": "44"}
    assert [(f.file, f.message) for f in record_digest_findings("d", stated, found)] == [
        ("b", "b cannot be read"),
        ("c", "c differs from its RECORD"),
    ]
    assert [f.code for f in outside_row_findings("d", ["/x", "/x"])] == ["ISP316"]


def test_sitecustomize_in_a_directory_added_by_a_path_line(tmp_path: Path) -> None:
    site, extra = tmp_path / "site", tmp_path / "extra"
    site.mkdir()
    extra.mkdir()
    (extra / "sitecustomize.py").write_text("import os\n")
    (site / "paths.pth").write_text(f"{extra}\nmissing-dir\n")
    files = find_startup_files(site)
    added = [f for f in files if f.added_by]
    assert [(f.path, f.kind, f.added_by) for f in added] == [
        (extra / "sitecustomize.py", StartupKind.SITECUSTOMIZE, "paths.pth")
    ]
    assert [f.code for f in startup_findings(files, {}, set())] == ["ISP307"]


def test_usercustomize_package_in_a_zip_added_by_a_relative_path_line(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as archive:
        archive.writestr("usercustomize/__init__.py", "import os\n")
    (tmp_path / "z.pth").write_text("bundle.zip\n")
    (found,) = [f for f in find_startup_files(tmp_path) if f.added_by]
    assert (found.relative, found.archive, found.owned_as) == (
        "usercustomize/__init__.py",
        True,
        tmp_path / "bundle.zip",
    )


def test_a_fifo_or_a_directory_named_pth_is_unreadable_never_skipped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.pth")
    (tmp_path / "dir.pth").mkdir()
    files = find_startup_files(tmp_path)  # returns: the FIFO is never waited on
    findings = startup_findings(files, {}, set())
    assert [(f.code, f.file, f.found) for f in findings] == [
        ("ISP318", "dir.pth", "not a regular file"),
        ("ISP318", "fifo.pth", "not a regular file"),
    ]


def test_a_path_line_to_the_site_dir_itself_reports_its_sitecustomize_once(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text("")
    (tmp_path / "dot.pth").write_text(".\n")
    files = find_startup_files(tmp_path)
    assert [f.relative for f in files] == ["dot.pth", "sitecustomize.py"]


def test_policy_accept_covers_a_file_that_differs_from_its_record() -> None:
    policy = Policy(accept=(AcceptedFile("certifi", "certifi/cacert.pem", "corporate CA"),))
    patched = Finding("ISP317", "certifi", "differs", file="certifi/cacert.pem")
    entry = policy.accepted(patched)
    assert entry is not None and entry.reason == "corporate CA"
    assert policy.accepted(Finding("ISP317", "certifi", "differs", file="certifi/core.py")) is None
