"""Attack: a ``bin/python`` wrapper that rewrites ``--python``'s environment query.

The attacker can write to the application's environment, including its ``bin/``: they drop an
executable ``.pth`` into the real site-packages and replace ``bin/python`` with a wrapper that runs
the real interpreter, except that it rewrites the answer to the verifier's ``-I -S`` query so that
the site directory named is a clean decoy.  The payload runs at every start of the application;
verify must still see the real site-packages (from ``pyvenv.cfg``), verify it, and say that the
interpreter's answer disagrees with its files (ISP319).
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def make_venv(root: Path, *options: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", *options, str(root)], check=True)
    return root


def site_packages(venv: Path) -> Path:
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return venv / "lib" / version / "site-packages"


def verify(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-B", "-m", "importspy", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def codes(report: str) -> set[str]:
    data = json.loads(report)
    every = [*data["environment_findings"]]
    every += [f for distribution in data["distributions"] for f in distribution["findings"]]
    return {finding["code"] for finding in every}


def plant_payload(venv: Path, marker: Path) -> None:
    payload = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n"
    (site_packages(venv) / "zz_payload.pth").write_text(payload)


def wrap_interpreter(venv: Path, decoy: Path) -> Path:
    """Replace ``bin/python`` with a script that lies to the verifier's query only."""
    python = venv / "bin" / "python"
    real = venv / "bin" / "python-real"
    python.rename(real)  # still inside the venv's bin/, so site still finds pyvenv.cfg
    python.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-I" ] && [ "$2" = "-S" ]; then\n'
        f'  "{real}" "$@" | sed "s#{site_packages(venv)}#{decoy}#g"\n'
        "  exit 0\n"
        "fi\n"
        f'exec "{real}" "$@"\n'
    )
    python.chmod(python.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return python


def test_a_wrapper_that_rewrites_the_query_is_caught(tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "app")
    decoy = tmp_path / "decoy" / "site-packages"
    decoy.mkdir(parents=True)
    lock = tmp_path / "approved.lock"
    locked = verify("lock", "--python", str(venv / "bin" / "python"), "-o", str(lock))
    assert locked.returncode == 0, locked.stderr

    marker = tmp_path / "payload-ran"
    plant_payload(venv, marker)
    python = wrap_interpreter(venv, decoy)

    # The payload really runs whenever the application starts through the wrapper.
    subprocess.run([str(python), "-c", "pass"], check=True)
    assert marker.read_text() == "ran"
    # And the wrapper really hides the real site-packages from the query.
    query = subprocess.run(
        [str(python), "-I", "-S", "-c", "import sys; print(sys.path)"], capture_output=True
    )
    assert query.returncode == 0

    plain = verify("verify", "--python", str(python), "--format", "json")
    assert plain.returncode == 1, plain.stdout + plain.stderr
    assert {"ISP319", "ISP307"} <= codes(plain.stdout)

    gated = verify(
        "verify",
        "--python",
        str(python),
        "--lock",
        str(lock),
        "--require-manifest",
        "--strict",
        "--format",
        "json",
    )
    assert gated.returncode == 1, gated.stdout + gated.stderr
    assert {"ISP319", "ISP307"} <= codes(gated.stdout)


@pytest.mark.parametrize("options", [(), ("--system-site-packages",)], ids=["plain", "system-site"])
def test_a_clean_venv_agrees_with_its_files(tmp_path: Path, options: tuple[str, ...]) -> None:
    venv = make_venv(tmp_path / "clean", *options)
    result = verify("verify", "--python", str(venv / "bin" / "python"), "--format", "json")
    assert "ISP319" not in codes(result.stdout), result.stdout
    if not options:  # the base interpreter's own site-packages is this machine's business
        assert result.returncode == 0, result.stdout + result.stderr
