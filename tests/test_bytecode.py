"""CPython's bytecode rules (``pyrules.bytecode``), the prover processes and their findings.

The rules are held against the interpreter itself: forged pyc files are imported by real
interpreters under every ``--check-hash-based-pycs`` mode, and the rule must say "may run" exactly
when one of them ran the forged code.  The attacks on real installs are in
``tests/attacks/test_bytecode.py``.
"""

from __future__ import annotations

import compileall
import dataclasses
import hashlib
import importlib.util
import json
import marshal
import os
import py_compile
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import hatch_importspy.verify.bytecode as prover
import hatch_importspy.verify.hashing as hashing
from hatch_importspy.compare.bytecode import NOT_RUN, BytecodeProof, bytecode_findings
from hatch_importspy.facts import current_environment
from hatch_importspy.findings import Finding
from hatch_importspy.formats.manifest import dumps, loads
from hatch_importspy.model import Module
from hatch_importspy.pyrules.bytecode import (
    BY_DIGEST,
    BY_TEMPLATE,
    DISPROVEN,
    OTHER_PYTHON,
    PROVEN,
    UNUSED,
    PycHeader,
    cache_name,
    cache_path,
    cache_paths,
    code_digest,
    compile_optimization,
    loader_may_use,
    matches_template,
    parse_cache_name,
    parse_header,
    prove,
    recorded_compilation,
    same_code,
)
from hatch_importspy.verify.bytecode import (
    BytecodeLoader,
    cache_files,
    prefixed_cache_directory,
    run_provers,
)
from hatch_importspy.verify.interpreter import query_interpreter
from hatch_importspy.verify.scope import resolve_scope
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.fakedist import described, install, model_for
from tests.test_interpreter import other_python

MAGIC = importlib.util.MAGIC_NUMBER
TAG = sys.implementation.cache_tag
SOURCE = b'"""A vouched module."""\n\nVALUE = "source"\n\n\ndef f(x):\n    return x + 1\n'
PAYLOAD = 'VALUE = "payload"\n\n\ndef f(x):\n    return x + 1\n'


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def timestamp_header(mtime: int, size: int, *, magic: bytes = MAGIC, flags: int = 0) -> bytes:
    return magic + struct.pack("<III", flags, mtime & 0xFFFFFFFF, size & 0xFFFFFFFF)


def hash_header(source_hash: bytes, *, checked: bool, magic: bytes = MAGIC) -> bytes:
    return magic + struct.pack("<I", 0b11 if checked else 0b01) + source_hash


def body(text: str, filename: str = "m.py", optimize: int = 0) -> bytes:
    return marshal.dumps(compile(text, filename, "exec", dont_inherit=True, optimize=optimize))


# --------------------------------------------------------------------------- headers and names


def test_parse_header_reads_both_kinds() -> None:
    assert parse_header(timestamp_header(1_700_000_000, 42)) == PycHeader(
        MAGIC, 0, mtime=1_700_000_000, size=42
    )
    hashed = parse_header(hash_header(b"12345678", checked=True) + b"rest")
    assert hashed == PycHeader(MAGIC, 3, source_hash=b"12345678")
    assert hashed is not None and hashed.hash_based and hashed.check_source
    unchecked = parse_header(hash_header(b"12345678", checked=False))
    assert unchecked is not None and unchecked.hash_based and not unchecked.check_source
    assert parse_header(MAGIC + b"\0" * 11) is None
    assert "mtime=1" in repr(parse_header(timestamp_header(1, 2)))


def may_use(header: bytes, mtime: float = 1_700_000_000.75, size: int = 42) -> bool:
    return loader_may_use(parse_header(header), magic=MAGIC, source_mtime=mtime, source_size=size)


def test_loader_may_use_follows_the_header() -> None:
    assert may_use(timestamp_header(1_700_000_000, 42))
    assert not may_use(timestamp_header(1_700_000_001, 42))
    assert not may_use(timestamp_header(1_700_000_000, 43))
    assert not may_use(timestamp_header(1_700_000_000, 42, magic=b"\x00\x00\r\n"))
    assert may_use(hash_header(b"anything", checked=True))
    assert may_use(hash_header(b"anything", checked=False))
    assert not may_use(MAGIC)  # too short to be used
    assert not may_use(timestamp_header(1_700_000_000, 42, flags=0b100))
    # 32-bit truncation, as the loader compares: a source dated after 2106 still matches.
    late = 2**32 + 5
    assert may_use(timestamp_header(late, 2**32 + 42), mtime=late, size=2**32 + 42)


def test_cache_names_are_importlibs() -> None:
    source = "pkg/sub/m.py"
    expected = tuple(
        importlib.util.cache_from_source(source, optimization=level) for level in ("", 1, 2)
    )
    assert cache_paths(source, TAG) == expected
    assert cache_path("m.py", TAG) == importlib.util.cache_from_source("m.py")
    assert cache_path("pkg/m.py", TAG, 3) == f"pkg/__pycache__/m.{TAG}.opt-3.pyc"
    assert cache_name("m", "cpython-312", 1) == "m.cpython-312.opt-1.pyc"


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("m.cpython-311.pyc", ("m", "cpython-311", 0)),
        ("m.cpython-311.opt-1.pyc", ("m", "cpython-311", 1)),
        ("__init__.pypy39.opt-3.pyc", ("__init__", "pypy39", 3)),
        ("m.pyc", None),
        ("m.cpython-311.opt-0.pyc", None),
        ("m.cpython-311.opt-01.pyc", None),
        ("m.cpython-311.opt-x.pyc", None),
        ("m.cpython-311.opt-\u0663.pyc", None),
        ("m.cpython-311.extra.pyc", None),
        ("m.a.b.opt-1.pyc", None),
        (".cpython-311.pyc", None),
        ("m.cpython-311.py", None),
    ],
)
def test_parse_cache_name(name: str, parsed: tuple[str, str, int] | None) -> None:
    assert parse_cache_name(name) == parsed


def test_compile_optimization() -> None:
    assert [compile_optimization(level) for level in (0, 1, 2, 3, 7)] == [0, 1, 2, 2, 2]


# --------------------------------------------------------------------------- the rule is CPython's


RULE_PROBE = """\
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
ran = {}
for name in sys.argv[2:]:
    try:
        ran[name] = importlib.import_module(name).VALUE == "payload"
    except Exception as error:  # a pyc the loader rejects in a way that fails the import
        ran[name] = repr(error)
print(json.dumps(ran))
"""


