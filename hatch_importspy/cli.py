"""The command line: ``python -m importspy verify`` and ``python -m importspy show``.

A thin edge.  It turns arguments into calls of :mod:`hatch_importspy.verify`, hands the result to
a reporter, and turns the outcome into an exit code: 0 compliant, 1 violations, 2 unusable input.
Everything a user can get wrong (a bad option, an unknown distribution, an unreadable wheel or
manifest, an output file that cannot be written) ends here as one line on stderr and exit 2,
never as a traceback.  Anything else is a bug in hatch-importspy and is left to surface as one.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__, manifest
from .environment import current_environment
from .errors import UnusableInputError
from .report import render_json, render_text, summarize
from .report.summary import EXIT_UNUSABLE
from .report.text import printable
from .verify import VerifyResult, default_site_dirs, load_model, verify_installed, verify_wheels

PROG = "python -m importspy"
WHEEL_SUFFIX = ".whl"
EXIT_INTERRUPTED = 130


class UsageError(UnusableInputError):
    """A command line argparse rejected: reported like any other unusable input."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is an exception carrying one line instead of an exit.

    argparse's own handling prints the usage block and exits from deep inside ``parse_args``;
    raising lets :func:`main` report every unusable input the same way.
    """

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: error: {message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m importspy``."""
    parser = _Parser(
        prog=PROG,
        description="Verify installed distributions and wheels against the SpyModel manifest "
        "that the hatch-importspy build hook embedded in them.",
        epilog="Exit status: 0 compliant, 1 violations found, 2 unusable input or usage error.",
    )
    parser.add_argument("--version", action="version", version=f"hatch-importspy {__version__}")
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
    verify.add_argument(
        "--format", choices=("text", "json"), default="text", help="report format (default: text)"
    )
    verify.add_argument(
        "--output", metavar="FILE", type=Path, help="write the report to FILE instead of stdout"
    )
    verify.add_argument("--strict", action="store_true", help="warnings fail the check too")

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
        help="yaml: block YAML for reading (default); json: the document as embedded",
    )
    return parser


def is_wheel_target(target: str) -> bool:
    """A target naming a wheel file rather than an installed distribution."""
    return target.lower().endswith(WHEEL_SUFFIX)


def merge(results: Sequence[VerifyResult]) -> VerifyResult:
    """One result from the installed-distribution and the wheel parts of one command."""
    return VerifyResult(
        distributions=tuple(d for r in results for d in r.distributions),
        environment_findings=tuple(f for r in results for f in r.environment_findings),
        notices=tuple(dict.fromkeys(n for r in results for n in r.notices)),
    )


def run_verify(targets: Sequence[str]) -> VerifyResult:
    """Verify the named targets (wheels and installed names), or every manifest when none."""
    wheels = [Path(target) for target in targets if is_wheel_target(target)]
    names = [target for target in targets if not is_wheel_target(target)]
    facts = current_environment()
    results = []
    if names or not wheels:
        results.append(verify_installed(default_site_dirs(), names, facts))
    if wheels:
        results.append(verify_wheels(wheels, facts))
    return results[0] if len(results) == 1 else merge(results)


def _write(text: str, output: Path | None) -> None:
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UnusableInputError(f"--output {describe_os_error(error)}") from None
        return
    if isinstance(sys.stdout, io.TextIOWrapper):
        # A report must reach the reader even on a terminal that cannot encode a file name.
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``| head``): the exit status still tells the outcome.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _verify_command(args: argparse.Namespace) -> int:
    result = run_verify(args.targets)
    render = render_json if args.format == "json" else render_text
    _write(render(result, strict=args.strict), args.output)
    return summarize(result, strict=args.strict).exit_code


def _show_command(args: argparse.Namespace) -> int:
    model = load_model(args.target, default_site_dirs())
    _write(manifest.dumps(model) if args.format == "json" else manifest.dumps_yaml(model), None)
    return 0


def describe_os_error(error: OSError) -> str:
    """``FILE: problem`` for an operating-system error, without Python's errno decoration."""
    problem = error.strerror or str(error)
    if error.filename is not None:
        return f"{os.fsdecode(error.filename)}: {problem}"
    return problem


def _fail(message: str) -> int:
    """Report unusable input: one line, whatever a file name or a nested error holds."""
    sys.stderr.write(f"{printable(message)}\n")
    return EXIT_UNUSABLE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status instead of exiting."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        return _fail(str(error))
    except SystemExit as done:  # --help and --version print and stop argparse this way
        return done.code if isinstance(done.code, int) else 0
    command = _verify_command if args.command == "verify" else _show_command
    try:
        return command(args)
    except UnusableInputError as error:
        return _fail(f"importspy: error: {error}")
    except OSError as error:
        return _fail(f"importspy: error: {describe_os_error(error)}")
    except KeyboardInterrupt:
        sys.stderr.write("importspy: interrupted\n")
        return EXIT_INTERRUPTED
