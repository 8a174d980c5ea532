"""Which report formats one ``verify`` run writes, and where each one goes.

A pipeline often wants several documents from one run: the text report in its log, SARIF for
code scanning, JUnit for the test tab.  Running the verifier once per format would check the
environment several times and could give documents that disagree, so one run renders every
format asked for from the same result.  The rule (``verify --help`` and docs/ci-cd.md state it):

- ``--output-FORMAT FILE`` (``--output-text``, ``--output-json``, ``--output-junit``,
  ``--output-sarif``, ``--output-github``) writes FORMAT to FILE; naming the option is enough to
  ask for the format;
- ``--format FORMAT`` (repeatable) asks for FORMAT; a format asked for this way that has no
  ``--output-FORMAT`` goes to ``--output FILE``, or to stdout without it;
- with no ``--format`` at all, the text report goes to stdout (or ``--output``), whatever the
  ``--output-FORMAT`` options write besides;
- only one document can go to stdout (or ``--output``): two formats without a file of their own
  is a usage error, and so is ``--output`` when every format has a file of its own, or two
  outputs naming the same file.

Every report is a pure function of the result, the strictness and the checkout directory; this
module only chooses and renders them, and never writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hatch_importspy.errors import UnusableInputError

if TYPE_CHECKING:
    from pathlib import Path

    from hatch_importspy.results import VerifyResult

FORMATS = ("text", "json", "junit", "sarif", "github")
DEFAULT_FORMAT = "text"


class OutputConflictError(UnusableInputError):
    """Report formats and destinations that do not fit together (a usage error, exit 2)."""


@dataclass(frozen=True)
class Output:
    """One document to write: a format and its destination."""

    format: str
    path: Path | None
    """The file to write, or ``None`` for stdout."""
    option: str
    """The option that chose the destination, for messages (``--output-sarif``, ``stdout``)."""


def output_option(report_format: str) -> str:
    """The option writing ``report_format`` to a file of its own: ``--output-sarif``."""
    return f"--output-{report_format}"


def plan_outputs(
    formats: Sequence[str], own_files: Mapping[str, Path], output: Path | None
) -> tuple[Output, ...]:
    """The documents one run writes (see the module docstring), files first, stdout last.

    ``formats`` are the ``--format`` values in the order given (repeats ignored), ``own_files``
    the ``--output-FORMAT`` options given, ``output`` the ``--output`` option.
    """
    unknown = sorted((set(formats) | set(own_files)) - set(FORMATS))
    if unknown:
        raise OutputConflictError(f"unknown report format {unknown[0]!r}")
    asked = list(dict.fromkeys(formats)) or [DEFAULT_FORMAT]
    streamed = [fmt for fmt in asked if fmt not in own_files]
    where = f"--output {output}" if output is not None else "stdout"
    if len(streamed) > 1:
        listed = " and ".join(f"--format {fmt}" for fmt in streamed)
        raise OutputConflictError(
            f"{listed} cannot all be written to {where}: give all but one of them a file "
            "of its own with --output-FORMAT FILE"
        )
    if output is not None and not streamed:
        raise OutputConflictError(
            f"--output {output}: every format asked for has a file of its own "
            "(--output-FORMAT), so nothing would be written to it"
        )
    outputs = [
        Output(fmt, path, output_option(fmt))
        for fmt, path in sorted(own_files.items(), key=lambda item: FORMATS.index(item[0]))
    ]
    if streamed:
        outputs.append(Output(streamed[0], output, "--output" if output is not None else "stdout"))
    _refuse_shared_files(outputs)
    return tuple(outputs)


def _refuse_shared_files(outputs: Sequence[Output]) -> None:
    seen: dict[str, Output] = {}
    for planned in outputs:
        if planned.path is None:
            continue
        key = os.path.normcase(os.path.abspath(planned.path))  # noqa: PTH100  (no resolve: may not exist)
        if key in seen:
            first = seen[key]
            raise OutputConflictError(
                f"{first.option} and {planned.option} both name {planned.path}: "
                "each format needs a file of its own"
            )
        seen[key] = planned


def render(report_format: str, result: VerifyResult, *, strict: bool, root: Path) -> str:
    """The document of one format.  ``root`` is the checkout that SARIF and GitHub annotation
    paths are made relative to (the current directory of a CI job)."""
    # Each format's renderer is imported only when asked for: a run writes one or two of the
    # five, and the XML and SARIF machinery would otherwise load on every start.
    if report_format == "text":
        from hatch_importspy.report.text import render_text

        return render_text(result, strict=strict)
    if report_format == "json":
        from hatch_importspy.report.json import render_json

        return render_json(result, strict=strict)
    if report_format == "junit":
        from hatch_importspy.report.junit import render_junit

        return render_junit(result, strict=strict)
    if report_format == "sarif":
        from hatch_importspy.report.sarif import render_sarif

        return render_sarif(result, root=root, strict=strict)
    if report_format == "github":
        from hatch_importspy.report.github import render_github

        return render_github(result, root=root, strict=strict)
    raise KeyError(report_format)
