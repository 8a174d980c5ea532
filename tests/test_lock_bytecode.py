"""The bytecode the approval lock approves: its lines in the lock file, proven when the lock is
made, accepted by hash (and only by an equal hash, of an unchanged build) when it is used."""

from __future__ import annotations

import dataclasses
import hashlib
import py_compile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hatch_importspy.cli import main
from hatch_importspy.facts import current_environment
from hatch_importspy.pyrules.bytecode import BY_DIGEST, recorded_compilation
from hatch_importspy.verify import bytecode as prover
from hatch_importspy.verify import hashing, lock_bytecode, verifier
from hatch_importspy.verify.bytecode import BytecodeLoader, prefixed_cache_directory
from hatch_importspy.verify.installed import find_distributions
from hatch_importspy.verify.lock import (
    Lock,
    LockEntry,
    LockError,
    dumps_lock,
    installed_entries,
    load_lock,
    loads_lock,
    make_lock,
)
from hatch_importspy.verify.lock_bytecode import (
    BytecodeNotApproved,
    approve_bytecode,
    approved_bytecode,
)
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.fakedist import described, install, model_for
from tests.test_bytecode import PAYLOAD, SOURCE, TAG, body, forge, stat_header

DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
CORE_PYC = f"demo/__pycache__/core.{TAG}.pyc"

# --------------------------------------------------------------------------- the file


def test_bytecode_lines_are_sorted_quoted_and_read_back() -> None:
    entry = LockEntry(
        "demo",
        "1.0",
        "manifest",
        DIGEST_A,
        bytecode=(
            ("demo/__pycache__/z.cpython-311.pyc", DIGEST_B),
            ("demo/__pycache__/a.cpython-311.opt-1.pyc", DIGEST_A),
        ),
    )
    text = dumps_lock(Lock((entry, LockEntry("plain", "2", "record", DIGEST_B))))
    assert text.splitlines()[1:] == [
        'schema: "importspy-lock/2"',
        "distributions:",
        '- name: "demo"',
        '  version: "1.0"',
        f'  manifest: "{DIGEST_A}"',
        "  bytecode:",
        f'    "demo/__pycache__/a.cpython-311.opt-1.pyc": "{DIGEST_A}"',
        f'    "demo/__pycache__/z.cpython-311.pyc": "{DIGEST_B}"',
        '- name: "plain"',  # no bytecode: no bytecode key
        '  version: "2"',
        f'  record: "{DIGEST_B}"',
    ]
    again = loads_lock(text, source="importspy.lock")
    assert again.approves_bytecode
    assert again.entries[0].bytecode == tuple(sorted(entry.bytecode))
    assert dumps_lock(again) == text


def test_a_lock_of_schema_1_still_loads_and_approves_no_bytecode() -> None:
    text = (
        'schema: "importspy-lock/1"\ndistributions:\n'
        f'- {{name: a, version: "1", manifest: "{DIGEST_A}"}}\n'
    )
    lock = loads_lock(text, source="old.lock")
    assert not lock.approves_bytecode
    assert [(e.name, e.bytecode) for e in lock.entries] == [("a", ())]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            f"{{name: a, version: '1', manifest: '{DIGEST_A}', bytecode: [x]}}",
            "bytecode must be a mapping of cache file paths to sha256 digests",
        ),
        (
            f"{{name: a, version: '1', manifest: '{DIGEST_A}', "
            f"bytecode: {{a/m.pyc: '{DIGEST_A}'}}}}",
            "bytecode['a/m.pyc'] is not a path of a __pycache__ file",
        ),
        (
            f"{{name: a, version: '1', manifest: '{DIGEST_A}', "
            f"bytecode: {{'../__pycache__/m.cpython-311.pyc': '{DIGEST_A}'}}}}",
            "bytecode['../__pycache__/m.cpython-311.pyc'] is not a path of a __pycache__ file",
        ),
        (
            f"{{name: a, version: '1', manifest: '{DIGEST_A}', "
            "bytecode: {'__pycache__/m.cpython-311.pyc': 'md5:00'}}",
            "bytecode['__pycache__/m.cpython-311.pyc'] must be sha256: and 64 lower-case hex",
        ),
    ],
)
def test_invalid_bytecode_lines_fail_with_one_line(entry: str, message: str) -> None:
    text = f"schema: importspy-lock/2\ndistributions:\n- {entry}\n"
    with pytest.raises(LockError) as raised:
        loads_lock(text, source="importspy.lock")
    assert str(raised.value).startswith(f"importspy.lock: distributions[0] (line 3).{message}")


