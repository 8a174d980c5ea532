"""Ask another interpreter what it is and where its site-packages are, without running its site.

``verify --python PATH`` checks the environment of an interpreter other than the one running the
verifier: a virtual environment, a container image's Python, another Python version.  Two things
are needed from it: the facts the ISP1xx checks compare (version, platform, machine,
implementation, the names of the environment variables, the PEP 508 marker environment) and the
directories its distributions are installed in; and, for the bytecode proofs, the cache tag its
loader reads ``__pycache__`` files under.

Starting the target normally would run its ``site`` module, and with it every ``import`` line of
every ``.pth`` file in the environment under check -- exactly what a malicious distribution
relies on.  So the target is started with ``-I -S -B`` only (isolated: no ``PYTHON*`` variables,
no current directory or user site on ``sys.path``; no ``site`` at all; no bytecode written), and
runs a short script that imports nothing but the standard library modules ``importlib.machinery``,
``json``, ``os``, ``platform``, ``sys`` and ``sysconfig``.  The script therefore computes by hand
what ``site`` and
``packaging.markers.default_environment()`` would have:

- the marker environment, key by key as :mod:`packaging` defines it;
- the loader suffixes (``importlib.machinery``'s ``EXTENSION_SUFFIXES``, ``SOURCE_SUFFIXES``,
  ``BYTECODE_SUFFIXES``): which files its path finder takes for a module name;
- the site directories, in the order ``site`` would put them on ``sys.path``.  Without ``site``
  nothing has noticed a virtual environment yet (``site`` is what reads ``pyvenv.cfg`` and
  moves ``sys.prefix`` to the venv), so the script looks for ``pyvenv.cfg`` where ``site`` does
  (next to the executable or one directory up) and, for a venv, lists the venv's
  ``site-packages``, then -- with ``include-system-site-packages = true`` -- the user site and
  the base interpreter's directories; outside a venv, the user site directory (unless
  ``PYTHONNOUSERSITE`` is set), then the default ``sysconfig`` scheme's ``purelib``/``platlib``
  and the directories ``site.getsitepackages()`` would give, including Debian's
  ``dist-packages``.  Only directories that exist are listed.

The values of environment variables are not part of that answer.  When a contract states the
value a variable must have, the target is started once more, the same way, with the stated values
for only those names on its standard input (never on its command line), and answers which of them
differ (:class:`InterpreterValues`): the comparison is made in the target's environment, and its
values never leave it.

The script is written for any Python 3 that can still be found in a container image (no syntax
newer than 3.6), since the verifier may run under a newer Python than the target.  It prints one
JSON object; anything else (the path is not an interpreter, it fails, it does not answer within
the time limit, it prints something else) is an :class:`~hatch_importspy.errors.UnusableInputError`
naming the interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.facts import EnvironmentFacts
from hatch_importspy.pyrules.finder import LoaderSuffixes
from hatch_importspy.verify.schemes import InstallScheme, scheme_from_mapping

DEFAULT_TIMEOUT = 30.0
"""Seconds the target gets to answer; a cold container file system can be slow, a hang is not."""

ISOLATION_FLAGS = ("-I", "-S", "-B")
"""``-I`` ignores ``PYTHONDONTWRITEBYTECODE`` (and every other ``PYTHON*`` variable), so ``-B``
is what keeps the query from caching bytecode of the standard library modules it imports in a
target whose standard library has none: the target is only read, never written."""

QUERY_SCRIPT = r"""
import importlib.machinery, json, os, platform, sys, sysconfig

def full_version(info):
    version = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version

def venv_config():
    executable = os.environ.get("__PYVENV_LAUNCHER__") if sys.platform == "darwin" else None
    exe_dir = os.path.dirname(os.path.abspath(executable or sys.executable))
    for directory in (exe_dir, os.path.dirname(exe_dir)):
        candidate = os.path.join(directory, "pyvenv.cfg")
        if os.path.isfile(candidate):
            return os.path.dirname(exe_dir), candidate
    return None, None

def includes_system_site(config):
    include = "true"
    with open(config, encoding="utf-8") as lines:
        for line in lines:
            key, _, value = line.partition("=")
            if key.strip().lower() == "include-system-site-packages":
                include = value.strip().lower()
    return include == "true"

