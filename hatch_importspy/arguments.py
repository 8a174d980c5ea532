"""The command line's grammar: every command of ``python -m importspy``, its options and help.

Kept apart from :mod:`hatch_importspy.cli`, which runs the commands: this module says what may be
written on the command line and nothing about what it does.  ``argparse`` itself is imported only
when a parser is built, so ``--version`` (answered before any parsing) never loads it.
"""

from __future__ import annotations

from hatch_importspy import __version__
from hatch_importspy.errors import UnusableInputError

# Not even ``typing`` is imported (see :mod:`hatch_importspy.cli`): type checkers take any
# constant named TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import NoReturn

PROG = "python -m importspy"
VERSION = f"hatch-importspy {__version__}"


class UsageError(UnusableInputError):
    """A command line argparse rejected: reported like any other unusable input."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m importspy``."""
    import argparse
    from pathlib import Path

    class _Parser(argparse.ArgumentParser):
        """argparse, but a usage error is an exception carrying one line instead of an exit.

        argparse's own handling prints the usage block and exits from deep inside
        ``parse_args``; raising lets :func:`main` report every unusable input the same way.
        (Defined here so that argparse is imported only when arguments are parsed.)
        """

        def error(self, message: str) -> NoReturn:
            raise UsageError(f"{self.prog}: error: {message} (see {self.prog} --help)")

    parser: argparse.ArgumentParser = _Parser(
        prog=PROG,
        description="Verify installed distributions and wheels against the SpyModel manifest "
        "that the hatch-importspy build hook embedded in them.",
        epilog="Exit status: 0 compliant, 1 violations found, 2 unusable input or usage error.",
    )
    parser.add_argument("--version", action="version", version=VERSION)
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    verify = commands.add_parser(
        "verify",
        help="check installed distributions or wheels against their manifests",
        description="Check installed distributions or wheels against their embedded manifests: "
        "environment, file integrity, structure and dependencies.  Static: nothing is imported "
        "or run, and nothing is written into the environment.",
    )
    verify.add_argument(
        "targets",
        nargs="*",
        metavar="TARGET",
        help="an installed distribution name or a path to a .whl file; none means every "
        "installed distribution that carries a manifest",
    )
    _add_scope_options(verify)
    gate = verify.add_argument_group("deploy gate")
    gate.add_argument(
        "--lock",
        metavar="FILE",
        type=Path,
        help="an approval lock (python -m importspy lock): every installed distribution must be "
        "in it, at its version, with its manifest's (or RECORD's) digest",
    )
    gate.add_argument(
        "--require-manifest",
        action="store_true",
        help="every installed distribution must carry a manifest (ISP320), except --allow",
    )
    gate.add_argument(
        "--allow",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME",
        help="distribution names or globs exempt from --require-manifest (normalised: "
        "Foo_Bar is foo-bar); repeatable",
    )
    gate.add_argument(
        "--policy",
        metavar="FILE",
        type=Path,
        help="a policy file: YAML, or a pyproject.toml's [tool.importspy] table "
        "(require-manifest, allow, strict, severities, accept); options add to it",
    )
    gate.add_argument("--strict", action="store_true", help="warnings fail the check too")
    verify.add_argument(
        "--import",
        dest="import_",
        action="store_true",
        help="also import each described module in a subprocess of the target interpreter "
        "(--python, else this one; isolated) and compare what Python sees (signatures, kinds, "
        "names) with the manifest (ISP209-ISP213).  Opt-in: it RUNS the installed code.  Not "
        "with --path or wheels",
    )
    _add_report_options(verify)

    show = commands.add_parser(
        "show",
        help="print the manifest of an installed distribution or a wheel",
        description="Print the manifest embedded in an installed distribution or a wheel.",
    )
    show.add_argument("target", metavar="TARGET", help="a distribution name or a .whl path")
    show.add_argument(
        "--format",
        choices=("yaml", "json"),
        default="yaml",
        help="yaml: block YAML for reading, followed by the expectations as calls are written "
        "(comment lines) (default); json: one JSON document",
    )
    show.add_argument(
        "--contract",
        metavar="MODULE",
        help="print an ImportSpy 0.5 contract for MODULE (a dotted module of TARGET) instead: "
        "what `importspy check` can establish statically, which it admits for that module",
    )
    show.add_argument(
        "--manifest-only",
        action="store_true",
        help="print the manifest document and nothing else (no comment lines): the file to "
        "commit as the next release's baseline",
    )

    lock = commands.add_parser(
        "lock",
        help="approve an environment: write its distributions, versions and manifest digests",
        description="Write an approval lock of an environment the team approved: each installed "
        "distribution's name, version and the sha256 of its manifest (of its RECORD when it "
        "has none), and of each __pycache__ file Python would load instead of one of its "
        "sources, once proven that source's compilation.  Commit it, and gate deploys with "
        "verify --lock FILE.  Read-only, like verify.",
        epilog="Exit status: 0 written, 1 refused (a cache file Python would load is not its "
        "source's compilation: nothing is written), 2 unusable input or usage error.",
    )
    _add_scope_options(lock, exclusive=True)
    lock.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=Path,
        help="write the lock to FILE instead of stdout",
    )
    _add_diff_parser(commands)
    _add_run_parser(commands)
    _add_embed_parser(commands)
    for subcommand in commands.choices.values():
        # Also accepted after the command (``verify --debug``); SUPPRESS keeps the global value.
        subcommand.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP
        )
    return parser


