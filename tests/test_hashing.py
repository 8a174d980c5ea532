"""Hashing the vouched files in a helper process: the same answers as hashing them here, and
whatever the helper cannot answer is hashed here."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hatch_importspy.cli import main
from hatch_importspy.formats.digest import CHUNK, digests
from hatch_importspy.verify import hashing
from hatch_importspy.verify.hashing import VouchedDigests
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.fakedist import LINUX_FACTS, install, model_for

FILES = ["small.py", "large.bin", "missing.py", "a-directory", "fifo", "link.py", "pkg/m.py"]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "small.py").write_bytes(b"X = 1\n")
    (tmp_path / "large.bin").write_bytes(os.urandom(3 * CHUNK + 5))
    (tmp_path / "a-directory").mkdir()
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link.py").symlink_to(tmp_path / "small.py")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_bytes(b"def f(): ...\n")
    return tmp_path


def test_the_helper_answers_what_hashing_here_answers(tree: Path) -> None:
    groups = [(tree, FILES[:3]), (tree, FILES[3:])]
    with VouchedDigests(groups, shared=True) as shared:
        assert shared.helped
        answers = [shared.of(0), shared.of(1)]
    here = digests(f"{tree}{os.sep}", FILES)
    assert {**answers[0], **answers[1]} == here
    assert here["missing.py"] is None
    assert str(here["a-directory"]).startswith("unreadable: ")
    assert here["link.py"] == here["small.py"]


def handed_over(shared: VouchedDigests) -> None:
    """Wait until the helper has said it started, and a little longer: until it has been
    handed its first parts (a part is handed over only to a helper that has started)."""
    deadline = time.monotonic() + 10
    while not shared.ready and time.monotonic() < deadline:
        time.sleep(0.01)
    assert shared.ready
    time.sleep(0.1)


def test_small_runs_are_hashed_here(tree: Path) -> None:
    with VouchedDigests([(tree, FILES)]) as few:
        assert not few.helped
        assert few.of(0) == digests(f"{tree}{os.sep}", FILES)


@pytest.mark.parametrize(
    "script",
    [
        "import sys; sys.exit(3)",
        "print('ready'); print('0\\0too few', flush=True); input()",
        "print('not an answer'); print('x\\0y\\0z', flush=True)",
        "print('ready', flush=True); input(); print('0\\0' + 'f' * 64, flush=True); input()",
        "import time; time.sleep(30)",
    ],
)
def test_what_the_helper_cannot_answer_is_hashed_here(
    tree: Path, script: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hashing, "helper_script", lambda: script)
    monkeypatch.setattr(hashing, "TIMEOUT", 1.0)
    with VouchedDigests([(tree, FILES[:3]), (tree, FILES[3:])], shared=True) as shared:
        assert shared.helped
        assert shared.of(0) == digests(f"{tree}{os.sep}", FILES[:3])
        assert shared.of(1) == digests(f"{tree}{os.sep}", FILES[3:])
    assert shared.stopped


def test_no_interpreter_to_start_means_hashing_here(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tree / "no-python"))
    with VouchedDigests([(tree, FILES)], shared=True) as shared:
        assert not shared.helped
        assert shared.of(0) == digests(f"{tree}{os.sep}", FILES)


SOURCE = {"demo/__init__.py": b"", "demo/core.py": b"def run():\n    return 'vouched'\n"}


def test_a_changed_module_hashed_by_the_helper_is_caught_and_really_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "site"
    install(site, "demo", "1.0", SOURCE, manifest=model_for("demo", "1.0", SOURCE))
    (site / "demo" / "core.py").write_bytes(b"def run():\n    return 'payload'\n")
    ran = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import demo.core; print(demo.core.run())",
            str(site),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.strip() == "payload"
    monkeypatch.setattr(hashing, "SHARED_FROM", 0)  # every run shares its hashing
    started: list[bool] = []
    real_start = VouchedDigests._start

    def start(self: VouchedDigests) -> None:
        real_start(self)
        started.append(self.helped)

    monkeypatch.setattr(VouchedDigests, "_start", start)
    result = verify_installed([site], [], LINUX_FACTS)
    assert [(f.code, f.file) for f in result.findings()] == [("ISP301", "demo/core.py")]
    assert main(["verify", "--path", str(site)]) == 1
    assert "ISP301" in capsys.readouterr().out
    assert started == [True, True]


def test_the_helpers_answers_are_the_ones_used(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """(The helper is this interpreter running hatch-importspy's own code, trusted as this
    process is: a stand-in answering something else shows its answers are taken.)"""
    script = (
        "import sys; print('ready', flush=True); sys.stdin.readline(); "
        "print('0\\0' + 'f' * 64 + '\\0-', flush=True)"
    )
    monkeypatch.setattr(hashing, "helper_script", lambda: script)
    with VouchedDigests([(tree, ["small.py", "pkg/m.py"])], shared=True) as shared:
        handed_over(shared)
        assert shared.of(0) == {"small.py": "f" * 64, "pkg/m.py": None}


SLOW_STAND_IN = (
    "import sys, time\n"
    "print('ready', flush=True)\n"
    "for line in sys.stdin:\n"
    "    part, base, *paths = line.rstrip('\\n').split('\\0')\n"
    "    time.sleep(0.05)\n"
    "    print('\\0'.join([part, *('f' * 64 for _ in paths)]), flush=True)\n"
)
"""A helper that answers slowly, and with a digest no file has: its answers can be told apart
from the ones this process hashed."""


def test_the_two_processes_share_a_group_part_by_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While it waits for the helper, this process hashes the last parts nobody took: each part
    is hashed once, by one of the two, and the group's answer is whole."""
    names = [f"m{index}.py" for index in range(12)]
    for index, name in enumerate(names):
        (tmp_path / name).write_bytes(f"X = {index}\n".encode())
    monkeypatch.setattr(hashing, "helper_script", lambda: SLOW_STAND_IN)
    monkeypatch.setattr(hashing, "PART", 1)
    with VouchedDigests([(tmp_path, names)], shared=True) as shared:
        handed_over(shared)  # the helper is handed its first parts (it answers one in 0.05 s)
        found = shared.of(0)
    here = digests(f"{tmp_path}{os.sep}", names)
    by_helper = [name for name in names if found[name] == "f" * 64]
    by_us = [name for name in names if found[name] == here[name]]
    assert by_helper and by_us
    assert sorted(by_helper + by_us) == sorted(names)
    assert by_helper[0] == names[0]  # the helper takes the first parts, this process the last


