"""A pytest plugin: the test session fails when the environment under test does not conform.

Tests that pass in an environment whose installed code differs from what was built prove less
than they seem to.  With the plugin enabled, the session verifies the running interpreter's
environment once, at its start (every installed distribution that carries a manifest, the same
as ``python -m importspy verify``), runs the tests as usual, shows the findings in a section of
the terminal summary and, if the environment does not conform, ends with exit status 1 even
when every test passed.  An environment that cannot be verified at all (an unreadable manifest,
a bad policy file) stops the session at once with pytest's usage-error status; an unexpected
exception in the plugin (a bug) ends the session with one line and exit status 2, as in
:mod:`hatch_importspy.failure`.  The plugin's imports cache no bytecode in the environment
under test (pytest itself imports this module before it runs, see docs/verify.md).

Off unless asked for, because pytest loads every installed plugin in every session::

    pytest --importspy [--importspy-strict] [--importspy-policy gate.yaml]

or, in the ini file (``[tool.pytest.ini_options]`` of a pyproject)::

    importspy = true
    importspy_strict = false
    importspy_policy = gate.yaml      # relative to the rootdir

pytest is not a dependency of hatch-importspy: this module is only imported by pytest itself,
through the ``pytest11`` entry point, and nothing else in the package imports it.  The
verification machinery is imported only once the plugin is enabled, so a session that does not
use it pays nothing.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from hatch_importspy.results import VerifyResult

SECTION = "importspy"
_RESULT = pytest.StashKey["VerifyResult"]()
_STRICT = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(SECTION, "environment verification (hatch-importspy)")
    group.addoption(
        "--importspy",
        action="store_true",
        default=None,
        help="verify the installed distributions against their manifests; fail the session "
        "if the environment does not conform",
    )
    group.addoption(
        "--importspy-strict",
        action="store_true",
        default=None,
        help="with --importspy: warnings fail the session too",
    )
    group.addoption(
        "--importspy-policy",
        metavar="FILE",
        default=None,
        help="with --importspy: a policy file (YAML, or a pyproject.toml's [tool.importspy])",
    )
    parser.addini(SECTION, "enable the importspy environment check", type="bool", default=False)
    parser.addini(
        "importspy_strict", "importspy: warnings fail the session", type="bool", default=False
    )
    parser.addini("importspy_policy", "importspy: policy file, relative to the rootdir", default="")


def _enabled(config: pytest.Config) -> bool:
    option = config.getoption("--importspy")
    return bool(option) if option is not None else bool(config.getini(SECTION))


def _policy_path(config: pytest.Config) -> Path | None:
    option = config.getoption("--importspy-policy")
    if option:
        return Path(option)
    configured = str(config.getini("importspy_policy") or "")
    return config.rootpath / configured if configured else None


def verify_current_environment(
    policy_file: Path | None, *, strict: bool
) -> tuple[VerifyResult, bool]:
    """Verify the running interpreter's environment; the result and whether warnings fail."""
    from hatch_importspy.facts import current_environment
    from hatch_importspy.verify.coverage import flag_nothing_verified
    from hatch_importspy.verify.gate import apply_gate
    from hatch_importspy.verify.installed import default_site_dirs, find_distributions
    from hatch_importspy.verify.policy import Policy, load_policy
    from hatch_importspy.verify.schemes import running_scheme
    from hatch_importspy.verify.self_check import with_verifier_findings
    from hatch_importspy.verify.verifier import verify_installed

    policy = load_policy(policy_file) if policy_file is not None else Policy()
    policy = policy.with_command_line(strict=strict)
    site_dirs = default_site_dirs()
    result = with_verifier_findings(
        verify_installed(site_dirs, [], current_environment(), scheme=running_scheme())
    )
    result = flag_nothing_verified(result, require_manifest=policy.require_manifest)
    installed = find_distributions(site_dirs) if policy.require_manifest else ()
    return apply_gate(result, policy, installed=installed), policy.strict


@contextlib.contextmanager
def _failing_closed(hook: str) -> Iterator[None]:
    """Any unexpected exception in ``hook`` ends the session with one line and exit status 2.

    Left alone, pytest would report it as an internal error (exit 3) with a long traceback, or
    not at all from ``sessionfinish``; a gate reading the status must see "unusable", never
    "tests failed".  ``IMPORTSPY_DEBUG=1`` prints the traceback first (pytest's own ``--debug``
    is another option).  pytest prints the line itself, as ``Exit: importspy: error: ...``.
    """
    try:
        yield
    except (pytest.UsageError, pytest.exit.Exception):
        raise
    except Exception as error:
        from hatch_importspy.failure import (
            EXIT_UNUSABLE,
            debug_requested,
            failure_line,
        )

        if debug_requested():
            import traceback

            traceback.print_exception(type(error), error, error.__traceback__)
        pytest.exit(failure_line(f"pytest --importspy ({hook})", error), returncode=EXIT_UNUSABLE)


@contextlib.contextmanager
def _no_bytecode() -> Iterator[None]:
    """Python caches no bytecode of the modules the verification imports, while it imports them.

    The environment under test is the environment under check, and ``verify`` writes nothing
    into it.  Only for the plugin's own imports: the test session's setting is restored.
    """
    before = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        yield
    finally:
        sys.dont_write_bytecode = before


_DEFERRED = ("hatch_importspy.report", "importlib_metadata._adapters", "zipp")
"""Modules imported later than the verification: the report the session ends with, and what the
``importlib_metadata`` backport (Python < 3.12) imports on first use.  Once imported, the backport's
finder answers pytest's own metadata queries too (the header's plugin list), which would import
those parts, and cache their bytecode, after :func:`_no_bytecode` ends."""


def _import_what_is_deferred() -> None:
    import importlib

    for name in _DEFERRED:
        backport = not name.startswith("hatch_importspy")
        if backport and "importlib_metadata" not in sys.modules:
            continue
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if not _enabled(config):
        return
    with _failing_closed("session start"), _no_bytecode():
        from hatch_importspy.errors import UnusableInputError

        strict = bool(config.getoption("--importspy-strict") or config.getini("importspy_strict"))
        try:
            result, strict = verify_current_environment(_policy_path(config), strict=strict)
        except UnusableInputError as error:
            raise pytest.UsageError(f"importspy: {error}") from None
        _import_what_is_deferred()
    config.stash[_RESULT] = result
    config.stash[_STRICT] = strict


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    with _failing_closed("session finish"), _no_bytecode():
        _finish(session, exitstatus)


def _finish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    result = config.stash.get(_RESULT, None)
    if result is None:
        return
    from hatch_importspy.report.summary import summarize

    compliant = summarize(result, strict=config.stash.get(_STRICT, False)).compliant
    if not compliant and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    with _failing_closed("terminal summary"), _no_bytecode():
        _summary(terminalreporter, config)


def _summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    result = config.stash.get(_RESULT, None)
    if result is None:
        return
    from hatch_importspy.report.summary import summarize
    from hatch_importspy.report.text import render_text

    strict = config.stash.get(_STRICT, False)
    compliant = summarize(result, strict=strict).compliant
    terminalreporter.section(SECTION, sep="=", red=not compliant, green=compliant)
    terminalreporter.write(render_text(result, strict=strict))
    if not compliant:
        terminalreporter.write_line(
            "importspy: the environment under test does not conform: the session fails",
            red=True,
        )
