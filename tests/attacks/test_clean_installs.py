"""No false findings: clean installs, made every way users make them, verify clean.

A gate that fails a clean install gets switched off, so this is the other half of the attack
tests.  Real wheels are built with the real hook, installed by pip (byte-compiled or not), by uv
(with and without ``--compile-bytecode``, hard-linked from its cache or copied), byte-compiled
again afterwards by ``compileall`` (every invalidation mode, ``-O`` and ``-OO``), side by side
with namespace packages of both kinds, editable installs, setuptools and a base interpreter's
site-packages, and a real mypyc-compiled wheel from the package index given a manifest by
``importspy embed``.  Each environment is then verified three ways:

(a) ``python -m importspy verify`` run by the environment's own python;
(b) ``verify --python <venv python>`` from the test interpreter;
(c) the strict gate: ``lock -o`` of the install, then ``verify --python ... --lock ...
    --require-manifest --allow <every distribution without a manifest> --strict``.

Each must exit 0 with no finding of error or warning severity.  Notes are allowed only where
docs/verify.md documents them for the case: ``ISP345`` (a vouched file with other hard links) for
uv's default hard-link mode, where the other name is uv's cache entry.  Findings about a base
interpreter's site-packages are the machine's, not the install's; see
:func:`test_system_site_packages_venv` for what is asserted about them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from hatch_importspy.formats.manifest import MANIFEST_LOCATION, load_bytes
from hatch_importspy.verify.installed import find_distributions, has_manifest
from tests.helpers.builds import (
    CLI_TIMEOUT,
    ProjectFactory,
    repack_installed,
    subprocess_env,
)
from tests.helpers.venvs import RunCli, Venv, VenvFactory, site_packages

pytestmark = pytest.mark.e2e

BASE_PYTHON = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
"""The machine's interpreter (pyenv's here) that the test venv was made from."""

APP = "clean-app"
APP_FILES: dict[str, str | bytes] = {
    "cleanapp/__init__.py": (
        '"""An ordinary package."""\n\nfrom cleanapp.core import add\n\n__all__ = ["add"]\n'
    ),
    "cleanapp/core.py": (
        "def add(a: int, b: int = 1) -> int:\n    return a + b\n\n\n"
        "class Counter:\n    def __init__(self) -> None:\n        self.count = 0\n"
    ),
    "cleanapp/cli.py": "def main() -> int:\n    print('ran')\n    return 0\n",
    "cleanapp/sub/__init__.py": "",
    "cleanapp/sub/deep.py": "VALUE: int = 3\n",
    "cleanapp/py.typed": "",
}
APP_TOML = '[project.scripts]\nclean-app = "cleanapp.cli:main"\n'

PKGUTIL_INIT = "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n"
"""The pkgutil-style namespace ``__init__.py``: every portion ships the same file."""

NAMESPACE_PROJECTS: dict[str, tuple[dict[str, str | bytes], list[str]]] = {
    "pkgns-alpha": (
        {"pkgns/__init__.py": PKGUTIL_INIT, "pkgns/alpha/__init__.py": "A = 1\n"},
        ["pkgns"],
    ),
    "pkgns-beta": (
        {"pkgns/__init__.py": PKGUTIL_INIT, "pkgns/beta/__init__.py": "B = 2\n"},
        ["pkgns"],
    ),
    "natns-alpha": ({"natns/alpha/__init__.py": "A = 1\n"}, ["natns"]),
    "natns-beta": ({"natns/beta/__init__.py": "def b() -> int:\n    return 2\n"}, ["natns"]),
}
"""Two distributions sharing a pkgutil-style namespace, two sharing a native (PEP 420) one."""

UV_HARDLINK_NOTE = "ISP345"
"""uv's default link mode on Linux hard-links every file from its cache: each vouched file has a
second name there.  docs/verify.md documents this as a note, never a failure."""

SEVERE = frozenset({"error", "warning"})


# ------------------------------------------------------------------------------ shared wheels


@dataclass(frozen=True)
class Wheels:
    app: Path
    namespaces: tuple[Path, ...]


@pytest.fixture(scope="module")
def wheels(project_factory: ProjectFactory, build_wheel: Callable[..., Path]) -> Wheels:
    app = build_wheel(project_factory(APP_FILES, name=APP, options={}, extra_toml=APP_TOML))
    namespaces = tuple(
        build_wheel(project_factory(files, name=name, options={}, packages=packages))
        for name, (files, packages) in NAMESPACE_PROJECTS.items()
    )
    return Wheels(app, namespaces)


# ------------------------------------------------------------------------------ verifying


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    distribution: str | None
    file: str | None


@dataclass(frozen=True)
class Run:
    how: str
    returncode: int
    findings: tuple[Finding, ...]
    output: str

    def severe(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity in SEVERE]

    def notes(self) -> set[str]:
        return {finding.code for finding in self.findings if finding.severity == "note"}


def parse_report(how: str, completed: subprocess.CompletedProcess[str]) -> Run:
    assert completed.returncode in (0, 1), completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr, completed.stderr
    data = json.loads(completed.stdout)
    findings = [
        Finding(f["code"], f["severity"], d["name"], f.get("file"))
        for d in data["distributions"]
        for f in d["findings"]
    ]
    findings += [
        Finding(f["code"], f["severity"], None, f.get("file")) for f in data["environment_findings"]
    ]
    return Run(how, completed.returncode, tuple(findings), completed.stdout)


def without_manifest(directories: Sequence[Path]) -> list[str]:
    """Every distribution in ``directories`` that carries no manifest: the gate's ``--allow``."""
    return sorted({d.name for d in find_distributions(list(directories)) if not has_manifest(d)})


