"""Expectations on a provider that carries a manifest are checked from the manifest alone.

A spy on :func:`ast.parse` (every parser in hatch-importspy goes through it) proves that no
provider module is parsed while its files hash clean, and the findings prove that a removed
name or a changed signature is still caught; a changed file, or a manifest written before
``binds`` were recorded, is parsed instead.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hatch_importspy.formats import manifest as manifest_format
from hatch_importspy.model import CallShape, Expectation, ExpectedName
from hatch_importspy.verify import provider_manifests
from hatch_importspy.verify.installed import find_distributions
from hatch_importspy.verify.provider_manifests import ManifestProviders
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.fakedist import LINUX_FACTS as FACTS
from tests.helpers.fakedist import install, model_for
from tests.helpers.spies import spy_on_parse

PROVIDER = {
    "prov/__init__.py": b"from .core import run\nfrom .models import *\n",
    "prov/core.py": b"def run(task, *, retries=1):\n    return task\n",
    "prov/models.py": b"__all__ = ['Model']\nclass Model:\n    def save(self, force=False): ...\n",
}
EXPECTS = (
    Expectation(
        module="prov",
        distribution="prov",
        names=(
            ExpectedName("run", "callable", (CallShape(1, ("retries",)),)),
            ExpectedName("run", "callable", (CallShape(1, ("timeout",)),)),
            ExpectedName("Model().save", "callable", (CallShape(0, ("force",)),)),
            ExpectedName("gone"),
        ),
    ),
)


def install_pair(site: Path, *, bindings: bool = True, provider: str = "prov") -> None:
    model = model_for(provider, "2.0", PROVIDER, bindings=bindings)
    install(site, provider, "2.0", PROVIDER, manifest=model)
    files = {"user/__init__.py": b"import prov\n"}
    user = dataclasses.replace(model_for("user", "1.0", files), expects=EXPECTS)
    install(site, "user", "1.0", files, manifest=user)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file names handed to ``ast.parse`` from here on."""
    return spy_on_parse(monkeypatch)


def findings(site: Path) -> list[tuple[str, str | None]]:
    (result,) = verify_installed([site], ["user"], FACTS).distributions
    return [(finding.code, finding.object) for finding in result.findings]


EXPECTED = [("ISP405", "prov:run"), ("ISP404", "prov:gone")]


def test_a_clean_provider_is_checked_from_its_manifest_without_parsing(
    tmp_path: Path, parses: list[str]
) -> None:
    install_pair(tmp_path)
    parses.clear()  # the manifests were written by parsing; verifying must not
    assert findings(tmp_path) == EXPECTED
    assert [name for name in parses if name.startswith("prov")] == []


def test_a_provider_verify_checks_too_has_its_manifest_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verifying both distributions reads each manifest once: the expectation checks take the
    provider's from the verification of the provider itself."""
    install_pair(tmp_path)
    read: list[str] = []
    real = manifest_format.load_facts_deferred

    def counted(content: bytes, source: str, **options: object) -> object:
        read.append(Path(source).parent.parent.name)
        return real(content, source, **options)  # type: ignore[arg-type]

    monkeypatch.setattr("hatch_importspy.verify.verifier.load_facts_deferred", counted)
    monkeypatch.setattr(provider_manifests, "load_facts_deferred", counted)
    result = verify_installed([tmp_path], [], FACTS)
    by_name = {r.name: r for r in result.distributions}
    assert [(f.code, f.object) for f in by_name["user"].findings] == EXPECTED
    assert sorted(read) == ["prov-2.0.dist-info", "user-1.0.dist-info"]


def test_a_changed_provider_file_is_parsed_and_its_change_caught(
    tmp_path: Path, parses: list[str]
) -> None:
    install_pair(tmp_path)
    (tmp_path / "prov" / "core.py").write_bytes(b"def run(task):\n    return task\n")
    parses.clear()
    got = findings(tmp_path)
    assert ("ISP405", "prov:run") in got and ("ISP404", "prov:gone") in got
    assert len([f for f in got if f == ("ISP405", "prov:run")]) == 2  # retries is gone too
    assert "prov/core.py" in parses
    assert "prov/__init__.py" not in parses  # still clean: from the manifest


def test_a_manifest_without_binds_falls_back_to_parsing(tmp_path: Path, parses: list[str]) -> None:
    install_pair(tmp_path, bindings=False)
    parses.clear()
    assert findings(tmp_path) == EXPECTED
    assert "prov/__init__.py" in parses


def test_a_provider_named_unlike_its_package_is_found_by_its_record(tmp_path: Path) -> None:
    install_pair(tmp_path, provider="prov-dist")
    distributions = {d.canonical_name: d for d in find_distributions([tmp_path])}
    from hatch_importspy.verify.installed import RecordIndex

    lookup = ManifestProviders(
        [tmp_path], distributions, RecordIndex(tuple(distributions.values()))
    )
    module = lookup("prov")
    assert module is not None and module.imports_known
    assert lookup.parsed == 0
    assert dict(module.imports)["run"].module == "prov.core"
    assert module.star_imports == ("prov.models",)