_DEBUG_HELP = (
    "show the traceback of an unexpected error (a bug in hatch-importspy) before its one-line "
    "report; IMPORTSPY_DEBUG=1 does the same"
)


def _add_run_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    import argparse
    from pathlib import Path

    run = commands.add_parser(
        "run",
        help="run a program under the import guard: only vouched modules execute",
        description="Start the interpreter with the import guard in place before anything "
        "else runs (no site, no .pth file, no sitecustomize first): every module loaded from "
        "the environment is checked against the manifests (and the lock) before it executes, "
        "and exactly the bytes checked are what runs.  The exit status is the program's.",
        usage=f"{PROG} run [options] -- (SCRIPT | -m MODULE | -c CODE) [ARGS ...]",
    )
    run.add_argument(
        "--python",
        metavar="PATH",
        help="the interpreter to run the program with (default: this one)",
    )
    run.add_argument(
        "--mode",
        choices=("enforce", "warn", "audit"),
        default="enforce",
        help="enforce (default): an unvouched module raises ImportError and unvouched start-up "
        "code stops the start; warn: one line on stderr and it runs; audit: it runs, and is "
        "only recorded in --log",
    )
    run.add_argument(
        "--log",
        metavar="FILE",
        type=Path,
        help="append every load and its verdict to FILE as JSON lines",
    )
    run.add_argument(
        "--lock",
        metavar="FILE",
        type=Path,
        help="an approval lock: only the distributions it approves run, and the bytecode it "
        "approves is run without compiling the sources",
    )
    run.add_argument(
        "--policy", metavar="FILE", type=Path, help="a policy file, as for verify --policy"
    )
    run.add_argument(
        "--require-manifest",
        action="store_true",
        help="modules of distributions without a manifest do not run either (except --allow)",
    )
    run.add_argument(
        "--allow",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME",
        help="distribution names or globs exempt from --require-manifest",
    )
    run.add_argument("--strict", action="store_true", help="warnings refuse too")
    run.add_argument(
        "program",
        nargs=argparse.REMAINDER,
        help="-- then SCRIPT [ARGS], -m MODULE [ARGS] or -c CODE [ARGS]",
    )


def _add_diff_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    diff = commands.add_parser(
        "diff",
        help="list the changes of the public API between two releases, breaking or not",
        description="Compare two releases of a distribution and list every change of its public "
        "surface (ISP5xx): breaking changes, and additions and widenings as notes.  A breaking "
        "change is an error when the version bumps only the minor or patch number (a 0.x "
        "version: the patch number), a warning across a major bump (0.x: a minor bump).",
        epilog="Exit status: 0 no failing change, 1 a breaking change that the version does not "
        "announce (with --strict: any breaking change), 2 unusable input or usage error.",
    )
    for side in ("old", "new"):
        diff.add_argument(
            side,
            metavar=side.upper(),
            help=f"the {side} release: a .whl, a manifest file (python -m importspy show "
            "--manifest-only), or an installed distribution name",
        )
    _add_scope_options(diff, exclusive=True)
    diff.add_argument(
        "--strict",
        action="store_true",
        help="warnings fail too: breaking changes the version announces, and modules no longer "
        "described",
    )
    _add_report_options(diff)


