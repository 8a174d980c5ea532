"""An expectation met at build time is known to be met while its providers' files are unchanged.

The hook holds each inferred expectation against the providers of the build environment; when
every use is met it records which modules the check read and what each was (``met_at_build``).
``verify`` by the same release that finds the same files skips the check, and parses nothing;
a changed file, a manifest by another release, or a deployment (which depends on the
environment) is checked in full.  A spy on :func:`ast.parse` proves what was parsed.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from hatch_importspy import GENERATOR
from hatch_importspy.describe.build_check import BuildProviders, mark_unmet_at_build
from hatch_importspy.describe.provider_files import witness
from hatch_importspy.formats import manifest
from hatch_importspy.model import CallShape, Deployment, Expectation, ExpectedName
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.fakedist import LINUX_FACTS as FACTS
from tests.helpers.fakedist import install, model_for
from tests.helpers.spies import spy_on_parse

PROVIDER = {  # a provider without a manifest: most of PyPI
    "prov/__init__.py": b"from .core import run\nfrom .models import *\n",
    "prov/core.py": b"def run(task, *, retries=1):\n    return task\n",
    "prov/models.py": b"__all__ = ['Model']\nclass Model:\n    def save(self, force=False): ...\n",
}
MET = Expectation(
    module="prov",
    distribution="prov",
    names=(
        ExpectedName("run", "callable", (CallShape(1, ("retries",)),)),
        ExpectedName("Model().save", "callable", (CallShape(0, ("force",)),)),
    ),
)
UNMET = Expectation(module="prov", distribution="prov", names=(ExpectedName("gone"),))


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file names handed to ``ast.parse`` from here on."""
    return spy_on_parse(monkeypatch)


def build_marked(site: Path, *expects: Expectation) -> tuple[Expectation, ...]:
    """``expects`` marked as the hook marks them, against the providers installed in ``site``."""
    return mark_unmet_at_build(
        expects,
        BuildProviders([site]),
        version_of=lambda name: "2.0" if name == "prov" else None,
        witness=BuildProviders([site]).witness,
    )


def test_a_met_expectation_records_every_module_its_check_read(tmp_path: Path) -> None:
    install(tmp_path, "prov", "2.0", PROVIDER)
    (met, unmet) = build_marked(tmp_path, MET, UNMET)
    assert met.met_at_build == tuple(
        (name, f"{path} {sha(PROVIDER[path])}")
        for name, path in (
            ("prov", "prov/__init__.py"),
            ("prov.core", "prov/core.py"),  # run is re-exported from it
            ("prov.models", "prov/models.py"),  # Model comes by the star import
        )
    )
    assert (unmet.unmet_at_build, unmet.met_at_build) == (False, ())
    assert unmet.names[0].unmet_at_build


def test_without_a_witness_or_an_installed_provider_nothing_is_recorded(tmp_path: Path) -> None:
    install(tmp_path, "prov", "2.0", PROVIDER)
    (plain,) = mark_unmet_at_build([MET], BuildProviders([tmp_path]), lambda name: "2.0")
    assert plain.met_at_build == ()
    (absent,) = mark_unmet_at_build(
        [MET], BuildProviders([tmp_path]), lambda name: None, BuildProviders([tmp_path]).witness
    )
    assert absent.met_at_build == ()


