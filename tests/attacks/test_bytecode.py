"""Attacks through bytecode: real wheels built by the hook, installed by pip, payloads that run.

Each attack writes, into a copy of a real install, the ``__pycache__`` file Python runs instead
of a vouched module -- a timestamp pyc carrying the source's mtime and size, an unchecked
hash-based pyc, a checked one carrying the source's own hash (the loader checks the header, not
the code), an ``-O`` pyc -- for a module inside a package and for a top-level single-file module.
The interpreter is then made to import the module and must run the payload (it leaves a marker
file), and ``python -m importspy verify`` must report the file (``ISP311``), through ``--python``,
through ``--path`` and from inside the environment.  Clean installs, however they were
byte-compiled (pip's default, ``--no-compile``, ``compileall`` later in every invalidation mode,
``-O``/``-OO``), must give no finding, and another Python version's bytecode is proven by that
version (``--python``) and never passed unproven (``--path`` alone: ``ISP312``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hatch_importspy.cli import main
from hatch_importspy.formats.manifest import load_bytes
from hatch_importspy.pyrules.bytecode import BY_DIGEST, BY_TEMPLATE, PROVEN, cache_path
from hatch_importspy.verify import hashing
from hatch_importspy.verify.bytecode import BytecodeLoader, prove
from hatch_importspy.verify.bytecode import cache_files as bytecode_cache_files
from hatch_importspy.verify.hashing import VouchedDigests
from hatch_importspy.verify.installed import find_distributions, read_manifest_bytes
from tests.helpers.builds import ProjectFactory
from tests.helpers.venvs import RunCli, Venv, VenvFactory
from tests.test_e2e import Cli, copy_venv
from tests.test_e2e_gates import Verifier, install, python_venv
from tests.test_interpreter import other_python

pytestmark = pytest.mark.e2e

PYPROJECT = """\
[build-system]
requires = ["hatchling", "hatch-importspy"]
build-backend = "hatchling.build"

[project]
name = "spybyte"
version = "1.0.0"
requires-python = ">=3.8"

[tool.hatch.build.targets.wheel]
only-include = ["spybyte", "solo_module.py"]

[tool.hatch.build.hooks.importspy]
"""
FILES: dict[str, str | bytes] = {
    "pyproject.toml": PYPROJECT,
    "spybyte/__init__.py": '"""A package whose bytecode the attacks replace."""\n',
    "spybyte/core.py": 'def answer() -> str:\n    """What the vouched code says."""\n'
    '    return "vouched"\n',
    "solo_module.py": 'def solo() -> str:\n    return "vouched"\n',
}
"""``spybyte``: a package and a top-level single-file module, both described by the manifest."""

CORE, SOLO = "spybyte/core.py", "solo_module.py"
MODULES = {CORE: "spybyte.core", SOLO: "solo_module"}

FORGE = r"""
import importlib.util, marshal, os, struct, sys
source, cache, mode, optimize, payload = sys.argv[1:]
code = compile(payload, source, "exec", dont_inherit=True, optimize=int(optimize))
info = os.stat(source)
magic = importlib.util.MAGIC_NUMBER
if mode == "timestamp":  # what the loader checks: the source's mtime and size
    fields = (0, int(info.st_mtime) & 0xFFFFFFFF, info.st_size & 0xFFFFFFFF)
    header = magic + struct.pack("<III", *fields)
elif mode == "unchecked-hash":  # never compared with the source
    header = magic + struct.pack("<I", 0b01) + b"\0" * 8
else:  # checked-hash: the source's own hash, and other code after it
    with open(source, "rb") as vouched:
        digest = importlib.util.source_hash(vouched.read())
    header = magic + struct.pack("<I", 0b11) + digest
os.makedirs(os.path.dirname(cache), exist_ok=True)
with open(cache, "wb") as out:
    out.write(header + marshal.dumps(code))
