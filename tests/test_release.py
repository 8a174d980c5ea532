"""The release comparison: every change kind of the public surface, classified; the version rule.

Models are built with the real extractor from small source strings, so each test reads as the
edit a maintainer would make between two releases.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from hatch_importspy.compare.breaking import (
    BREAKING_CODES,
    breaking_severity,
    is_breaking,
    release_findings,
)
from hatch_importspy.compare.inheritance import ClassIndex
from hatch_importspy.compare.specifiers import (
    PYTHON_CANDIDATES,
    candidates,
    gained_versions,
    lost_versions,
    neighbours,
    parse_specifier,
)
from hatch_importspy.describe.extract import extract_structure
from hatch_importspy.findings import CODES, Finding, Severity
from hatch_importspy.model import EnvironmentConstraints, FileEntry, Module, SpyModel
from hatch_importspy.release.diff import Release, diff_releases
from hatch_importspy.report.outputs import FORMATS, render

MODULE = "pkg.core"


def module(name: str, source: str) -> Module:
    path = name.replace(".", "/") + ".py"
    structure = extract_structure(source.encode(), filename=path)
    return Module(name=name, path=path, sha256="0" * 64, structure=structure)


def model(
    modules: Mapping[str, str] | None = None,
    *,
    version: str = "1.0.0",
    environment: EnvironmentConstraints | None = None,
    requires: Sequence[str] = (),
    files: Sequence[str] = (),
) -> SpyModel:
    return SpyModel(
        name="pkg",
        version=version,
        environment=environment or EnvironmentConstraints(),
        requires=tuple(requires),
        modules=tuple(module(name, source) for name, source in (modules or {}).items()),
        files=tuple(FileEntry(path, "1" * 64) for path in files),
    )


def diff(
    old: str, new: str, *, old_version: str = "1.0.0", new_version: str = "1.0.1"
) -> list[Finding]:
    """Findings between two versions of the module ``pkg.core``."""
    return release_findings(
        model({MODULE: old}, version=old_version), model({MODULE: new}, version=new_version)
    )


def summary(findings: Sequence[Finding]) -> list[tuple[str, str | None]]:
    return [(finding.code, finding.object) for finding in findings]


def only(findings: Sequence[Finding]) -> Finding:
    assert len(findings) == 1, summary(findings)
    return findings[0]


# --------------------------------------------------------------------------- removed objects


@pytest.mark.parametrize(
    ("old", "new", "obj", "noun"),
    [
        ("def f(): ...\ndef g(): ...", "def g(): ...", "f", "function"),
        ("class C: ...\nclass D: ...", "class D: ...", "C", "class"),
        ("X = 1\nY = 2", "Y = 2", "X", "variable"),
        (
            "class C:\n    def m(self): ...\n    def n(self): ...",
            "class C:\n    def n(self): ...",
            "C.m",
            "method",
        ),
        ("class C:\n    a = 1\n    b = 2", "class C:\n    b = 2", "C.a", "class attribute"),
        (
            "class C:\n    def __init__(self):\n        self.a = 1\n        self.b = 2",
            "class C:\n    def __init__(self):\n        self.b = 2",
            "C.a",
            "instance attribute",
        ),
        (
            "class C:\n    class Inner: ...\n    x = 1",
            "class C:\n    x = 1",
            "C.Inner",
            "class",
        ),
        (
            "class C:\n    @property\n    def p(self): ...\n    x = 1",
            "class C:\n    x = 1",
            "C.p",
            "property",
        ),
    ],
)
def test_a_removed_public_object_is_breaking(old: str, new: str, obj: str, noun: str) -> None:
    finding = only(diff(old, new))
    assert finding.code == "ISP502"
    assert finding.object == f"{MODULE}:{obj}"
    assert finding.message == f"{noun} {obj} was removed"
    assert finding.severity is Severity.ERROR
    assert finding.module == MODULE and finding.file == "pkg/core.py"


def test_a_removed_class_is_one_finding_not_one_per_member() -> None:
    assert summary(diff("class C:\n    def m(self): ...\n    x = 1", "")) == [
        ("ISP502", f"{MODULE}:C")
    ]


def test_a_removed_public_module_is_breaking_and_private_modules_do_not_count() -> None:
    old = model({"pkg": "", "pkg.gone": "def f(): ...", "pkg._impl": "def g(): ..."})
    new = model({"pkg": ""})
    finding = only(release_findings(old, new))
    assert (finding.code, finding.object, finding.file) == ("ISP501", "pkg.gone", "pkg/gone.py")
    assert finding.message == "module pkg.gone was removed"


def test_a_module_shipped_but_no_longer_described_is_a_warning_not_a_removal() -> None:
    old = model({"pkg.core": "def f(): ..."})
    new = model({}, files=["pkg/core.py"])
    finding = only(release_findings(old, new))
    assert finding.code == "ISP514"
    assert finding.effective_severity is Severity.WARNING
    assert not is_breaking(finding)


def test_a_module_that_became_a_package_is_the_same_module() -> None:
    old = model({"pkg.core": "def f(): ..."})
    new = SpyModel(
        "pkg",
        "1.0.1",
        modules=(
            Module(
                "pkg.core",
                "pkg/core/__init__.py",
                "2" * 64,
                extract_structure(b"def f(): ...", filename="x.py"),
            ),
        ),
    )
    assert release_findings(old, new) == []


# --------------------------------------------------------------------------- the public surface


def test_private_names_and_members_are_not_part_of_the_surface() -> None:
    old = "def _helper(): ...\nclass _Hidden: ...\nclass C:\n    def _m(self): ...\n    _x = 1\n"
    assert diff(old, "class C: ...") == []


def test_dunder_methods_are_public() -> None:
    findings = diff("class C:\n    def __call__(self, x): ...", "class C: ...")
    assert summary(findings) == [("ISP502", f"{MODULE}:C.__call__")]


def test_all_decides_which_module_level_names_are_public() -> None:
    old = '__all__ = ["f"]\ndef f(): ...\ndef g(): ...'
    new = '__all__ = ["f"]\ndef f(): ...'
    assert diff(old, new) == []


def test_a_name_dropped_from_all_is_breaking_even_if_still_defined() -> None:
    old = '__all__ = ["f", "g"]\ndef f(): ...\ndef g(): ...'
    new = '__all__ = ["f"]\ndef f(): ...\ndef g(): ...'
    finding = only(diff(old, new))
    assert (finding.code, finding.object) == ("ISP503", f"{MODULE}:g")
    assert (finding.expected, finding.found) == ("exported", "not exported")


def test_a_re_export_dropped_from_all_is_breaking() -> None:
    old = '__all__ = ["f", "Imported"]\nfrom ._impl import Imported\ndef f(): ...'
    new = '__all__ = ["f"]\nfrom ._impl import Imported\ndef f(): ...'
    assert summary(diff(old, new)) == [("ISP503", f"{MODULE}:Imported")]


def test_a_name_removed_and_dropped_from_all_is_reported_once_as_removed() -> None:
    old = '__all__ = ["f", "g"]\ndef f(): ...\ndef g(): ...'
    new = '__all__ = ["f"]\ndef f(): ...'
    assert summary(diff(old, new)) == [("ISP502", f"{MODULE}:g")]


def test_names_newly_exported_are_notes() -> None:
    old = '__all__ = ["f"]\ndef f(): ...\ndef g(): ...'
    new = '__all__ = ["f", "g", "h"]\ndef f(): ...\ndef g(): ...\ndef h(): ...'
    findings = diff(old, new)
    assert summary(findings) == [("ISP540", f"{MODULE}:g"), ("ISP540", f"{MODULE}:h")]
    assert [f.message for f in findings] == ["g is newly exported", "function h was added"]
    assert all(f.effective_severity is Severity.NOTE for f in findings)


# --------------------------------------------------------------------------- kinds


@pytest.mark.parametrize(
    ("old", "new", "obj", "expected", "found"),
    [
        ("def f(): ...", "class f: ...", "f", "function", "class"),
        ("X = 1", "def X(): ...", "X", "variable", "function"),
        (
            "class C:\n    def m(self): ...",
            "class C:\n    @property\n    def m(self): ...",
            "C.m",
            "method",
            "property",
        ),
        (
            "class C:\n    def m(self, x): ...",
            "class C:\n    @staticmethod\n    def m(x): ...",
            "C.m",
            "method",
            "staticmethod",
        ),
        ("def f(): ...", "async def f(): ...", "f", "def", "async def"),
        (
            "class C:\n    x = 1",
            "class C:\n    def __init__(self):\n        self.x = 1",
            "C.x",
            "class attribute",
            "instance attribute",
        ),
    ],
)
def test_a_kind_change_is_breaking(old: str, new: str, obj: str, expected: str, found: str) -> None:
    findings = [f for f in diff(old, new) if f.object == f"{MODULE}:{obj}"]
    finding = only(findings)
    assert finding.code == "ISP504"
    assert (finding.expected, finding.found) == (expected, found)


def test_a_method_that_became_a_staticmethod_is_not_also_reported_parameter_by_parameter() -> None:
    findings = diff(
        "class C:\n    def m(self, x): ...", "class C:\n    @staticmethod\n    def m(x): ..."
    )
    assert summary(findings) == [("ISP504", f"{MODULE}:C.m")]


def test_an_instance_attribute_that_became_a_class_attribute_is_harmless() -> None:
    old = "class C:\n    def __init__(self):\n        self.x = 1"
    new = "class C:\n    x = 1\n    def __init__(self): ..."
    finding = only(diff(old, new))
    assert finding.code == "ISP549"
    assert not is_breaking(finding)


# --------------------------------------------------------------------------- parameters


def test_a_removed_parameter_is_breaking() -> None:
    finding = only(diff("def f(a, b=1): ...", "def f(a): ..."))
    assert (finding.code, finding.object) == ("ISP505", f"{MODULE}:f")
    assert finding.message == "parameter 'b' of f was removed"
    assert (finding.expected, finding.found) == ("b=1", None)


def test_a_removed_kwargs_is_breaking() -> None:
    assert summary(diff("def f(a, **options): ...", "def f(a): ...")) == [("ISP505", f"{MODULE}:f")]


def test_a_renamed_parameter_is_breaking() -> None:
    finding = only(diff("def f(a, b): ...", "def f(a, c): ..."))
    assert finding.code == "ISP506"
    assert finding.message == "parameter 'b' of f was renamed to 'c'"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("def f(a, /): ...", "def f(b, /): ..."),
        ("def f(*args): ...", "def f(*values): ..."),
        ("def f(**kwargs): ...", "def f(**options): ..."),
    ],
)
def test_renaming_a_parameter_no_caller_can_name_is_harmless(old: str, new: str) -> None:
    finding = only(diff(old, new))
    assert finding.code == "ISP549"


def test_reordered_parameters_are_breaking() -> None:
    finding = only(diff("def f(a, b): ...", "def f(b, a): ..."))
    assert finding.code == "ISP507"
    assert (finding.expected, finding.found) == ("a, b", "b, a")


def test_an_optional_parameter_inserted_before_positional_ones_shifts_them() -> None:
    findings = diff("def f(a, b): ...", "def f(a, x=0, b=None): ...")
    assert summary(findings) == [
        ("ISP507", f"{MODULE}:f"),
        ("ISP541", f"{MODULE}:f"),
        ("ISP541", f"{MODULE}:f"),
    ]
    shift = findings[0]
    assert shift.message == "positional parameter 'b' of f moved from position 2 to 3"
    assert (shift.expected, shift.found) == ("a, b", "a, x, b")


def test_a_positional_parameter_added_where_args_collected_extra_arguments_is_breaking() -> None:
    findings = diff("def f(a, *rest): ...", "def f(a, b=1, *rest): ...")
    assert summary(findings) == [("ISP507", f"{MODULE}:f"), ("ISP541", f"{MODULE}:f")]
    assert findings[0].message == "positional argument 2 of f now binds to 'b' instead of *rest"


def test_a_default_removed_is_breaking() -> None:
    finding = only(diff("def f(a, b=1): ...", "def f(a, b): ..."))
    assert finding.code == "ISP508"
    assert (finding.expected, finding.found) == ("b=1", "b")


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("def f(a): ...", "def f(a, b): ...", "b"),
        ("def f(a): ...", "def f(a, *, key): ...", "key"),
        ("class C:\n    def __init__(self): ...", "class C:\n    def __init__(self, x): ...", "x"),
    ],
)
def test_a_new_required_parameter_is_breaking(old: str, new: str, name: str) -> None:
    finding = only(diff(old, new))
    assert finding.code == "ISP509"
    assert finding.message.startswith(f"required parameter {name!r} was added to ")


@pytest.mark.parametrize(
    ("old", "new", "expected", "found"),
    [
        ("def f(a): ...", "def f(*, a): ...", "positional-or-keyword", "keyword-only"),
        ("def f(a): ...", "def f(a, /): ...", "positional-or-keyword", "positional-only"),
        ("def f(a, /): ...", "def f(*, a): ...", "positional-only", "keyword-only"),
        ("def f(*a): ...", "def f(**a): ...", "var-positional", "var-keyword"),
    ],
)
def test_a_parameter_kind_that_loses_a_way_of_passing_it_is_breaking(
    old: str, new: str, expected: str, found: str
) -> None:
    finding = only(diff(old, new))
    assert finding.code == "ISP510"
    assert (finding.expected, finding.found) == (expected, found)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("def f(a, /): ...", "def f(a): ..."),
        ("def f(a, *, b): ...", "def f(a, b): ..."),
    ],
)
def test_a_parameter_kind_that_gains_a_way_of_passing_it_is_a_widening(old: str, new: str) -> None:
    finding = only(diff(old, new))
    assert finding.code == "ISP541"


def test_a_keyword_parameter_made_positional_in_front_of_others_shifts_them() -> None:
    findings = diff("def f(a, b, *, c): ...", "def f(c, a, b): ...")
    assert ("ISP507", f"{MODULE}:f") in summary(findings)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("def f(a): ...", "def f(a, b=1): ...", "parameter 'b' was added to f"),
        ("def f(a): ...", "def f(a, *args, **kwargs): ...", "parameter 'args' was added to f"),
        ("def f(a): ...", "def f(a=1): ...", "parameter 'a' of f gained a default"),
        ("def f(a, *, k): ...", "def f(a, *, k=None): ...", "parameter 'k' of f gained a default"),
    ],
)
def test_optional_parameters_and_new_defaults_are_widenings(
    old: str, new: str, message: str
) -> None:
    findings = diff(old, new)
    assert {f.code for f in findings} == {"ISP541"}
    assert findings[0].message == message


def test_a_changed_default_value_is_a_note_with_both_values() -> None:
    finding = only(diff("def f(a=1): ...", "def f(a=2): ..."))
    assert finding.code == "ISP549"
    assert (finding.expected, finding.found) == ("1", "2")


# --------------------------------------------------------------------------- bases, annotations


def test_a_removed_base_is_breaking_and_an_added_one_is_not() -> None:
    removed = only(diff("class C(A, B): ...", "class C(A): ..."))
    assert (removed.code, removed.message) == ("ISP511", "class C lost base B")
    assert (removed.expected, removed.found) == ("A, B", "A")
    added = only(diff("class C(A): ...", "class C(A, B): ..."))
    assert added.code == "ISP549"


def test_a_changed_return_annotation_is_breaking_with_both_texts() -> None:
    finding = only(diff("def f() -> int: ...", "def f() -> str: ..."))
    assert finding.code == "ISP512"
    assert (finding.expected, finding.found) == ("int", "str")
    assert finding.message == "return annotation of f changed"


@pytest.mark.parametrize(
    ("old", "new", "obj", "expected", "found"),
    [
        ("X: int = 1", "X: str = 1", "X", "int", "str"),
        ("class C:\n    x: int", "class C:\n    x: float", "C.x", "int", "float"),
        (
            "class C:\n    def __init__(self):\n        self.x: int = 1",
            "class C:\n    def __init__(self):\n        self.x: bytes = 1",
            "C.x",
            "int",
            "bytes",
        ),
        ("def f(a: int): ...", "def f(a: str): ...", "f", "int", "str"),
    ],
)
def test_a_changed_annotation_is_breaking_with_both_texts(
    old: str, new: str, obj: str, expected: str, found: str
) -> None:
    finding = only(diff(old, new))
    assert (finding.code, finding.object) == ("ISP513", f"{MODULE}:{obj}")
    assert (finding.expected, finding.found) == (expected, found)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("def f(): ...", "def f() -> int: ..."),
        ("def f() -> int: ...", "def f(): ..."),
        ("X = 1", "X: int = 1"),
        ("def f(a): ...", "def f(a: int): ..."),
    ],
)
def test_an_annotation_added_or_removed_is_a_note(old: str, new: str) -> None:
    assert only(diff(old, new)).code == "ISP549"


# --------------------------------------------------------------------------- additions and notes


def test_additions_are_notes() -> None:
    old = model({"pkg": "class C:\n    def m(self): ..."})
    new = model(
        {
            "pkg": "class C:\n    def m(self): ...\n    def n(self): ...\ndef f(): ...",
            "pkg.extra": "",
            "pkg._private": "",
        }
    )
    findings = release_findings(old, new)
    assert summary(findings) == [
        ("ISP540", "pkg:C.n"),
        ("ISP540", "pkg:f"),
        ("ISP540", "pkg.extra"),
    ]
    assert all(f.effective_severity is Severity.NOTE and f.severity is None for f in findings)


def test_decorator_and_conditional_changes_are_notes() -> None:
    decorated = only(diff("def f(): ...", "@cache\ndef f(): ..."))
    assert (decorated.code, decorated.message) == ("ISP549", "decorators of f changed")
    conditional = only(diff("def f(): ...", "if X:\n    def f(): ..."))
    assert (conditional.code, conditional.message) == ("ISP549", "f is now defined conditionally")


def test_equal_releases_have_no_findings() -> None:
    source = "__all__ = ['f']\ndef f(a, *, b=1) -> int: ...\nclass C(B):\n    x: int = 1"
    assert diff(source, source) == []


# --------------------------------------------------------------------------- environment


def env_diff(old: EnvironmentConstraints, new: EnvironmentConstraints) -> list[Finding]:
    return release_findings(model(environment=old), model(environment=new, version="1.1.0"))


@pytest.mark.parametrize(
    ("old", "new", "lost"),
    [
        (">=3.8", ">=3.9", "3.8.0, 3.8.1"),
        (None, "<3.13", "3.13.0, 3.13.1, 3.14.0 and 17 more"),
        (">=3.10", ">=3.10.2", "3.10.0, 3.10.1"),
        ("<3.13", "<3.12.5", "3.12.5, 3.12.6"),
        (">=3.9", ">=3.9,!=3.11.*", "3.11.0, 3.11.1"),
    ],
)
def test_a_narrowed_python_range_is_breaking(old: str | None, new: str, lost: str) -> None:
    finding = only(env_diff(EnvironmentConstraints(python=old), EnvironmentConstraints(python=new)))
    assert finding.code == "ISP520"
    assert finding.message == f"python range narrowed: {lost} no longer accepted"
    assert (finding.expected, finding.found) == (old or "any", new)


def test_a_widened_python_range_is_a_note_and_an_equivalent_one_is_nothing() -> None:
    widened = only(
        env_diff(EnvironmentConstraints(python=">=3.10"), EnvironmentConstraints(python=">=3.9"))
    )
    assert (widened.code, widened.message) == (
        "ISP542",
        "python range widened: 3.9.0, 3.9.1 now accepted",
    )
    assert (
        env_diff(
            EnvironmentConstraints(python=">=3.10,<4"), EnvironmentConstraints(python="<4,>=3.10.0")
        )
        == []
    )


def test_a_range_both_narrowed_and_widened_is_reported_both_ways() -> None:
    findings = env_diff(
        EnvironmentConstraints(python=">=3.8,<3.12"), EnvironmentConstraints(python=">=3.9,<3.13")
    )
    assert [f.code for f in findings] == ["ISP520", "ISP542"]


@pytest.mark.parametrize(
    ("field", "code"),
    [("platforms", "ISP521"), ("machines", "ISP522"), ("implementations", "ISP523")],
)
def test_value_restrictions_narrowed_and_widened(field: str, code: str) -> None:
    def constraints(*values: str) -> EnvironmentConstraints:
        return EnvironmentConstraints(**{field: values})  # type: ignore[arg-type]

    new_restriction = only(env_diff(constraints(), constraints("a")))
    assert (new_restriction.code, new_restriction.message) == (
        code,
        f"{field} restricted to a (any before)",
    )
    assert (new_restriction.expected, new_restriction.found) == ("any", "a")
    removed_value = only(env_diff(constraints("a", "b"), constraints("a")))
    assert (removed_value.code, removed_value.message) == (code, f"{field} no longer include b")
    added_value = only(env_diff(constraints("a"), constraints("a", "b")))
    assert (added_value.code, added_value.message) == ("ISP542", f"{field} now include b")
    lifted = only(env_diff(constraints("a"), constraints()))
    assert (lifted.code, lifted.message) == ("ISP542", f"{field} no longer restricted (was a)")
    swapped = env_diff(constraints("a"), constraints("b"))
    assert [f.code for f in swapped] == [code, "ISP542"]


def test_a_new_required_variable_is_breaking_and_a_dropped_one_is_not() -> None:
    findings = env_diff(EnvironmentConstraints(env=("OLD",)), EnvironmentConstraints(env=("NEW",)))
    assert [(f.code, f.object, f.message) for f in findings] == [
        ("ISP524", "NEW", "environment variable NEW must now be set"),
        ("ISP542", "OLD", "environment variable OLD is no longer required"),
    ]


# --------------------------------------------------------------------------- dependencies


def dep_diff(
    old: Sequence[str], new: Sequence[str], *, python: str | None = ">=3.10"
) -> list[Finding]:
    environment = EnvironmentConstraints(python=python)
    return release_findings(
        model(requires=old, environment=environment),
        model(requires=new, environment=environment, version="1.1.0"),
    )


def test_a_new_dependency_is_breaking() -> None:
    finding = only(dep_diff(["attrs"], ["attrs", "requests>=2"]))
    assert (finding.code, finding.object) == ("ISP530", "requests")
    assert finding.message == "dependency requests added (every environment)"
    assert (finding.expected, finding.found) == ("not required", "requests>=2")


def test_a_narrowed_dependency_range_is_breaking() -> None:
    finding = only(dep_diff(["requests>=2"], ["requests>=2.28"]))
    assert finding.code == "ISP531"
    assert finding.message == (
        "dependency requests: versions 2.0.0, 2.0.1, 2.1.0 no longer accepted (every environment)"
    )
    assert (finding.expected, finding.found) == ("requests>=2", "requests>=2.28")


def test_a_new_upper_bound_is_a_narrowing() -> None:
    finding = only(dep_diff(["requests>=2"], ["requests>=2,<3"]))
    assert finding.code == "ISP531"
    assert finding.message == (
        "dependency requests: versions 3.0.0, 3.0.1, 3.1.0 and 1 more no longer accepted "
        "(every environment)"
    )


def test_dependencies_are_compared_by_canonical_name() -> None:
    assert dep_diff(["Foo_Bar>=1"], ["foo-bar>=1.0"]) == []


def test_a_widened_or_removed_dependency_is_a_note() -> None:
    widened = only(dep_diff(["requests>=2.28"], ["requests>=2"]))
    assert (widened.code, widened.message) == (
        "ISP543",
        "dependency requests: accepts more versions (every environment)",
    )
    removed = only(dep_diff(["requests"], []))
    assert (removed.code, removed.message) == (
        "ISP543",
        "dependency requests: no longer required (every environment)",
    )


def test_a_dependency_now_needed_on_more_python_versions_is_breaking() -> None:
    finding = only(dep_diff(['tomli; python_version < "3.11"'], ["tomli"]))
    assert finding.code == "ISP530"
    assert finding.message == "dependency tomli now also required (python 3.11)"


def test_markers_outside_the_supported_pythons_do_not_count() -> None:
    finding = only(dep_diff([], ['legacy; python_version < "3.8"'], python=">=3.10"))
    assert finding.code == "ISP543"


def test_a_dependency_added_to_an_existing_extra_is_breaking() -> None:
    old = ['socks; extra == "proxy"']
    new = ['socks; extra == "proxy"', 'certifi; extra == "proxy"']
    finding = only(dep_diff(old, new))
    assert (finding.code, finding.message) == (
        "ISP530",
        "dependency certifi added (extra 'proxy')",
    )


def test_a_dependency_of_a_new_extra_is_not_breaking() -> None:
    finding = only(dep_diff([], ['rich; extra == "pretty"']))
    assert finding.code == "ISP543"


def test_a_dependency_needing_more_extras_is_narrowed() -> None:
    finding = only(dep_diff(["requests>=2"], ["requests[socks]>=2"]))
    assert (finding.code, finding.message) == (
        "ISP531",
        "dependency requests: now needs extras socks (every environment)",
    )


def test_an_invalid_requirement_is_compared_as_text() -> None:
    finding = only(dep_diff([], ["not a requirement!!"]))
    assert finding.code == "ISP530"


# --------------------------------------------------------------------------- the version rule


@pytest.mark.parametrize(
    ("old", "new", "severity"),
    [
        ("1.4.2", "2.0.0", Severity.WARNING),  # major bump
        ("0.9.3", "1.0.0", Severity.WARNING),  # 0.x to 1.0 is a major bump
        ("0.3.1", "0.4.0", Severity.WARNING),  # 0.x minor bump
        ("1.9", "2.0.0rc1", Severity.WARNING),  # pre-release of a major
        ("1!1.0", "2!0.1", Severity.WARNING),  # epoch bump
        ("1.4.2", "1.5.0", Severity.ERROR),  # minor bump
        ("1.4.2", "1.4.3", Severity.ERROR),  # patch bump
        ("1.4", "1.5.0.dev1", Severity.ERROR),  # dev release of a minor
        ("0.3.1", "0.3.2", Severity.ERROR),  # 0.x patch bump
        ("1.4.2", "1.4.2", Severity.ERROR),  # same version
        ("2.0.0", "1.9.0", Severity.ERROR),  # lower version
        ("2!1.0", "1!3.0", Severity.ERROR),  # lower epoch
        ("not-a-version", "2.0", Severity.ERROR),  # not PEP 440
    ],
)
def test_the_version_rule(old: str, new: str, severity: Severity) -> None:
    assert breaking_severity(old, new) is severity


def test_breaking_findings_carry_the_rule_and_notes_keep_their_own() -> None:
    old = "def f(): ...\ndef g(): ..."
    new = "def g(): ...\ndef h(): ..."
    major = diff(old, new, old_version="1.4.2", new_version="2.0.0")
    assert [(f.code, f.effective_severity) for f in major] == [
        ("ISP502", Severity.WARNING),
        ("ISP540", Severity.NOTE),
    ]
    minor = diff(old, new, old_version="1.4.2", new_version="1.5.0")
    assert [(f.code, f.effective_severity) for f in minor] == [
        ("ISP502", Severity.ERROR),
        ("ISP540", Severity.NOTE),
    ]


def test_every_release_code_is_registered_and_breaking_codes_default_to_errors() -> None:
    release_codes = {code for code in CODES if code.startswith("ISP5")}
    assert release_codes >= BREAKING_CODES
    assert all(CODES[code].severity is Severity.ERROR for code in BREAKING_CODES)
    notes = release_codes - BREAKING_CODES - {"ISP514"}
    assert notes == {"ISP540", "ISP541", "ISP542", "ISP543", "ISP549"}
    assert all(CODES[code].severity is Severity.NOTE for code in notes)


# --------------------------------------------------------------------------- specifier sampling


def test_neighbours_step_just_above_and_below_at_every_level() -> None:
    assert [str(v) for v in neighbours(Version("1.2.3"))] == [
        "1.2.3",
        "2.0.0",
        "0.999.999",
        "1.3.0",
        "1.1.999",
        "1.2.4",
        "1.2.2",
    ]


def test_candidates_include_the_python_base_and_wildcard_boundaries() -> None:
    found = candidates(SpecifierSet("==3.9.*"), base=PYTHON_CANDIDATES)
    assert Version("3.9.0") in found and Version("3.10.0") in found
    assert Version("3.8.999") in found
    assert all(not version.is_prerelease for version in found)


def test_lost_and_gained_versions() -> None:
    old, new = SpecifierSet(">=1.0,<2"), SpecifierSet(">=1.5,<3")
    assert [str(v) for v in lost_versions(old, new)] == ["1.0.0", "1.0.1", "1.1.0", "1.4.999"]
    assert [str(v) for v in gained_versions(old, new)][:3] == ["2.0.0", "2.0.1", "2.1.0"]
    assert lost_versions(SpecifierSet("~=1.4"), SpecifierSet(">=1.4,<2")) == []


def test_parse_specifier() -> None:
    assert parse_specifier(None) == SpecifierSet()
    assert parse_specifier(">=3.10") == SpecifierSet(">=3.10")
    assert parse_specifier("not a specifier") is None


def test_an_invalid_python_specifier_is_reported_as_not_comparable() -> None:
    finding = only(
        env_diff(EnvironmentConstraints(python="bad!"), EnvironmentConstraints(python=">=3.10"))
    )
    assert finding.code == "ISP520"
    assert "cannot be compared" in finding.message


# --------------------------------------------------------------------------- inheritance


def test_a_method_moved_into_a_base_class_is_inherited_not_removed() -> None:
    old = "class Base:\n    pass\nclass C(Base):\n    def run(self, x): ..."
    new = "class Base:\n    def run(self, x): ...\nclass C(Base):\n    pass"
    findings = diff(old, new)
    assert [(f.code, f.object, f.message) for f in findings] == [
        ("ISP540", f"{MODULE}:Base.run", "method Base.run was added"),
        ("ISP549", f"{MODULE}:C.run", "C.run is now inherited from Base"),
    ]


def test_an_inherited_replacement_is_compared_with_the_removed_method() -> None:
    old = (
        "class Base:\n    pass\nclass C(Base):\n    def __init__(self, low, high, clamp=False): ..."
    )
    new = (
        "class Base:\n    def __init__(self, low, high, low_open=False, clamp=False): ...\n"
        "class C(Base):\n    pass"
    )
    findings = [f for f in diff(old, new) if f.object == f"{MODULE}:C.__init__"]
    assert [(f.code, f.message) for f in findings] == [
        ("ISP507", "positional parameter 'clamp' of C.__init__ moved from position 4 to 5"),
        ("ISP541", "parameter 'low_open' was added to C.__init__"),
        ("ISP549", "C.__init__ is now inherited from Base"),
    ]


def test_a_method_now_defined_on_the_class_is_compared_with_the_one_it_inherited() -> None:
    old = "class Base:\n    def run(self, x=1): ...\nclass C(Base):\n    pass"
    new = "class Base:\n    def run(self, x=1): ...\nclass C(Base):\n    def run(self, x): ..."
    findings = diff(old, new)
    assert [(f.code, f.message) for f in findings] == [
        ("ISP508", "parameter 'x' of C.run lost its default"),
        ("ISP549", "C.run is now defined on C (inherited from Base before)"),
    ]


def test_members_of_a_base_in_another_module_are_followed() -> None:
    old = model(
        {
            "pkg.base": "class Base:\n    pass",
            "pkg.core": "from . import base\nclass C(base.Base):\n    def run(self): ...",
        }
    )
    new = model(
        {
            "pkg.base": "class Base:\n    def run(self): ...",
            "pkg.core": "from . import base\nclass C(base.Base):\n    pass",
        },
        version="1.0.1",
    )
    assert [(f.code, f.object) for f in release_findings(old, new)] == [
        ("ISP540", "pkg.base:Base.run"),
        ("ISP549", "pkg.core:C.run"),
    ]


def test_a_method_lost_with_an_unknown_base_is_still_removed() -> None:
    old = "class C(Exception):\n    def run(self): ..."
    new = "class C(Exception):\n    pass"
    assert summary(diff(old, new)) == [("ISP502", f"{MODULE}:C.run")]


def test_a_base_replaced_by_a_subclass_of_it_is_still_a_base() -> None:
    old = "class Param: ...\nclass Middle(Param): ...\nclass Int(Param): ..."
    new = "class Param: ...\nclass Middle(Param): ...\nclass Int(Middle): ..."
    finding = only(diff(old, new))
    assert (finding.code, finding.message) == (
        "ISP549",
        "class Int still derives from Param through its new bases",
    )


def test_a_private_base_and_an_explicit_object_base_are_notes() -> None:
    private = only(diff("class C(_Impl, Base): ...", "class C(Base): ..."))
    assert (private.code, private.message) == (
        "ISP549",
        "class C no longer derives from private _Impl",
    )
    implicit = only(diff("class C(object): ...", "class C: ..."))
    assert (implicit.code, implicit.message) == (
        "ISP549",
        "class C no longer names object as a base (every class derives from it)",
    )


def test_the_class_index_resolves_bases_by_name() -> None:
    modules = [
        module("pkg.a", "class A: ...\nclass Twice: ..."),
        module("pkg.b", "class B(A): ...\nclass Twice: ..."),
        module("pkg.sub.c", "class C(b.B, Generic[T]): ..."),
    ]
    index = ClassIndex.of(modules)
    resolved = index.resolve("A", "pkg.b")
    assert resolved is not None and (resolved.module, resolved.cls.name) == ("pkg.a", "A")
    assert index.resolve("Twice", "pkg.sub.c") is None  # two modules define it
    local = index.resolve("Twice", "pkg.b")
    assert local is not None and local.module == "pkg.b"
    assert index.resolve("metaclass=ABCMeta", "pkg.a") is None
    assert index.resolve("Exception", "pkg.a") is None
    c = modules[2].structure.classes[0]
    assert [(r.module, r.cls.name) for r in index.ancestors(c, "pkg.sub.c")] == [
        ("pkg.b", "B"),
        ("pkg.a", "A"),
    ]
    assert index.base_texts(c, "pkg.sub.c") == {"b.B", "Generic[T]", "A"}


@pytest.mark.parametrize("report_format", FORMATS)
def test_every_report_format_carries_the_version_rule_notice(report_format: str) -> None:
    # The notice is why a breaking change is a warning (2.0.0 announces it) or an error: a
    # format that dropped it would show a downgraded finding without the reason.
    old = Release(model({MODULE: "def gone(): ...\n"}, version="1.0.0"), "old.yaml")
    new = Release(model({MODULE: "VALUE = 1\n"}, version="2.0.0"), "new.yaml")
    result = diff_releases(old, new)

    text = render(report_format, result, strict=False, root=Path.cwd())

    notice = "version 1.0.0 -> 2.0.0: breaking changes are warnings (the version announces them)"
    assert notice in result.notices
    if report_format == "junit":  # an attribute value, XML-escaped: read as a parser would
        text = "\n".join(p.get("value", "") for p in ET.fromstring(text).iter("property"))
    assert notice in text
