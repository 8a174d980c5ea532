"""The README's quickstart, followed literally on a fresh project, so README and behaviour agree.

The block between ``<!-- quickstart -->`` and ``<!-- /quickstart -->`` in README.md holds step 1
(a TOML snippet for ``pyproject.toml``) and steps 2 to 5 (a bash block).  This test takes both
from the README as they are written: a new project that builds with hatchling and has no
``[build-system]`` table gets the snippet at the top of its ``pyproject.toml``, then the bash
block runs unchanged, as one script, in the project directory.  ``python`` there is a fresh
virtual environment's (the newcomer's own), and hatch-importspy comes from a directory holding
only the wheel built from this checkout, through ``PIP_FIND_LINKS``, as the README's Install
section says; everything else comes from the package index.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.builds import subprocess_env

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.name == "nt", reason="the README's quickstart is for POSIX shells"),
]

README = Path(__file__).resolve().parent.parent / "README.md"
TIMEOUT = 900
PROJECT = {
    "pyproject.toml": '[project]\nname = "quickstart-app"\nversion = "0.1.0"\n'
    'requires-python = ">=3.10"\n',
    "quickstart_app/__init__.py": '"""A project a newcomer already has."""\n\n'
    "from .core import greet\n\n__all__ = ['greet']\n",
    "quickstart_app/core.py": "def greet(name: str, *, loud: bool = False) -> str:\n"
    "    return name.upper() if loud else name\n",
}


def quickstart() -> tuple[str, str]:
    """Step 1's TOML and steps 2-5's bash, exactly as the README's marked block has them."""
    text = README.read_text(encoding="utf-8")
    [block] = re.findall(r"<!-- quickstart -->\n(.*?)<!-- /quickstart -->", text, re.S)
    [toml] = re.findall(r"^```toml\n(.*?)^```$", block, re.S | re.M)
    [bash] = re.findall(r"^```bash\n(.*?)^```$", block, re.S | re.M)
    return toml, bash


def test_the_quickstart_block_has_the_five_steps() -> None:
    toml, bash = quickstart()
    assert '"hatch-importspy"' in toml and "[tool.hatch.build.hooks.importspy]" in toml
    commands = [line.split("#", 1)[0].strip() for line in bash.splitlines()]
    assert "python -m build --wheel" in commands
    assert "python -m importspy show dist/*.whl" in commands
    assert any(c.endswith("-m pip install dist/*.whl hatch-importspy") for c in commands)
    assert any(c.endswith("-m importspy verify") for c in commands)


def test_the_readme_quickstart_runs_as_written(
    importspy_wheel: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed here")
    toml, commands = quickstart()
    project = tmp_path / "project"
    for relative, content in PROJECT.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(content, encoding="utf-8")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(toml + "\n" + pyproject.read_text(encoding="utf-8"), encoding="utf-8")
    # The directory the README's Install section builds: hatch-importspy's wheel alone.
    local_dist = tmp_path_factory.mktemp("hi-dist")
    shutil.copy2(importspy_wheel, local_dist)
    # The newcomer's own environment, whose `python` the commands run.
    user_env = tmp_path / "user-env"
    subprocess.run([sys.executable, "-m", "venv", str(user_env)], check=True, timeout=TIMEOUT)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    own_links = os.environ.get("PIP_FIND_LINKS", "")
    env = subprocess_env(
        {
            "PATH": f"{user_env / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "PIP_FIND_LINKS": f"{local_dist} {own_links}".strip(),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "TMPDIR": str(scratch),  # where the README's `mktemp -d` makes the app's environment
        }
    )
    script = tmp_path / "quickstart.sh"
    script.write_text(commands, encoding="utf-8")

    completed = subprocess.run(
        [bash, "-eu", "-o", "pipefail", str(script)],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    output = completed.stdout
    assert completed.returncode == 0, output
    # 2. The hook ran in the build and described both modules.
    assert "importspy: described 2 modules" in output, output
    assert len(list((project / "dist").glob("quickstart_app-0.1.0-*.whl"))) == 1
    # 3. show printed the wheel's manifest.
    assert "name: quickstart-app" in output and "name: quickstart_app.core" in output, output
    # 4. The app's environment is a fresh one under TMPDIR, holding the wheel.
    [app_python] = scratch.glob("*/app/bin/python")
    installed = subprocess.run(
        [str(app_python), "-c", "import quickstart_app; print(quickstart_app.greet('ok'))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT,
    )
    assert installed.stdout.strip() == "ok"
    # 5. verify checked the project against its manifest and found it compliant.
    assert re.search(r"^quickstart-app 0\.1\.0 \(.*\)\n  ok \(checked: ", output, re.M), output
    assert output.rstrip().endswith(": compliant"), output
