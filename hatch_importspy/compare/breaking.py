"""Between two releases: every change of the public surface, classified as breaking or not.

:func:`release_findings` holds an old release's model against a new one's and reports ISP5xx
findings: the public modules and objects (:mod:`.release_structure`), the environment constraints
and the dependencies (:mod:`.release_environment`).  Additions and widenings are listed as notes
(ISP540-ISP549); breaking changes (:data:`BREAKING_CODES`) take the severity that the version
numbers of the two releases call for:

==============================================  =================  ===========================
versions (by ``packaging.version``)              example            a breaking change is
==============================================  =================  ===========================
major bump (including 0.x to 1.0 or an epoch)    1.4.2 -> 2.0.0     a warning (announced)
0.x minor bump                                   0.3.1 -> 0.4.0     a warning (announced)
minor or patch bump from 1.0 on                  1.4.2 -> 1.5.0     an error
0.x patch bump                                   0.3.1 -> 0.3.2     an error
same version, a lower one, or not PEP 440        1.4.2 -> 1.4.2     an error
==============================================  =================  ===========================

The rule is semantic versioning's, with its usual reading of 0.x (the minor number plays the
major's part).  Only the release numbers count: ``2.0.0rc1`` after ``1.9`` is a major bump,
``1.5.0.dev1`` after ``1.4`` a minor one.  An error fails ``diff`` (exit 1); a warning fails it
under ``--strict``.  The build hook's ``baseline`` gate stops on both unless ``allow-breaking``.
"""

from __future__ import annotations

from dataclasses import replace

from packaging.version import InvalidVersion, Version

from hatch_importspy.compare.breaking_environment import (
    dependency_release_findings,
    environment_release_findings,
)
from hatch_importspy.compare.breaking_structure import module_release_findings
from hatch_importspy.findings import Finding, Severity, sort_key
from hatch_importspy.model import SpyModel

BREAKING_CODES = frozenset(
    {f"ISP{number}" for number in range(501, 514)}
    | {f"ISP{number}" for number in range(520, 525)}
    | {"ISP530", "ISP531"}
)
"""The ISP5xx codes of breaking changes; their severity comes from :func:`breaking_severity`."""


def is_breaking(finding: Finding) -> bool:
    """Whether a finding reports a change that can break code written against the old release."""
    return finding.code in BREAKING_CODES


def breaking_severity(old_version: str, new_version: str) -> Severity:
    """The severity of a breaking change between two versions (the table in the module doc)."""
    try:
        old, new = Version(old_version), Version(new_version)
    except InvalidVersion:
        return Severity.ERROR
    if new.epoch != old.epoch:
        return Severity.WARNING if new.epoch > old.epoch else Severity.ERROR
    old_release = (*old.release, 0, 0)[:3]
    new_release = (*new.release, 0, 0)[:3]
    if new_release[0] > old_release[0]:
        return Severity.WARNING
    if new_release[0] == old_release[0] == 0 and new_release[1] > old_release[1]:
        return Severity.WARNING
    return Severity.ERROR


def release_findings(old: SpyModel, new: SpyModel) -> list[Finding]:
    """Every change of the public surface from ``old`` to ``new``, sorted for reports.

    Findings are attributed to the new release's distribution name.  Modules are matched by
    dotted name (a module that moved from ``pkg/m.py`` to ``pkg/m/__init__.py`` is the same
    module).  Breaking findings carry the severity of :func:`breaking_severity`; the others keep
    their code's (a note, or a warning for ISP514).  A module that runs from an extension beside
    it (``runs``) has no described surface: in the new release it is no longer described
    (ISP514 when the old one described it); in the old one it is not compared.
    """
    distribution = new.name
    findings = [
        *module_release_findings(
            distribution,
            [module for module in old.modules if module.described],
            [module for module in new.modules if module.described],
            new_files=[
                *(entry.path for entry in new.files),
                *(module.path for module in new.modules if not module.described),
            ],
        ),
        *environment_release_findings(distribution, old.environment, new.environment),
        *dependency_release_findings(
            distribution,
            old.requires,
            new.requires,
            old_python=old.environment.python,
            new_python=new.environment.python,
        ),
    ]
    severity = breaking_severity(old.version, new.version)
    classified = [
        replace(finding, severity=severity) if is_breaking(finding) else finding
        for finding in findings
    ]
    return sorted(classified, key=sort_key)
