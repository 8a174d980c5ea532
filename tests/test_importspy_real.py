"""Against the real ImportSpy 0.5.0, installed from the package index into a venv of the test's
own (skipped, saying why, when the index is unreachable): a contract the real ``importspy init``
writes for a submodule is bound to that submodule in a consumer's hook configuration, the
consumer's wheel is built by the real hook and installed beside the provider, and the real
``python -m importspy verify`` passes it, then denies it once the provider is tampered with; a
contract ``show --contract`` writes is admitted by the real ``importspy check``."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from hatch_importspy.compare.expectations import expectation_findings
from hatch_importspy.describe.contracts import load_contracts
from hatch_importspy.describe.provider_source import directory_lookup
from tests.helpers.builds import ProjectFactory
from tests.helpers.venvs import RunCli, VenvFactory

pytestmark = pytest.mark.e2e

SUBMODULE = '''"""A submodule of a package: what its consumer's contract describes."""
from packaging.version import Version

__version__ = "2.0"
LIMIT: int = 3


def send(data: bytes, timeout: float = 1.0) -> int:
    return len(data)


def parse(text: str) -> Version:
    return Version(text)


class Client:
    retries: int = 3

    def get(self, path: str) -> bytes:
        return b""
'''

CONSUMER = '''"""Loads initprov.transport by name: only its contract says what it needs of it."""
import importlib


def transport() -> object:
    return importlib.import_module("initprov.transport")
'''


@pytest.fixture(scope="module")
def importspy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("importspy-venv")
    venv.create(target, with_pip=True)
    bin_dir = target / ("Scripts" if sys.platform == "win32" else "bin")
    done = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", "importspy==0.5.0"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"importspy==0.5.0 could not be installed from the index: {done.stderr[-300:]}")
    return bin_dir / "importspy"


def findings_of(report: dict[str, object]) -> list[tuple[str, str, str]]:
    """``(distribution, code, object)`` of every finding in a JSON report."""
    distributions = report["distributions"]
    assert isinstance(distributions, list)
    return [
        (d["name"], f["code"], f["object"] or f["file"] or "")
        for d in distributions
        for f in d["findings"]
    ]


def test_a_contract_from_importspy_init_builds_and_verifies(
    importspy: Path,
    project_factory: ProjectFactory,
    build_wheel: Callable[..., Path],
    venv_factory: VenvFactory,
    run_cli: RunCli,
    tmp_path: Path,
) -> None:
    provider = project_factory(
        {"initprov/__init__.py": "", "initprov/transport.py": SUBMODULE},
        name="initprov",
        dependencies=["packaging"],
    )  # no hook: only the consumer's contract can notice what happens to the provider
    written = tmp_path / "transport.importspy.yml"
    source = provider / "initprov" / "transport.py"
    subprocess.run(
        [str(importspy), "init", str(source), "--output", str(written)],
        check=True,
        capture_output=True,
    )
    contract = written.read_text(encoding="utf-8")
    assert "filename: transport.py" in contract
    assert "packaging: {allowed: true}" in contract  # the policy part init writes
    real = subprocess.run(
        [str(importspy), "check", str(source), "--contract", str(written)], capture_output=True
    )
    assert real.returncode == 0  # the real library admits its own starter contract

    consumer = project_factory(
        {"initcons/__init__.py": CONSUMER, "contracts/transport.importspy.yml": contract},
        name="initcons",
        options={"contracts": ["contracts/transport.importspy.yml:initprov.transport"]},
        dependencies=["initprov"],
    )
    env = venv_factory("init-contract", wheels=[build_wheel(provider), build_wheel(consumer)])
    # --strict: the starter contract names only what the file declares, so not even a warning.
    done = run_cli(env.python, "verify", "--strict", "--format", "json")
    assert (done.returncode, done.stderr) == (0, ""), done.stdout
    assert findings_of(json.loads(done.stdout)) == []

    # The provider loses a function the contract names: verify denies, naming it and the
    # contract, and so does the real ImportSpy on the same file.
    installed = env.site_packages / "initprov" / "transport.py"
    installed.write_text(SUBMODULE.replace("def send(", "def send_all("), encoding="utf-8")
    done = run_cli(env.python, "verify", "--format", "json")
    assert done.returncode == 1, done.stdout + done.stderr
    assert findings_of(json.loads(done.stdout)) == [
        ("initcons", "ISP404", "initprov.transport:send")
    ]
    real = subprocess.run(
        [str(importspy), "check", str(installed), "--contract", str(written)], capture_output=True
    )
    assert real.returncode == 1


def test_an_exported_contract_is_admitted_by_the_real_importspy(
    importspy: Path, tmp_path: Path
) -> None:
    """``show --contract`` on a real wheel (packaging 24.0, a manifest embedded by ``embed``):
    the real ``importspy check`` admits every module's contract, and this reader reads it back
    and finds the module meets it."""
    download = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "packaging==24.0",
            "-d",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    if download.returncode != 0:
        pytest.skip(f"packaging 24.0 could not be downloaded from the index: {download.stderr}")
    out = tmp_path / "out"
    out.mkdir()
    (wheel,) = tmp_path.glob("packaging-*.whl")
    subprocess.run(
        [sys.executable, "-m", "importspy", "embed", "-o", str(out), str(wheel)], check=True
    )
    (embedded,) = out.glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(embedded) as archive:
        archive.extractall(site)
    for module in ("version", "specifiers", "markers", "requirements", "tags", "metadata"):
        shown = subprocess.run(
            [
                sys.executable,
                "-m",
                "importspy",
                "show",
                "--contract",
                f"packaging.{module}",
                str(embedded),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        contract = tmp_path / f"{module}.yml"
        contract.write_text(shown.stdout, encoding="utf-8")
        real = subprocess.run(
            [
                str(importspy),
                "check",
                str(site / "packaging" / f"{module}.py"),
                "--contract",
                str(contract),
            ],
            capture_output=True,
            text=True,
        )
        assert real.returncode == 0, (module, real.stdout[-2000:])
        (expectation,) = load_contracts([f"{module}.yml:packaging.{module}"], root=tmp_path)
        findings = expectation_findings(
            expectation,
            directory_lookup([site]),
            distribution="consumer",
            provider_version="24.0",
            facts=None,
        )
        assert findings == [], module
