"""False findings at application scale: modules made at import time, fallback imports, uses
already unmet at build, and star imports resolved the way Python binds names."""

from __future__ import annotations

import ast
import dataclasses
import textwrap

import pytest

from hatch_importspy.compare.expectations import expectation_findings
from hatch_importspy.describe.build_check import mark_unmet_at_build
from hatch_importspy.describe.infer import infer_expectations
from hatch_importspy.findings import Finding, Severity
from hatch_importspy.model import CallShape, Expectation, ExpectedName
from hatch_importspy.results import DistributionResult, VerifyResult
from hatch_importspy.verify.policy import Policy, apply_policy
from tests.test_compare_expectations import check, inferred, lookup_of, uses

SIX = """
import sys
class _MovedItems: ...
moves = _MovedItems(__name__ + ".moves")
class _Importer:
    def load_module(self, fullname):
        sys.modules[fullname] = moves
"""


def test_a_module_created_at_import_time_is_a_note_not_missing() -> None:
    lookup = lookup_of({"six": SIX})
    expectation = inferred("six.moves", uses("range"), distribution="six")
    [(code, obj, message)] = check(expectation, lookup)
    assert (code, obj) == ("ISP410", "six.moves")
    assert "six writes sys.modules" in message


def test_a_missing_submodule_of_a_static_package_is_still_missing() -> None:
    lookup = lookup_of({"prov": "def f(): ...\n"}, packages=("prov",))
    assert [row[0] for row in check(inferred("prov.gone"), lookup)] == ["ISP403"]


def test_a_module_level_getattr_or_lazy_loader_makes_names_not_checkable() -> None:
    for source in (
        "def __getattr__(name): ...\n",
        "import lazy_loader\n__getattr__, __dir__, __all__ = lazy_loader.attach(__name__)\n",
    ):
        rows = check(inferred("prov", uses("anything")), lookup_of({"prov": source}))
        assert [(code, obj) for code, obj, _ in rows] == [("ISP410", "prov:anything")]


def test_not_checkable_is_a_note_and_a_warning_under_strict() -> None:
    finding = Finding("ISP410", "consumer", "cannot be checked statically")
    result = VerifyResult(
        (DistributionResult("consumer", "1", "here", True, (finding,), ()),), (), ()
    )
    assert finding.effective_severity is Severity.NOTE
    for strict, severity in ((False, Severity.NOTE), (True, Severity.WARNING)):
        (applied,) = apply_policy(result, Policy(strict=strict)).distributions[0].findings
        assert applied.effective_severity is severity


FALLBACKS = """
try:
    from fast_json import loads
except ImportError:
    from slow_json import loads
    import slow_json.extras

def read(text):
    return loads(text)
"""


def test_fallback_imports_are_optional_and_never_reported_missing() -> None:
    expectations = infer_expectations(
        {"pkg": ast.parse(FALLBACKS)}, own_top_level={"pkg"}, distribution_of=lambda m: m
    )
    by_module = {e.module: e for e in expectations}
    assert set(by_module) == {"slow_json", "slow_json.extras"}
    assert by_module["slow_json"].optional and by_module["slow_json.extras"].optional
    assert [(n.name, n.optional) for n in by_module["slow_json"].names] == [("loads", True)]
    empty = lookup_of({"slow_json": "def other(): ...\n"}, packages=("slow_json",))
    assert [row for e in expectations for row in check(e, empty)] == []


def test_a_fallback_use_that_is_also_made_unguarded_stays_required() -> None:
    source = FALLBACKS + "\nimport slow_json\nslow_json.loads('1')\n"
    expectations = infer_expectations(
        {"pkg": ast.parse(source)}, own_top_level={"pkg"}, distribution_of=lambda m: m
    )
    slow = next(e for e in expectations if e.module == "slow_json")
    assert not slow.optional
    assert [(n.name, n.optional) for n in slow.names] == [("loads", False)]