def verify_three(
    run_cli: RunCli, venv: Venv, lock_dir: Path, *, also: Sequence[Path] = ()
) -> list[Run]:
    """Verify ``venv`` in the three ways of the module docstring.

    ``also``: further site directories the venv sees (a base interpreter's), whose distributions
    without a manifest the gate must allow too.
    """
    inside = run_cli(venv.python, "verify", "--format", "json")
    outside = run_cli(sys.executable, "verify", "--python", str(venv.python), "--format", "json")
    lock = lock_dir / "importspy.lock"
    locked = run_cli(sys.executable, "lock", "--python", str(venv.python), "-o", str(lock))
    assert locked.returncode == 0, locked.stdout + locked.stderr
    allow = without_manifest([venv.site_packages, *also])
    gate = run_cli(
        sys.executable, "verify", "--python", str(venv.python), "--lock", str(lock),
        "--require-manifest", *(a for name in allow for a in ("--allow", name)), "--strict",
        "--format", "json",
    )  # fmt: skip
    return [
        parse_report("inside", inside),
        parse_report("--python", outside),
        parse_report("gate", gate),
    ]


def assert_clean(runs: Sequence[Run], *, notes: frozenset[str] = frozenset()) -> None:
    """Exit 0, nothing of error or warning severity, and only the documented notes."""
    for run in runs:
        assert run.severe() == [], (run.how, run.severe())
        assert run.returncode == 0, (run.how, run.output)
        assert run.notes() <= notes, (run.how, run.notes())


# ------------------------------------------------------------------------------ installing


