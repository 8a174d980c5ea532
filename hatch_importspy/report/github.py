"""The ``github`` report: GitHub Actions workflow commands, one annotation per finding.

Each finding becomes one line ``::error file=F,line=N,title=T::MESSAGE`` (``::warning`` and
``::notice`` for warnings and notes), which the Actions runner turns into an annotation on the
run and, when ``F`` is a file of the repository, on that file.  Each notice of the run (such as
``diff``'s version rule) becomes a ``::notice`` without a file; then one plain summary line.

The runner reads commands line by line, so everything taken from the environment is escaped
with the runner's own rules: in the message ``%``, ``\\r`` and ``\\n`` become ``%25``, ``%0D``
and ``%0A``; in property values ``:`` and ``,`` become ``%3A`` and ``%2C`` as well.  A file name
or message can therefore neither end the command early nor start a new one.

GitHub shows at most 10 error and 10 warning annotations per step and 50 per job.  Every
finding is still printed (the log keeps them all); errors come first, so the ones shown are the
ones that fail the run, and a line says so when the caps are exceeded.
"""

from __future__ import annotations

from pathlib import Path

from hatch_importspy.findings import CODES, Finding, Severity
from hatch_importspy.render import contrast, location, printable
from hatch_importspy.report.artifact import artifact_path, owned_findings, sites_of
from hatch_importspy.report.summary import most_severe_first, ordered_notices, summarize
from hatch_importspy.report.text import summary_line
from hatch_importspy.results import DistributionResult, VerifyResult

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
STEP_CAP = 10
"""Annotations of one kind GitHub shows for a step."""
JOB_CAP = 50
"""Annotations GitHub shows for a job."""
NOTICE_TITLE = "importspy notice"
"""Title of the annotation that carries one notice of the run."""


def escape_data(text: str) -> str:
    """A command's message, escaped so that it stays on its line."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value, escaped so that it cannot end the property or the list."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_message(finding: Finding, owner: DistributionResult | None) -> str:
    """``DIST VERSION: WHERE: MESSAGE (expected X, found Y)``."""
    owner_text = f"{owner.name} {owner.version}" if owner else finding.distribution or "environment"
    where = location(finding) if finding.object or finding.file or finding.module else None
    text = (
        f"{owner_text}: {where}: {finding.message}" if where else f"{owner_text}: {finding.message}"
    )
    return printable(text) + contrast(finding)


def annotation(finding: Finding, owner: DistributionResult | None, file: str | None) -> str:
    """One workflow command line for ``finding``."""
    properties = []
    if file:
        properties.append(f"file={escape_property(printable(file))}")
        if finding.line is not None and finding.line >= 1:
            properties.append(f"line={finding.line}")
    title = f"{finding.code} {CODES[finding.code].title}"
    properties.append(f"title={escape_property(title)}")
    command = COMMANDS[finding.effective_severity]
    return f"::{command} {','.join(properties)}::{escape_data(annotation_message(finding, owner))}"


def render_github(result: VerifyResult, *, root: Path | None = None, strict: bool = False) -> str:
    """Every finding as a workflow command, errors first, then the summary line.

    ``root`` is the repository checkout (the job's working directory): file paths under it are
    made relative to it, so annotations land on the repository's files.
    """
    sites = sites_of(result.distributions)
    pairs = sorted(owned_findings(result), key=lambda pair: most_severe_first(pair[0]))
    lines = []
    for finding, owner in pairs:
        file = artifact_path(finding, owner, root=root, sites=sites) if finding.file else None
        lines.append(annotation(finding, owner, file))
    # The run's notices (``diff``'s version rule, "environment checks skipped", ...) are what
    # the text report prints as ``notice:`` lines: without them an annotation-only reader would
    # see warnings and not know that the version number made them warnings.
    lines.extend(
        f"::notice title={escape_property(NOTICE_TITLE)}::{escape_data(printable(notice))}"
        for notice in ordered_notices(result)
    )
    counts = dict.fromkeys(Severity, 0)
    for finding, _owner in pairs:
        counts[finding.effective_severity] += 1
    if len(pairs) > JOB_CAP or any(count > STEP_CAP for count in counts.values()):
        lines.append(
            f"importspy: {len(pairs)} annotations emitted; GitHub shows at most {STEP_CAP} of "
            f"each kind per step and {JOB_CAP} per job, errors first: all are listed above"
        )
    lines.append(f"importspy: {summary_line(summarize(result, strict=strict))}")
    return "\n".join(lines) + "\n"