def test_a_use_already_unmet_at_build_is_a_latent_bug_warning() -> None:
    built_against = lookup_of({"prov": "def run(task): ...\n"})
    expectation = inferred(
        "prov",
        uses("run", CallShape(1, ("retries",))),  # never fit: a latent bug
        uses("stop"),  # never existed
        uses("run"),
    )
    (marked,) = mark_unmet_at_build([expectation], built_against, lambda _: "1.0")
    assert [(n.name, n.unmet_at_build) for n in marked.names] == [
        ("run", True),
        ("stop", True),
        ("run", True),  # the same name: one flag per name
    ]
    rows = check(marked, built_against)
    assert {code for code, _, _ in rows} == {"ISP409"}
    assert all("already was when the package was built" in message for _, _, message in rows)
    findings = expectation_findings(
        marked, built_against, distribution="c", provider_version="1.0", facts=None
    )
    assert {f.effective_severity for f in findings} == {Severity.WARNING}
    # Drift since the build stays an error: a name that held at build and is gone now.
    held = mark_unmet_at_build([inferred("prov", uses("run"))], built_against, lambda _: "1.0")
    assert [row[0] for row in check(held[0], lookup_of({"prov": "x = 1\n"}))] == ["ISP404"]


def test_nothing_is_marked_when_the_provider_is_not_installed_at_build() -> None:
    expectation = inferred("prov", uses("stop"))
    assert mark_unmet_at_build([expectation], lookup_of({}), lambda _: None) == (expectation,)


def test_a_missing_module_already_missing_at_build_is_a_latent_bug() -> None:
    (marked,) = mark_unmet_at_build(
        [inferred("prov.gone")], lookup_of({"prov": ""}, packages=("prov",)), lambda _: "1"
    )
    assert marked.unmet_at_build
    assert [r[0] for r in check(marked, lookup_of({"prov": ""}, packages=("prov",)))] == ["ISP409"]


def test_a_module_missing_from_a_provider_guessed_by_name_is_not_marked() -> None:
    """The provider was guessed from ``Requires-Dist`` and the guess is installed at build, but
    has no such module: likely a wrong guess, not a latent bug; its names still are held."""
    guessed = dataclasses.replace(
        inferred("prov.gone", uses("run")), distribution_from_requires=True
    )
    built_against = lookup_of({"prov": ""}, packages=("prov",))
    assert mark_unmet_at_build([guessed], built_against, lambda _: "1") == (guessed,)
    present = dataclasses.replace(inferred("prov", uses("stop")), distribution_from_requires=True)
    (marked,) = mark_unmet_at_build([present], built_against, lambda _: "1")
    assert [(n.name, n.unmet_at_build) for n in marked.names] == [("stop", True)]


STAR_SOURCE = "def run(task, extra): ...\n"


@pytest.mark.parametrize(
    ("source", "fits"),
    [
        # The module's own later definition wins over the star-imported one...
        ("from .other import *\ndef run(task): ...\n", True),
        # ...and a later star import rebinds the module's own definition.
        ("def run(task): ...\nfrom .other import *\n", False),
        # Of two star imports, the last one binds the name.
        ("from .other import *\nfrom .mine import *\n", True),
        ("from .mine import *\nfrom .other import *\n", False),
        # An import rebinding is the same: a later star wins over an earlier import.
        ("from .mine import run\nfrom .other import *\n", False),
        ("from .other import *\nfrom .mine import run\n", True),
    ],
)
def test_star_imports_and_definitions_bind_as_python_does(source: str, fits: bool) -> None:
    lookup = lookup_of(
        {
            "prov": textwrap.dedent(source),
            "prov.other": STAR_SOURCE,
            "prov.mine": "def run(task): ...\n",
        }
    )
    rows = check(inferred("prov", uses("run", CallShape(1, ()))), lookup)
    assert [code for code, _, _ in rows] == ([] if fits else ["ISP405"])


def test_optional_names_found_are_still_held_to_their_calls() -> None:
    lookup = lookup_of({"prov": "def loads(text): ...\n"})
    name = ExpectedName("loads", "callable", (CallShape(2, ()),), optional=True)
    expectation = Expectation("prov", "prov", names=(name,), optional=True)
    assert [row[0] for row in check(expectation, lookup)] == ["ISP405"]