def run(command: Sequence[str | Path], *, env: dict[str, str] | None = None) -> str:
    completed = subprocess.run(
        [str(part) for part in command],
        env=subprocess_env(env),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def pip_install(venv: Venv, *args: str | Path) -> None:
    """The test environment's pip, driving the venv's interpreter, never an index."""
    command: list[str | Path] = [sys.executable, "-m", "pip", "--python", venv.python, "install"]
    command += ["-q", "--no-index", "--no-deps", "--disable-pip-version-check"]
    run([*command, *args], env={"PIP_NO_INPUT": "1"})


def uv(*args: str | Path, cache: Path) -> None:
    run([sys.executable, "-m", "uv", *args], env={"UV_CACHE_DIR": str(cache), "UV_NO_CONFIG": "1"})


def make_venv(root: Path, *options: str) -> Venv:
    run([BASE_PYTHON, "-m", "venv", "--without-pip", *options, root])
    return Venv(root=root, python=root / "bin" / "python", site_packages=site_packages(root))


def python_in(venv: Venv, *args: str) -> str:
    return run([venv.python, *args])


# ------------------------------------------------------------------------------ 1. pip


@pytest.mark.parametrize("extra", [(), ("--no-compile",)], ids=["pip-default", "pip-no-compile"])
def test_pip(
    wheels: Wheels,
    venv_factory: VenvFactory,
    run_cli: RunCli,
    tmp_path: Path,
    extra: tuple[str, ...],
) -> None:
    venv = venv_factory("pip")
    pip_install(venv, *extra, wheels.app)
    cached = list((venv.site_packages / "cleanapp").glob("__pycache__/*.pyc"))
    assert bool(cached) == (extra == ()), cached  # pip compiles unless told not to
    assert run([venv.root / "bin" / "clean-app"]) == "ran\n"
    assert_clean(verify_three(run_cli, venv, tmp_path))


# ------------------------------------------------------------------------------ 2. uv


@pytest.mark.parametrize(
    ("link_mode", "compile_bytecode"),
    [("hardlink", False), ("hardlink", True), ("copy", False), ("copy", True)],
    ids=["hardlink", "hardlink-compiled", "copy", "copy-compiled"],
)
def test_uv(
    wheels: Wheels,
    importspy_runtime_wheels: tuple[Path, ...],
    run_cli: RunCli,
    tmp_path: Path,
    link_mode: str,
    compile_bytecode: bool,
) -> None:
    """uv makes venvs without pip and installs from its cache, hard-linked by default on Linux.

    With ``hardlink`` (the cache in the same file system, as here) every vouched file has a
    second name in uv's cache: ``ISP345`` says so, once per distribution with a manifest, as a
    note (exit 0 even under ``--strict``).  With ``copy`` there is no other name and no note.
    """
    cache = tmp_path / "uv-cache"
    venv = Venv(
        root=tmp_path / "venv",
        python=tmp_path / "venv" / "bin" / "python",
        site_packages=site_packages(tmp_path / "venv"),
    )
    uv("venv", "-q", "--python", BASE_PYTHON, venv.root, cache=cache)
    assert not (venv.site_packages / "pip").exists()
    flags = ["--no-index", "--no-deps", "--link-mode", link_mode]
    if compile_bytecode:
        flags.append("--compile-bytecode")
    uv("pip", "install", "-q", "--python", venv.python, *flags, *importspy_runtime_wheels,
       wheels.app, cache=cache)  # fmt: skip
    core = venv.site_packages / "cleanapp" / "core.py"
    assert (core.stat().st_nlink > 1) == (link_mode == "hardlink")
    cached = list((venv.site_packages / "cleanapp").glob("__pycache__/*.pyc"))
    assert bool(cached) == compile_bytecode, cached
    assert run([venv.root / "bin" / "clean-app"]) == "ran\n"

    runs = verify_three(run_cli, venv, tmp_path)
    if link_mode == "hardlink":
        assert_clean(runs, notes=frozenset({UV_HARDLINK_NOTE}))
        for each in runs:
            linked = [f for f in each.findings if f.code == UV_HARDLINK_NOTE]
            # Every distribution with a manifest: the app, and hatch-importspy, whose own wheel
            # carries one too (its runtime dependencies carry none).
            assert sorted((f.distribution, f.severity) for f in linked) == [
                (APP, "note"),
                ("hatch-importspy", "note"),
            ], each.how
    else:
        assert_clean(runs)


# ------------------------------------------------------------------------------ 3. compileall


@pytest.mark.parametrize(
    "compileall",
    [
        ("-m", "compileall", "-q"),
        ("-m", "compileall", "-q", "--invalidation-mode", "checked-hash"),
        ("-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash"),
        ("-O", "-m", "compileall", "-q"),
        ("-OO", "-m", "compileall", "-q"),
    ],
    ids=["timestamp", "checked-hash", "unchecked-hash", "O", "OO"],
)
@pytest.mark.parametrize("pip_compiled", [True, False], ids=["pip-compiled", "pip-no-compile"])
def test_compileall_after_install(
    wheels: Wheels,
    venv_factory: VenvFactory,
    run_cli: RunCli,
    tmp_path: Path,
    compileall: tuple[str, ...],
    pip_compiled: bool,
) -> None:
    """Byte code written after the install (an image build step, a warm-up) owned by nobody."""
    venv = venv_factory("compileall")
    pip_install(venv, *(() if pip_compiled else ("--no-compile",)), wheels.app)
    python_in(venv, *compileall, str(venv.site_packages))
    tag = {"-O": ".opt-1", "-OO": ".opt-2"}.get(compileall[0], "")
    pyc = (
        venv.site_packages
        / "cleanapp"
        / "__pycache__"
        / f"core.{sys.implementation.cache_tag}{tag}.pyc"
    )
    assert pyc.is_file()
    assert_clean(verify_three(run_cli, venv, tmp_path))


# ------------------------------------------------------------------------------ 4. namespaces


def test_namespace_packages_shared_by_two_distributions(
    wheels: Wheels, venv_factory: VenvFactory, run_cli: RunCli, tmp_path: Path
) -> None:
    venv = venv_factory("namespaces")
    pip_install(venv, wheels.app, *wheels.namespaces)
    assert (venv.site_packages / "pkgns" / "__init__.py").read_text() == PKGUTIL_INIT
    assert not (venv.site_packages / "natns" / "__init__.py").exists()
    python_in(venv, "-c", "import pkgns.alpha, pkgns.beta, natns.alpha, natns.beta")
    runs = verify_three(run_cli, venv, tmp_path)
    assert_clean(runs)
    checked = {d["name"] for d in json.loads(runs[0].output)["distributions"]}
    assert set(NAMESPACE_PROJECTS) <= checked  # every portion verified, not skipped


# ------------------------------------------------------------------------------ 5. base site


def test_system_site_packages_venv(
    wheels: Wheels,
    importspy_runtime_wheels: tuple[Path, ...],
    run_cli: RunCli,
    tmp_path: Path,
) -> None:
    """A ``--system-site-packages`` venv over the machine's interpreter.

    A venv cannot be the base of another, so the base is the machine's own interpreter
    (:data:`BASE_PYTHON`), whose site-packages holds whatever the machine has.  Asserted: no
    finding about the distributions installed for the test, exit 0 from the venv's own view;
    every finding about the base is about a file in the base site-packages and is one of the
    kinds a hand-managed machine really has (unowned start-up code and modules, files edited
    after install), listed in the assertion message when it fails.  On the machine this was
    written on they are real: ``ISP307`` for the sandbox's unowned ``_sandboxing_egress_ca.pth``
    and ``ISP317`` for three CA bundles (certifi's, botocore's, pip's vendored one) patched in
    place after install, so the exit code is not asserted here.
    """
    venv = make_venv(tmp_path / "venv", "--system-site-packages")
    pip_install(venv, *importspy_runtime_wheels, wheels.app, *wheels.namespaces)
    base = Path(
        python_in(venv, "-I", "-c", "import site; print(site.getsitepackages()[-1])").strip()
    )
    assert base != venv.site_packages
    ours = {APP, *NAMESPACE_PROJECTS}
    runs = verify_three(run_cli, venv, tmp_path, also=[base])
    machine_kinds = {"ISP303", "ISP307", "ISP308", "ISP314", "ISP317", "ISP344"}
    for each in runs:
        about_ours = [f for f in each.findings if f.distribution in ours]
        assert about_ours == [], (each.how, about_ours)
        others = [f for f in each.findings if f.distribution not in ours]
        for finding in others:
            assert finding.code in machine_kinds, (each.how, finding)
            if finding.file is not None:  # a file of the base, never one of the venv
                assert (base / finding.file).exists(), (each.how, finding)
                assert not (venv.site_packages / finding.file).exists(), (each.how, finding)


# ------------------------------------------------------------------------------ 6. editable


SETUPTOOLS_PROJECT = {
    "pyproject.toml": (
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "st-editable"\nversion = "0.1"\n\n'
        '[tool.setuptools]\npackages = ["stedit"]\n'
    ),
    "stedit/__init__.py": "VALUE = 1\n",
}


@pytest.fixture(scope="module")
def setuptools_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return repack_installed("setuptools", tmp_path_factory.mktemp("setuptools"))


def test_editable_installs_beside_manifests(
    wheels: Wheels,
    setuptools_wheel: Path,
    project_factory: ProjectFactory,
    venv_factory: VenvFactory,
    run_cli: RunCli,
    tmp_path: Path,
) -> None:
    """pip ``-e`` of a hatchling project (with the hook) and of a setuptools project."""
    venv = venv_factory("editable")
    pip_install(venv, setuptools_wheel, wheels.app, *wheels.namespaces)
    hatch_project = project_factory(
        {"hedit/__init__.py": "VALUE = 1\n"},
        name="hatch-editable",
        options={},
        extra_toml='[tool.hatch.build]\ndev-mode-dirs = ["."]\n',  # a path .pth: no `editables`
    )
    setuptools_project = project_factory(SETUPTOOLS_PROJECT, name="st-editable")
    for project in (hatch_project, setuptools_project):
        pip_install(venv, "--no-build-isolation", "-e", project)
    python_in(venv, "-c", "import hedit, stedit, cleanapp")
    assert_clean(verify_three(run_cli, venv, tmp_path))


# ------------------------------------------------------------------------------ 7. setuptools


def test_setuptools_installed(
    wheels: Wheels,
    setuptools_wheel: Path,
    venv_factory: VenvFactory,
    run_cli: RunCli,
    tmp_path: Path,
) -> None:
    """setuptools brings ``distutils-precedence.pth`` (start-up code) and ``_distutils_hack``."""
    venv = venv_factory("setuptools")
    pip_install(venv, setuptools_wheel, wheels.app)
    assert (venv.site_packages / "distutils-precedence.pth").is_file()
    assert (venv.site_packages / "_distutils_hack" / "__init__.py").is_file()
    assert_clean(verify_three(run_cli, venv, tmp_path))


# ------------------------------------------------------------------------------ 8. mypyc


MYPYC_WHEEL = "charset-normalizer==3.5.3"
"""A real mypyc-compiled wheel: ``md.py`` and ``cd.py`` ship beside the extensions built from
them (``md.cpython-311-x86_64-linux-gnu.so``), and the extensions are what an import loads."""


@pytest.fixture(scope="module")
def mypyc_wheel(tmp_path_factory: pytest.TempPathFactory, run_cli: RunCli) -> Path:
    """The index's wheel for this interpreter, given a manifest by ``importspy embed``."""
    downloaded = tmp_path_factory.mktemp("mypyc-download")
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
         "--disable-pip-version-check", "-d", str(downloaded), MYPYC_WHEEL],
        env=subprocess_env(), capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        pytest.skip(f"the package index is not reachable: {completed.stderr.strip()[-300:]}")
    (wheel,) = downloaded.glob("*.whl")
    out = tmp_path_factory.mktemp("mypyc-embedded")
    embedded = run_cli(sys.executable, "embed", str(wheel), "-o", str(out))
    assert embedded.returncode == 0, embedded.stdout + embedded.stderr
    (result,) = out.glob("*.whl")
    return result


