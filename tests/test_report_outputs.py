"""Which reports one ``verify`` run writes, and where: the rule of ``report.outputs``."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatch_importspy.report.outputs import (
    FORMATS,
    Output,
    OutputConflictError,
    plan_outputs,
    render,
)
from hatch_importspy.results import VerifyResult

SARIF = Path("out/importspy.sarif")
JUNIT = Path("out/importspy.xml")
REPORT = Path("out/report")


@pytest.mark.parametrize(
    ("formats", "own_files", "output", "planned"),
    [
        # Nothing asked for: the text report on stdout.
        ((), {}, None, [Output("text", None, "stdout")]),
        ((), {}, REPORT, [Output("text", REPORT, "--output")]),
        (("json",), {}, REPORT, [Output("json", REPORT, "--output")]),
        # A file of its own asks for the format; text stays on stdout when no --format is given.
        (
            (),
            {"sarif": SARIF},
            None,
            [Output("sarif", SARIF, "--output-sarif"), Output("text", None, "stdout")],
        ),
        # The issue's example: text on stdout, SARIF to a file.
        (
            ("text", "sarif"),
            {"sarif": SARIF},
            None,
            [Output("sarif", SARIF, "--output-sarif"), Output("text", None, "stdout")],
        ),
        # A --format with a file of its own does not also go to stdout.
        (("sarif",), {"sarif": SARIF}, None, [Output("sarif", SARIF, "--output-sarif")]),
        # Files come first, in the fixed format order; the streamed one last.
        (
            ("github", "github"),
            {"sarif": SARIF, "junit": JUNIT},
            None,
            [
                Output("junit", JUNIT, "--output-junit"),
                Output("sarif", SARIF, "--output-sarif"),
                Output("github", None, "stdout"),
            ],
        ),
    ],
)
def test_plan(
    formats: tuple[str, ...],
    own_files: dict[str, Path],
    output: Path | None,
    planned: list[Output],
) -> None:
    assert list(plan_outputs(formats, own_files, output)) == planned


@pytest.mark.parametrize(
    ("formats", "own_files", "output", "message"),
    [
        (
            ("json", "sarif"),
            {},
            None,
            "--format json and --format sarif cannot all be written to stdout",
        ),
        (
            ("text", "json", "junit"),
            {"json": REPORT},
            REPORT.with_name("other"),
            "--format text and --format junit cannot all be written to --output out/other",
        ),
        (
            ("sarif",),
            {"sarif": SARIF},
            REPORT,
            "--output out/report: every format asked for has a file of its own",
        ),
        (
            (),
            {"sarif": SARIF, "json": Path("out/../out/importspy.sarif")},
            None,
            "--output-json and --output-sarif both name out/importspy.sarif",
        ),
        (("json",), {}, None, None),
        (("html",), {}, None, "unknown report format 'html'"),
    ],
)
def test_conflicts_are_usage_errors(
    formats: tuple[str, ...], own_files: dict[str, Path], output: Path | None, message: str | None
) -> None:
    if message is None:
        assert plan_outputs(formats, own_files, output)
        return
    with pytest.raises(OutputConflictError) as raised:
        plan_outputs(formats, own_files, output)
    assert message in str(raised.value)


def test_a_file_shared_with_output_is_refused() -> None:
    with pytest.raises(OutputConflictError, match="--output-sarif and --output both name"):
        plan_outputs(("text",), {"sarif": SARIF}, SARIF)


@pytest.mark.parametrize("report_format", FORMATS)
def test_every_format_renders_the_same_empty_result(report_format: str) -> None:
    empty = VerifyResult((), (), ("no installed distribution carries a manifest",))
    document = render(report_format, empty, strict=False, root=Path.cwd())
    assert document.endswith("\n")
    assert document == render(report_format, empty, strict=False, root=Path.cwd())
