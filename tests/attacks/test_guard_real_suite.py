"""A real project's own test suite passes under ``run --mode enforce``.

more-itertools' test suite (from its sdist) runs with pytest, in an environment holding only
wheels from the package index -- more-itertools and pytest's whole dependency closure -- each
given a manifest with ``embed``, an approval lock made there, and the guard in its strictest
form: enforce, the lock, ``--require-manifest``.  Every module pytest and the tests import from
the environment is checked before it runs; every test the suite collects must pass.
Then one module of the closure is edited: the guarded run refuses it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from benchmarks.corpus import PIP_TIMEOUT, embedded
from tests.helpers.builds import CLI_TIMEOUT, subprocess_env
from tests.helpers.venvs import RunCli, VenvFactory

pytestmark = pytest.mark.e2e

PROJECT = "more-itertools==11.2.1"
CACHE = Path(__file__).resolve().parents[2] / "benchmarks" / ".cache" / "guard-suite"


def pip_download(*args: str, dest: Path) -> None:
    """``pip download`` into ``dest`` (kept between runs); skips the test without the index."""
    dest.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(dest), *args],
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"the package index is unreachable: {done.stderr.strip()[-200:]}")


def summary(output: str) -> str:
    """pytest's last line without its timing: ``N passed`` and the like."""
    last = output.strip().splitlines()[-1]
    return re.sub(r" in [0-9.]+s.*$", "", last).strip("= ")


def test_more_itertools_suite_passes_under_enforce(
    venv_factory: VenvFactory, run_cli: RunCli, tmp_path: Path
) -> None:
    wheels_dir = CACHE / "wheels"
    pip_download("--only-binary=:all:", PROJECT, "pytest", dest=wheels_dir)
    pip_download("--no-binary=:all:", "--no-deps", PROJECT, dest=CACHE / "sdist")
    wheels = embedded(sorted(wheels_dir.glob("*.whl")), cache=CACHE)
    (sdist,) = sorted((CACHE / "sdist").glob("more_itertools-*.tar.gz"))
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if "/tests/" in m.name and m.isfile()]
        archive.extractall(tmp_path / "sdist", members=members, filter="data")
    tests = tmp_path / "suite" / "tests"
    shutil.copytree(next((tmp_path / "sdist").glob("*/tests")), tests)

    venv = venv_factory("guard-suite", wheels=wheels, importspy=False)
    lock = tmp_path / "importspy.lock"
    done = run_cli(sys.executable, "lock", "--python", str(venv.python), "-o", str(lock))
    assert done.returncode == 0, done.stderr

    pytest_args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    collected = subprocess.run(
        [str(venv.python), *pytest_args, "--collect-only"],
        cwd=tests.parent,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    count = re.search(r"(\d+) tests? collected", collected.stdout)
    assert count is not None, collected.stdout[-2000:]
    guard = ["run", "--python", str(venv.python), "--mode", "enforce", "--lock", str(lock)]
    guard.append("--require-manifest")
    guarded = run_cli(sys.executable, *guard, "--", *pytest_args, cwd=tests.parent)
    assert guarded.returncode == 0, guarded.stdout[-2000:] + guarded.stderr[-2000:]
    # Every test the suite has ran and passed under the guard (none skipped or deselected).
    passed = rf"{count.group(1)} passed(, \d+ subtests passed)?"
    assert re.fullmatch(passed, summary(guarded.stdout)), guarded.stdout[-500:]

    recipes = next(venv.site_packages.glob("more_itertools/recipes.py"))
    recipes.write_text(recipes.read_text() + "\n__import__('os').getpid()  # tampered\n")
    one_file = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "tests/test_recipes.py"]
    tampered = run_cli(sys.executable, *guard, "--", *one_file, cwd=tests.parent)
    assert tampered.returncode != 0
    assert f"ISP301 {recipes}" in tampered.stdout + tampered.stderr
