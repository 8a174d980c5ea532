"""``verify --import`` without building anything: the real probe, run by a child of this
interpreter on sample packages in a temporary directory, and the real comparison of its answer
with the structures the real extractor reads from the same sources.

The probe is started by a test launcher (the swap point the import guard will use): without
``-I``, so that ``PYTHONPATH`` can put the temporary directory on its path.  The end-to-end tests
(``tests/test_e2e_import.py``) run the same packages from real wheels with the real command line.
"""

from __future__ import annotations

import ast
import hashlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from hatch_importspy.compare.runtime import runtime_modules, runtime_query
from hatch_importspy.describe.extract import extract_structure
from hatch_importspy.findings import CODES, Finding
from hatch_importspy.formats import probe as wire
from hatch_importspy.model import Module, module_name
from hatch_importspy.verify import probe_child
from hatch_importspy.verify.import_check import import_findings
from hatch_importspy.verify.runtime_probe import (
    ProbeFailed,
    probe_command,
    probe_script,
    run_probe,
)
from tests.helpers.runtime_samples import CLEAN_FILES, DRIFT_FILES
from tests.test_interpreter import other_python


def write(root: Path, files: Mapping[str, str | bytes]) -> list[Module]:
    """Write ``files`` under ``root`` and describe each module as the hook would."""
    modules = []
    for path, content in files.items():
        data = content.encode() if isinstance(content, str) else content
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
        name = module_name(path)
        assert name is not None
        structure = extract_structure(data, filename=path)
        modules.append(Module(name, path, hashlib.sha256(data).hexdigest(), structure))
    return modules


def test_launcher(python: str) -> list[str]:
    """The probe without ``-I``: ``PYTHONPATH`` (set by the test) reaches it."""
    return [python, "-S", "-B", "-c", probe_script()]


test_launcher.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return tmp_path


def findings_for(root: Path, files: Mapping[str, str | bytes]) -> list[Finding]:
    modules = write(root, files)
    return import_findings("sample", modules, root, sys.executable, launcher=test_launcher)


