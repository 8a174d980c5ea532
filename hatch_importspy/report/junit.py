"""The JUnit XML report: what GitLab, Jenkins and the GitHub test-report actions display.

The shape those readers agree on: ``<testsuites>`` holding one ``<testsuite>`` per distribution
(named ``NAME VERSION``), one ``<testcase>`` per check family that ran for it (``environment``,
``integrity``, ``structure``, ``dependencies``, ``expectations`` for a manifest with ``expects``,
``policy``/``lock`` when those gates ran, ``release`` for ``diff``), and the findings of a family
inside its test case:

- findings that fail the run (errors; warnings too under ``--strict``) make one ``<failure>``
  whose ``type`` is the first failing code, whose ``message`` is that finding (or a count when
  there are several) and whose text lists every failing finding, one per line.  One element per
  test case, because several readers show only the first ``<failure>`` of a case;
- findings that do not fail (notes, and warnings without ``--strict``) go to the case's
  ``<system-out>``, so accepted modifications and their reasons stay visible;
- findings owned by no distribution (unowned startup code) form a last suite named
  ``environment``;
- the run's notices (``diff``'s version rule among them) are ``importspy.notice`` properties of
  every suite, so a reader that shows one suite still shows them.

Text from the environment is escaped where it is not printable, which also keeps the document
valid XML 1.0 (that cannot carry most control characters at all).  No timestamps or durations
(``time`` is always ``0``), so equal results give equal bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

from hatch_importspy.findings import Finding, Severity
from hatch_importspy.render import finding_line, location, printable
from hatch_importspy.report.summary import ordered, ordered_distributions, ordered_notices
from hatch_importspy.results import DistributionResult, VerifyResult

UNOWNED_SUITE = "environment"
NOTICE_PROPERTY = "importspy.notice"
"""Name of the suite property that carries one notice of the run (``diff``'s version rule)."""

CHECK_ORDER = (
    "environment",
    "integrity",
    "structure",
    "dependencies",
    "expectations",
    "import",
    "policy",
    "lock",
)
"""Test cases appear in this order; a family not listed here sorts after, by name."""

_FAMILY_BY_PREFIX = (
    ("ISP32", "policy"),
    ("ISP33", "lock"),
    ("ISP1", "environment"),
    ("ISP2", "structure"),
    ("ISP3", "integrity"),
    ("ISP4", "dependencies"),
    ("ISP5", "release"),
)


_EXPECTATION_CODES = frozenset(
    {"ISP403", "ISP404", "ISP405", "ISP406", "ISP407", "ISP408", "ISP409", "ISP410"}
)
"""What the ``expectations`` check finds (its ISP106 is an environment finding, reported there)."""
_IMPORT_CODES = frozenset({"ISP209", "ISP210", "ISP211", "ISP212", "ISP213"})
"""What the ``import`` check (``verify --import``) finds."""


def check_family(code: str) -> str:
    """The check family a finding code belongs to (``ISP321``, an accepted modification, is
    reported where the modification was found: ``integrity``)."""
    if code == "ISP321":
        return "integrity"
    if code in _EXPECTATION_CODES:
        return "expectations"
    if code in _IMPORT_CODES:
        return "import"
    for prefix, family in _FAMILY_BY_PREFIX:
        if code.startswith(prefix):
            return family
    return "other"


def _family_order(family: str) -> tuple[int, str]:
    if family in CHECK_ORDER:
        return (CHECK_ORDER.index(family), family)
    return (len(CHECK_ORDER), family)


def fails(finding: Finding, *, strict: bool) -> bool:
    """Whether a finding fails the run: an error, or a warning under ``--strict``."""
    severity = finding.effective_severity
    return severity is Severity.ERROR or (strict and severity is Severity.WARNING)


def _testcase(
    suite: ET.Element, classname: str, family: str, findings: Sequence[Finding], *, strict: bool
) -> bool:
    case = ET.SubElement(suite, "testcase", {"name": family, "classname": classname, "time": "0"})
    failing = [f for f in findings if fails(f, strict=strict)]
    passing = [f for f in findings if not fails(f, strict=strict)]
    if failing:
        first = failing[0]
        headline = f"{first.code} {printable(location(first))}: {printable(first.message)}"
        message = headline if len(failing) == 1 else f"{len(failing)} findings, first {headline}"
        failure = ET.SubElement(case, "failure", {"type": first.code, "message": message})
        failure.text = "\n".join(finding_line(f) for f in failing)
    if passing:
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(finding_line(f) for f in passing)
    return bool(failing)


def _suite(
    parent: ET.Element,
    name: str,
    classname: str,
    checks: Iterable[str],
    findings: Iterable[Finding],
    *,
    strict: bool,
    notices: Sequence[str] = (),
) -> tuple[int, int]:
    by_family: dict[str, list[Finding]] = {family: [] for family in checks}
    for finding in ordered(findings):
        by_family.setdefault(check_family(finding.code), []).append(finding)
    families = sorted(by_family, key=_family_order)
    suite = ET.SubElement(
        parent,
        "testsuite",
        {"name": name, "tests": str(len(families)), "failures": "0", "errors": "0"},
    )
    suite.set("skipped", "0")
    suite.set("time", "0")
    if notices:  # ``<properties>`` is a suite's first child in every schema the readers follow
        properties = ET.SubElement(suite, "properties")
        for notice in notices:
            ET.SubElement(properties, "property", {"name": NOTICE_PROPERTY, "value": notice})
    failed = sum(
        _testcase(suite, classname, family, by_family[family], strict=strict) for family in families
    )
    suite.set("failures", str(failed))
    return len(families), failed


def _suite_name(distribution: DistributionResult) -> str:
    return printable(f"{distribution.name} {distribution.version}")


def render_junit(result: VerifyResult, *, strict: bool = False) -> str:
    """The JUnit XML report (UTF-8, declared), ending with a newline."""
    root = ET.Element("testsuites", {"name": "importspy verify"})
    tests = failures = 0
    notices = [printable(notice) for notice in ordered_notices(result)]
    for distribution in ordered_distributions(result):
        counted = _suite(
            root,
            _suite_name(distribution),
            printable(f"importspy.{distribution.name}"),
            distribution.checks,
            distribution.findings,
            strict=strict,
            notices=notices,
        )
        tests, failures = tests + counted[0], failures + counted[1]
    if result.environment_findings:
        counted = _suite(
            root,
            UNOWNED_SUITE,
            f"importspy.{UNOWNED_SUITE}",
            (),
            result.environment_findings,
            strict=strict,
            notices=notices,
        )
        tests, failures = tests + counted[0], failures + counted[1]
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
