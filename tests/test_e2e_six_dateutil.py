"""A real install from the package index: ``six`` and ``python-dateutil`` (which imports
``six.moves``, a module ``six`` creates at import time), each given a manifest with
``importspy embed``.  Verifying it finds no error: ``six.moves`` is a note (ISP410), and ``six``
is checked from its manifest without its source being parsed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hatch_importspy.findings import Severity
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.spies import spy_on_parse

WHEELS = ("six==1.17.0", "python-dateutil==2.9.0.post0")


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("six-dateutil")
    wheels = root / "wheels"
    try:
        run(sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(wheels), *WHEELS)
    except subprocess.CalledProcessError as error:  # pragma: no cover - no package index
        pytest.skip(f"the package index is not reachable: {error.stderr.strip()[:200]}")
    found = sorted(str(wheel) for wheel in wheels.glob("*.whl"))
    run(sys.executable, "-m", "importspy", "embed", "--replace", *found)
    target = root / "site"
    run(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), *found)
    return target


@pytest.mark.e2e
def test_six_and_dateutil_verify_without_errors_and_without_parsing_six(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = spy_on_parse(monkeypatch)
    result = verify_installed([site], [], None)

    findings = [f for d in result.distributions for f in d.findings]
    assert [f for f in findings if f.effective_severity is Severity.ERROR] == []
    notes = [(f.distribution, f.code, f.object) for f in findings if f.code == "ISP410"]
    assert notes == [("python-dateutil", "ISP410", "six.moves")]
    # six (and dateutil itself) hash clean: described from their manifests, never parsed (the
    # spy also sees pytest's assertion rewriting of modules imported late: not providers).
    assert [name for name in parsed if name.startswith(("six", "dateutil"))] == []
