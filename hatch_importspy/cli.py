"""The command line: ``python -m importspy verify``, ``show``, ``lock``, ``diff`` and ``embed``.

A thin edge.  It turns arguments (their grammar is :mod:`hatch_importspy.arguments`) into calls of
:mod:`hatch_importspy.verify.verifier` (on the environment :mod:`hatch_importspy.verify.scope`
chooses), applies the team's lock and policy (:mod:`hatch_importspy.verify.gate`), hands the result
to the reporters (:mod:`hatch_importspy.report.outputs`), and turns the outcome into an exit code: 0
compliant, 1 violations, 2 unusable input. Everything a user can get wrong (a bad option, an unknown
distribution, an unreadable wheel or manifest, an output file that cannot be written) ends here as
one line on stderr and exit 2, never as a traceback.  Anything else is a bug in hatch-importspy: it
ends the same way, exit 2 with one line naming the command, its input and the exception
(:mod:`hatch_importspy.failure`), and ``--debug`` or ``IMPORTSPY_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations

import io
import os
import sys

from hatch_importspy.arguments import PROG, VERSION, UsageError, build_parser
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

    from hatch_importspy.describe.config import ImportSpyOptions
    from hatch_importspy.model import SpyModel
    from hatch_importspy.release.diff import BaselineGate
    from hatch_importspy.report.outputs import Output
    from hatch_importspy.results import VerifyResult
    from hatch_importspy.verify.interpreter import PendingQuery
    from hatch_importspy.verify.lock import Lock, LockEntry
    from hatch_importspy.verify.policy import Policy
    from hatch_importspy.verify.scope import Scope

EXIT_INTERRUPTED = 130


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
        from hatch_importspy.verify.wheels import verify_wheels

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

    from hatch_importspy.arguments import EMBED_BOOLEAN_OPTIONS, EMBED_LIST_OPTIONS
    from hatch_importspy.describe.config import options_from_pyproject, parse_options

    overrides: dict[str, object] = {}
    if args.python is not None:
        overrides["python"] = args.python
    keys = [key for _, key, _ in EMBED_LIST_OPTIONS] + [key for _, key in EMBED_BOOLEAN_OPTIONS]
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
    from hatch_importspy.collection import collection_paused  # not for --version: see main

    try:
        with collection_paused():
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
