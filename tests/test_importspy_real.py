"""Against the real ImportSpy 0.5.0, installed from the package index into a venv of the test's
own (skipped, saying why, when the index is unreachable): a contract ``importspy init`` writes
for a submodule is read here, bound to that submodule, and verified against it; a contract
``show --contract`` writes is admitted by the real ``importspy check``."""

from __future__ import annotations

import ast
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from hatch_importspy.compare.expectations import expectation_findings
from hatch_importspy.describe.contracts import load_contracts
from hatch_importspy.describe.provider_source import directory_lookup, provided_module

SUBMODULE = '''"""A submodule of a package."""
__version__ = "2.0"
LIMIT: int = 3


def send(data: bytes, timeout: float = 1.0) -> int:
    return len(data)


class Client:
    def get(self, path: str) -> bytes:
        return b""
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


@pytest.mark.e2e
def test_a_contract_from_importspy_init_builds_and_verifies(
    importspy: Path, tmp_path: Path
) -> None:
    source = tmp_path / "pkg" / "transport.py"
    source.parent.mkdir()
    source.write_text(SUBMODULE, encoding="utf-8")
    subprocess.run([str(importspy), "init", str(source)], check=True, capture_output=True)
    written = source.with_suffix(".importspy.yml")
    assert "filename: transport.py" in written.read_text(encoding="utf-8")
    real = subprocess.run(
        [str(importspy), "check", str(source), "--contract", str(written)], capture_output=True
    )
    assert real.returncode == 0  # the real library admits its own starter contract

    (expectation,) = load_contracts(["pkg/transport.importspy.yml:pkg.transport"], root=tmp_path)
    assert expectation.module == "pkg.transport"
    assert expectation.filename == "transport.py"
    module = provided_module(ast.parse(SUBMODULE), name="pkg.transport", is_package=False)
    findings = expectation_findings(
        expectation,
        {"pkg.transport": module}.get,
        distribution="consumer",
        provider_version="1.0",
        facts=None,
    )
    assert findings == []


@pytest.mark.e2e
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
