"""The verifier's own wheel carries a manifest, and the running verifier is held against it.

The hatch-importspy wheel is built from this checkout by its own hook (``hatch_build.py``, the
``custom`` hook table in ``pyproject.toml``); it is installed in a fresh environment with its
runtime dependencies, which carry no manifest.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from hatch_importspy.formats.manifest import MANIFEST_LOCATION, load_bytes
from hatch_importspy.pyrules.bytecode import cache_path, matches_template
from hatch_importspy.results import VerifyResult
from hatch_importspy.verify.self_check import (
    running_distribution,
    verifier_findings,
    with_verifier_findings,
)
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.fakedist import install, model_for
from tests.helpers.venvs import RunCli, Venv, VenvFactory

FILES = {
    "hatch_importspy/__init__.py": b"__version__ = '9'\n",
    "hatch_importspy/verify/self_check.py": b"X = 1\n",
}


def _package(site: Path) -> Path:
    return site / "hatch_importspy"


def test_a_copy_matching_its_manifest_has_no_finding(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install(site, "hatch-importspy", "9", FILES, manifest=model_for("hatch-importspy", "9", FILES))
    assert running_distribution(_package(site)) is not None
    assert verifier_findings(_package(site)) == ()


def test_a_modified_or_missing_file_of_the_running_copy_is_isp356(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install(site, "hatch-importspy", "9", FILES, manifest=model_for("hatch-importspy", "9", FILES))
    (site / "hatch_importspy/__init__.py").write_bytes(b"__version__ = '9'  # edited\n")
    (site / "hatch_importspy/verify/self_check.py").unlink()
    findings = verifier_findings(_package(site))
    assert [(f.code, f.file) for f in findings] == [
        ("ISP356", "hatch_importspy/__init__.py"),
        ("ISP356", "hatch_importspy/verify/self_check.py"),
    ]
    assert "was modified since it was installed" in findings[0].message
    assert "is missing" in findings[1].message


def test_a_copy_without_a_manifest_or_not_installed_is_not_judged(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install(site, "hatch-importspy", "9", FILES)  # an editable install, say
    (site / "hatch_importspy/__init__.py").write_bytes(b"changed\n")
    assert verifier_findings(_package(site)) == ()
    checkout = tmp_path / "checkout" / "hatch_importspy"
    checkout.mkdir(parents=True)
    assert running_distribution(checkout) is None
    assert verifier_findings(checkout) == ()


def test_a_copy_verified_in_the_checked_environment_is_not_hashed_twice(tmp_path: Path) -> None:
    site = tmp_path / "site"
    install(site, "hatch-importspy", "9", FILES, manifest=model_for("hatch-importspy", "9", FILES))
    (site / "hatch_importspy/__init__.py").write_bytes(b"__version__ = '9'  # edited\n")
    result = verify_installed([site], [], None)
    # The run itself reports the edit against the same manifest (ISP301)...
    assert [f.code for f in result.findings()] == ["ISP301"]
    # ...so the self-check adds nothing; run against another environment, it reports ISP356.
    assert with_verifier_findings(result, _package(site)) == result
    other = VerifyResult((), (), ())
    assert [f.code for f in with_verifier_findings(other, _package(site)).findings()] == ["ISP356"]


# --------------------------------------------------------------------------- the real wheel


@pytest.mark.e2e
def test_the_verifier_wheel_carries_its_own_manifest(importspy_wheel: Path) -> None:
    with zipfile.ZipFile(importspy_wheel) as wheel:
        names = wheel.namelist()
    assert f"hatch_importspy-0.1.0.dist-info/{MANIFEST_LOCATION}" in names


@pytest.fixture(scope="module")
def verifier_venv(venv_factory: VenvFactory) -> Venv:
    return venv_factory("verifier-venv")


def _others(venv: Venv) -> list[str]:
    """Every distribution installed in ``venv`` but hatch-importspy: its runtime dependencies."""
    names = [path.name.split("-")[0] for path in venv.site_packages.glob("*.dist-info")]
    return sorted(name for name in names if name.lower() != "hatch_importspy")


@pytest.mark.e2e
def test_pip_writes_every_cache_file_of_the_verifier_in_its_recorded_shape(
    verifier_venv: Venv,
) -> None:
    # Built by its own hook, with hatchling and all of hatch-importspy loaded in the build
    # process: recorded there, 11 of these shapes differed from pip's cache files (marshal
    # writes a one-character string as interned when anything in the process interned it).
    (dist_info,) = verifier_venv.site_packages.glob("hatch_importspy-*.dist-info")
    model = load_bytes((dist_info / MANIFEST_LOCATION).read_bytes(), "the verifier's manifest")
    assert len(model.modules) > 100
    assert [module.path for module in model.modules if not module.pyc] == []
    tag = sys.implementation.cache_tag
    missed = [
        module.path
        for module in model.modules
        if not matches_template(
            (verifier_venv.site_packages / cache_path(module.path, tag)).read_bytes(),
            module.pyc or "",
        )
    ]
    assert missed == []


@pytest.mark.e2e
def test_require_manifest_passes_for_the_verifier_itself(
    verifier_venv: Venv, run_cli: RunCli
) -> None:
    completed = run_cli(
        verifier_venv.python, "verify", "--require-manifest", "--allow", *_others(verifier_venv)
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "hatch-importspy 0.1.0 (" in completed.stdout
    assert "ISP320" not in completed.stdout
    assert completed.stdout.splitlines()[-1].endswith(": compliant")


@pytest.mark.e2e
def test_a_tampered_running_verifier_is_reported(
    verifier_venv: Venv, venv_factory: VenvFactory, demo_wheel: Path, run_cli: RunCli
) -> None:
    target = venv_factory("verifier-target", wheels=[demo_wheel], importspy=False)
    render = verifier_venv.site_packages / "hatch_importspy" / "render.py"
    original = render.read_bytes()
    render.write_bytes(original + b"\n# edited after installation\n")
    try:
        completed = run_cli(verifier_venv.python, "verify", "--path", str(target.site_packages))
    finally:
        render.write_bytes(original)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert (
        "ISP356 error hatch_importspy/render.py: hatch_importspy/render.py of the running "
        "verifier was modified since it was installed"
    ) in completed.stdout
    assert "acme-inventory 1.0.0 (" in completed.stdout
    clean = run_cli(verifier_venv.python, "verify", "--path", str(target.site_packages))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "ISP356" not in clean.stdout
