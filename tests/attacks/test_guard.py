"""The runtime import guard, attacked: ``python -m importspy run`` and the ``guard.install`` API.

Each case builds a real wheel with the real hook, installs it with pip into a fresh venv,
tampers with site-packages as an attacker with write access would, proves the payload really
runs without the guard (the venv's python leaves the payload's marker), and then shows that
``run --mode enforce`` refuses it before any of its code runs (no marker, the finding's code
and file on stderr), that ``warn`` reports it and lets it run, and that ``audit`` records it.
A clean application runs identically with and without the guard.
"""

from __future__ import annotations

import dataclasses
import json
import os
import py_compile
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.attacks.test_shadowing import compile_extension
from tests.helpers.builds import CLI_TIMEOUT, ProjectFactory, subprocess_env
from tests.helpers.venvs import RunCli, Venv, VenvFactory
from tests.test_e2e import copy_venv

pytestmark = pytest.mark.e2e

FILES: dict[str, str | bytes] = {
    "guardpkg/__init__.py": '"""A package run under the guard."""\n',
    "guardpkg/core.py": "def greet(name: str) -> str:\n    return f'hello {name}'\n",
    "guardmod.py": "def answer() -> int:\n    return 42\n",
}
TOML = '[tool.hatch.build.targets.wheel.force-include]\n"guardmod.py" = "guardmod.py"\n'
DIST = "guard-demo"

APP = """import sys
import textwrap
import guardmod
from guardpkg.core import greet
print(greet(sys.argv[1] if len(sys.argv) > 1 else "world"), guardmod.answer())
print("argv", sys.argv[1:], "main", __name__)
sys.stderr.write("to stderr\\n")
sys.exit(3)
"""


@dataclasses.dataclass(frozen=True)
class Installed:
    venv: Venv
    lock: Path
    wheel: Path


@pytest.fixture(scope="module")
def clean(
    project_factory: ProjectFactory,
    build_wheel: Callable[..., Path],
    venv_factory: VenvFactory,
    run_cli: RunCli,
    tmp_path_factory: pytest.TempPathFactory,
) -> Installed:
    """The wheel installed by pip (byte-compiled) beside hatch-importspy, and a lock of it."""
    project = project_factory(FILES, name=DIST, options={}, extra_toml=TOML)
    wheel = build_wheel(project)
    venv = venv_factory("guard", wheels=[wheel])
    lock = tmp_path_factory.mktemp("guard-lock") / "importspy.lock"
    done = run_cli(sys.executable, "lock", "--python", str(venv.python), "-o", str(lock))
    assert done.returncode == 0, done.stderr
    return Installed(venv, lock, wheel)


