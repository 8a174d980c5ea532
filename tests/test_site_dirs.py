"""In process, verify reads every site directory ``site`` processes, not only purelib/platlib.

A ``--system-site-packages`` venv runs the base interpreter's ``.pth`` files too, and the user site
(``usercustomize``, its ``.pth`` files) when ``site`` enabled it: leaving them out let start-up code
run unseen by an in-process ``verify`` (``--python`` already saw them).
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from hatch_importspy.verify.installed import default_site_dirs

REPO = Path(__file__).resolve().parent.parent


def test_base_and_user_sites_are_read_in_sys_path_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv_site, user_site, base_site = (tmp_path / name for name in ("venv", "user", "base"))
    for directory in (venv_site, user_site, base_site):
        directory.mkdir()
    monkeypatch.setattr(sysconfig, "get_paths", lambda: {"purelib": str(venv_site)})
    monkeypatch.setattr(site, "getsitepackages", lambda: [str(venv_site), str(base_site)])
    monkeypatch.setattr(site, "getusersitepackages", lambda: str(user_site))
    monkeypatch.setattr(site, "ENABLE_USER_SITE", True)
    monkeypatch.setattr(sys, "path", [str(venv_site), str(user_site), str(base_site)])
    assert default_site_dirs() == (venv_site, user_site, base_site)

    monkeypatch.setattr(site, "ENABLE_USER_SITE", False)  # as site decides in an isolated venv
    assert default_site_dirs() == (venv_site, base_site)


@pytest.mark.e2e
def test_a_system_site_packages_venv_includes_the_base_site_packages(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
    )
    ours = sysconfig.get_paths()["purelib"]  # hatch-importspy's dependencies, for the import
    completed = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from hatch_importspy.verify.installed import default_site_dirs\n"
            "print('\\n'.join(str(p) for p in default_site_dirs()))",
        ],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), ours])},
        capture_output=True,
        text=True,
        check=True,
    )
    listed = [Path(line) for line in completed.stdout.splitlines()]
    base = subprocess.run(
        [sys.executable, "-I", "-c", "import sysconfig; print(sysconfig.get_paths(vars={'base': "
         "__import__('sys').base_prefix})['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert listed[0].is_relative_to(venv)  # the venv's own site-packages first, as on sys.path
    assert Path(base).resolve() in [path.resolve() for path in listed[1:]]