def prefix_dirs(prefix):
    # What site.getsitepackages() gives for one prefix, plus Debian's dist-packages layout.
    if os.name == "nt":
        return [prefix, os.path.join(prefix, "Lib", "site-packages")]
    version = "python%d.%d" % sys.version_info[:2]
    libdirs = [getattr(sys, "platlibdir", "lib")]
    if libdirs[0] != "lib":
        libdirs.append("lib")
    found = [os.path.join(prefix, libdir, version, "site-packages") for libdir in libdirs]
    if "posix_local" in sysconfig.get_scheme_names():
        found += [
            os.path.join(prefix, "local", "lib", version, "dist-packages"),
            os.path.join(prefix, "lib", "python3", "dist-packages"),
            os.path.join(prefix, "lib", version, "dist-packages"),
        ]
    return found

def scheme_dirs(scheme, base):
    paths = sysconfig.get_paths(scheme, vars={"base": base, "platbase": base})
    return [paths["purelib"], paths["platlib"]]

def user_dir():
    if os.environ.get("PYTHONNOUSERSITE"):
        return []
    if os.name == "nt":
        scheme = "nt_user"
    elif sys.platform == "darwin" and sysconfig.get_config_var("PYTHONFRAMEWORK"):
        scheme = "osx_framework_user"
    else:
        scheme = "posix_user"
    try:
        return [sysconfig.get_path("purelib", scheme)]
    except KeyError:
        return []

def site_dirs(venv_prefix, venv_cfg):
    # In the order site would put them on sys.path: venv, user site, system.
    default = sysconfig.get_paths()
    system = [default["purelib"], default["platlib"]]
    system += prefix_dirs(sys.prefix) + prefix_dirs(sys.exec_prefix)
    if venv_prefix is not None:
        plain = "nt" if os.name == "nt" else "posix_prefix"
        found = scheme_dirs(plain, venv_prefix) + prefix_dirs(venv_prefix)
        if includes_system_site(venv_cfg):
            found += user_dir() + system
    else:
        found = user_dir() + system
    unique = []
    for path in found:
        path = os.path.normpath(path)
        if path not in unique and os.path.isdir(path):
            unique.append(path)
    return unique

def install_scheme(venv_prefix):
    # Where pip would install into this environment: the venv's plain scheme, else the default.
    if venv_prefix is not None:
        plain = "nt" if os.name == "nt" else "posix_prefix"
        paths = sysconfig.get_paths(plain, vars={"base": venv_prefix, "platbase": venv_prefix})
    else:
        paths = sysconfig.get_paths()
    return dict((key, paths[key]) for key in ("purelib", "platlib", "scripts", "data"))

