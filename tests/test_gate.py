"""The deploy gate's order (lock, then require-manifest, then the policy) and the scope options."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.facts import current_environment
from hatch_importspy.findings import Severity
from hatch_importspy.verify.gate import apply_gate
from hatch_importspy.verify.installed import default_site_dirs, find_distributions
from hatch_importspy.verify.lock import Lock, LockEntry
from hatch_importspy.verify.policy import Policy
from hatch_importspy.verify.scope import resolve_scope
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.fakedist import install, model_for

APP_FILES = {"app/__init__.py": b"def run() -> int:\n    return 1\n"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """``app`` 1.0 with a manifest, ``plain`` 2.0 without one."""
    site = tmp_path / "site-packages"
    install(site, "app", "1.0", APP_FILES, manifest=model_for("app", "1.0", APP_FILES))
    install(site, "plain", "2.0", {"plain/__init__.py": b"X = 1\n"})
    return site


def test_lock_findings_get_the_policy_severities_and_manifestless_ones_are_judged_once(
    site: Path,
) -> None:
    installed = find_distributions([site])
    result = verify_installed([site], [], current_environment())
    lock = Lock((LockEntry("app", "1.0", "manifest", "sha256:" + "0" * 64),), source="x.lock")
    policy = Policy(require_manifest=True, severities={"ISP330": Severity.WARNING})
    gated = apply_gate(result, policy, installed=installed, lock=lock)
    found = {
        d.name: [(f.code, f.effective_severity) for f in d.findings] for d in gated.distributions
    }
    assert found == {
        "app": [("ISP333", Severity.ERROR)],
        # Not in the lock (a warning by this policy) and without a manifest: both, once.
        "plain": [("ISP330", Severity.WARNING), ("ISP320", Severity.ERROR)],
    }
    [plain] = [d for d in gated.distributions if d.name == "plain"]
    assert plain.checks == ("lock", "policy")


def test_without_an_installed_environment_only_the_policy_applies(site: Path) -> None:
    result = verify_installed([site], ["plain"], current_environment())
    assert [f.code for f in result.findings()] == ["ISP309"]
    gated = apply_gate(result, Policy(require_manifest=True), installed=None)
    assert [f.code for f in gated.findings()] == ["ISP320"]
    with pytest.raises(ValueError, match="installed environment"):
        apply_gate(result, Policy(), installed=None, lock=Lock(()))


def test_scope_defaults_to_the_running_interpreter() -> None:
    scope = resolve_scope(None, ())
    assert scope.site_dirs == default_site_dirs()
    assert scope.facts == current_environment()


def test_scope_of_directories_alone_has_no_facts(site: Path, tmp_path: Path) -> None:
    scope = resolve_scope(None, [site, site])
    assert (scope.site_dirs, scope.facts) == ((site,), None)
    with pytest.raises(UnusableInputError, match=r"^--path .*absent: not a directory$"):
        resolve_scope(None, [tmp_path / "absent"])


def test_scope_of_an_interpreter_with_directories_takes_its_facts_only(site: Path) -> None:
    scope = resolve_scope(sys.executable, [site])
    assert scope.site_dirs == (site,)
    assert scope.facts is not None
    assert scope.facts.python_version == current_environment().python_version


def test_scope_of_a_missing_interpreter_names_the_option(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError, match=r"^--python .*nowhere/python: cannot run"):
        resolve_scope(str(tmp_path / "nowhere" / "python"), ())