def extension_name(stem: str) -> str:
    import importlib.machinery

    return stem + importlib.machinery.EXTENSION_SUFFIXES[0]


def test_mypyc_wheel_records_which_file_runs(mypyc_wheel: Path) -> None:
    with zipfile.ZipFile(mypyc_wheel) as archive:
        names = set(archive.namelist())
        (member,) = [n for n in names if n.endswith(MANIFEST_LOCATION)]
        model = load_bytes(archive.read(member), member)
    modules = {module.path: module for module in model.modules}
    files = {entry.path for entry in model.files}
    for stem in ("md", "cd"):
        source = f"charset_normalizer/{stem}.py"
        extension = f"charset_normalizer/{extension_name(stem)}"
        assert {source, extension} <= names  # the wheel really ships both
        assert modules[source].runs == extension_name(stem)
        assert not modules[source].described
        assert extension in files  # both hashed: the source as a module, the extension as a file
    assert modules["charset_normalizer/api.py"].runs is None  # no extension beside it
    assert modules["charset_normalizer/api.py"].structure.functions  # described as before


def test_mypyc_wheel_installs_clean(
    mypyc_wheel: Path, venv_factory: VenvFactory, run_cli: RunCli, tmp_path: Path
) -> None:
    venv = venv_factory("mypyc")
    pip_install(venv, mypyc_wheel)
    loaded = python_in(venv, "-c", "import charset_normalizer.md as m; print(m.__file__)")
    assert loaded.strip().endswith(extension_name("md"))  # the extension runs, not md.py
    assert_clean(verify_three(run_cli, venv, tmp_path))

    # An edit of the source that never runs is still a modified file (both files are hashed),
    # but its structure is not compared as if it ran: ISP301 alone, no ISP2xx.
    source = venv.site_packages / "charset_normalizer" / "md.py"
    source.write_text("def only_this() -> None: ...\n", encoding="utf-8")
    after = parse_report(
        "inside", run_cli(venv.python, "verify", "charset-normalizer", "--format", "json")
    )
    codes = sorted({(f.code, f.file) for f in after.findings if f.severity in SEVERE})
    assert codes == [("ISP301", "charset_normalizer/md.py")]