"""
"""Run by the target interpreter: its magic number, its compiler."""


def tag_of(python: Path | str) -> str:
    return subprocess.run(
        [str(python), "-I", "-c", "import sys; print(sys.implementation.cache_tag)"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()


def forge(venv: Venv, source: str, mode: str, marker: Path, level: int = 0) -> str:
    """Write the attacker's cache file for ``source``; returns its path in site-packages."""
    cache = cache_path(source, tag_of(venv.python), level)
    payload = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
    subprocess.run(
        [
            *(str(venv.python), "-I", "-c", FORGE),
            *(str(venv.site_packages / source), str(venv.site_packages / cache)),
            *(mode, str(level), payload),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cache


def runs_payload(venv: Venv, module: str, marker: Path, *flags: str) -> bool:
    """Import ``module`` as the application would (``-B``: the import itself writes nothing)."""
    marker.unlink(missing_ok=True)
    subprocess.run(
        [str(venv.python), *flags, "-I", "-B", "-c", f"import {module}"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return marker.exists()


def files_of(report_distribution: dict[str, object]) -> list[tuple[str, str]]:
    findings = report_distribution["findings"]
    assert isinstance(findings, list)
    return [(finding["code"], finding["file"]) for finding in findings]


def pip_install(venv: Venv, wheel: Path, *options: str) -> None:
    command = [sys.executable, "-m", "pip", "--python", str(venv.python), "install", "-q"]
    command += ["--no-index", "--no-deps", "--disable-pip-version-check", *options, str(wheel)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def compile_installed(venv: Venv, *options: str, invalidation: str = "timestamp") -> None:
    """``python [options] -m compileall`` over the installed package and module, after install."""
    site = venv.site_packages
    subprocess.run(
        [
            *(str(venv.python), *options, "-m", "compileall", "-q", "-f"),
            *("--invalidation-mode", invalidation, str(site / "spybyte"), str(site / SOLO)),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def cache_files(venv: Venv) -> list[str]:
    """Every cache file of the package and module, relative to site-packages."""
    site = venv.site_packages
    found = [*site.glob("spybyte/__pycache__/*.pyc"), *site.glob("__pycache__/solo_module.*")]
    return sorted(str(path.relative_to(site)) for path in found)


# --------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def wheel(project_factory: ProjectFactory, build_wheel: Callable[..., Path]) -> Path:
    return build_wheel(project_factory(FILES, name="spybyte"))


@pytest.fixture(scope="module")
def verifier(run_cli: RunCli, venv_factory: VenvFactory) -> Verifier:
    """hatch-importspy in an environment of its own, pointed at the application's."""
    return Verifier(run_cli, venv_factory("bytecode-verifier"))


@pytest.fixture(scope="module")
def compiled(venv_factory: VenvFactory, wheel: Path) -> Venv:
    """``spybyte`` installed by pip with its default byte-compilation; never changed."""
    return venv_factory("bytecode-app", wheels=[wheel], importspy=False)


@pytest.fixture
def app(compiled: Venv, tmp_path: Path) -> Venv:
    """A copy of :func:`compiled` for one attack (timestamps copied with the files)."""
    return copy_venv(compiled, tmp_path)


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "payload-ran"


# --------------------------------------------------------------------------------- attacks


@pytest.mark.parametrize(
    ("source", "mode"),
    [
        (CORE, "timestamp"),
        (CORE, "unchecked-hash"),
        (CORE, "checked-hash"),
        (SOLO, "timestamp"),
        (SOLO, "unchecked-hash"),
        (SOLO, "checked-hash"),
    ],
)
def test_forged_bytecode_runs_and_is_reported(
    verifier: Verifier, app: Venv, marker: Path, source: str, mode: str
) -> None:
    assert not runs_payload(app, MODULES[source], marker)
    cache = forge(app, source, mode, marker)
    assert runs_payload(app, MODULES[source], marker), "the forged bytecode did not run"
    marker.unlink()

    for scope in (["--python", str(app.python)], ["--path", str(app.site_packages)]):
        report = verifier.verify(app, *scope, python=False)
        assert report.returncode == 1
        [finding] = report.distribution("spybyte")["findings"]
        assert (finding["code"], finding["file"], finding["module"]) == (
            "ISP311",
            cache,
            MODULES[source],
        )
        assert finding["message"] == (
            f"Python would run it instead of {source}, "
            "and its code is not the compilation of its source"
        )
    assert not marker.exists(), "verify ran the payload"


def test_forged_optimized_bytecode_runs_under_dash_o_and_is_reported(
    verifier: Verifier, app: Venv, marker: Path
) -> None:
    cache = forge(app, CORE, "timestamp", marker, level=1)
    assert cache.endswith(".opt-1.pyc")
    assert not runs_payload(app, "spybyte.core", marker)  # a plain run loads pip's clean file
    assert runs_payload(app, "spybyte.core", marker, "-O"), "python -O did not run the payload"
    report = verifier.verify(app)
    assert report.returncode == 1
    assert files_of(report.distribution("spybyte")) == [("ISP311", cache)]


def test_forged_bytecode_is_reported_from_inside_the_environment(
    venv_factory: VenvFactory, wheel: Path, run_cli: RunCli, tmp_path: Path, marker: Path
) -> None:
    """``python -m importspy verify`` run by the application's own interpreter."""
    venv = copy_venv(venv_factory("bytecode-self", wheels=[wheel]), tmp_path)
    cache = forge(venv, SOLO, "unchecked-hash", marker)
    assert runs_payload(venv, "solo_module", marker)
    outcome = Cli(run_cli).verify(venv)
    assert outcome.returncode == 1
    assert outcome.places == [("ISP311", cache)]


def test_sourceless_bytecode_next_to_a_package_is_a_file_added(
    verifier: Verifier, app: Venv, marker: Path
) -> None:
    # The attacker's module compiled elsewhere, then dropped in as pkg/name.pyc: Python imports
    # a sourceless .pyc found next to the package's modules.
    forge(app, CORE, "unchecked-hash", marker)
    tag = tag_of(app.python)
    site = app.site_packages
    (site / f"spybyte/__pycache__/core.{tag}.pyc").rename(site / "spybyte/evil.pyc")
    assert runs_payload(app, "spybyte.evil", marker)
    report = verifier.verify(app)
    assert report.returncode == 1
    assert files_of(report.distribution("spybyte")) == [("ISP303", "spybyte/evil.pyc")]


# --------------------------------------------------------------------------------- clean installs


def test_pip_compiled_install_is_compliant(verifier: Verifier, compiled: Venv) -> None:
    tag = tag_of(compiled.python)
    assert cache_files(compiled) == [
        f"__pycache__/solo_module.{tag}.pyc",
        f"spybyte/__pycache__/__init__.{tag}.pyc",
        f"spybyte/__pycache__/core.{tag}.pyc",
    ]
    for scope in (["--python", str(compiled.python)], ["--path", str(compiled.site_packages)]):
        report = verifier.verify(compiled, *scope, python=False)
        assert (report.returncode, report.codes) == (0, {"spybyte": []})


def test_the_build_records_each_compilation_and_pips_files_are_proven_by_it(
    compiled: Venv,
) -> None:
    """The hook records each module's compilation (``code``, ``pyc``); every file pip wrote is
    proven by hashing its bytes around the file name; with the bytes' shape left out, by
    unmarshalling it and comparing digests in the target interpreter; nothing is compiled."""
    (distribution,) = find_distributions([compiled.site_packages])
    model = load_bytes(read_manifest_bytes(distribution) or b"", "spybyte")
    magic = importlib.util.MAGIC_NUMBER.hex()
    recorded = {module.path: module for module in model.modules}
    assert sorted(recorded) == ["solo_module.py", "spybyte/__init__.py", "spybyte/core.py"]
    for module in recorded.values():
        assert (module.code or "").startswith(f"{magic}:")
        assert (module.pyc or "").startswith(f"{magic}:")
    sources = {module.path: module.sha256 for module in model.modules}
    loader = BytecodeLoader(str(compiled.python), tag_of(compiled.python))
    files = bytecode_cache_files(compiled.site_packages, sources, loader, recorded)
    assert len(files) == 3
    assert [(p.verdict, p.reason) for p in prove(files, loader)] == [(PROVEN, BY_TEMPLATE)] * 3
    digests = {path: dataclasses.replace(m, pyc=None) for path, m in recorded.items()}
    files = bytecode_cache_files(compiled.site_packages, sources, loader, digests)
    assert [(p.verdict, p.reason) for p in prove(files, loader)] == [(PROVEN, BY_DIGEST)] * 3


def test_installs_compiled_every_way_are_compliant(
    verifier: Verifier, venv_factory: VenvFactory, wheel: Path
) -> None:
    venv = venv_factory("bytecode-later", importspy=False)
    pip_install(venv, wheel, "--no-compile")
    assert cache_files(venv) == []
    assert verifier.verify(venv).codes == {"spybyte": []}

    tag = tag_of(venv.python)
    plain = [
        f"__pycache__/solo_module.{tag}.pyc",
        f"spybyte/__pycache__/__init__.{tag}.pyc",
        f"spybyte/__pycache__/core.{tag}.pyc",
    ]
    for mode in ("timestamp", "checked-hash", "unchecked-hash"):
        compile_installed(venv, invalidation=mode)  # -f: each mode rewrites the files
        assert cache_files(venv) == plain
        report = verifier.verify(venv)
        assert (report.returncode, report.codes) == (0, {"spybyte": []}), mode

    compile_installed(venv, "-O")
    compile_installed(venv, "-OO")
    assert len(cache_files(venv)) == 9
    report = verifier.verify(venv)
    assert (report.returncode, report.codes) == (0, {"spybyte": []})


# --------------------------------------------------------------------------------- another Python


def test_another_pythons_bytecode_is_proven_by_it_and_never_passed_unproven(
    verifier: Verifier, wheel: Path, tmp_path: Path, marker: Path
) -> None:
    candidates = [other_python(minor) for minor in (12, 13, 10) if minor != sys.version_info[1]]
    second = next((python for python in candidates if python is not None), None)
    if second is None:
        pytest.skip("no second Python version on this machine (3.10/3.12/3.13 not found)")
    target = python_venv(second, tmp_path / "other")
    install(target, wheel)  # pip byte-compiles with the target interpreter
    tag = tag_of(target.python)
    assert tag != sys.implementation.cache_tag
    assert len(cache_files(target)) == 3 and all(tag in path for path in cache_files(target))

    assert verifier.verify(target).codes == {"spybyte": []}  # proven in the target interpreter
    unproven = verifier.verify(target, "--path", str(target.site_packages), python=False)
    assert unproven.returncode == 1
    assert files_of(unproven.distribution("spybyte")) == [
        ("ISP312", path) for path in cache_files(target)
    ]

    cache = forge(target, CORE, "timestamp", marker)
    assert runs_payload(target, "spybyte.core", marker)
    marker.unlink()
    report = verifier.verify(target)
    assert report.returncode == 1
    assert files_of(report.distribution("spybyte")) == [("ISP311", cache)]
    assert not marker.exists(), "verify ran the payload"


# ------------------------------------------------------------ sources no import names, and hashing


TABLES: dict[str, str | bytes] = {
    "pyproject.toml": PYPROJECT.replace('"spybyte"', '"spytables"').replace(
        'only-include = ["spybyte", "solo_module.py"]', 'only-include = ["spytables"]'
    ),
    # Loaded by path, as rich loads its unicode tables: no ``import`` statement can name it.
    "spytables/__init__.py": "import importlib\n\n"
    'TABLE = importlib.import_module("spytables.table-1-0").TABLE\n',
    "spytables/table-1-0.py": 'TABLE = {"a": 1}\n',
}
TABLE = "spytables/table-1-0.py"


@pytest.fixture(scope="module")
def tables(
    project_factory: ProjectFactory, build_wheel: Callable[..., Path], venv_factory: VenvFactory
) -> Venv:
    """``spytables`` built by the hook and installed by pip with its default byte-compilation."""
    wheel = build_wheel(project_factory(TABLES, name="spytables"))
    return venv_factory("bytecode-tables", wheels=[wheel], importspy=False)


def test_a_source_no_import_names_is_recorded_and_its_forged_bytecode_reported(
    verifier: Verifier, tables: Venv, tmp_path: Path, marker: Path
) -> None:
    (distribution,) = find_distributions([tables.site_packages])
    model = load_bytes(read_manifest_bytes(distribution) or b"", "spytables")
    (entry,) = [file for file in model.files if file.path == TABLE]
    assert entry.code and entry.pyc, "the hook records its compilation"
    tag = tag_of(tables.python)
    assert (tables.site_packages / cache_path(TABLE, tag, 0)).is_file()  # pip compiled it
    report = verifier.verify(tables)
    assert (report.returncode, report.codes) == (0, {"spytables": []})

    app = copy_venv(tables, tmp_path)
    assert not runs_payload(app, "spytables", marker)
    cache = forge(app, TABLE, "timestamp", marker)
    assert runs_payload(app, "spytables", marker), "the forged bytecode did not run"
    report = verifier.verify(app)
    assert report.returncode == 1
    assert files_of(report.distribution("spytables")) == [("ISP311", cache)]


def test_a_run_that_hashes_in_a_helper_still_catches_a_changed_module(
    tables: Venv,
    tmp_path: Path,
    marker: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """From a thousand files, verify hashes in a helper process; forced here for a small run,
    the command still reports the module whose changed source really runs."""
    app = copy_venv(tables, tmp_path)
    init = app.site_packages / "spytables/__init__.py"
    payload = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
    init.write_text(payload + init.read_text(encoding="utf-8"), encoding="utf-8")
    assert runs_payload(app, "spytables", marker)
    helped: list[bool] = []
    real_start = VouchedDigests._start

    def start(self: VouchedDigests) -> None:
        real_start(self)
        helped.append(self.helped)

    monkeypatch.setattr(hashing, "SHARED_FROM", 0)
    monkeypatch.setattr(VouchedDigests, "_start", start)
    code = main(["verify", "--python", str(app.python), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and helped == [True]
    (distribution,) = report["distributions"]
    assert files_of(distribution) == [("ISP301", "spytables/__init__.py")]


def test_bytecode_under_the_pycache_prefix_runs_and_is_reported(
    verifier: Verifier, app: Venv, tmp_path: Path, marker: Path
) -> None:
    """A deployment that keeps its bytecode out of site-packages (``PYTHONPYCACHEPREFIX``)
    reads cache files only under the prefix: verify, run with the same variable, proves them
    there, and reports a forged one."""
    prefix = tmp_path / "pycache-prefix"
    option = ("-X", f"pycache_prefix={prefix}")
    site = app.site_packages
    subprocess.run(
        [
            str(app.python),
            *option,
            "-m",
            "compileall",
            "-q",
            str(site / "spybyte"),
            str(site / SOLO),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    environment = {"PYTHONPYCACHEPREFIX": str(prefix)}

    def verify() -> dict[str, object]:
        completed = verifier.run_cli(
            verifier.venv.python,
            *("verify", "--python", str(app.python), "--format", "json"),
            env=environment,
        )
        assert completed.returncode in (0, 1), completed.stderr
        report = json.loads(completed.stdout)
        (distribution,) = report["distributions"]
        assert isinstance(distribution, dict)
        return distribution

    assert files_of(verify()) == []  # what compileall wrote there is the vouched code
    tag = tag_of(app.python)
    cache = f"{prefix}{site / 'spybyte'}/core.{tag}.pyc"
    assert Path(cache).is_file()
    payload = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
    subprocess.run(
        [
            *(str(app.python), "-I", "-c", FORGE),
            *(str(site / CORE), cache, "timestamp", "0", payload),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert runs_payload(app, "spybyte.core", marker, *option), "the forged bytecode did not run"
    assert files_of(verify()) == [("ISP311", cache)]