def test_the_rule_is_what_the_interpreter_does(tmp_path: Path) -> None:
    """Each forged pyc is imported under all three ``--check-hash-based-pycs`` modes; the rule
    says "may run" exactly for those that ran the payload in at least one."""
    source_hash = importlib.util.source_hash(SOURCE)
    mtime, size = 1_600_000_000, len(SOURCE)
    payload = body(PAYLOAD)
    headers = {
        "timestamp_match": timestamp_header(mtime, size),
        "timestamp_stale_mtime": timestamp_header(mtime + 1, size),
        "timestamp_other_size": timestamp_header(mtime, size + 1),
        "timestamp_check_bit": timestamp_header(mtime, size, flags=0b10),
        "unchecked_hash": hash_header(b"\0" * 8, checked=False),
        "checked_hash_right": hash_header(source_hash, checked=True),
        "checked_hash_wrong": hash_header(b"\0" * 8, checked=True),
        "unknown_flag": timestamp_header(mtime, size, flags=0b100),
        "other_magic": timestamp_header(mtime, size, magic=b"\x00\x00\r\n"),
    }
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    for name, header in headers.items():
        (tmp_path / f"{name}.py").write_bytes(SOURCE)
        os.utime(tmp_path / f"{name}.py", (mtime, mtime))
        (cache / cache_name(name, TAG)).write_bytes(header + payload)
    (tmp_path / "short.py").write_bytes(SOURCE)
    (cache / cache_name("short", TAG)).write_bytes(MAGIC + b"\0" * 6)
    names = [*headers, "short"]
    ran: dict[str, bool] = dict.fromkeys(names, False)
    for mode in ("default", "always", "never"):
        completed = subprocess.run(
            [
                *(sys.executable, "-I", "-B", "--check-hash-based-pycs", mode),
                *("-c", RULE_PROBE, str(tmp_path), *names),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        for name, outcome in json.loads(completed.stdout).items():
            assert isinstance(outcome, bool), (name, mode, outcome)
            ran[name] = ran[name] or outcome
    decided = {}
    for name in names:
        data = (cache / cache_name(name, TAG)).read_bytes()
        info = (tmp_path / f"{name}.py").stat()
        decided[name] = loader_may_use(
            parse_header(data), magic=MAGIC, source_mtime=info.st_mtime, source_size=info.st_size
        )
    assert decided == ran
    assert ran["checked_hash_right"], "a checked pyc with the source's hash runs its own code"
    assert sum(ran.values()) == 5


# --------------------------------------------------------------------------- same_code


def code(text: str, filename: str = "m.py", optimize: int = 0) -> object:
    return compile(text, filename, "exec", dont_inherit=True, optimize=optimize)


def test_same_code_ignores_only_the_file_name() -> None:
    text = "import os\n\ndef f(a, *, b=1.0):\n    def g():\n        return a\n    return g\n"
    assert same_code(code(text, "/one/m.py"), code(text, "/other/m.py"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changed",
    [
        "import os\n\ndef f(a, *, b=1):\n    def g():\n        return a\n    return g\n",
        "import os\n\ndef f(a, *, b=True):\n    def g():\n        return a\n    return g\n",
        "import os\n\ndef f(a, *, b=-0.0):\n    def g():\n        return a\n    return g\n",
        "import os\n\ndef f(a, *, b=1.0):\n    def g():\n        return b\n    return g\n",
        "import sys\n\ndef f(a, *, b=1.0):\n    def g():\n        return a\n    return g\n",
        "import os\n\ndef f(a, *, c=1.0):\n    def g():\n        return a\n    return g\n",
        "import os\n\ndef f(a, *, b=1.0):\n    def h():\n        return a\n    return h\n",
        "import os\n\n\ndef f(a, *, b=1.0):\n    def g():\n        return a\n    return g\n",
    ],
)
def test_same_code_sees_every_change(changed: str) -> None:
    text = "import os\n\ndef f(a, *, b=1.0):\n    def g():\n        return a\n    return g\n"
    assert not same_code(code(changed), code(text))  # type: ignore[arg-type]


def test_same_code_compares_constants_by_type() -> None:
    assert not same_code(code("x in {1, 2}"), code("x in {1.0, 2}"))  # type: ignore[arg-type]
    assert same_code(code("x in {1, (2, 'a')}"), code("x in {1, (2, 'a')}"))  # type: ignore[arg-type]
    assert not same_code(code("x = (1, (2,))"), code("x = (1, (2.0,))"))  # type: ignore[arg-type]


def test_same_code_sees_what_equality_does_not() -> None:
    compiled = compile("def f():\n    return 1\n", "m.py", "exec", dont_inherit=True)
    function = next(c for c in compiled.co_consts if hasattr(c, "co_code"))
    deeper = compiled.replace(
        co_consts=tuple(
            c.replace(co_stacksize=c.co_stacksize + 7) if c is function else c
            for c in compiled.co_consts
        )
    )
    assert deeper == compiled  # == leaves the stack size out
    assert not same_code(deeper, compiled)
    renamed = compiled.replace(
        co_consts=tuple(
            c.replace(co_qualname="elsewhere") if c is function else c for c in compiled.co_consts
        )
    )
    if sys.version_info >= (3, 11):
        assert not same_code(renamed, compiled)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="inline caches exist from Python 3.11")
def test_same_code_sees_inline_cache_contents_that_equality_hides() -> None:
    """A marshalled pyc can carry inline-cache bytes (and specialised instructions) that
    ``co_code`` and ``==`` both undo; the raw instructions show them."""
    import opcode

    compiled = compile("import os\nx = os.sep\n", "m.py", "exec", dont_inherit=True)
    raw = compiled.co_code
    attribute = next(
        i for i in range(0, len(raw), 2) if raw[i] == opcode.opmap["LOAD_ATTR"]
    )  # its inline cache follows it
    forged_code = bytearray(raw)
    forged_code[attribute + 2] = 0x41
    dumped = marshal.dumps(compiled)
    assert dumped.count(raw) == 1
    forged = marshal.loads(dumped.replace(raw, bytes(forged_code)))
    assert forged == compiled and forged.co_code == compiled.co_code
    assert not same_code(forged, compiled)


# --------------------------------------------------------------------------- code digests

DIGESTED = (
    b"import os\n"
    b"SETS = [x in {'a', 'b', 'c', 'd', 'e'} for x in 'abz']\n"  # a frozenset constant
    b"NUMBERS = (1, 1.0, -0.0, 2j, True, None, ..., b'x', ('n', (2,)))\n"
    b"class C:\n    def m(self, a, *, b=2):\n        return [lambda: a + b for _ in ()]\n"
)


def test_code_digests_leave_out_the_file_name_and_the_hash_seed() -> None:
    here = code_digest(compile(DIGESTED, "/build/m.py", "exec", dont_inherit=True))
    assert here == code_digest(compile(DIGESTED, "/site/m.py", "exec", dont_inherit=True))
    assert here == code_digest(marshal.loads(body(DIGESTED.decode(), "/site/m.py")))
    script = (
        "import sys; from hatch_importspy.pyrules.bytecode import code_digest; "
        "print(code_digest(compile(sys.stdin.buffer.read(), 'x.py', 'exec', dont_inherit=True)))"
    )
    for seed in ("1", "2", "3"):
        other = subprocess.run(
            [sys.executable, "-c", script],
            input=DIGESTED,
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert other.stdout.decode().strip() == here


@pytest.mark.parametrize(
    "changed",
    [
        b"1.0, -0.0, 2j, True",  # a constant of another type, equal by ==
        b"1, 0.0, 2j, True",  # -0.0 == 0.0
        b"1, 1.0, -0.0, 2j, 1",  # True == 1
        b"'a', 'b', 'c', 'd', 'f'",  # a frozenset member
        b"def m(self, a, b=2)",  # a parameter kind, in nested code
        b"return [lambda: b + a",  # operands, two code objects down
    ],
)
def test_code_digests_differ_for_code_that_runs_differently(changed: bytes) -> None:
    originals = {
        b"1.0, -0.0, 2j, True": b"1, 1.0, -0.0, 2j, True",
        b"1, 0.0, 2j, True": b"1, 1.0, -0.0, 2j, True",
        b"1, 1.0, -0.0, 2j, 1": b"1, 1.0, -0.0, 2j, True",
        b"'a', 'b', 'c', 'd', 'f'": b"'a', 'b', 'c', 'd', 'e'",
        b"def m(self, a, b=2)": b"def m(self, a, *, b=2)",
        b"return [lambda: b + a": b"return [lambda: a + b",
    }
    original = originals[changed]
    assert DIGESTED.count(original) == 1
    other = DIGESTED.replace(original, changed)
    compiled = code_digest(compile(DIGESTED, "m.py", "exec", dont_inherit=True))
    assert code_digest(compile(other, "m.py", "exec", dont_inherit=True)) != compiled


@pytest.mark.skipif(sys.version_info < (3, 11), reason="inline caches exist from Python 3.11")
def test_code_digests_see_inline_cache_contents() -> None:
    import opcode

    compiled = compile("import os\nx = os.sep\n", "m.py", "exec", dont_inherit=True)
    raw = compiled.co_code
    attribute = next(i for i in range(0, len(raw), 2) if raw[i] == opcode.opmap["LOAD_ATTR"])
    forged_code = bytearray(raw)
    forged_code[attribute + 2] = 0x41
    forged = marshal.loads(marshal.dumps(compiled).replace(raw, bytes(forged_code)))
    assert forged == compiled
    assert code_digest(forged) != code_digest(compiled)


def test_code_the_compiler_never_makes_is_not_digested() -> None:
    compiled = compile("x = 1\n", "m.py", "exec", dont_inherit=True)
    function = compile("def f(): pass\n", "m.py", "exec", dont_inherit=True).co_consts[0]
    assert code_digest(compiled.replace(co_consts=((function,),))) is None  # code in a tuple
    assert code_digest(compiled.replace(co_consts=((frozenset({1}),),))) is None
    assert recorded_compilation(b"return 1\n")[0] is None  # parses, does not compile
    assert recorded_compilation(b"x = (\n")[0] is None
    assert recorded_compilation(b"x = 1\n")[0] == f"{MAGIC.hex()}:{code_digest(compiled)}"


# --------------------------------------------------------------------------- cache-file shapes


def written_by_another_process(module: Path, mode: str = "TIMESTAMP") -> bytes:
    """The cache file ``py_compile`` writes for ``module`` in a fresh interpreter, as pip's."""
    subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            "import py_compile, sys; py_compile.compile(sys.argv[1], doraise=True, "
            f"invalidation_mode=py_compile.PycInvalidationMode.{mode})",
            str(module),
        ],
        check=True,
    )
    return Path(importlib.util.cache_from_source(str(module))).read_bytes()


@pytest.mark.parametrize("mode", ["TIMESTAMP", "CHECKED_HASH", "UNCHECKED_HASH"])
def test_a_cache_file_is_matched_by_its_recorded_shape_whatever_its_path(
    tmp_path: Path, mode: str
) -> None:
    _, template = recorded_compilation(DIGESTED)
    assert template is not None and template.startswith(f"{MAGIC.hex()}:")
    # A short and a long file name, and one that is not ASCII: three kinds of marshal string.
    for directory in (Path("short"), Path(*["a-much-longer-directory"] * 12), Path("répertoire")):
        module = tmp_path / directory / "m.py"
        module.parent.mkdir(parents=True)
        module.write_bytes(DIGESTED)
        assert matches_template(written_by_another_process(module, mode), template)


def test_a_cache_file_of_other_code_or_another_shape_is_not_matched(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_bytes(SOURCE)
    _, template = recorded_compilation(SOURCE)
    assert template is not None
    data = written_by_another_process(module)
    assert matches_template(data, template)
    _, before, _, after, _ = template.split(":")
    start = 16 + int(before)
    name_end = len(data) - int(after)
    assert data[start] & 0x80  # the file name, marked for back-references
    forged = bytearray(data)
    forged[start] &= 0x7F  # unmarked: the references after it would point elsewhere
    assert not matches_template(bytes(forged), template)
    forged = bytearray(data)
    forged[start] = 0x80 | ord("i")  # not a string
    assert not matches_template(bytes(forged), template)
    assert not matches_template(data + b"\0", template)  # a byte more after
    assert not matches_template(data[:name_end] + data[name_end + 1 :], template)
    assert not matches_template(b"\0\0\0\0" + data[4:], template)  # another magic
    assert not matches_template(data[:4] + b"\x04\0\0\0" + data[8:], template)  # a flag
    other = module.with_name("other.py")
    other.write_bytes(PAYLOAD.encode())
    assert not matches_template(written_by_another_process(other), template)
    assert not matches_template(data, "not:a:template")


@pytest.mark.parametrize(
    "template",
    [
        "",
        "a70d0d0a",
        "zz:1:x:1:y",
        f"{MAGIC.hex()}:-5:x:3:y",
        f"{MAGIC.hex()}:{'9' * 5000}:x:3:y",  # beyond int()'s digit limit
        f"{MAGIC.hex()}:{10**30}:x:{10**30}:y",
    ],
)
def test_a_hostile_recorded_shape_never_proves_and_never_raises(
    module: Path, template: str
) -> None:
    """``pyc`` comes from a manifest, which may come from anywhere."""
    data = written_by_another_process(module)
    assert not matches_template(data, template)
    recorded = {"m.py": Module("m", "m.py", sha(SOURCE), pyc=template)}
    files = cache_files(module.parent, {"m.py": sha(SOURCE)}, BytecodeLoader.running(), recorded)
    assert [p.verdict for p in prover.prove(files, BytecodeLoader.running())] == [PROVEN]


def test_the_shape_is_checked_here_and_nothing_is_left_to_the_provers(
    module: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, template = recorded_compilation(SOURCE)
    written_by_another_process(module)
    asked: list[object] = []
    monkeypatch.setattr(prover, "run_provers", lambda *args, **kwargs: asked.append(args))
    recorded = {"m.py": Module("m", "m.py", sha(SOURCE), code=code, pyc=template)}
    files = cache_files(module.parent, {"m.py": sha(SOURCE)}, BytecodeLoader.running(), recorded)
    assert [(p.verdict, p.reason) for p in prover.prove(files, BytecodeLoader.running())] == [
        (PROVEN, BY_TEMPLATE)
    ]
    assert asked == []


def two_modules(tmp_path: Path) -> tuple[Path, list[prover.CacheFile]]:
    """``a.py`` with its recorded compilation and ``b.py`` without, both byte-compiled."""
    code, template = recorded_compilation(SOURCE)
    for name in ("a", "b"):
        (tmp_path / f"{name}.py").write_bytes(SOURCE)
        written_by_another_process(tmp_path / f"{name}.py")
    recorded = {"a.py": Module("a", "a.py", sha(SOURCE), code=code, pyc=template)}
    sources = {"a.py": sha(SOURCE), "b.py": sha(SOURCE)}
    return tmp_path, cache_files(tmp_path, sources, BytecodeLoader.running(), recorded)


def test_when_provers_start_anyway_they_check_the_recorded_shapes_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``b.py`` has no recorded compilation, so provers start: ``a.py``'s shape goes with it,
    to be checked beside the caller's work rather than in its process."""
    site, files = two_modules(tmp_path)
    asked: list[list[prover.Job]] = []
    real = prover.run_provers

    def counted(python: str, jobs: list[prover.Job], **options: bool) -> list[tuple[str, str]]:
        asked.append(list(jobs))
        return real(python, jobs, **options)

    monkeypatch.setattr(prover, "run_provers", counted)
    proofs = prover.prove(files, BytecodeLoader.running())
    assert [(p.source, p.verdict, p.reason) for p in proofs] == [
        ("a.py", PROVEN, BY_TEMPLATE),
        ("b.py", PROVEN, ""),
    ]
    ((shaped, plain),) = asked
    assert len(shaped) == 6 and shaped[5] == files[0].template and plain[5:] in ((), ("",))
    # In the provers, a shape that does not match proves nothing by itself.
    forge(site / "a.py", stat_header(site / "a.py"), body(PAYLOAD))
    proofs = prover.prove(files, BytecodeLoader.running())
    assert [(p.source, p.verdict) for p in proofs] == [("a.py", DISPROVEN), ("b.py", PROVEN)]


def test_many_shapes_are_checked_in_the_provers_beside_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, files = two_modules(tmp_path)
    monkeypatch.setattr(prover, "SHAPES_HERE", 0)
    asked: list[int] = []
    real = prover.run_provers

    def counted(python: str, jobs: list[prover.Job], **options: bool) -> list[tuple[str, str]]:
        asked.append(len(jobs))
        return real(python, jobs, **options)

    monkeypatch.setattr(prover, "run_provers", counted)
    (proof,) = prover.prove(files[:1], BytecodeLoader.running())
    assert (proof.verdict, proof.reason, asked) == (PROVEN, BY_TEMPLATE, [1])


@pytest.mark.parametrize(
    ("beside", "light", "started"), [(False, True, 4), (True, True, 3), (True, False, 4)]
)
def test_light_work_beside_the_caller_leaves_it_a_core(
    monkeypatch: pytest.MonkeyPatch, beside: bool, light: bool, started: int
) -> None:
    monkeypatch.setattr(prover, "prover_script", lambda: FAKE_PROVER)
    monkeypatch.setattr(prover, "_cores", lambda: 4)
    if not light:
        monkeypatch.setattr(prover, "LIGHT_WORK", -1)
    commands: list[str] = []
    real = prover.prover_command

    def command(python: str) -> list[str]:
        commands.append(python)
        return real(python)

    monkeypatch.setattr(prover, "prover_command", command)
    jobs = fake_jobs(*(f"m{index}" for index in range(100)))
    assert run_provers(sys.executable, jobs, beside=beside) == [(PROVEN, "")] * 100
    assert len(commands) == started


# --------------------------------------------------------------------------- prove


@pytest.fixture
def module(tmp_path: Path) -> Path:
    path = tmp_path / "m.py"
    path.write_bytes(SOURCE)
    return path


def verdict(source: Path, level: int = 0, *, stand_in: bool = False) -> tuple[str, str]:
    cache = importlib.util.cache_from_source(str(source), optimization=level or "")
    return prove(str(source), cache, level, sha(SOURCE), magic=MAGIC, stand_in=stand_in)


@pytest.mark.parametrize(
    "mode",
    [
        py_compile.PycInvalidationMode.TIMESTAMP,
        py_compile.PycInvalidationMode.CHECKED_HASH,
        py_compile.PycInvalidationMode.UNCHECKED_HASH,
    ],
)
@pytest.mark.parametrize("level", [0, 1, 2])
def test_compiled_files_are_proven(
    module: Path, mode: py_compile.PycInvalidationMode, level: int
) -> None:
    py_compile.compile(str(module), optimize=level, invalidation_mode=mode, doraise=True)
    assert verdict(module, level) == (PROVEN, "")


def test_the_interpreters_own_bytes_are_proven_without_unmarshalling(
    module: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache file holding exactly ``marshal.dumps`` of the compilation is proven by that
    equality alone; one that differs by a byte is still walked, and disproven."""
    import hatch_importspy.pyrules.bytecode as rules

    py_compile.compile(str(module), doraise=True)
    walked: list[object] = []

    def same_code(*pair: object) -> bool:
        walked.append(pair)
        return True

    monkeypatch.setattr(rules, "same_code", same_code)
    assert verdict(module) == (PROVEN, "")
    assert walked == []  # equal bytes: nothing unmarshalled, nothing walked
    monkeypatch.undo()
    cache = Path(importlib.util.cache_from_source(str(module)))
    data = cache.read_bytes()
    forged = data.replace(b"source", b"sourcf")  # the constant "source" -> "sourcf"
    assert forged != data and len(forged) == len(data)
    forge(module, forged[:16], forged[16:])
    assert verdict(module) == (DISPROVEN, "its code is not the compilation of its source")


def proven_by(source: Path, code: str | None) -> tuple[str, str]:
    cache = importlib.util.cache_from_source(str(source))
    return prove(str(source), cache, 0, sha(SOURCE), magic=MAGIC, code=code or "")


def test_a_recorded_digest_proves_the_interpreters_file_without_compiling(
    module: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    py_compile.compile(str(module), doraise=True)
    recorded = recorded_compilation(SOURCE)[0]

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled")

    monkeypatch.setattr(builtins, "compile", refuse)
    assert proven_by(module, recorded) == (PROVEN, BY_DIGEST)


def test_a_file_without_the_recorded_digest_is_compiled_and_judged(module: Path) -> None:
    recorded = recorded_compilation(SOURCE)[0]
    assert recorded is not None
    forge(module, stat_header(module), body(PAYLOAD))  # another module's code
    assert proven_by(module, recorded) == (
        DISPROVEN,
        "its code is not the compilation of its source",
    )
    py_compile.compile(str(module), doraise=True)
    other_magic = "00000000" + recorded[8:]
    assert proven_by(module, other_magic) == (PROVEN, "")  # another interpreter's: compiled
    assert proven_by(module, f"{MAGIC.hex()}:{'0' * 64}") == (PROVEN, "")  # a wrong record
    forge(module, stat_header(module), b"\xff\x00garbage")
    assert proven_by(module, recorded)[0] == DISPROVEN


def test_equal_code_in_other_bytes_is_still_proven(module: Path) -> None:
    """Bytes that differ from ``marshal.dumps`` of the compilation (here: the file name, which
    the loader replaces anyway) fall back to comparing the code: still proven."""
    forge(module, stat_header(module), body(SOURCE.decode(), "/elsewhere/m.py"))
    assert verdict(module) == (PROVEN, "")


def test_a_file_of_another_level_is_not_proven_at_this_one(module: Path) -> None:
    py_compile.compile(str(module), optimize=2, doraise=True)
    opt2 = Path(importlib.util.cache_from_source(str(module), optimization=2))
    opt1 = Path(importlib.util.cache_from_source(str(module), optimization=1))
    opt1.write_bytes(opt2.read_bytes())  # docstrings stripped where -O keeps them
    assert verdict(module, 1) == (DISPROVEN, "its code is not the compilation of its source")


def forge(source: Path, header: bytes, data: bytes, level: int = 0) -> Path:
    cache = Path(importlib.util.cache_from_source(str(source), optimization=level or ""))
    cache.parent.mkdir(exist_ok=True)
    cache.write_bytes(header + data)
    return cache


def stat_header(source: Path) -> bytes:
    info = source.stat()
    return timestamp_header(int(info.st_mtime), info.st_size)


def test_forged_files_are_disproven(module: Path) -> None:
    forge(module, stat_header(module), body(PAYLOAD))
    assert verdict(module) == (DISPROVEN, "its code is not the compilation of its source")
    forge(module, hash_header(b"\0" * 8, checked=False), body(PAYLOAD))
    assert verdict(module)[0] == DISPROVEN
    forge(module, hash_header(importlib.util.source_hash(SOURCE), checked=True), body(PAYLOAD))
    assert verdict(module)[0] == DISPROVEN


def test_files_the_loader_would_not_run_are_not_compiled(module: Path) -> None:
    forge(module, timestamp_header(1, len(SOURCE)), body(PAYLOAD))
    assert verdict(module) == (UNUSED, "the loader would compile the source instead")
    forge(module, timestamp_header(1, 2, magic=b"\x00\x00\r\n"), body(PAYLOAD))
    assert verdict(module)[0] == UNUSED
    assert verdict(module, stand_in=True)[0] == UNUSED  # stale for its own Python too
    forge(module, MAGIC, b"")
    assert verdict(module)[0] == UNUSED
    module.unlink()
    assert verdict(module) == (UNUSED, "its source is gone: the loader reads no bytecode for it")
    module.write_bytes(SOURCE)
    Path(importlib.util.cache_from_source(str(module))).unlink()
    assert verdict(module) == (UNUSED, "it is gone")


def test_another_pythons_file_is_unused_or_not_provable(module: Path) -> None:
    other = b"\x00\x00\r\n"
    info = module.stat()
    forge(module, timestamp_header(int(info.st_mtime), info.st_size, magic=other), b"")
    assert verdict(module)[0] == UNUSED
    assert verdict(module, stand_in=True) == (
        OTHER_PYTHON,
        "written by the Python of magic number 0",
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "its code cannot be unmarshalled (EOFError"),
        (b"\xff\xff", "its code cannot be unmarshalled (ValueError"),
        (marshal.dumps(("not", "code")), "it holds a tuple where code should be"),
        (body(SOURCE.decode())[:-3], "its code cannot be unmarshalled"),
    ],
)
def test_unreadable_code_is_disproven(module: Path, data: bytes, reason: str) -> None:
    forge(module, stat_header(module), data)
    found, why = verdict(module)
    assert found == DISPROVEN and why.startswith(reason), why


def test_what_is_no_regular_file_is_never_waited_on(module: Path) -> None:
    cache = forge(module, b"", b"")
    cache.unlink()
    os.mkfifo(cache)
    assert verdict(module) == (DISPROVEN, "is not a regular file")
    cache.unlink()
    cache.mkdir()
    assert verdict(module) == (UNUSED, "it is a directory")
    cache.rmdir()
    cache.symlink_to("/dev/zero")
    assert verdict(module) == (DISPROVEN, "is not a regular file")


def test_an_oversized_file_is_disproven_unread(module: Path) -> None:
    forge(module, stat_header(module), b"\0" * (64 * len(SOURCE) + 65_537))
    found, reason = verdict(module)
    assert found == DISPROVEN and reason.startswith("is larger than any compilation"), reason


def test_the_vouched_bytes_are_what_is_compiled(module: Path) -> None:
    py_compile.compile(str(module), doraise=True)
    cache = importlib.util.cache_from_source(str(module))
    assert prove(str(module), cache, 0, sha(b"other"), magic=MAGIC) == (
        DISPROVEN,
        "its source changed while it was being checked",
    )


def test_a_source_that_does_not_compile_has_no_bytecode(tmp_path: Path) -> None:
    source = tmp_path / "bad.py"
    source.write_bytes(b"def (:\n")
    forge(source, stat_header(source), body("x = 1"))
    assert prove(
        str(source),
        importlib.util.cache_from_source(str(source)),
        0,
        sha(b"def (:\n"),
        magic=MAGIC,
    ) == (DISPROVEN, "its source does not compile (SyntaxError)")


# --------------------------------------------------------------------------- listing


def test_cache_files_lists_what_the_loader_reads(tmp_path: Path) -> None:
    for path in [
        "pkg/__pycache__/core.cpython-311.pyc",
        "pkg/__pycache__/core.cpython-311.opt-1.pyc",
        "pkg/__pycache__/core.cpython-311.opt-2.pyc",
        "pkg/__pycache__/core.cpython-312.pyc",
        "pkg/__pycache__/core.cpython-311.opt-x.pyc",
        "pkg/__pycache__/unvouched.cpython-311.pyc",
        "pkg/__pycache__/changed.cpython-311.pyc",
        "__pycache__/solo.cpython-311.pyc",
        "__pycache__/other_dist.cpython-311.pyc",
        "pkg/__pycache__/data.cpython-311.pyc",
        "__pycache__/SOLO.CPython-311.PYC",  # what a case-insensitive file system opens too
    ]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(b"")
    sources = {"pkg/core.py": "aa", "solo.py": "bb", "pkg/data.json": "cc", "pkg/w.pyw": "dd"}
    listed = cache_files(tmp_path, sources, BytecodeLoader("python", "cpython-311"))
    assert [(f.source, f.cache, f.optimization, f.sha256) for f in listed] == [
        ("pkg/core.py", "pkg/__pycache__/core.cpython-311.opt-1.pyc", 1, "aa"),
        ("pkg/core.py", "pkg/__pycache__/core.cpython-311.opt-2.pyc", 2, "aa"),
        ("pkg/core.py", "pkg/__pycache__/core.cpython-311.pyc", 0, "aa"),
        ("solo.py", "__pycache__/SOLO.CPython-311.PYC", 0, "bb"),
        ("solo.py", "__pycache__/solo.cpython-311.pyc", 0, "bb"),
    ]
    unknown = cache_files(tmp_path, sources, BytecodeLoader.unknown())
    assert [f.cache for f in unknown if f.source == "pkg/core.py"] == [
        "pkg/__pycache__/core.cpython-311.opt-1.pyc",
        "pkg/__pycache__/core.cpython-311.opt-2.pyc",
        "pkg/__pycache__/core.cpython-311.pyc",
        "pkg/__pycache__/core.cpython-312.pyc",
    ]
    assert cache_files(tmp_path, sources, BytecodeLoader("python", None)) == []


def test_a_py_source_owns_the_cache_name_it_shares_with_a_pyw(tmp_path: Path) -> None:
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / f"m.{TAG}.pyc").write_bytes(b"")
    loader = BytecodeLoader.running()
    for order in (["m.pyw", "m.py"], ["m.py", "m.pyw"]):
        (listed,) = cache_files(tmp_path, {path: path for path in order}, loader)
        assert listed.source == "m.py"


# --------------------------------------------------------------------------- prover processes


FAKE_PROVER = """\
import json, os, sys, time
request = json.loads(sys.stdin.read())
print(json.dumps({"magic": "00", "cache_tag": "fake"}), flush=True)
for index, (source, cache, level, digest) in enumerate(request["jobs"]):
    if "crash" in cache:
        os.abort()
    if "hang" in cache:
        time.sleep(60)
    print(json.dumps([index, "proven", ""]), flush=True)
"""


def fake_jobs(*names: str) -> list[tuple[str, str, int, str]]:
    return [(f"/nowhere/{name}.py", f"/nowhere/{name}.pyc", 0, "00") for name in names]


def test_the_prover_command_fits_a_windows_command_line() -> None:
    # Windows refuses a command line over 32,767 characters, and the prover's source alone,
    # quoted for it, is about that long: it is read from standard input instead.
    python = r"C:\Users\runneradmin\AppData\Local\Temp\pytest-0\venv0\Scripts\python.exe"
    assert len(subprocess.list2cmdline(prover.prover_command(python))) < 300
    assert len(subprocess.list2cmdline([python, "-c", prover.prover_script()])) > 30_000


def test_a_file_that_stops_the_prover_is_disproven_and_the_rest_proven(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prover, "prover_script", lambda: FAKE_PROVER)
    verdicts = run_provers(sys.executable, fake_jobs("a", "crash", "b", "c"), processes=1)
    assert verdicts[0] == verdicts[2] == verdicts[3] == (PROVEN, "")
    assert verdicts[1][0] == DISPROVEN
    assert verdicts[1][1].startswith("proving it stopped the prover: it exited with status")


def test_a_file_that_hangs_the_prover_is_disproven_in_bounded_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(prover, "prover_script", lambda: FAKE_PROVER)
    monkeypatch.setattr(prover, "BASE_TIMEOUT", 2.0)
    verdicts = run_provers(sys.executable, fake_jobs("a", "hang", "b"), processes=2)
    assert [v[0] for v in verdicts] == [PROVEN, DISPROVEN, PROVEN]
    assert verdicts[1][1] == "proving it stopped the prover: it did not finish within 2 s"


def test_an_interpreter_that_cannot_run_the_proof_proves_nothing(tmp_path: Path) -> None:
    absent = str(tmp_path / "python")
    verdicts = run_provers(absent, fake_jobs("a", "b"))
    assert (
        verdicts
        == [
            (NOT_RUN, f"{absent} could not run the proof: cannot run it: No such file or directory")
        ]
        * 2
    )


def test_a_python_too_old_for_the_prover_proves_nothing() -> None:
    python = other_python(6)
    if python is None:
        pytest.skip("no Python 3.6 on this machine")
    (verdict_,) = run_provers(python, fake_jobs("a"))
    assert verdict_[0] == NOT_RUN
    assert "could not run the proof: it exited with status 1" in verdict_[1]


def compiled_tree(root: Path, python: str, *options: str) -> list[tuple[str, str, int, str]]:
    """A small package byte-compiled by ``python``: the jobs for each file it wrote."""
    package = root / "pkg"
    package.mkdir(parents=True, exist_ok=True)
    (package / "m.py").write_bytes(SOURCE)
    (package / "n.py").write_text('def g():\n    """doc"""\n    assert g\n', encoding="utf-8")
    for flags in ([], ["-O"], ["-OO"]):
        subprocess.run(
            [python, *flags, "-m", "compileall", "-q", *options, str(package)],
            check=True,
            capture_output=True,
            timeout=120,
        )
    jobs = []
    for cache in sorted((package / "__pycache__").iterdir()):
        parsed = parse_cache_name(cache.name)
        assert parsed is not None
        stem, _, level = parsed
        source = package / f"{stem}.py"
        jobs.append((str(source), str(cache), level, sha(source.read_bytes())))
    return jobs


def test_the_running_interpreter_proves_its_own_files_in_parallel(tmp_path: Path) -> None:
    jobs = compiled_tree(tmp_path, sys.executable)
    assert len(jobs) == 6
    assert run_provers(sys.executable, jobs, processes=2) == [(PROVEN, "")] * 6


@pytest.mark.parametrize("minor", [7, 8, 12, 13])
def test_another_version_proves_its_files_and_ours_cannot(tmp_path: Path, minor: int) -> None:
    python = other_python(minor)
    if python is None or minor == sys.version_info[1]:
        pytest.skip(f"no other Python 3.{minor} on this machine")
    jobs = compiled_tree(tmp_path, python, "--invalidation-mode", "unchecked-hash")
    assert run_provers(python, jobs) == [(PROVEN, "")] * len(jobs)
    assert {v[0] for v in run_provers(sys.executable, jobs)} == {UNUSED}
    assert {v[0] for v in run_provers(sys.executable, jobs, stand_in=True)} == {OTHER_PYTHON}
    # A forged file for that version is disproven by that version.
    forged = Path(jobs[0][1])
    forged.write_bytes(forged.read_bytes()[:16] + marshal.dumps(("not", "code")))
    assert run_provers(python, jobs[:1])[0][0] == DISPROVEN


def test_the_loader_is_the_interpreter_the_environment_belongs_to(tmp_path: Path) -> None:
    assert query_interpreter(sys.executable).cache_tag == TAG
    (tmp_path / "demo-1.0.dist-info").mkdir()  # --path must hold a distribution (fail closed)
    assert resolve_scope(None, ()).loader == BytecodeLoader(sys.executable, TAG)
    assert resolve_scope(sys.executable, [tmp_path]).loader == BytecodeLoader(sys.executable, TAG)
    unknown = resolve_scope(None, [tmp_path]).loader
    assert unknown == BytecodeLoader.unknown() and not unknown.known


# --------------------------------------------------------------------------- findings


def test_verdicts_become_findings() -> None:
    proofs = [
        BytecodeProof("pkg/m.py", "pkg/__pycache__/m.cpython-311.pyc", PROVEN),
        BytecodeProof("pkg/m.py", "pkg/__pycache__/m.cpython-311.opt-1.pyc", UNUSED, "stale"),
        BytecodeProof("pkg/m.py", "pkg/__pycache__/m.cpython-312.pyc", OTHER_PYTHON, "why"),
        BytecodeProof("pkg/m.py", "pkg/__pycache__/m.cpython-311.opt-2.pyc", DISPROVEN, "bad"),
        BytecodeProof("x.py", "__pycache__/x.cpython-311.pyc", NOT_RUN, "no python"),
    ]
    assert bytecode_findings("demo", proofs, modules={"pkg/m.py": "pkg.m"}) == [
        Finding(
            "ISP312",
            "demo",
            "Python would run it instead of x.py; not provable here: no python",
            file="__pycache__/x.cpython-311.pyc",
            expected="the compilation of x.py",
        ),
        Finding(
            "ISP311",
            "demo",
            "Python would run it instead of pkg/m.py, and bad",
            module="pkg.m",
            file="pkg/__pycache__/m.cpython-311.opt-2.pyc",
            expected="the compilation of pkg/m.py",
        ),
        Finding(
            "ISP312",
            "demo",
            "Python would run it instead of pkg/m.py; not provable here: why; "
            "name that interpreter with --python",
            module="pkg.m",
            file="pkg/__pycache__/m.cpython-312.pyc",
            expected="the compilation of pkg/m.py",
        ),
    ]


# --------------------------------------------------------------------------- verify_installed


FILES = {"demo/__init__.py": b"", "demo/core.py": SOURCE, "solo.py": b"X = 1\n"}
OTHER = {"other/__init__.py": b"Y = 2\n"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    install(site, "demo", "1.0", FILES, manifest=model_for("demo", "1.0", FILES))
    install(site, "other", "1.0", OTHER, manifest=model_for("other", "1.0", OTHER))
    for path in [*FILES, *OTHER]:
        py_compile.compile(str(site / path), doraise=True)
    return site


def test_every_distributions_bytecode_is_proven_in_one_run(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[int] = []
    real = prover.run_provers

    def counted(python: str, jobs: list[prover.Job], **options: bool) -> list[tuple[str, str]]:
        runs.append(len(jobs))
        return real(python, jobs, **options)

    monkeypatch.setattr(prover, "run_provers", counted)
    assert verify_installed([site], [], current_environment()).findings() == ()
    assert runs == [4]
    forge(site / "demo/core.py", stat_header(site / "demo/core.py"), body(PAYLOAD))
    forge(site / "other/__init__.py", hash_header(b"\0" * 8, checked=False), body("Y = 3"))
    result = verify_installed([site], [], current_environment())
    assert [(f.code, f.distribution, f.module, f.file) for f in result.findings()] == [
        ("ISP311", "demo", "demo.core", f"demo/__pycache__/core.{TAG}.pyc"),
        ("ISP311", "other", "other", f"other/__pycache__/__init__.{TAG}.pyc"),
    ]


def test_the_proofs_start_before_anything_is_hashed_and_overlap_the_other_checks(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The provers are other processes: verify lists the bytecode first and goes on with its
    other checks while they work, instead of waiting for them at the end."""
    events: list[str] = []
    real_start, real_of = prover.prove_in_background, hashing.VouchedDigests.of

    def start(files: list[prover.CacheFile], loader: BytecodeLoader) -> object:
        events.append(f"prove {len(files)}")
        return real_start(files, loader)

    def hashed(self: hashing.VouchedDigests, index: int) -> dict[str, str | None]:
        events.append(f"hash {index}")
        return real_of(self, index)

    monkeypatch.setattr("hatch_importspy.verify.cache_proofs.prove_in_background", start)
    monkeypatch.setattr(hashing.VouchedDigests, "of", hashed)
    forge(site / "demo/core.py", stat_header(site / "demo/core.py"), body(PAYLOAD))
    result = verify_installed([site], [], current_environment())
    # Each distribution: its vouched files (groups 0, 1), then its RECORD rows (2, 3).
    assert events == ["prove 4", "hash 0", "hash 2", "hash 1", "hash 3"]
    assert [(f.code, f.file) for f in result.findings()] == [
        ("ISP311", f"demo/__pycache__/core.{TAG}.pyc")
    ]


def test_a_changed_source_is_integrity_only(site: Path) -> None:
    (site / "solo.py").write_bytes(b"X = 2\n")
    result = verify_installed([site], ["demo"], current_environment())
    assert [(f.code, f.file) for f in result.findings()] == [("ISP301", "solo.py")]


def test_no_bytecode_no_prover(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for cache in site.rglob("*.pyc"):
        cache.unlink()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("started a prover with nothing to prove")

    monkeypatch.setattr(prover, "run_provers", refuse)
    assert verify_installed([site], [], current_environment()).findings() == ()


def test_cache_files_of_another_tag_are_left_to_their_interpreter(site: Path) -> None:
    core = site / "demo/core.py"
    stale_tag = core.parent / "__pycache__" / cache_name("core", "cpython-299")
    stale_tag.write_bytes(stat_header(core) + body(PAYLOAD))
    assert verify_installed([site], [], current_environment()).findings() == ()
    unknown = verify_installed([site], [], None, loader=BytecodeLoader.unknown())
    assert [(f.code, f.file) for f in unknown.findings()] == [
        ("ISP311", "demo/__pycache__/core.cpython-299.pyc")  # same magic as ours: disproven
    ]


def test_compileall_of_a_whole_site_is_proven(site: Path) -> None:
    for level in (0, 1, 2):
        assert compileall.compile_dir(str(site), quiet=1, force=True, optimize=level)
    assert verify_installed([site], [], current_environment()).findings() == ()


# --------------------------------------------------------------------------- sources not modules


TABLE = b"TABLE = {0: 'a', 1: 'b'}\n"  # a data module loaded by path (rich's unicode tables)


def test_a_source_that_is_no_module_has_its_compilation_recorded_and_its_bytecode_proven(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"demo/__init__.py": b"", "demo/table-1-0.py": TABLE, "demo/data.json": b"{}"}
    model = described("demo", "1.0", files, tmp_path / "src")
    recorded = {entry.path: (entry.code, entry.pyc) for entry in model.files}
    assert recorded["demo/data.json"] == (None, None)
    assert recorded["demo/table-1-0.py"] == recorded_compilation(TABLE)
    assert loads(dumps(model), "m").files == model.files  # the manifest keeps them
    site = tmp_path / "site"
    install(site, "demo", "1.0", files, manifest=model)
    written_by_another_process(site / "demo" / "table-1-0.py")
    asked: list[object] = []
    monkeypatch.setattr(prover, "run_provers", lambda *args, **kwargs: asked.append(args))
    assert verify_installed([site], [], current_environment()).findings() == ()
    assert asked == [], "proven by its recorded bytes, without a prover"
    monkeypatch.undo()
    table = site / "demo" / "table-1-0.py"
    forge(table, stat_header(table), body("TABLE = {0: 'payload'}", "table-1-0.py"))
    result = verify_installed([site], [], current_environment())
    assert [(f.code, f.file) for f in result.findings()] == [
        ("ISP311", f"demo/__pycache__/table-1-0.{TAG}.pyc")
    ]


# --------------------------------------------------------------------------- PYTHONPYCACHEPREFIX


def test_the_prefixed_cache_directory_is_where_cpython_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = str(tmp_path / "prefix")
    monkeypatch.setattr(sys, "pycache_prefix", prefix)
    source = tmp_path / "site" / "pkg" / "m.py"
    expected = Path(importlib.util.cache_from_source(str(source))).parent
    assert prefixed_cache_directory(prefix, str(source.parent)) == str(expected)


def test_cache_files_under_the_loaders_prefix_are_listed_besides_pycache(tmp_path: Path) -> None:
    site, prefix = tmp_path / "site", tmp_path / "prefix"
    install(site, "demo", "1.0", FILES, manifest=model_for("demo", "1.0", FILES))
    cfile = prefixed_cache_directory(str(prefix), str(site / "demo")) + f"/core.{TAG}.pyc"
    Path(cfile).parent.mkdir(parents=True)
    Path(cfile).write_bytes(b"")
    py_compile.compile(str(site / "demo/core.py"), doraise=True)
    sources = {"demo/core.py": sha(SOURCE)}
    plain = BytecodeLoader.running()
    prefixed = dataclasses.replace(plain, pycache_prefix=str(prefix))
    assert [f.cache for f in cache_files(site, sources, plain)] == [
        f"demo/__pycache__/core.{TAG}.pyc"
    ]
    assert [f.cache for f in cache_files(site, sources, prefixed)] == [
        f"demo/__pycache__/core.{TAG}.pyc",
        cfile,
    ]


def test_the_target_says_which_prefix_its_loader_reads_from(tmp_path: Path) -> None:
    prefix = str(tmp_path / "prefix")
    environment = {**os.environ, "PYTHONPYCACHEPREFIX": prefix}
    assert query_interpreter(sys.executable, env=environment).pycache_prefix == prefix
    without = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
    assert query_interpreter(sys.executable, env=without).pycache_prefix is None


def test_a_job_with_a_recorded_shape_is_weighed_without_a_stat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thread that starts the provers weighs every job first: one ``stat`` each held their
    start up on the application benchmark, so a shape's own sizes are used instead."""
    source = tmp_path / "m.py"
    source.write_bytes(b"x = 1\n" * 2000)
    _, template = recorded_compilation(source.read_bytes())
    assert template is not None
    shaped: prover.Job = (str(source), str(tmp_path / "m.pyc"), 0, "0" * 64, "", template)
    plain: prover.Job = (str(source), str(tmp_path / "m.pyc"), 0, "0" * 64, "", "")
    _, before, _, after, _ = template.split(":")
    stats: list[str] = []
    real = os.stat

    def counting(path: str, *args: object, **kwargs: object) -> os.stat_result:
        stats.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", counting)
    assert prover._weight(shaped) == (int(before) + int(after)) // prover.TEMPLATE_SHARE
    assert stats == []
    assert prover._weight(plain) == len(source.read_bytes())  # no shape: the source is weighed
    assert stats == [str(source)]
    broken = (*shaped[:5], f"{MAGIC.hex()}:x:y:z:w")
    assert prover._weight(broken) == len(source.read_bytes()) // prover.TEMPLATE_SHARE