venv_prefix, venv_cfg = venv_config()
markers = {
    "implementation_name": sys.implementation.name,
    "implementation_version": full_version(sys.implementation.version),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "platform_python_implementation": platform.python_implementation(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
answer = {
    "python_version": platform.python_version(),
    "platform": sys.platform,
    "machine": platform.machine(),
    "implementation": sys.implementation.name,
    "env_names": sorted(os.environ),
    "markers": markers,
    "site_dirs": site_dirs(venv_prefix, venv_cfg),
    "scheme": install_scheme(venv_prefix),
    "executable": sys.executable,
    "prefix": venv_prefix or sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "cache_tag": getattr(sys.implementation, "cache_tag", None),
    "pycache_prefix": os.environ.get("PYTHONPYCACHEPREFIX") or None,
    "site_imported": "site" in sys.modules,
    "loader_suffixes": [
        list(importlib.machinery.EXTENSION_SUFFIXES),
        list(importlib.machinery.SOURCE_SUFFIXES),
        list(importlib.machinery.BYTECODE_SUFFIXES),
    ],
}
sys.stdout.write(json.dumps(answer))
"""


VALUES_SCRIPT = r"""
import json, os, sys
wanted = json.loads(sys.stdin.read())
sys.stdout.write(json.dumps(sorted(n for n, v in wanted.items() if os.environ.get(n) != v)))
"""
"""Reads ``{name: stated value}`` on stdin, answers the names whose value differs (or is unset)."""


@dataclass(frozen=True)
class InterpreterValues:
    """Stated environment values compared in another interpreter's environment (see the module
    docstring); each name and value is asked about once."""

    python: str
    env: Mapping[str, str] | None = None
    """The environment it runs with, as for :func:`query_interpreter`."""
    timeout: float = DEFAULT_TIMEOUT
    _answers: dict[tuple[str, str], bool] = field(default_factory=dict, compare=False, repr=False)

    def differing(self, wanted: Mapping[str, str]) -> frozenset[str]:
        asked = {
            name: value for name, value in wanted.items() if (name, value) not in self._answers
        }
        if asked:
            differ = self._ask(asked)
            self._answers.update({(name, value): name in differ for name, value in asked.items()})
        return frozenset(name for name, value in wanted.items() if self._answers[(name, value)])

    def _ask(self, asked: Mapping[str, str]) -> frozenset[str]:
        answer = _Started(
            [self.python, *ISOLATION_FLAGS, "-c", VALUES_SCRIPT],
            interpreter=self.python,
            what="environment values query",
            timeout=self.timeout,
            env=self.env,
            stdin=json.dumps(dict(asked)).encode("utf-8"),
        ).output()
        try:
            names = json.loads(answer)
        except ValueError:
            names = None
        if not isinstance(names, list) or not set(names) <= set(asked):
            raise UnusableInputError(
                f"{self.python}: did not answer the environment values query with names it was "
                "asked about"
            )
        return frozenset(names)


@dataclass(frozen=True)
class InterpreterFacts:
    """What another interpreter said about itself."""

    interpreter: str
    """The path as given, for messages."""
    facts: EnvironmentFacts
    site_dirs: tuple[Path, ...]
    """Where its distributions are, in the order ``site`` would put them on ``sys.path``."""
    executable: str
    prefix: str
    base_prefix: str
    suffixes: LoaderSuffixes
    """Its loader suffixes, in the order its path finder tries them."""
    scheme: InstallScheme | None = None
    """Where its installer puts ``.data`` scripts, data and headers (:mod:`.schemes`)."""
    cache_tag: str | None = None
    """``sys.implementation.cache_tag``: the ``__pycache__`` files its loader reads (``None``:
    none)."""
    pycache_prefix: str | None = None
    """``PYTHONPYCACHEPREFIX`` in its environment: the tree its loader reads cache files from
    instead of ``__pycache__`` (the query itself runs with ``-I``, which ignores it)."""

    @property
    def in_venv(self) -> bool:
        return self.prefix != self.base_prefix


def query_command(python: str | os.PathLike[str]) -> list[str]:
    """The exact command run: ``PYTHON -I -S -B -c SCRIPT``."""
    return [os.fspath(python), *ISOLATION_FLAGS, "-c", QUERY_SCRIPT]


def _strings(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def parse_answer(output: str, *, interpreter: str) -> InterpreterFacts:
    """The interpreter's JSON answer as :class:`InterpreterFacts`."""
    try:
        data = json.loads(output)
    except ValueError:
        raise UnusableInputError(
            f"{interpreter}: did not answer the environment query with JSON (got {output[:60]!r})"
        ) from None
    if not isinstance(data, Mapping):
        raise UnusableInputError(f"{interpreter}: answered the environment query with non-object")
    if data.get("site_imported") is not False:
        raise UnusableInputError(f"{interpreter}: imported site despite -S; refusing to trust it")
    facts = EnvironmentFacts.from_mapping(data, source=f"{interpreter} (environment query)")
    site_dirs = _strings(data.get("site_dirs"))
    texts = [data.get(key) for key in ("executable", "prefix", "base_prefix")]
    if site_dirs is None or not all(isinstance(text, str) for text in texts):
        raise UnusableInputError(f"{interpreter}: environment query answer is incomplete")
    executable, prefix, base_prefix = (str(text) for text in texts)
    suffixes = data.get("loader_suffixes")
    groups = [_strings(group) for group in suffixes] if isinstance(suffixes, list) else []
    if len(groups) != 3 or any(group is None for group in groups):
        raise UnusableInputError(f"{interpreter}: environment query answer is incomplete")
    extension, source, bytecode = (tuple(group or ()) for group in groups)
    scheme_paths = data.get("scheme") or {}
    if not isinstance(scheme_paths, Mapping):
        raise UnusableInputError(f"{interpreter}: environment query answer is incomplete")
    scheme = scheme_from_mapping(scheme_paths, executable=executable, source=interpreter)
    cache_tag = data.get("cache_tag")
    if "cache_tag" not in data or not isinstance(cache_tag, (str, type(None))):
        raise UnusableInputError(f"{interpreter}: environment query answer is incomplete")
    pycache_prefix = data.get("pycache_prefix")
    if not isinstance(pycache_prefix, (str, type(None))):
        raise UnusableInputError(f"{interpreter}: environment query answer is incomplete")
    return InterpreterFacts(
        interpreter=interpreter,
        facts=facts,
        site_dirs=tuple(Path(path) for path in site_dirs),
        executable=executable,
        prefix=prefix,
        base_prefix=base_prefix,
        suffixes=LoaderSuffixes(extension, source, bytecode),
        scheme=scheme,
        cache_tag=cache_tag,
        pycache_prefix=pycache_prefix,
    )


def query_interpreter(
    python: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> InterpreterFacts:
    """Ask the interpreter at ``python`` (run with ``-I -S -B`` only) for its facts and site dirs.

    ``env`` is the environment it runs with (default: ours, which is the one the deployed
    program would see in the same CI step); only the variables' names are reported.  The facts'
    stated values are compared by asking it again, when a contract states any
    (:class:`InterpreterValues`).
    """
    return start_query(python, timeout=timeout, env=env).answer()


def start_query(
    python: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> PendingQuery:
    """:func:`query_interpreter` started, its answer read by :meth:`PendingQuery.answer`: the
    target starts while the caller goes on (``verify --python`` imports its checks meanwhile).
    Whatever goes wrong is raised by :meth:`~PendingQuery.answer`, never here, so that the
    caller's own checks of its input still come first."""
    interpreter = os.fspath(python)
    started = _Started(
        query_command(interpreter),
        interpreter=interpreter,
        what="environment query",
        timeout=timeout,
        env=env,
    )
    return PendingQuery(interpreter, started, InterpreterValues(interpreter, env, timeout))


@dataclass(frozen=True)
class PendingQuery:
    """An environment query under way (:func:`start_query`)."""

    interpreter: str
    started: _Started
    values: InterpreterValues

    def answer(self) -> InterpreterFacts:
        """The interpreter's answer; :class:`UnusableInputError` naming it when there is none."""
        answer = parse_answer(self.started.output(), interpreter=self.interpreter)
        return replace(answer, facts=replace(answer.facts, values=self.values))

    def close(self) -> None:
        """Stop the query if it is still running (its answer was not needed)."""
        self.started.close()


class _Started:
    """One query started in the target; :meth:`output` waits for it and gives its standard
    output, or raises the one-line reason it failed."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        interpreter: str,
        what: str,
        timeout: float,
        env: Mapping[str, str] | None,
        stdin: bytes | None = None,
    ) -> None:
        self._interpreter, self._what, self._timeout = interpreter, what, timeout
        self._input = stdin if stdin is not None else b""
        self._process: subprocess.Popen[bytes] | None = None
        self._problem = ""
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(os.environ if env is None else env),
            )
        except OSError as error:
            self._problem = f"{interpreter}: cannot run: {error.strerror or error}"

    def output(self) -> str:
        """Its standard output, or :class:`UnusableInputError` with the one-line reason."""
        process = self._process
        if process is None:
            raise UnusableInputError(self._problem)
        try:
            stdout, stderr = process.communicate(self._input, timeout=self._timeout)
        except subprocess.TimeoutExpired:
            self.close()
            raise UnusableInputError(
                f"{self._interpreter}: did not answer the {self._what} within {self._timeout:g} s"
            ) from None
        if process.returncode != 0:
            last = _last_line(stderr)
            raise UnusableInputError(
                f"{self._interpreter}: {self._what} failed with exit status {process.returncode}"
                + (f": {last}" if last else "")
            )
        return stdout.decode("utf-8", "replace")

    def close(self) -> None:
        """Stop it if it still runs, and reap it."""
        process = self._process
        if process is not None and process.returncode is None:
            process.kill()
            process.communicate()


def _last_line(stderr: bytes) -> str:
    lines: Sequence[str] = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1].strip() if lines else ""
