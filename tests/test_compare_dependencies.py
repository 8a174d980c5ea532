"""ISP401-ISP402 from requirement strings, installed versions and a marker environment."""

from __future__ import annotations

from hatch_importspy.compare.dependencies import dependency_findings
from hatch_importspy.findings import Finding

MARKERS = {
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_machine": "x86_64",
}
INSTALLED = {"requests": "2.31.0", "pyyaml": "6.0.1", "tomli": "2.0.1", "odd": "1.0-custom+local!"}


def check(*requires: str, markers: dict[str, str] | None = MARKERS) -> list[Finding]:
    return dependency_findings("demo", requires, INSTALLED, markers)


def test_satisfied_requirements() -> None:
    assert check("requests>=2", "PyYAML==6.*", "Requests", "pyyaml @ https://example/x.whl") == []


def test_missing_and_out_of_range() -> None:
    assert check("attrs>=23", "requests<2.30") == [
        Finding(
            "ISP401",
            "demo",
            "requirement attrs is not installed",
            object="attrs",
            expected="attrs>=23",
        ),
        Finding(
            "ISP402",
            "demo",
            "requirement requests 2.31.0 is outside <2.30",
            object="requests",
            expected="requests<2.30",
            found="2.31.0",
        ),
    ]


def test_names_match_canonically() -> None:
    assert check("Py_YAML>=6") == [
        Finding(
            "ISP401",
            "demo",
            "requirement Py_YAML is not installed",
            object="py-yaml",
            expected="Py_YAML>=6",
        )
    ]
    assert check("pyYAML>=6", "REQUESTS") == []


def test_markers_select_what_applies() -> None:
    assert check('attrs; python_version < "3.11"', 'colorama; sys_platform == "win32"') == []
    assert [f.code for f in check('attrs; python_version >= "3.11"')] == ["ISP401"]


def test_extras_only_requirements_are_skipped() -> None:
    assert check('attrs; extra == "test"', 'tomli>=3; extra == "toml"') == []


def test_pre_releases_count_as_inside() -> None:
    findings = dependency_findings("demo", ["attrs>=23"], {"attrs": "24.0rc1"}, MARKERS)
    assert findings == []


def test_legacy_installed_version_is_out_of_every_range() -> None:
    assert [f.code for f in check("odd>=0.1")] == ["ISP402"]
    assert check("odd") == []


def test_unknown_markers_skip_only_conditional_requirements() -> None:
    assert [f.code for f in check('attrs; python_version >= "3"', "missing", markers=None)] == [
        "ISP401"
    ]


def test_invalid_requirement_is_a_manifest_finding() -> None:
    (finding,) = check("not a requirement !!")
    assert (finding.code, finding.found) == ("ISP309", "not a requirement !!")