def by_object(findings: list[Finding]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for finding in findings:
        found.setdefault(finding.object or finding.module or "", set()).add(finding.code)
    return found


# ------------------------------------------------------------------------------ the comparison


def test_ordinary_code_gives_no_finding(on_path: Path) -> None:
    findings = findings_for(on_path, CLEAN_FILES)
    assert findings == []


def test_ordinary_code_is_really_looked_at(on_path: Path) -> None:
    # The clean result above means something only if the probe saw the objects: ask it directly.
    modules = runtime_modules(write(on_path, CLEAN_FILES))
    queries = [runtime_query(module) for module in modules]
    answer = run_probe(sys.executable, queries, launcher=test_launcher)
    shapes = answer.modules["cleanpkg.shapes"]
    query = next(q for q in queries if q.name == "cleanpkg.shapes")
    seen = {item.path: found for item, found in zip(query.objects, shapes.objects, strict=True)}
    assert seen[("Shape", "__new__")].kind == "staticmethod"
    assert seen[("Shape", "__init_subclass__")].kind == "classmethod"
    assert seen[("Shape", "perimeter")].kind == "descriptor"
    assert seen[("Shape", "label")].kind == "property"  # described as a method: @derived
    assert seen[("cached",)].kind == "callable"
    assert seen[("Point", "x")].state == "annotated"  # a dataclass field without default
    assert seen[("pending",)].state == "annotated"
    assert seen[("Color", "RED")].state == "present"
    status_new = seen[("Status", "__new__")].parameters  # the enum's own, not Enum.__new__
    assert status_new is not None
    assert [p.name for p in status_new] == ["cls", "value", "phrase"]
    area = seen[("area",)].parameters
    assert area is not None
    assert [(p.name, p.kind.value, p.has_default) for p in area] == [
        ("width", "positional-or-keyword", False),
        ("height", "positional-or-keyword", True),
        ("unit", "keyword-only", True),
    ]
    assert len(queries[0].objects) > 0 and len(query.objects) > 40


def test_drift_only_an_import_shows_is_reported(on_path: Path) -> None:
    findings = findings_for(on_path, DRIFT_FILES)
    assert sorted((f.code, f.object or f.module) for f in findings) == DRIFT_SEEN
    assert by_object(findings) == {
        "driftpkg.api:greet": {"ISP211"},
        "driftpkg.api:helper": {"ISP210"},
        "driftpkg.api:legacy": {"ISP210"},
        "driftpkg.api:Service.stop": {"ISP212"},
        "driftpkg.broken": {"ISP209"},
        "driftpkg.optional": {"ISP213"},
    }
    greet = next(f for f in findings if f.code == "ISP211")
    assert greet.expected == "greet(name, greeting=...)"
    assert greet.found == "greet(*args, **kwargs)"
    assert greet.file == "driftpkg/api.py"
    broken = next(f for f in findings if f.code == "ISP209")
    assert broken.found == "RuntimeError: configuration missing: set DRIFT_CONFIG"
    stop = next(f for f in findings if f.code == "ISP212")
    assert (stop.expected, stop.found) == ("a method", "a property")
    optional = next(f for f in findings if f.code == "ISP213")
    assert "drift_optional_speedups" in optional.message


DRIFT_SEEN = [
    ("ISP209", "driftpkg.broken"),
    ("ISP210", "driftpkg.api:helper"),
    ("ISP210", "driftpkg.api:legacy"),
    ("ISP211", "driftpkg.api:greet"),
    ("ISP212", "driftpkg.api:Service.stop"),
    ("ISP213", "driftpkg.optional"),
]


@pytest.mark.parametrize("minor", [7, 8, 9, 10, 12, 13])
def test_other_pythons_see_the_same(
    on_path: Path, minor: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The probe runs in the target, whatever its version (3.7 syntax); enums, dataclasses and
    # descriptors changed inside between versions, and none of that may show as a finding.
    python = other_python(minor)
    if python is None:
        pytest.skip(f"no Python 3.{minor} on this machine")
    drift_root, clean_root = on_path / "drift", on_path / "clean"
    drift_root.mkdir()
    clean_root.mkdir()
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(drift_root), str(clean_root)]))
    drift = import_findings(
        "s", write(drift_root, DRIFT_FILES), drift_root, python, launcher=test_launcher
    )
    assert sorted((f.code, f.object or f.module) for f in drift) == DRIFT_SEEN
    clean = import_findings(
        "s", write(clean_root, CLEAN_FILES), clean_root, python, launcher=test_launcher
    )
    if minor >= 8:
        assert clean == []
    else:  # the sample has positional-only parameters (3.8): a SyntaxError is what 3.7 sees
        found = {(f.code, (f.found or "").partition(":")[0]) for f in clean}
        assert found == {("ISP209", "SyntaxError")}


def test_an_import_error_inside_the_distribution_is_an_import_failure(on_path: Path) -> None:
    findings = findings_for(on_path, {"mine/__init__.py": "from mine import gone\n"})
    assert [(f.code, f.module) for f in findings] == [("ISP209", "mine")]
    assert (findings[0].found or "").startswith("ImportError: cannot import name 'gone'")


def test_a_name_of_all_that_nothing_binds_is_absent(on_path: Path) -> None:
    # ``from lib import *`` raises AttributeError for it (attrs 26.1 lists __author__ so).
    files = {"lib/__init__.py": "__all__ = ['run', '__author__']\n\ndef run() -> None: ...\n"}
    findings = findings_for(on_path, files)
    assert [(f.code, f.object, f.message) for f in findings] == [
        (
            "ISP210",
            "lib:__author__",
            "name __author__ is listed in __all__ but absent once the module is imported",
        )
    ]


def test_a_private_module_that_raises_is_a_note(on_path: Path) -> None:
    files = {
        "plat/__init__.py": "",
        "plat/_windows.py": "raise ImportError('plat._windows can only be imported on Windows')\n",
        "plat/posix.py": "raise ImportError('plat.posix needs a POSIX system')\n",
    }
    findings = findings_for(on_path, files)
    assert sorted((f.module, f.code) for f in findings) == [
        ("plat._windows", "ISP213"),  # its package imports it only where it works
        ("plat.posix", "ISP209"),  # anyone may import a public module
    ]


