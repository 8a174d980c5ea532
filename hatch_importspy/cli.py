"""The command line: ``python -m importspy verify``, ``show``, ``lock``, ``diff`` and ``embed``.

A thin edge.  It turns arguments into calls of :mod:`hatch_importspy.verify.verifier` (on the
environment
:mod:`hatch_importspy.verify.scope` chooses), applies the team's lock and policy
(:mod:`hatch_importspy.verify.gate`), hands the result to the reporters
(:mod:`hatch_importspy.report.outputs`), and turns the outcome into an exit code: 0 compliant,
1 violations, 2 unusable input.
Everything a user can get wrong (a bad option, an unknown distribution, an unreadable wheel or
manifest, an output file that cannot be written) ends here as one line on stderr and exit 2,
never as a traceback.  Anything else is a bug in hatch-importspy: it ends the same way, exit 2
with one line naming the command, its input and the exception (:mod:`hatch_importspy.failure`),
and ``--debug`` or ``IMPORTSPY_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations

import io
import os
import sys

from hatch_importspy import __version__
from hatch_importspy.errors import UnusableInputError

# Only what every command needs is imported here.  Each command imports its own implementation
# when it runs, so ``--version`` starts nothing but the interpreter, and ``verify`` of an unchanged
# install loads neither the build nor the release machinery, nor the report formats not asked for.
# Not even ``typing`` (a third of ``--version``'s own time): type checkers take any constant named
# TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import NoReturn

    from hatch_importspy.describe.config import ImportSpyOptions
    from hatch_importspy.model import SpyModel
    from hatch_importspy.release.diff import BaselineGate
    from hatch_importspy.report.outputs import Output
    from hatch_importspy.results import VerifyResult
    from hatch_importspy.verify.interpreter import PendingQuery
    from hatch_importspy.verify.lock import Lock, LockEntry
    from hatch_importspy.verify.policy import Policy
    from hatch_importspy.verify.scope import Scope

PROG = "python -m importspy"
VERSION = f"hatch-importspy {__version__}"
EXIT_INTERRUPTED = 130


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
    for flag, key, metavar in _EMBED_LIST_OPTIONS:
        options.add_argument(
            flag,
            dest=key.replace("-", "_"),
            action="append",
            metavar=metavar,
            help=f"repeatable: the {key} key",
        )
    for flag, key in _EMBED_BOOLEAN_OPTIONS:
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


_EMBED_LIST_OPTIONS = (
    ("--platform", "platforms", "NAME"),
    ("--machine", "machines", "NAME"),
    ("--implementation", "implementations", "NAME"),
    ("--env", "env", "NAME"),
    ("--include", "include", "MODULE"),
    ("--exclude", "exclude", "MODULE"),
)
"""``embed``'s repeatable options and the hook key each one overrides."""