def test_a_witness_names_what_the_finder_would_find(tmp_path: Path) -> None:
    install(tmp_path, "prov", "2.0", PROVIDER)
    (tmp_path / "nsp" / "inner").mkdir(parents=True)
    assert witness([tmp_path], "prov.core") == f"prov/core.py {sha(PROVIDER['prov/core.py'])}"
    assert witness([tmp_path], "nsp") == "namespace"
    assert witness([tmp_path], "missing") == "absent"
    (tmp_path / "prov" / "core.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    assert witness([tmp_path], "prov.core") == "compiled"  # the extension runs, not the source
    (tmp_path / "ext").mkdir()
    (tmp_path / "ext" / "__init__.abi3.so").write_bytes(b"\x7fELF")
    assert witness([tmp_path], "ext") == "compiled"  # a package whose __init__ is compiled
    (tmp_path / "Upper.py").write_bytes(b"X = 1\n")
    assert witness([tmp_path], "upper") == "absent"  # names match exactly, as the finder's do
    second, lower = tmp_path / "second", b"X = 2\n"
    install(second, "other", "1.0", {"upper.py": lower})
    assert witness([tmp_path, second], "upper") == f"upper.py {sha(lower)}"


def test_met_at_build_survives_the_manifest(tmp_path: Path) -> None:
    install(tmp_path, "prov", "2.0", PROVIDER)
    (met,) = build_marked(tmp_path, MET)
    model = dataclasses.replace(model_for("user", "1.0", {}), expects=(met,))
    assert manifest.loads(manifest.dumps(model), "x").expects == (met,)
    assert '"met_at_build": {' in manifest.dumps(model)


def install_user(site: Path, expects: tuple[Expectation, ...], *, generator: str) -> None:
    files = {"user/__init__.py": b"import prov\n"}
    model = dataclasses.replace(
        model_for("user", "1.0", files), expects=expects, generator=generator
    )
    install(site, "user", "1.0", files, manifest=model)


def findings(site: Path) -> list[tuple[str, str | None]]:
    (result,) = verify_installed([site], ["user"], FACTS).distributions
    return [(finding.code, finding.object) for finding in result.findings]


def test_verify_skips_the_check_while_the_providers_are_unchanged(
    tmp_path: Path, parses: list[str]
) -> None:
    install(tmp_path, "prov", "2.0", PROVIDER)
    install_user(tmp_path, build_marked(tmp_path, MET), generator=GENERATOR)
    parses.clear()
    assert findings(tmp_path) == []
    assert [name for name in parses if name.startswith("prov")] == []


def test_a_changed_provider_is_parsed_and_the_change_caught(
    tmp_path: Path, parses: list[str]
) -> None:
    install(tmp_path, "prov", "2.0", PROVIDER)
    install_user(tmp_path, build_marked(tmp_path, MET), generator=GENERATOR)
    (tmp_path / "prov" / "core.py").write_bytes(b"def run(task):\n    return task\n")
    parses.clear()
    assert ("ISP405", "prov:run") in findings(tmp_path)
    assert "prov/core.py" in parses


def test_a_module_added_in_front_of_a_provider_is_checked(
    tmp_path: Path, parses: list[str]
) -> None:
    """Same bytes, but the finder now finds another file: the witness differs."""
    install(tmp_path, "prov", "2.0", PROVIDER)
    install_user(tmp_path, build_marked(tmp_path, MET), generator=GENERATOR)
    (tmp_path / "prov" / "core").mkdir()
    (tmp_path / "prov" / "core" / "__init__.py").write_bytes(b"def run(task):\n    return task\n")
    parses.clear()
    assert ("ISP405", "prov:run") in findings(tmp_path)
    assert "prov/core/__init__.py" in parses


def test_a_manifest_by_another_release_is_checked_in_full(
    tmp_path: Path, parses: list[str]
) -> None:
    install(tmp_path, "prov", "2.0", PROVIDER)
    (met,) = build_marked(tmp_path, MET)
    broken = dataclasses.replace(met, names=(*met.names, ExpectedName("gone")))
    install_user(tmp_path, (broken,), generator="hatch-importspy 0.0.1")
    parses.clear()
    assert findings(tmp_path) == [("ISP404", "prov:gone")]  # the recorded witnesses are not used
    assert "prov/__init__.py" in parses


def test_an_expectation_with_deployments_is_checked_in_full(
    tmp_path: Path, parses: list[str]
) -> None:
    install(tmp_path, "prov", "2.0", PROVIDER)
    (met,) = build_marked(tmp_path, MET)
    deployed = dataclasses.replace(met, deployments=(Deployment(machine="s390x"),))
    install_user(tmp_path, (deployed,), generator=GENERATOR)
    parses.clear()
    assert ("ISP106", "prov") in findings(tmp_path)
    assert "prov/__init__.py" in parses