def test_kinds_changed_at_import_are_reported_and_hide_members(on_path: Path) -> None:
    files = {
        "kinds/__init__.py": (
            "def as_function(cls):\n"
            "    return lambda: cls\n\n"
            "@as_function\n"
            "class Made:\n"
            "    def run(self) -> None: ...\n\n"
            "class Holder:\n"
            "    @staticmethod\n"
            "    def make(x): ...\n"
            "    def plain(self): ...\n\n"
            "Holder.make = lambda self, x: x\n"
            "Holder.plain = classmethod(lambda cls: cls)\n"
        )
    }
    findings = findings_for(on_path, files)
    assert sorted((f.object, f.code, f.expected, f.found) for f in findings) == [
        ("kinds:Holder.make", "ISP212", "a staticmethod", "a function"),
        ("kinds:Holder.plain", "ISP212", "a method", "a classmethod"),
        ("kinds:Made", "ISP212", "a class", "a function"),  # and nothing about Made.run
    ]


def test_a_function_rebound_to_a_builtin_shows_the_builtin_signature(on_path: Path) -> None:
    files = {"rebound/__init__.py": "def pick(x): ...\n\nglobals()['pick'] = dict.fromkeys\n"}
    findings = findings_for(on_path, files)
    assert [(f.code, f.expected, f.found) for f in findings] == [
        ("ISP211", "pick(x)", "pick(iterable, value=..., /)")
    ]


def test_a_signature_that_cannot_be_read_is_a_note(on_path: Path) -> None:
    files = {
        "opaque/__init__.py": (
            "class Opaque:\n"
            "    __signature__ = 42  # inspect.signature refuses this\n"
            "    def __call__(self, x): ...\n\n"
            "def pick(x): ...\n\n"
            "globals()['pick'] = Opaque()\n"
        )
    }
    findings = findings_for(on_path, files)
    assert [(f.code, f.object) for f in findings] == [("ISP213", "opaque:pick")]
    assert CODES["ISP213"].severity.value == "note"


def test_a_module_imported_from_another_file_is_not_compared(
    on_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    modules = write(on_path, {"moved.py": "def f(x): ...\n"})
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    findings = import_findings("sample", modules, elsewhere, sys.executable, launcher=test_launcher)
    assert [f.code for f in findings] == ["ISP213"]
    assert findings[0].found == os.path.realpath(on_path / "moved.py")


def test_an_object_a_module_puts_in_its_place_is_what_is_compared(on_path: Path) -> None:
    source = (
        "import sys\n\n"
        "def kept(x): ...\n"
        "def dropped(y): ...\n\n"
        "class _Facade:\n"
        "    kept = staticmethod(kept)\n\n"
        "sys.modules[__name__] = _Facade()\n"
    )
    findings = findings_for(on_path, {"facade.py": source})
    assert [(f.code, f.object) for f in findings] == [("ISP210", "facade:dropped")]


def test_main_modules_and_compiled_modules_are_not_imported(on_path: Path) -> None:
    modules = write(on_path, {"app/__init__.py": "", "app/__main__.py": "raise SystemExit(9)\n"})
    compiled = Module("fast", "fast.py", "0" * 64, runs="fast.cpython-311-x86_64-linux-gnu.so")
    assert [m.name for m in runtime_modules([*modules, compiled])] == ["app"]
    assert import_findings("sample", modules, on_path, sys.executable, launcher=test_launcher) == []


# ------------------------------------------------------------------------------ the probe itself


def test_what_modules_print_or_read_cannot_corrupt_the_answer(on_path: Path) -> None:
    files = {
        "noisy/__init__.py": (
            "import os, sys\n"
            "print('{\"done\": true}')\n"
            "os.write(1, b'not json\\n')\n"
            "DATA = sys.stdin.read()\n"
            "def f(a): ...\n"
        )
    }
    assert findings_for(on_path, files) == []


def test_system_exit_at_import_is_a_finding_not_a_failure(on_path: Path) -> None:
    findings = findings_for(on_path, {"quits/__init__.py": "raise SystemExit(4)\n"})
    assert [(f.code, f.found) for f in findings] == [("ISP209", "SystemExit: 4")]


def test_a_probe_that_dies_names_the_module_it_was_importing(on_path: Path) -> None:
    files = {
        "first.py": "def a(): ...\n",
        "dies.py": "import os\nos._exit(7)\n",
    }
    with pytest.raises(ProbeFailed) as failed:
        findings_for(on_path, files)
    message = str(failed.value)
    assert "exit status 7" in message and "while importing dies" in message
    assert "\n" not in message


def test_a_probe_that_hangs_is_stopped_at_its_time_limit(on_path: Path) -> None:
    modules = runtime_modules(write(on_path, {"hangs.py": "import time\ntime.sleep(60)\n"}))
    with pytest.raises(ProbeFailed) as failed:
        run_probe(
            sys.executable, [runtime_query(m) for m in modules], launcher=test_launcher, timeout=2
        )
    assert "did not finish within 2 s (while importing hangs)" in str(failed.value)


def test_an_interpreter_that_cannot_run_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ProbeFailed) as failed:
        run_probe(str(tmp_path / "no-python"), [wire.ModuleQuery("x", ())])
    assert "cannot run the import probe" in str(failed.value)