def test_schema_1_has_no_bytecode_key() -> None:
    text = (
        "schema: importspy-lock/1\ndistributions:\n"
        f"- {{name: a, version: '1', manifest: '{DIGEST_A}', bytecode: {{}}}}\n"
    )
    with pytest.raises(LockError, match=r"\.bytecode is not a key of a lock entry"):
        loads_lock(text, source="importspy.lock")


# --------------------------------------------------------------------------- a site

FILES = {"demo/__init__.py": b"", "demo/core.py": SOURCE}
PLAIN = {"plain/__init__.py": b"Z = 3\n", "plain/data.txt": b"data\n"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """``demo`` (a manifest) and ``plain`` (RECORD only), byte-compiled."""
    site = tmp_path / "site"
    install(site, "demo", "1.0", FILES, manifest=model_for("demo", "1.0", FILES))
    install(site, "plain", "1.0", PLAIN)
    for path in [*FILES, "plain/__init__.py"]:
        py_compile.compile(str(site / path), doraise=True)
    return site


@pytest.fixture
def provers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """The cache files each prover run was asked to prove."""
    runs: list[list[str]] = []
    real = prover.run_provers

    def counted(python: str, jobs: list[prover.Job], **options: bool) -> list[tuple[str, str]]:
        runs.append(sorted(Path(job[1]).name for job in jobs))
        return real(python, jobs, **options)

    monkeypatch.setattr(prover, "run_provers", counted)
    yield runs


def lock_of(site: Path) -> Lock:
    distributions = find_distributions([site])
    return make_lock(distributions, approve_bytecode(distributions, BytecodeLoader.running()))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_lock_proves_by_the_compilations_the_manifest_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manifest with ``code`` (as the hook writes it) has its cache files proven by digest."""
    site = tmp_path / "site"
    modules = model_for("demo", "1.0", FILES).modules
    model = dataclasses.replace(
        model_for("demo", "1.0", FILES),
        modules=tuple(
            dataclasses.replace(m, code=recorded_compilation(FILES[m.path])[0]) for m in modules
        ),
    )
    install(site, "demo", "1.0", FILES, manifest=model)
    for path in FILES:
        py_compile.compile(str(site / path), doraise=True)
    reasons: list[str] = []
    real = prover.prove

    def answered(files: list[prover.CacheFile], loader: BytecodeLoader) -> object:
        proofs = real(files, loader)
        reasons.extend(proof.reason for proof in proofs)
        return proofs

    monkeypatch.setattr(lock_bytecode, "prove", answered)
    lock = lock_of(site)
    assert len(lock.entries[0].bytecode) == len(reasons) == len(FILES)
    assert set(reasons) == {BY_DIGEST}


def test_lock_approves_every_cache_file_python_would_load_once_proven(
    site: Path, provers: list[list[str]]
) -> None:
    # A stale cache file (another source size) is not what Python would load: not approved.
    stale = site / "demo/__pycache__" / f"__init__.{TAG}.opt-1.pyc"
    stale.write_bytes(stat_header(site / "demo/core.py") + body("X = 1"))
    lock = lock_of(site)
    assert len(provers) == 1  # every distribution's files in one run
    approved = {entry.name: dict(entry.bytecode) for entry in lock.entries}
    assert approved == {
        "demo": {
            f"demo/__pycache__/__init__.{TAG}.pyc": "sha256:"
            + digest(site / f"demo/__pycache__/__init__.{TAG}.pyc"),
            CORE_PYC: "sha256:" + digest(site / CORE_PYC),
        },
        "plain": {  # RECORD-listed sources of a distribution without a manifest
            f"plain/__pycache__/__init__.{TAG}.pyc": "sha256:"
            + digest(site / f"plain/__pycache__/__init__.{TAG}.pyc")
        },
    }
    assert dumps_lock(lock_of(site)) == dumps_lock(lock)  # the same environment, the same bytes


def test_lock_refuses_bytecode_that_is_not_its_sources_compilation(site: Path) -> None:
    forge(site / "demo/core.py", stat_header(site / "demo/core.py"), body(PAYLOAD))
    with pytest.raises(BytecodeNotApproved) as refused:
        lock_of(site)
    assert str(refused.value) == (
        f"not approved: {site / CORE_PYC}: Python would run it instead of demo/core.py, "
        "and its code is not the compilation of its source"
    )


def test_the_lock_command_refuses_with_one_line_and_exit_1(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "importspy.lock"
    assert main(["lock", "--path", str(site), "-o", str(out)]) == 0
    assert load_lock(out).approves_bytecode
    out.unlink()
    forge(site / "plain/__init__.py", stat_header(site / "plain/__init__.py"), body(PAYLOAD))
    capsys.readouterr()
    assert main(["lock", "--path", str(site), "-o", str(out)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("importspy: lock refused: not approved: ")
    assert "instead of plain/__init__.py" in error
    assert not out.exists()  # nothing approved


# --------------------------------------------------------------------------- verify --lock


def verify(site: Path, lock: Lock | None) -> list[tuple[str, str, str | None]]:
    result = verify_installed([site], [], current_environment(), lock=lock)
    return [(f.code, f.distribution, f.file) for f in result.findings()]


def test_approved_bytecode_is_accepted_by_hash_without_a_proof(
    site: Path, provers: list[list[str]]
) -> None:
    lock = lock_of(site)
    provers.clear()
    assert verify(site, lock) == []
    assert provers == []  # nothing proven: every cache file is the approved bytes
    assert verify(site, None) == []
    assert provers == [[f"__init__.{TAG}.pyc", f"core.{TAG}.pyc"]]  # without a lock: proven


def test_bytecode_that_differs_from_the_lock_is_proven(
    site: Path, provers: list[list[str]]
) -> None:
    lock = lock_of(site)
    provers.clear()
    forge(site / "demo/core.py", stat_header(site / "demo/core.py"), body(PAYLOAD))
    forge(site / "plain/__init__.py", stat_header(site / "plain/__init__.py"), body(PAYLOAD))
    assert sorted(verify(site, lock)) == [
        ("ISP311", "demo", CORE_PYC),
        ("ISP311", "plain", f"plain/__pycache__/__init__.{TAG}.pyc"),  # RECORD-listed source
    ]
    assert provers == [[f"__init__.{TAG}.pyc", f"core.{TAG}.pyc"]]  # only what differs
    provers.clear()
    # Recompiled honestly: the approved bytes again (accepted by hash), and -O files the lock
    # does not list (proven, passed).
    for path in [*FILES, "plain/__init__.py"]:
        py_compile.compile(str(site / path), doraise=True, optimize=1)
    py_compile.compile(str(site / "demo/core.py"), doraise=True)
    py_compile.compile(str(site / "plain/__init__.py"), doraise=True)
    assert verify(site, lock) == []
    opt = f"{TAG}.opt-1.pyc"
    assert provers == [[f"__init__.{opt}", f"__init__.{opt}", f"core.{opt}"]]  # demo's, plain's


def test_under_a_lock_the_helper_starts_at_once_and_hashes_the_approved_bytecode(
    site: Path, provers: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``verify --lock`` of a large environment starts the hashing helper before the manifests
    are read, and hands it everything, the approved cache files too (nothing is proven beside
    it); a forged one is still found by its bytes and proven."""
    lock = lock_of(site)
    monkeypatch.setattr(verifier, "EARLY_HELPER_FROM", 1)  # two distributions are "large"
    asked: list[list[str]] = []
    real_start, real_hand_over = hashing.VouchedDigests.start, hashing.VouchedDigests._hand_over

    def start(self: hashing.VouchedDigests) -> None:
        asked.append([])
        real_start(self)

    def hand_over(self: hashing.VouchedDigests) -> None:
        before = set(self._sent)
        real_hand_over(self)
        asked[-1].extend(
            path for part in sorted(set(self._sent) - before) for path in self._parts[part][1]
        )

    monkeypatch.setattr(hashing.VouchedDigests, "start", start)
    monkeypatch.setattr(hashing.VouchedDigests, "_hand_over", hand_over)
    monkeypatch.setattr(hashing.VouchedDigests, "of", _after_hand_over(hashing.VouchedDigests.of))
    provers.clear()
    forge(site / "demo/core.py", stat_header(site / "demo/core.py"), body(PAYLOAD))
    assert verify(site, lock) == [("ISP311", "demo", CORE_PYC)]
    assert provers == [[f"core.{TAG}.pyc"]]  # only the forged file, found by its bytes
    (handed,) = asked
    assert str(site / CORE_PYC) in handed  # the approved cache files went to the helper


def _after_hand_over(
    of: Callable[[hashing.VouchedDigests, int], dict[str, str | None]],
) -> Callable[[hashing.VouchedDigests, int], dict[str, str | None]]:
    """``VouchedDigests.of``, once the helper has started and been handed what it may take: a
    run this small would otherwise hash everything before the helper is up."""

    def waiting(self: hashing.VouchedDigests, index: int) -> dict[str, str | None]:
        deadline = time.monotonic() + 10
        while not self.ready and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
        return of(self, index)

    return waiting


def test_an_approval_holds_only_for_the_build_the_lock_approves(site: Path) -> None:
    lock = lock_of(site)
    distributions = find_distributions([site])
    entries = installed_entries(distributions)
    assert set(approved_bytecode(lock, entries)) == {d.source for d in distributions}
    other = Lock(
        tuple(LockEntry(e.name, "0.9", e.kind, e.digest, bytecode=e.bytecode) for e in lock.entries)
    )
    assert approved_bytecode(other, entries) == {}  # another version: other sources


def test_a_legacy_lock_proves_as_without_a_lock(site: Path, provers: list[list[str]]) -> None:
    forge(site / "plain/__init__.py", stat_header(site / "plain/__init__.py"), body(PAYLOAD))
    legacy = Lock(
        tuple(LockEntry(e.name, e.version, e.kind, e.digest) for e in lock_of_clean(site).entries),
        approves_bytecode=False,
    )
    provers.clear()
    assert verify(site, legacy) == verify(site, None) == []  # no bytecode of RECORD sources
    assert provers == [[f"__init__.{TAG}.pyc", f"core.{TAG}.pyc"]] * 2


def lock_of_clean(site: Path) -> Lock:
    """The lock without the bytecode proof (a legacy lock's entries)."""
    return make_lock(find_distributions([site]))


def test_a_file_changed_after_lock_without_a_manifest_is_isp317(site: Path) -> None:
    lock = lock_of(site)
    (site / "plain/data.txt").write_bytes(b"patched\n")
    (site / "plain/__init__.py").write_bytes(b"Z = 4\n")
    assert sorted(verify(site, lock)) == [
        ("ISP317", "plain", "plain/__init__.py"),  # its bytecode is then not looked at
        ("ISP317", "plain", "plain/data.txt"),
    ]


def test_a_lock_made_with_a_cache_prefix_loads_and_leaves_its_files_to_the_proof(
    site: Path, tmp_path: Path
) -> None:
    """A lock names cache files inside site-packages: those under the interpreter's cache
    prefix are not approved in it, and a forged one is caught by the proof under ``--lock``."""
    prefix = tmp_path / "prefix"
    loader = dataclasses.replace(BytecodeLoader.running(), pycache_prefix=str(prefix))
    core = site / "demo/core.py"
    cached = Path(prefixed_cache_directory(str(prefix), str(core.parent))) / f"core.{TAG}.pyc"
    cached.parent.mkdir(parents=True)
    py_compile.compile(str(core), cfile=str(cached), doraise=True)
    distributions = find_distributions([site])
    made = make_lock(distributions, approve_bytecode(distributions, loader))
    lock = loads_lock(dumps_lock(made), source="demo.lock")
    assert all(not Path(path).is_absolute() for entry in lock.entries for path, _ in entry.bytecode)
    result = verify_installed([site], [], current_environment(), loader=loader, lock=lock)
    assert result.findings() == ()
    cached.write_bytes(stat_header(core) + body(PAYLOAD))
    result = verify_installed([site], [], current_environment(), loader=loader, lock=lock)
    assert [(f.code, f.file) for f in result.findings()] == [("ISP311", str(cached))]


def test_lock_proves_a_source_no_import_names_by_its_recorded_compilation(
    tmp_path: Path, provers: list[list[str]]
) -> None:
    files = {"demo/__init__.py": b"", "demo/table-1-0.py": b"TABLE = {0: 'a'}\n"}
    model = described("demo", "1.0", files, tmp_path / "src")
    site = tmp_path / "site"
    install(site, "demo", "1.0", files, manifest=model)
    for path in files:
        py_compile.compile(str(site / path), doraise=True)
    lock = lock_of(site)
    ((demo,),) = [[e for e in lock.entries if e.name == "demo"]]
    assert [Path(path).name for path, _ in demo.bytecode] == [
        f"__init__.{TAG}.pyc",
        f"table-1-0.{TAG}.pyc",
    ]
    assert provers == [], "both proven by their recorded bytes, nothing compiled"