def _add_embed_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    import argparse
    from pathlib import Path

    embed = commands.add_parser(
        "embed",
        help="add a manifest to wheels built by another backend (setuptools, flit, maturin, pdm)",
        description="Rewrite wheels with a manifest in their .dist-info and a RECORD that lists "
        "it, as the build hook would have embedded it.  The options come from the project's "
        "[tool.hatch.build.hooks.importspy] or [tool.importspy] table and the options below "
        "(which win).  A wheel that is not sound (not a zip, a member outside the wheel, no "
        "RECORD, a file that does not match RECORD, a signed RECORD) is refused.  The output "
        "is reproducible: set SOURCE_DATE_EPOCH to date the manifest member.",
        epilog="Exit status: 0 embedded, 1 breaking changes against the baseline, 2 unusable "
        "input or usage error.",
    )
    embed.add_argument("wheels", nargs="+", metavar="WHEEL", help="a .whl file to rewrite")
    embed.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        type=Path,
        help="write the new wheel to OUT (a .whl file name, or an existing directory to write it "
        "into under its own name; with several wheels, a directory) instead of replacing WHEEL",
    )
    embed.add_argument(
        "--pyproject",
        metavar="PATH",
        type=Path,
        help="the project's pyproject.toml (or its directory) to read the options from "
        "(default: ./pyproject.toml when there is one)",
    )
    embed.add_argument(
        "--replace",
        action="store_true",
        help="describe a wheel that already carries a manifest again, replacing it",
    )
    options = embed.add_argument_group(
        "manifest options", "Each one overrides the key of the same name in the project's table."
    )
    options.add_argument(
        "--python",
        metavar="SPEC",
        help="Python versions the package runs on, a PEP 440 specifier set: the python key "
        "(default: [project] requires-python, else the wheel's Requires-Python)",
    )
    for flag, key, metavar in EMBED_LIST_OPTIONS:
        options.add_argument(
            flag,
            dest=key.replace("-", "_"),
            action="append",
            metavar=metavar,
            help=f"repeatable: the {key} key",
        )
    for flag, key in EMBED_BOOLEAN_OPTIONS:
        options.add_argument(
            flag,
            dest=key.replace("-", "_"),
            action=argparse.BooleanOptionalAction,
            default=None,
            help=f"the {key} key",
        )
    options.add_argument(
        "--baseline",
        metavar="FILE",
        help="the previous release's manifest: breaking changes stop the embedding (the "
        "baseline key; relative to the current directory here, to the project in the table)",
    )


EMBED_LIST_OPTIONS = (
    ("--platform", "platforms", "NAME"),
    ("--machine", "machines", "NAME"),
    ("--implementation", "implementations", "NAME"),
    ("--env", "env", "NAME"),
    ("--include", "include", "MODULE"),
    ("--exclude", "exclude", "MODULE"),
)
"""``embed``'s repeatable options and the hook key each one overrides."""

EMBED_BOOLEAN_OPTIONS = (
    ("--private", "private"),
    ("--infer-expectations", "infer-expectations"),
    ("--allow-breaking", "allow-breaking"),
)
"""``embed``'s ``--X/--no-X`` options and the hook key each one overrides."""


def _add_scope_options(parser: argparse.ArgumentParser, *, exclusive: bool = False) -> None:
    """``--python`` and ``--path``: the environment a command reads (see :mod:`.scope`)."""
    from pathlib import Path

    group = parser.add_mutually_exclusive_group() if exclusive else parser
    group.add_argument(
        "--python",
        metavar="PATH",
        help="the environment of this interpreter instead of the running one's; it is only "
        "queried, with -I -S -B, so none of its start-up code runs and nothing is written",
    )
    group.add_argument(
        "--path",
        metavar="DIR",
        type=Path,
        action="append",
        default=[],
        help="read this site-packages directory without starting any interpreter "
        "(repeatable)"
        + ("" if exclusive else "; environment checks need --python for the facts, or are skipped"),
    )


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    """``--format``, ``--output`` and ``--output-FORMAT``: the reports a command writes."""
    from pathlib import Path

    from hatch_importspy.report.outputs import FORMATS, output_option

    reports = parser.add_argument_group(
        "reports",
        "Several formats in one run: each --output-FORMAT FILE writes that format to FILE; the "
        "one --format without a file of its own goes to --output FILE or stdout (text when no "
        "--format is given).  Two formats for stdout, or two outputs naming one file, is a "
        "usage error.",
    )
    reports.add_argument(
        "--format",
        action="append",
        choices=FORMATS,
        default=[],
        help="report format, repeatable (default: text)",
    )
    reports.add_argument(
        "--output",
        metavar="FILE",
        type=Path,
        help="write the --format report to FILE instead of stdout",
    )
    for report_format in FORMATS:
        reports.add_argument(
            output_option(report_format),
            metavar="FILE",
            type=Path,
            help=f"write the {report_format} report to FILE",
        )