def test_a_group_added_later_is_hashed_by_the_helper_too(tree: Path) -> None:
    with VouchedDigests([(tree, FILES[:3])], shared=True) as shared:
        later = shared.add(tree, FILES[3:])
        absolute = shared.add("", [f"{tree}{os.sep}small.py"])
        assert shared.helped
        answers = shared.of(0), shared.of(later), shared.of(absolute)
    assert {**answers[0], **answers[1]} == digests(f"{tree}{os.sep}", FILES)
    assert answers[2] == {f"{tree}{os.sep}small.py": answers[0]["small.py"]}


def test_files_every_record_lists_are_shared_with_the_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A distribution without a manifest is held to its RECORD: those rows go to the helper with
    the vouched files (a stand-in answering a digest no file has shows they were asked of it,
    and that its answers are what the RECORD check holds against the stated digests)."""
    site = tmp_path / "site"
    install(site, "demo", "1.0", SOURCE, manifest=model_for("demo", "1.0", SOURCE))
    install(site, "plain", "1.0", {"plain/__init__.py": b"Z = 3\n"})
    clean = verify_installed([site], [], LINUX_FACTS)
    assert clean.findings() == ()
    stand_in = "import sys\nprint('ready', flush=True)\n" + (
        "for line in sys.stdin:\n"
        "    part, base, *paths = line.rstrip('\\n').split('\\0')\n"
        "    print('\\0'.join([part, *('f' * 64 for _ in paths)]), flush=True)\n"
    )
    monkeypatch.setattr(hashing, "helper_script", lambda: stand_in)
    monkeypatch.setattr(hashing, "SHARED_FROM", 0)
    real_of = VouchedDigests.of

    def of(self: VouchedDigests, index: int) -> dict[str, str | None]:
        handed_over(self)  # a run long enough for the helper to start before it needs a digest
        return real_of(self, index)

    monkeypatch.setattr(VouchedDigests, "of", of)
    result = verify_installed([site], [], LINUX_FACTS)
    changed = sorted((f.code, f.distribution, f.file) for f in result.findings())
    assert ("ISP317", "plain", "plain/__init__.py") in changed
    assert ("ISP301", "demo", "demo/core.py") in changed


def test_only_the_groups_shared_are_handed_to_the_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``share(1)``: the first group goes to the helper, the second is hashed here (what
    ``verify`` does with RECORD rows while provers take the other cores)."""
    names = ["a.py", "b.py"]
    for name in names:
        (tmp_path / name).write_bytes(name.encode())
    monkeypatch.setattr(hashing, "helper_script", lambda: SLOW_STAND_IN)
    with VouchedDigests(shared=False) as shared:
        shared.start()
        assert shared.helped
        first, second = shared.add(tmp_path, names[:1]), shared.add(tmp_path, names[1:])
        shared.share(1, at_least=1)
        handed_over(shared)
        found = {**shared.of(first), **shared.of(second)}
    assert found == {"a.py": "f" * 64, "b.py": digests(f"{tmp_path}{os.sep}", ["b.py"])["b.py"]}


def test_sharing_below_the_threshold_starts_nothing(tree: Path) -> None:
    with VouchedDigests([(tree, FILES)], shared=False) as few:
        few.share()  # fewer than SHARED_FROM files
        assert not few.helped
        assert few.of(0) == digests(f"{tree}{os.sep}", FILES)


def test_a_path_that_could_frame_a_request_is_never_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A RECORD row is whatever its writer put there.  A path holding a line end could end its
    request early and start one of its own, for another part with another file's digest: such a
    part is hashed here, never by the helper."""
    crafted = "crafted.py\n1\0"  # what a row could say to start a request for part 1
    names = [crafted.rstrip("\0"), "ok.py"]
    for name in names:
        (tmp_path / name).write_bytes(b"X = 1\n")
    monkeypatch.setattr(hashing, "helper_script", lambda: SLOW_STAND_IN)
    monkeypatch.setattr(hashing, "PART", 1)
    with VouchedDigests([(tmp_path, names)], shared=True) as shared:
        handed_over(shared)
        found = shared.of(0)
    here = digests(f"{tmp_path}{os.sep}", names)
    assert found[names[0]] == here[names[0]] != "f" * 64  # hashed here
    assert found["ok.py"] == "f" * 64  # the helper's