def payload(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').write('ran')\n"


def plain(venv: Venv, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The venv's python, unguarded."""
    return subprocess.run(
        [str(venv.python), *args],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def guarded(
    run_cli: RunCli, venv: Venv, *args: str, cwd: Path, options: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """``python -m importspy run --python VENV [options] -- args`` from the test interpreter."""
    return run_cli(
        sys.executable, "run", "--python", str(venv.python), *options, "--", *args, cwd=cwd
    )


def payload_runs(venv: Venv, code: str, marker: Path, cwd: Path) -> None:
    """Prove the tamper works: unguarded, ``code`` makes the payload leave its marker (removed
    again for the guarded run)."""
    plain(venv, "-c", code, cwd=cwd)
    assert marker.read_text() == "ran"
    marker.unlink()


def refused(done: subprocess.CompletedProcess[str], code: str, file: Path) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert f"{code} {file}" in done.stderr, done.stderr


# --------------------------------------------------------------------------- a clean application


@pytest.mark.parametrize("form", ["script", "module", "code"])
def test_clean_application_runs_identically(
    clean: Installed, run_cli: RunCli, tmp_path: Path, form: str
) -> None:
    (tmp_path / "app.py").write_text(APP)
    args = {
        "script": ["app.py", "you"],
        "module": ["-m", "app", "you"],
        "code": ["-c", APP, "you"],
    }[form]
    without = plain(clean.venv, *args, cwd=tmp_path)
    assert without.returncode == 3, without.stderr
    for options in ([], ["--lock", str(clean.lock)], ["--require-manifest"]):
        with_guard = guarded(run_cli, clean.venv, *args, cwd=tmp_path, options=options)
        assert (with_guard.stdout, with_guard.stderr, with_guard.returncode) == (
            without.stdout,
            without.stderr,
            without.returncode,
        ), options


def test_venv_own_interpreter_and_the_log(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    """``run`` from the venv's own hatch-importspy, every load written to the log."""
    (tmp_path / "app.py").write_text(APP)
    log = tmp_path / "loads.jsonl"
    done = run_cli(
        clean.venv.python,
        "run",
        "--lock",
        str(clean.lock),
        "--log",
        str(log),
        "--",
        "app.py",
        cwd=tmp_path,
    )
    assert done.returncode == 3, done.stderr
    events = [json.loads(line) for line in log.read_text().splitlines()]
    by_module = {event["module"]: event for event in events if event["module"]}
    core = by_module["guardpkg.core"]
    assert core["verdict"] == "vouched"
    assert core["runs"] == "bytecode"  # the lock approved the pip-compiled cache file
    assert by_module["textwrap"]["verdict"] == "trusted"


# --------------------------------------------------------------------------- tampered code


def test_modified_source_is_refused_before_it_runs(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    core = venv.site_packages / "guardpkg/core.py"
    core.write_text(core.read_text() + payload(marker))
    (tmp_path / "app.py").write_text(APP)
    plain(venv, "app.py", cwd=tmp_path)
    assert marker.read_text() == "ran"  # the tamper works
    marker.unlink()

    done = guarded(run_cli, venv, "app.py", cwd=tmp_path)
    refused(done, "ISP301", core)
    assert "GuardError: importspy: ISP301" in done.stderr  # an ImportError
    assert not marker.exists()

    warned = guarded(run_cli, venv, "app.py", cwd=tmp_path, options=["--mode", "warn"])
    assert warned.returncode == 3, warned.stderr
    assert f"importspy: warning: ISP301 {core}" in warned.stderr
    assert marker.read_text() == "ran"
    marker.unlink()

    log = tmp_path / "audit.jsonl"
    audited = guarded(
        run_cli, venv, "app.py", cwd=tmp_path, options=["--mode", "audit", "--log", str(log)]
    )
    assert audited.returncode == 3
    assert "ISP301" not in audited.stderr
    assert marker.exists()
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert {"module": "guardpkg.core", "file": str(core), "verdict": "warned"}.items() <= next(
        event for event in events if event["module"] == "guardpkg.core"
    ).items()


def test_substituted_bytecode_never_runs(clean: Installed, run_cli: RunCli, tmp_path: Path) -> None:
    """A timestamp pyc of other code, stamped with the source's mtime and size: Python runs it
    without reading the source; the guard compiles the vouched source instead."""
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    core = venv.site_packages / "guardpkg/core.py"
    evil = tmp_path / "evil.py"
    evil.write_text(payload(marker) + core.read_text())
    stat = core.stat()
    os.utime(evil, (stat.st_atime, stat.st_mtime))
    cache = venv.site_packages / f"guardpkg/__pycache__/core.{sys.implementation.cache_tag}.pyc"
    py_compile.compile(str(evil), cfile=str(tmp_path / "evil.pyc"), doraise=True)
    data = bytearray((tmp_path / "evil.pyc").read_bytes())
    data[12:16] = (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little")  # the source's size
    cache.write_bytes(bytes(data))
    (tmp_path / "app.py").write_text(APP)
    plain(venv, "app.py", cwd=tmp_path)
    assert marker.read_text() == "ran"
    marker.unlink()

    for options in ([], ["--lock", str(clean.lock)]):
        done = guarded(run_cli, venv, "app.py", cwd=tmp_path, options=options)
        assert done.returncode == 3, done.stderr
        assert "hello world 42" in done.stdout
        assert not marker.exists(), options


def test_shadowing_package_directory_is_refused(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    shadow = venv.site_packages / "guardmod/__init__.py"
    shadow.parent.mkdir()
    shadow.write_text(payload(marker) + "def answer() -> int:\n    return 42\n")
    payload_runs(venv, "import guardmod", marker, tmp_path)

    done = guarded(run_cli, venv, "-c", "import guardmod", cwd=tmp_path)
    refused(done, "ISP313", shadow)
    assert not marker.exists()


def test_shadowing_extension_module_is_refused_before_it_is_loaded(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    import sysconfig

    extension = venv.site_packages / f"guardmod{sysconfig.get_config_var('EXT_SUFFIX')}"
    if not compile_extension("guardmod", marker, extension):
        pytest.skip("no C compiler to build the shadowing extension module")
    payload_runs(venv, "import guardmod", marker, tmp_path)

    done = guarded(run_cli, venv, "-c", "import guardmod", cwd=tmp_path)
    refused(done, "ISP313", extension)
    assert not marker.exists()


def test_module_added_to_a_vouched_package_is_refused(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    added = venv.site_packages / "guardpkg/extra.py"
    added.write_text(payload(marker))
    done = guarded(run_cli, venv, "-c", "import guardpkg.extra", cwd=tmp_path)
    refused(done, "ISP303", added)
    assert not marker.exists()


def test_unowned_module_refused_under_a_lock_only(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    helper = venv.site_packages / "helperlib.py"
    helper.write_text(payload(marker))
    done = guarded(
        run_cli, venv, "-c", "import helperlib", cwd=tmp_path, options=["--lock", str(clean.lock)]
    )
    refused(done, "ISP314", helper)
    assert not marker.exists()
    # Without a lock nothing vouches for the rest of the environment: it runs, unchecked.
    done = guarded(run_cli, venv, "-c", "import helperlib", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert marker.exists()


def test_distribution_not_in_the_lock_is_refused(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    """A forged distribution with its own forged manifest vouches for itself; the lock does not."""
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    real = next(venv.site_packages.glob("guard_demo-*.dist-info"))
    forged = venv.site_packages / "forged-1.0.dist-info"
    shutil.copytree(real, forged)
    (forged / "METADATA").write_text("Metadata-Version: 2.1\nName: forged\nVersion: 1.0\n")
    (forged / "RECORD").write_text("forgedmod.py,,\n")
    module = venv.site_packages / "forgedmod.py"
    module.write_text(payload(marker))
    done = guarded(
        run_cli, venv, "-c", "import forgedmod", cwd=tmp_path, options=["--lock", str(clean.lock)]
    )
    refused(done, "ISP330", module)
    assert not marker.exists()


def test_file_changed_after_the_start_is_refused(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    """No window between the check and the load: a file changed while the program runs is
    refused when it is imported."""
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    core = venv.site_packages / "guardpkg/core.py"
    code = (
        "import guardmod\n"
        f"open({str(core)!r}, 'a').write({payload(marker)!r})\n"
        "try:\n    import guardpkg.core\nexcept ImportError as error:\n    print(error)\n"
    )
    done = guarded(run_cli, venv, "-c", code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"importspy: ISP301 {core}" in done.stdout
    assert not marker.exists()


def test_modified_guard_refuses_to_run(clean: Installed, run_cli: RunCli, tmp_path: Path) -> None:
    """The guard that runs is the running verifier's own copy: an edited copy refuses (ISP356)."""
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    boot = venv.site_packages / "hatch_importspy/guard/boot.py"
    boot.write_text(boot.read_text() + payload(marker))
    done = run_cli(venv.python, "run", "--", "-c", "print('app ran')", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "ISP356 hatch_importspy/guard/boot.py" in done.stderr
    assert "app ran" not in done.stdout
    assert not marker.exists()


def test_verify_import_runs_the_probe_under_the_guard(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    """``verify --import`` imports the environment's code: under the guard, so a tampered module
    it would import never runs; the import check reports the guard's refusal."""
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    core = venv.site_packages / "guardpkg/core.py"
    core.write_text(core.read_text() + payload(marker))
    clean_run = run_cli(sys.executable, "verify", "--import", "--python", str(clean.venv.python))
    assert clean_run.returncode == 0, clean_run.stdout + clean_run.stderr
    done = run_cli(sys.executable, "verify", "--import", "--python", str(venv.python))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ISP301" in done.stdout  # the static check
    assert "ISP209" in done.stdout and f"ISP301 {core}" in done.stdout  # the guard's refusal
    assert not marker.exists()


# --------------------------------------------------------------------------- start-up code


def test_unowned_pth_stops_the_start(clean: Installed, run_cli: RunCli, tmp_path: Path) -> None:
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    pth = venv.site_packages / "zz-evil.pth"
    pth.write_text(f"import os; {payload(marker).strip()}\n")
    payload_runs(venv, "pass", marker, tmp_path)

    done = guarded(run_cli, venv, "-c", "print('app ran')", cwd=tmp_path)
    refused(done, "ISP307", pth)
    assert "app ran" not in done.stdout
    assert not marker.exists()

    warned = guarded(
        run_cli, venv, "-c", "print('app ran')", cwd=tmp_path, options=["--mode", "warn"]
    )
    assert warned.returncode == 0
    assert "app ran" in warned.stdout
    assert f"importspy: warning: ISP307 {pth}" in warned.stderr
    assert marker.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_pth_stops_the_start_without_waiting(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    """A FIFO named ``*.pth``: ``site`` would block on it, or run what a writer feeds it; the
    guard refuses it without opening it."""
    venv = copy_venv(clean.venv, tmp_path)
    fifo = venv.site_packages / "zz-fifo.pth"
    os.mkfifo(fifo)
    done = guarded(run_cli, venv, "-c", "print('app ran')", cwd=tmp_path)
    refused(done, "ISP318", fifo)
    assert "app ran" not in done.stdout


def test_pth_path_line_to_a_sitecustomize_stops_the_start(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    custom = hidden / "sitecustomize.py"
    custom.write_text(payload(marker))
    (venv.site_packages / "zz-paths.pth").write_text(f"{hidden}\n")
    payload_runs(venv, "pass", marker, tmp_path)

    done = guarded(run_cli, venv, "-c", "print('app ran')", cwd=tmp_path)
    refused(done, "ISP307", custom)
    assert "app ran" not in done.stdout
    assert not marker.exists()


def test_vouched_pth_changed_since_the_check_stops_the_start(
    clean: Installed, run_cli: RunCli, tmp_path: Path
) -> None:
    """The ``.pth`` file ``site`` reads is held to the digest the check approved: an edit that
    lands between the check and the start is refused (``site`` is handed the checked bytes)."""
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    pth = venv.site_packages / "aa-paths.pth"
    pth.write_text(f"{tmp_path}\n")  # path lines only: approved as it is
    table_of = (
        "from pathlib import Path; import json, sys;"
        "from hatch_importspy.guard import options_from;"
        "from hatch_importspy.guard.table import build_table;"
        "from hatch_importspy.pyrules.finder import LoaderSuffixes;"
        f"t = build_table([Path({str(venv.site_packages)!r})], options_from(), "
        "LoaderSuffixes.running());"
        "print(json.dumps(t))"
    )
    table = json.loads(
        subprocess.run(
            [sys.executable, "-c", table_of], capture_output=True, text=True, check=True
        ).stdout
    )
    assert str(pth) in table["startup"]
    pth.write_text(f"import os; {payload(marker).strip()}\n")  # the edit after the check
    from hatch_importspy.guard.launch import Target, run_guarded

    status = run_guarded(str(venv.python), table, Target("code", "print('app ran')"), replace=False)
    assert status == 1
    assert not marker.exists()


# --------------------------------------------------------------------------- the API


def test_install_api(clean: Installed, tmp_path: Path) -> None:
    venv = copy_venv(clean.venv, tmp_path)
    marker = tmp_path / "marker"
    core = venv.site_packages / "guardpkg/core.py"
    core.write_text(core.read_text() + payload(marker))
    app = (
        "from hatch_importspy import guard\n"
        "guard.install()\n"
        "import guardmod\n"
        "try:\n    import guardpkg.core\nexcept ImportError as error:\n    print(error)\n"
        "print('answer', guardmod.answer())\n"
    )
    done = plain(venv, "-c", app, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"importspy: ISP301 {core}" in done.stdout
    assert "answer 42" in done.stdout
    assert not marker.exists()

    before = "import guardpkg.core\nfrom hatch_importspy import guard\nguard.install()\n"
    done = plain(venv, "-c", before, cwd=tmp_path)
    assert done.returncode == 1
    assert f"ISP301 {core}" in done.stderr
    assert "imported before" not in done.stderr or "ISP301" in done.stderr


# --------------------------------------------------------------------------- unusable input


def test_unusable_input(clean: Installed, run_cli: RunCli, tmp_path: Path) -> None:
    for options, message in (
        ([], "nothing to run"),
        (["--lock", str(tmp_path / "missing.lock"), "--", "-c", "pass"], "missing.lock"),
        (["--", "-X", "dev", "app.py"], "only SCRIPT, -m MODULE or -c CODE"),
    ):
        done = run_cli(sys.executable, "run", "--python", str(clean.venv.python), *options)
        assert done.returncode == 2, (options, done.stderr)
        assert message in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# --------------------------------------------------------------------------- other Pythons


def other_python(version: str) -> Path | None:
    """A CPython ``version`` from pyenv, where this machine has one."""
    found = sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"))
    return found[-1] if found else None


@pytest.mark.parametrize("version", ["3.10", "3.12", "3.13"])
def test_guard_under_other_pythons(
    clean: Installed, run_cli: RunCli, tmp_path: Path, version: str
) -> None:
    """The guard is the verifier's own copy, compiled by the target: it runs on every Python
    the project supports, whatever the verifier's own version, and ``site``'s differences
    between versions (how each reads a ``.pth`` file) are handled."""
    python = other_python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    root = tmp_path / "venv"
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(root)], check=True)
    venv = Venv(root, root / "bin/python", next(root.glob("lib/python3*/site-packages")))
    venv.install(clean.wheel)
    (venv.site_packages / "paths.pth").write_text(f"{tmp_path}\n")
    (tmp_path / "app.py").write_text(APP)
    done = guarded(run_cli, venv, "app.py", cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert done.stdout.startswith("hello world 42\n")
    marker = tmp_path / "marker"
    core = venv.site_packages / "guardpkg/core.py"
    core.write_text(core.read_text() + payload(marker))
    refused(guarded(run_cli, venv, "app.py", cwd=tmp_path), "ISP301", core)
    (venv.site_packages / "paths.pth").write_text(f"import os; {payload(marker).strip()}\n")
    done = guarded(run_cli, venv, "-c", "pass", cwd=tmp_path)
    assert done.returncode == 1
    assert "refused to start the program" in done.stderr
    assert not marker.exists()