def test_an_answer_beyond_its_limit_is_refused(on_path: Path) -> None:
    modules = runtime_modules(write(on_path, DRIFT_FILES))
    queries = [runtime_query(m) for m in modules]
    whole = run_probe(sys.executable, queries, launcher=test_launcher)
    assert whole.complete
    with pytest.raises(ProbeFailed) as failed:
        run_probe(sys.executable, queries, launcher=test_launcher, answer_bytes=100)
    assert "answered more than 100 bytes" in str(failed.value)


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("print('garbage')", "gave an unusable answer: answer line 1 is not JSON"),
        ("import sys; sys.exit(3)", "stopped with exit status 3 (before it read the request)"),
        (
            'import sys; print(\'{"ready": "3"}\'); sys.exit(0)',
            "stopped with exit status 0 (while running site.main())",
        ),
    ],
)
def test_a_child_outside_the_protocol_is_one_line(code: str, said: str) -> None:
    def launcher(python: str) -> list[str]:
        return [python, "-c", code]

    with pytest.raises(ProbeFailed) as failed:
        run_probe(sys.executable, [wire.ModuleQuery("m", ())], launcher=launcher)
    assert said in str(failed.value)
    assert "\n" not in str(failed.value)


def test_the_command_line_refuses_import_where_nothing_is_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hatch_importspy.cli import main

    site = tmp_path / "site-packages"
    (site / "demo-1.0.dist-info").mkdir(parents=True)
    (site / "demo-1.0.dist-info" / "METADATA").write_text("Name: demo\nVersion: 1.0\n")
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    for args in (["--path", str(site)], [str(wheel)]):
        assert main(["verify", "--import", *args]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.count("\n") == 1 and "--import" in captured.err


def test_the_probe_command_is_isolated_and_carries_the_script() -> None:
    command = probe_command("/venv/bin/python")
    assert command[:5] == ["/venv/bin/python", "-I", "-S", "-B", "-c"]
    assert command[5] == probe_script()


def test_the_probe_is_stdlib_only_and_old_python_syntax() -> None:
    tree = ast.parse(probe_script(), feature_version=(3, 7))
    imported = {
        alias.name.partition(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    newer = {"annotationlib"}  # the standard library's since 3.14, imported only there
    assert imported <= {"__future__", *sys.stdlib_module_names, *newer}
    assert "hatch_importspy" not in imported


def test_the_probe_and_the_reader_agree_on_the_kinds() -> None:
    assert probe_child.KINDS == wire.KINDS


# ------------------------------------------------------------------------------ the wire format


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        "[1, 2]",
        '{"imported": "unknown.module", "error": null, "file": null}',
        '{"imported": "m", "error": "boom", "file": null}',
        '{"inspected": "m", "objects": []}',
        '{"something": "else"}',
    ],
)
def test_an_answer_outside_the_protocol_is_refused(line: str) -> None:
    queries = [wire.ModuleQuery("m", (wire.ObjectQuery(("f",), True),))]
    with pytest.raises(wire.ProbeAnswerError):
        wire.decode_answer(['{"ready": "3.11.0"}', line], queries)


def test_an_answer_cut_short_says_where() -> None:
    queries = [wire.ModuleQuery("a", ()), wire.ModuleQuery("b", ())]
    answer = wire.decode_answer(
        ['{"ready": "3.11.0"}', '{"site": null}', '{"imported": "a", "error": null}'], queries
    )
    assert not answer.complete
    assert answer.importing(queries) == "b"
