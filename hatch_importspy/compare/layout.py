"""Hold an interpreter's answer about its environment against what its files show (ISP319).

A pure comparison: the layout read from disk (:class:`~hatch_importspy.verify.layout`'s values,
passed in as plain data) against the target's own answer.  Any disagreement means the answer cannot
be trusted alone, so it is reported, and the caller verifies the directories the files show as well
as the ones the answer named.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from hatch_importspy.findings import Finding


def _same(left: Path, right: Path) -> bool:
    return os.path.normcase(os.path.normpath(left)) == os.path.normcase(os.path.normpath(right))


def layout_findings(
    python: str,
    *,
    layout_prefix: Path | None,
    layout_version: str | None,
    layout_site_dirs: Sequence[Path],
    layout_problem: str | None,
    answered_prefix: Path,
    answered_in_venv: bool,
    answered_version: str,
    answered_site_dirs: Sequence[Path],
) -> list[Finding]:
    """ISP319 for each way the target's answer and its files disagree."""

    def finding(message: str, expected: str, found: str) -> Finding:
        return Finding("ISP319", "", message, file=python, expected=expected, found=found)

    findings: list[Finding] = []
    if layout_problem is not None:
        findings.append(
            finding(f"pyvenv.cfg unusable: {layout_problem}", "a readable file", "none")
        )
    if layout_prefix is None:
        if answered_in_venv:
            findings.append(
                finding(
                    "the interpreter says it runs in a virtual environment, but no pyvenv.cfg is "
                    "where site looks for one",
                    "no virtual environment",
                    f"venv {answered_prefix}",
                )
            )
        return findings
    if not answered_in_venv or not _same(answered_prefix, layout_prefix):
        findings.append(
            finding(
                "the interpreter's prefix is not the virtual environment its pyvenv.cfg makes",
                str(layout_prefix),
                str(answered_prefix) if answered_in_venv else "no virtual environment",
            )
        )
    answered_minor = ".".join(answered_version.split(".")[:2])
    if layout_version is not None and layout_version != answered_minor:
        findings.append(
            finding(
                "the interpreter's version is not the one its pyvenv.cfg records",
                layout_version,
                answered_minor,
            )
        )
    for directory in layout_site_dirs:
        if not any(_same(directory, answered) for answered in answered_site_dirs):
            findings.append(
                finding(
                    f"the interpreter did not name {directory}, its virtual environment's "
                    "site-packages; verified anyway",
                    str(directory),
                    ", ".join(str(path) for path in answered_site_dirs) or "none",
                )
            )
    return findings
