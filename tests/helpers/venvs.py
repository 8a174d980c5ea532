"""Plain helpers for tests that use real virtual environments and run the CLI in them.

Types and signatures only: the ``venv_factory`` and ``run_cli`` fixtures in ``conftest.py``
make the objects; test modules import these names to annotate fixture arguments.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tests.helpers.builds import CLI_TIMEOUT, subprocess_env


@dataclass(frozen=True)
class Venv:
    """A virtual environment made for a test."""

    root: Path
    python: Path
    site_packages: Path
    """Its purelib directory (where pure-Python wheels install)."""

    def install(self, *wheels: Path, deps: bool = False, compile: bool = True) -> None:
        """Install wheels with the test environment's pip, never from an index.

        ``deps=True`` lets pip resolve dependencies among the given wheels' directories
        (``--find-links``); the default installs exactly what is given.  ``compile=False``
        installs without bytecode (``--no-compile``), as uv does by default.
        """
        if not wheels:
            return
        command = [sys.executable, "-m", "pip", "--python", str(self.python), "install"]
        command += ["--no-index", "--disable-pip-version-check", "--no-warn-script-location", "-q"]
        if not compile:
            command.append("--no-compile")
        if deps:
            for directory in sorted({str(wheel.parent) for wheel in wheels}):
                command += ["--find-links", directory]
        else:
            command.append("--no-deps")
        completed = subprocess.run(
            [*command, *map(str, wheels)],
            env=subprocess_env({"PIP_NO_INPUT": "1"}),
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr


class VenvFactory(Protocol):
    """Signature of the ``venv_factory`` fixture."""

    def __call__(
        self, name: str = ..., *, wheels: Sequence[Path] = ..., importspy: bool = ...
    ) -> Venv: ...


def site_packages(root: Path) -> Path:
    """The purelib directory of the environment at ``root`` (where ``venv`` puts it)."""
    scheme = "nt" if os.name == "nt" else "posix_prefix"
    return Path(
        sysconfig.get_path("purelib", scheme, vars={"base": str(root), "platbase": str(root)})
    )


class RunCli(Protocol):
    """Signature of the ``run_cli`` fixture."""

    def __call__(
        self,
        python: Path | str,
        *args: str,
        env: Mapping[str, str] | None = ...,
        cwd: Path | None = ...,
    ) -> subprocess.CompletedProcess[str]: ...