_EMBED_BOOLEAN_OPTIONS = (
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


def merge(results: Sequence[VerifyResult]) -> VerifyResult:
    """One result from the installed-distribution and the wheel parts of one command."""
    from hatch_importspy.results import VerifyResult

    return VerifyResult(
        distributions=tuple(d for r in results for d in r.distributions),
        environment_findings=tuple(f for r in results for f in r.environment_findings),
        notices=tuple(dict.fromkeys(n for r in results for n in r.notices)),
    )


def checks_installed(targets: Sequence[str]) -> bool:
    """Whether a verify run looks at an installed environment: a name, or no wheel at all."""
    if not targets:
        return True
    from hatch_importspy.formats.wheel import is_wheel_target  # only targets need the wheel rule

    return not all(is_wheel_target(target) for target in targets)


def run_verify(
    targets: Sequence[str],
    scope: Scope | None = None,
    lock: Lock | None = None,
    lock_entries: Sequence[LockEntry] | None = None,
) -> VerifyResult:
    """Verify the named targets (wheels and installed names), or every manifest when none,
    in ``scope`` (the running interpreter's environment by default); ``lock``: the bytecode it
    approves is accepted by hash (its other findings are the gate's, :func:`apply_gate`), judged
    by the environment's ``lock_entries`` when the caller read them for the gate."""
    from hatch_importspy.verify.scope import resolve_scope
    from hatch_importspy.verify.verifier import verify_installed

    if scope is None:
        scope = resolve_scope(None, ())
    wheels, names = _split_targets(targets)
    results = []
    if checks_installed(targets):
        results.append(
            verify_installed(
                scope.site_dirs,
                names,
                scope.facts,
                suffixes=scope.suffixes,
                scheme=scope.scheme,
                loader=scope.loader,
                lock=lock,
                lock_entries=lock_entries,
            )
        )
    if wheels:
        from hatch_importspy.verify.verifier import verify_wheels

        results.append(verify_wheels(wheels, scope.facts))
    result = results[0] if len(results) == 1 else merge(results)
    if scope.findings:  # what choosing the environment found (ISP319)
        from hatch_importspy.results import VerifyResult

        result = merge([result, VerifyResult((), scope.findings, ())])
    return result


def _split_targets(targets: Sequence[str]) -> tuple[list[Path], list[str]]:
    """The wheel files and the installed names among ``targets``; the wheel reader is imported
    only when there are targets (a plain ``verify`` of the environment names none)."""
    if not targets:
        return [], []
    from pathlib import Path

    from hatch_importspy.formats.wheel import is_wheel_target

    wheels = [Path(target) for target in targets if is_wheel_target(target)]
    return wheels, [target for target in targets if not is_wheel_target(target)]


def _write(text: str, output: Path | None, option: str = "--output") -> None:
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UnusableInputError(f"{option} {describe_os_error(error)}") from None
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


def _policy(args: argparse.Namespace) -> Policy:
    """The policy file (if any) with the command line's gate options added to it."""
    from hatch_importspy.verify.policy import Policy, load_policy

    policy = load_policy(args.policy) if args.policy is not None else Policy()
    return policy.with_command_line(
        require_manifest=args.require_manifest, allow=args.allow, strict=args.strict
    )


def planned_outputs(args: argparse.Namespace) -> tuple[Output, ...]:
    """The reports a parsed ``verify`` command line writes, and where (see :mod:`.outputs`)."""
    from hatch_importspy.report.outputs import FORMATS, output_option, plan_outputs

    own_files = {
        fmt: path
        for fmt in FORMATS
        if (path := getattr(args, output_option(fmt)[2:].replace("-", "_"))) is not None
    }
    return plan_outputs(args.format, own_files, args.output)


def _verify_command(args: argparse.Namespace) -> int:
    if args.python is None:
        return _verify(args, None)
    from hatch_importspy.verify.interpreter import start_query

    # The target answers while the checks are imported and the input is read; its answer (or
    # why there is none) is taken where the scope is resolved, after the input is checked.
    query = start_query(args.python)
    try:
        return _verify(args, query)
    finally:
        query.close()


def _verify(args: argparse.Namespace, query: PendingQuery | None) -> int:
    from hatch_importspy.report.summary import summarize
    from hatch_importspy.verify.gate import apply_gate
    from hatch_importspy.verify.installed import InstalledDistribution, find_distributions
    from hatch_importspy.verify.scope import resolve_scope

    # Everything the user can get wrong is checked before the (possibly long) verification.
    outputs = planned_outputs(args)
    installed = checks_installed(args.targets)
    if args.lock is not None and not installed:
        raise UnusableInputError(
            f"--lock {args.lock}: a lock approves an installed environment, and only wheels "
            "were named: name no TARGET (or an installed distribution) to check one"
        )
    if args.import_:
        _check_import_usable(args)
    policy = _policy(args)
    lock = None
    if args.lock is not None:
        from hatch_importspy.verify.lock import load_lock

        lock = load_lock(args.lock)
    scope = resolve_scope(args.python, args.path, query=query)
    from hatch_importspy.verify.self_check import with_verifier_findings

    distributions: Sequence[InstalledDistribution] | None = None
    entries: tuple[LockEntry, ...] | None = None
    if installed:  # the lock and require-manifest judge every installed distribution
        judged = lock is not None or policy.require_manifest
        distributions = find_distributions(scope.site_dirs) if judged else ()
        if lock is not None:  # read once: for the bytecode it approves, and for the gate
            from hatch_importspy.verify.lock import installed_entries

            entries = installed_entries(distributions)
    result = with_verifier_findings(run_verify(args.targets, scope, lock, entries))
    if args.import_:
        from hatch_importspy.guard.launch import Target, program_launcher
        from hatch_importspy.guard.table import GuardOptions, build_table
        from hatch_importspy.pyrules.finder import LoaderSuffixes
        from hatch_importspy.verify.import_check import with_import_findings
        from hatch_importspy.verify.runtime_probe import probe_script

        # The probe imports the environment's code: under the guard, so only vouched bytes run.
        options = GuardOptions(lock=lock, policy=policy)
        suffixes = scope.suffixes or LoaderSuffixes.running()
        table = build_table(scope.site_dirs, options, suffixes)
        with program_launcher(table, Target("code", probe_script())) as launcher:
            result = with_import_findings(
                result, scope.site_dirs, args.python or sys.executable, launcher=launcher
            )
    if not args.targets:  # every manifest of the environment: were there any?
        from hatch_importspy.verify.coverage import flag_nothing_verified

        result = flag_nothing_verified(result, require_manifest=policy.require_manifest)
    result = apply_gate(result, policy, installed=distributions, lock=lock, lock_entries=entries)
    write_reports(outputs, result, strict=policy.strict)
    return summarize(result, strict=policy.strict).exit_code


def _check_import_usable(args: argparse.Namespace) -> None:
    """``--import`` needs an interpreter whose own environment is checked: not ``--path``
    directories (no interpreter imports from them) and not wheels (nothing is installed)."""
    if args.path:
        raise UsageError(
            "--import imports modules as an interpreter's own environment finds them; --path "
            "names directories no interpreter imports from: use --python PATH instead"
        )
    if args.targets:
        from hatch_importspy.formats.wheel import is_wheel_target

        wheels = [target for target in args.targets if is_wheel_target(target)]
        if wheels:
            raise UsageError(
                f"--import imports installed distributions, and {wheels[0]} is a wheel: install "
                "it and name the distribution"
            )


def _lock_command(args: argparse.Namespace) -> int:
    """Write the lock; refuse, exit 1 with one line, when a cache file Python would load is not
    proven its source's compilation: the environment is then not one to approve (``verify``
    would report the file as ISP311 or ISP312), which is a finding, not unusable input."""
    from hatch_importspy.verify.installed import find_distributions
    from hatch_importspy.verify.lock import dumps_lock, make_lock
    from hatch_importspy.verify.lock_bytecode import BytecodeNotApproved, approve_bytecode
    from hatch_importspy.verify.scope import resolve_scope

    scope = resolve_scope(args.python, args.path)
    distributions = find_distributions(scope.site_dirs)
    try:
        bytecode = approve_bytecode(distributions, scope.loader)
    except BytecodeNotApproved as refused:
        from hatch_importspy.render import printable
        from hatch_importspy.report.summary import EXIT_VIOLATIONS

        sys.stderr.write(f"importspy: lock refused: {printable(str(refused))}\n")
        return EXIT_VIOLATIONS
    _write(dumps_lock(make_lock(distributions, bytecode)), args.output)
    return 0


def _run_command(args: argparse.Namespace) -> int:
    """Build the guard's table for the target interpreter and become that interpreter."""
    import sys

    from hatch_importspy.guard import options_from
    from hatch_importspy.guard.launch import Target, resolve_python, run_guarded
    from hatch_importspy.guard.table import build_table
    from hatch_importspy.verify.interpreter import query_interpreter

    target = Target.parse(args.program)
    python = resolve_python(args.python or sys.executable)
    options = options_from(
        mode=args.mode,
        lock=args.lock,
        policy=args.policy,
        require_manifest=args.require_manifest,
        allow=tuple(args.allow),
        strict=args.strict,
        log=args.log,
    )
    from hatch_importspy.verify.self_check import verifier_findings

    # The guard that will run is this installation's own copy: it is held to its manifest first.
    for finding in verifier_findings():
        sys.stderr.write(f"importspy: {finding.code} {finding.file or ''}: {finding.message}\n")
        if options.mode == "enforce":
            return 1
    facts = query_interpreter(python)
    table = build_table(facts.site_dirs, options, facts.suffixes)
    return run_guarded(facts.executable, table, target)


def _show_command(args: argparse.Namespace) -> int:
    from hatch_importspy.formats import manifest
    from hatch_importspy.report.show import render_expectations
    from hatch_importspy.verify.installed import default_site_dirs
    from hatch_importspy.verify.targets import load_model

    model = load_model(args.target, default_site_dirs())
    if args.contract:
        from hatch_importspy.report.contract_export import ExportError, export_contract

        try:
            _write(export_contract(model, args.contract), None)
        except ExportError as error:
            print(f"importspy: {error}", file=sys.stderr)
            return 2
        return 0
    if args.format == "json":  # one document (the embedded form is two), for jq and json.load
        _write(manifest.dumps_json(model), None)
    elif args.manifest_only:  # the baseline to commit: the document alone
        _write(manifest.dumps_yaml(model), None)
    else:  # expectations made readable, as comments: the output stays the manifest document
        _write(manifest.dumps_yaml(model) + render_expectations(model), None)
    return 0


def write_reports(outputs: Sequence[Output], result: VerifyResult, *, strict: bool) -> None:
    """Render the reports :func:`planned_outputs` chose and write them; all are rendered before
    any is written, so a failure leaves no partial set behind."""
    from pathlib import Path

    from hatch_importspy.report.outputs import render

    root = Path.cwd()
    documents = [(out, render(out.format, result, strict=strict, root=root)) for out in outputs]
    for out, document in documents:
        _write(document, out.path, out.option)


def _diff_command(args: argparse.Namespace) -> int:
    from hatch_importspy.release.diff import diff_targets
    from hatch_importspy.report.summary import summarize
    from hatch_importspy.verify.scope import resolve_scope

    outputs = planned_outputs(args)  # a usage error there shows before any reading
    scope = resolve_scope(args.python, args.path)
    result = diff_targets(args.old, args.new, site_dirs=scope.site_dirs)
    write_reports(outputs, result, strict=args.strict)
    return summarize(result, strict=args.strict).exit_code


def _embed_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hatch_importspy.release.diff import BreakingChangesError, gate_message
    from hatch_importspy.release.embed import embed_manifest
    from hatch_importspy.report.summary import EXIT_COMPLIANT, EXIT_VIOLATIONS

    wheels = [Path(wheel) for wheel in args.wheels]
    if len(wheels) > 1 and args.output is not None and not args.output.is_dir():
        raise UsageError(f"-o {args.output}: with several wheels, OUT must be a directory")
    options, project, baseline_root = _embed_options(args)
    broken = False
    for wheel in wheels:
        gates: list[BaselineGate] = []
        try:
            written = embed_manifest(
                wheel,
                options=options,
                output=args.output,
                replace=args.replace,
                check=_baseline_check(options, baseline_root, gates),
                warn=_warn,
                project=project,
            )
        except BreakingChangesError as error:
            message = f"{error}\nimportspy: {wheel} was left as it was"
            sys.stderr.write(f"{_printable_lines(message)}\n")
            broken = True
            continue
        for gate in gates:
            if gate.breaking:  # allowed, or it would have raised: shown, not hidden
                sys.stderr.write(f"{_printable_lines(gate_message(gate))}\n")
        _write(f"importspy: embedded a manifest: {written}\n", None)
    return EXIT_VIOLATIONS if broken else EXIT_COMPLIANT


def _warn(message: str) -> None:
    from hatch_importspy.render import printable

    sys.stderr.write(f"importspy: {printable(message)}\n")


def _printable_lines(text: str) -> str:
    """Several lines, each escaped like a report line (manifests may come from anywhere)."""
    from hatch_importspy.render import printable

    return "\n".join(printable(line) for line in text.splitlines())


def _embed_options(args: argparse.Namespace) -> tuple[ImportSpyOptions, Path | None, Path]:
    """The options, the project directory (for ``contracts``) and the directory ``baseline`` is
    relative to: the project's when the table names it, the current one when the option does."""
    from pathlib import Path

    from hatch_importspy.describe.config import options_from_pyproject, parse_options

    overrides: dict[str, object] = {}
    if args.python is not None:
        overrides["python"] = args.python
    keys = [key for _, key, _ in _EMBED_LIST_OPTIONS] + [key for _, key in _EMBED_BOOLEAN_OPTIONS]
    for key in keys:
        value = getattr(args, key.replace("-", "_"))
        if value is not None:
            overrides[key] = value
    if args.baseline is not None:
        overrides["baseline"] = args.baseline
    pyproject = args.pyproject
    if pyproject is None and Path("pyproject.toml").is_file():
        pyproject = Path("pyproject.toml")
    if pyproject is None:
        options = parse_options(overrides, where="command line", requires_python=None)
        return options, None, Path.cwd()
    project = (pyproject if pyproject.is_dir() else pyproject.parent).resolve()
    options = options_from_pyproject(pyproject, overrides=overrides)
    return options, project, Path.cwd() if "baseline" in overrides else project


def _baseline_check(
    options: ImportSpyOptions, root: Path, gates: list[BaselineGate]
) -> Callable[[SpyModel], None] | None:
    """The ``check`` that holds a new manifest against ``options.baseline`` before it is written
    (raising :class:`~hatch_importspy.release.diff.BreakingChangesError`); each gate lands in
    ``gates``."""
    baseline = options.baseline
    if baseline is None:
        return None
    from hatch_importspy.release.diff import enforce_baseline

    def check(model: SpyModel) -> None:
        gates.append(
            enforce_baseline(
                root / baseline,
                model,
                allow_breaking=options.allow_breaking,
                shown_as=baseline,
            )
        )

    return check


def describe_os_error(error: OSError) -> str:
    """``FILE: problem`` for an operating-system error, without Python's errno decoration."""
    problem = error.strerror or str(error)
    if error.filename is not None:
        return f"{os.fsdecode(error.filename)}: {problem}"
    return problem


def _fail(message: str) -> int:
    """Report unusable input: one line, whatever a file name or a nested error holds."""
    from hatch_importspy.render import printable
    from hatch_importspy.report.summary import EXIT_UNUSABLE

    sys.stderr.write(f"{printable(message)}\n")
    return EXIT_UNUSABLE


def _version_fits_one_line() -> bool:
    """Whether argparse would print :data:`VERSION` unwrapped: its help formatter wraps text to
    the terminal's width less 2 (11 at least), measured as :func:`shutil.get_terminal_size`
    measures it."""
    if len(VERSION) <= 11:
        return True
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
        columns = columns or 80
    return len(VERSION) <= columns - 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status instead of exiting."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments == ["--version"] and sys.stdout is not None and _version_fits_one_line():
        # Exactly what argparse prints for it, without building the parser: asking for the
        # version must be instant (and must not import the verifier).  A stream that cannot be
        # written to is left to argparse, which handles it as this Python's argparse does.
        try:
            sys.stdout.write(f"{VERSION}\n")
        except (AttributeError, OSError):
            pass
        else:
            return 0
    try:
        return _parse_and_run(arguments)
    except Exception as error:  # a bug: one line and exit 2, never exit 1 ("violations")
        from hatch_importspy.failure import command_context, unexpected_failure

        return unexpected_failure(command_context(PROG), error, debug="--debug" in arguments)


def _inputs(args: argparse.Namespace) -> list[str]:
    """What a parsed command was asked to read, for the one-line report of a failure."""
    inputs: list[str] = []
    for key in ("targets", "target", "old", "new", "wheels"):
        value = getattr(args, key, None)
        if isinstance(value, str):
            inputs.append(value)
        elif isinstance(value, list):
            inputs.extend(str(item) for item in value)
    return inputs


def _parse_and_run(arguments: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except UsageError as error:
        return _fail(str(error))
    except SystemExit as done:  # --help and --version print and stop argparse this way
        return done.code if isinstance(done.code, int) else 0
    command = {
        "verify": _verify_command,
        "show": _show_command,
        "lock": _lock_command,
        "diff": _diff_command,
        "embed": _embed_command,
        "run": _run_command,
    }[args.command]
    try:
        return command(args)
    except UnusableInputError as error:
        return _fail(f"importspy: error: {error}")
    except OSError as error:
        return _fail(f"importspy: error: {describe_os_error(error)}")
    except KeyboardInterrupt:
        sys.stderr.write("importspy: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug: one line and exit 2, never exit 1 ("violations")
        from hatch_importspy.failure import command_context, unexpected_failure

        context = command_context(args.command, _inputs(args))
        return unexpected_failure(context, error, debug=args.debug)
