"""The import guard itself: the code that runs inside the guarded interpreter.

It is the one part of hatch-importspy that runs in the environment it checks, so it imports
nothing but the standard library (the interpreter is trusted; site-packages is not) and is
compiled from the verifier's own copy of this file, passed to the target with ``-c``, never
imported from the target's site-packages.  ``python -m importspy run`` starts the target
interpreter as ``-I -S`` (no ``PYTHONPATH``, no user site, no ``site``), hands it this source
and a *table* built by :mod:`.table` through an inherited file descriptor, and :func:`main`:

1. drops a ``sys.path`` entry for the current directory (Python 3.10's ``-I`` keeps it), so
   the standard modules this file imports cannot be shadowed;
2. replaces the path finder in ``sys.meta_path`` with :class:`GuardFinder`;
3. processes ``site`` itself with every ``.pth`` file read once, its bytes held to the digest
   :mod:`.table` approved before a line of it runs (``site`` is handed those very bytes), and
   ``sitecustomize`` imported through the guard;
4. runs the target (a script, ``-m module`` or ``-c code``) as Python would.

Every module the path finder finds in an environment directory (a site directory, or one a
``.pth`` file added) is judged before it executes: a file the table vouches for is read once,
its sha256 compared, and exactly those bytes are what runs -- the source is compiled from them
(bytecode beside it is never trusted unless the approval lock approved its digest, and then
those bytes are unmarshalled after their own digest is checked), an extension module is
hashed immediately before it is loaded.  A file nobody vouches for is refused when it would
shadow a vouched module or sit inside a vouched package, or is start-up code, and (with a lock
or ``--require-manifest``) wherever it is in the environment.  The standard library and the
application's own directory are not judged: the interpreter and the deployed application are
what the guard trusts.

Refusing means: in ``enforce`` mode an :class:`ImportError` naming the finding code and the
file (start-up code stops the interpreter before the application starts); in ``warn`` mode one
line on stderr and the module runs; in ``audit`` mode nothing is shown.  Every mode can write each
load and its verdict as a JSON line to a log file.

:func:`install` puts the same finder into a running interpreter (the API of
:mod:`hatch_importspy.guard`); what ran before it -- ``site``, ``.pth`` files, modules already
imported -- it cannot undo, and it says so in :func:`already_loaded`.
"""

from __future__ import annotations

import hashlib
import importlib.machinery as machinery
import importlib.util
import io
import json
import marshal
import os
import stat
import sys
import types

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from importlib.machinery import ModuleSpec
    from types import CodeType, ModuleType
    from typing import IO, Any

    from typing_extensions import Buffer

ENFORCE = "enforce"
WARN = "warn"
AUDIT = "audit"
MODES = (ENFORCE, WARN, AUDIT)

VOUCHED = "vouched"
"""The file's bytes have the digest the table vouches for."""
REFUSED = "refused"
"""A finding: in enforce mode the module does not run."""
WARNED = "warned"
"""A finding the mode (warn, audit) or the policy (a lowered severity) lets run."""
ACCEPTED = "accepted"
"""A file the policy accepts as changed: it runs whatever its digest."""
UNCHECKED = "unchecked"
"""In an environment directory, vouched by nobody, and nothing requires it to be."""
TRUSTED = "trusted"
"""The standard library, or the application's own directories."""

CUSTOMIZE = ("sitecustomize", "usercustomize")
EXIT_REFUSED = 1
_HEADER = 16  # magic, flags and two words of source stamp: bytecode starts here (PEP 552)


class GuardError(ImportError):
    """An import the guard refused (enforce mode): ``code`` and ``path`` say which and why."""

    def __init__(self, code: str, path: str, message: str, name: str) -> None:
        super().__init__(f"importspy: {code} {path}: {message}", name=name, path=path)
        self.code = code


class StartupRefused(BaseException):
    """Start-up code the guard refused: raised through ``site`` (which swallows exceptions from
    ``sitecustomize``), caught by :func:`main`, which stops the interpreter."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def matches(actual: str, vouched: str) -> bool:
    """Whether ``actual`` is the vouched digest, or one of several (comma-separated: a path two
    distributions ship, such as a namespace package's ``__init__.py``)."""
    return actual == vouched or ("," in vouched and actual in vouched.split(","))


def read_bytes(path: str) -> bytes:
    """A file's bytes, read once through ``io.open_code`` (as the import system reads code)."""
    with io.open_code(path) as stream:
        return stream.read()


def read_regular(path: str) -> bytes:
    """A regular file's bytes; anything else (a FIFO, a device) raises :class:`OSError` without
    blocking."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(f"{path}: not a regular file")
        with open(descriptor, "rb", closefd=False) as stream:
            return stream.read()
    finally:
        os.close(descriptor)


class Table:
    """What the verifier approved, as :mod:`.table` wrote it (JSON, read once)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.mode: str = data["mode"]
        if self.mode not in MODES:
            raise ValueError(f"unknown guard mode {self.mode!r}")
        self.files: dict[str, str] = data["files"]
        self.bytecode: dict[str, str] = data["bytecode"]
        self.refused: dict[str, list[str]] = data["refused"]
        self.accepted: dict[str, str] = data["accepted"]
        self.modules: dict[str, str] = data["modules"]
        self.packages: dict[str, str] = data["packages"]
        self.startup: dict[str, str] = data["startup"]
        self.strict: bool = data["strict"]
        self.lenient: frozenset[str] = frozenset(data["lenient"])
        self.sites: tuple[str, ...] = tuple(data["sites"])
        self.log: str | None = data.get("log")


def _prefixes(directories: Sequence[str]) -> tuple[str, ...]:
    """Each directory as a prefix of the paths inside it (``/a/b/``), both as given and with
    symbolic links resolved."""
    found: list[str] = []
    for directory in directories:
        for form in (directory, os.path.realpath(directory)):
            prefix = os.path.join(form, "")
            if prefix not in found:
                found.append(prefix)
    return tuple(found)


class Guard:
    """Judges each load against the table and acts on the verdict in the table's mode."""

    def __init__(self, table: Table, stdlib: Sequence[str]) -> None:
        self.table = table
        self.environment = _prefixes(table.sites)
        self.stdlib = _prefixes(stdlib)
        self._log: IO[str] | None = None
        self.warnings = 0

    # ------------------------------------------------------------------ verdicts

    def add_environment(self, directories: Sequence[str]) -> None:
        """Directories ``.pth`` files put on ``sys.path``: judged like site directories."""
        self.environment = _prefixes([*self.environment, *directories])

    def judge(self, name: str, origin: str) -> tuple[str, str, str, str | None]:
        """``(verdict, code, message, digest)`` for module ``name`` found at ``origin``;
        ``digest`` is the vouched hex sha256 its bytes must have (``None``: not checked)."""
        table = self.table
        digest = table.files.get(origin)
        if digest is not None:
            return VOUCHED, "", "", digest
        in_environment = origin.startswith(self.environment)
        if in_environment:
            resolved = os.path.realpath(origin)
            digest = table.files.get(resolved)
            if digest is not None:
                return VOUCHED, "", "", digest
            for key in (origin, resolved):
                if key in table.accepted:
                    return ACCEPTED, "", table.accepted[key], None
                if key in table.refused:
                    code, message = table.refused[key]
                    return REFUSED, code, message, None
        elif origin.startswith(self.stdlib):
            return TRUSTED, "", "", None
        if name in CUSTOMIZE:
            return (
                REFUSED,
                "ISP307",
                f"{name} runs at start-up and no vouched distribution ships this file",
                None,
            )
        owner = table.modules.get(name)
        if owner is not None:
            return (
                REFUSED,
                "ISP313",
                f"module {name} would load from this file, not from the one {owner} vouches for",
                None,
            )
        parent = name.rpartition(".")[0]
        owner = table.packages.get(parent) if parent else None
        if owner is not None:
            return (
                REFUSED,
                "ISP303",
                f"module {name} is not part of {owner}, whose package it was added to",
                None,
            )
        if in_environment:
            if table.strict:
                return (
                    REFUSED,
                    "ISP314",
                    f"module {name} is in the environment and no approved distribution "
                    "vouches for it",
                    None,
                )
            return UNCHECKED, "", "", None
        return TRUSTED, "", "", None

    # ------------------------------------------------------------------ acting

    def record(
        self,
        name: str,
        path: str,
        verdict: str,
        code: str = "",
        message: str = "",
        runs: str = "",
    ) -> None:
        """Write one load to the log, when there is one (``runs``: ``source`` when the source
        was compiled, ``bytecode`` when lock-approved bytecode ran)."""
        if self.table.log is None:
            return
        if self._log is None:
            self._log = open(self.table.log, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        event = {"module": name, "file": path, "verdict": verdict}
        if code:
            event["code"] = code
            event["message"] = message
        if runs:
            event["runs"] = runs
        self._log.write(json.dumps(event) + "\n")

    def refuses(self, code: str) -> bool:
        """Whether a finding with ``code`` stops the load (enforce mode, and not lowered by the
        policy to a severity that does not fail)."""
        return self.table.mode == ENFORCE and code not in self.table.lenient

    def finding(self, name: str, path: str, code: str, message: str, *, startup: bool) -> None:
        """Act on a finding: raise in enforce mode, warn in warn mode, record in all."""
        refused = self.refuses(code)
        self.record(name, path, REFUSED if refused else WARNED, code, message)
        if refused:
            if startup:
                raise StartupRefused(f"importspy: {code} {path}: {message}")
            raise GuardError(code, path, message, name)
        if self.table.mode == WARN or code in self.table.lenient:
            self.warnings += 1
            sys.stderr.write(f"importspy: warning: {code} {path}: {message}\n")

    def check_bytes(self, name: str, path: str, data: bytes, digest: str) -> bool:
        """Hold the bytes just read to their vouched digest: ``True`` when they match; a
        finding otherwise (raised in enforce mode)."""
        if matches(sha256_hex(data), digest):
            return True
        self.finding(
            name,
            path,
            "ISP301",
            "its sha256 differs from the one its distribution vouches for",
            startup=name in CUSTOMIZE,
        )
        return False

    def approved_code(self, source_path: str) -> CodeType | None:
        """The code of the cache file beside ``source_path`` when the lock approves its exact
        bytes (proven its vouched source's compilation when the lock was made), else ``None``
        (the source is compiled instead: an unapproved cache file is never run)."""
        if not self.table.bytecode:
            return None
        try:
            cache = importlib.util.cache_from_source(source_path)
        except (NotImplementedError, ValueError):
            return None
        digest = self.table.bytecode.get(cache)
        if digest is None:
            return None
        try:
            data = read_bytes(cache)
        except OSError:
            return None
        if data[:4] != importlib.util.MAGIC_NUMBER or sha256_hex(data) != digest:
            return None
        code = marshal.loads(memoryview(data)[_HEADER:])
        return code if isinstance(code, types.CodeType) else None

    def startup_bytes(self, path: str) -> bytes:
        """A ``.pth`` file's bytes for ``site``, held to the digest approved for it.

        A file that was not approved is a finding before it is even opened (in enforce mode
        nothing of it is read: a FIFO planted there cannot stall the start); an approved one is
        read once, as a regular file, and its bytes are what ``site`` gets."""
        approved = self.table.startup.get(path)
        if approved is None:
            approved = self.table.startup.get(os.path.realpath(path))
        if approved is None:
            refused = self.table.refused.get(path) or self.table.refused.get(os.path.realpath(path))
            code, message = refused or (
                "ISP307",
                "a start-up file the environment check did not see",
            )
            self.finding("", path, code, message, startup=True)
            return read_bytes(path)  # warn or audit mode: site reads it, as Python would
        try:
            data = read_regular(path)
        except OSError as error:
            self.finding("", path, "ISP318", f"cannot be read: {error}", startup=True)
            return read_bytes(path)
        if matches(sha256_hex(data), approved):
            self.record("", path, VOUCHED, runs="start-up")
        else:
            message = "changed since the environment was checked"
            self.finding("", path, "ISP301", message, startup=True)
        return data

    def guarded(self, name: str, spec: ModuleSpec) -> ModuleSpec:
        """``spec`` with its loader replaced by one that checks the bytes it runs, or the
        finding raised (enforce mode)."""
        origin = spec.origin
        if origin is None or not spec.has_location:
            return spec  # a namespace package: no code
        verdict, code, message, digest = self.judge(name, origin)
        if verdict == REFUSED:
            self.finding(name, origin, code, message, startup=name in CUSTOMIZE)
            return spec
        if digest is None:
            self.record(name, origin, verdict, "", message)
            return spec
        loader = spec.loader
        guarded: GuardedSourceLoader | GuardedExtensionLoader | GuardedSourcelessLoader | None = (
            None
        )
        if isinstance(loader, machinery.SourceFileLoader):
            guarded = GuardedSourceLoader(name, origin)
        elif isinstance(loader, machinery.ExtensionFileLoader):
            guarded = GuardedExtensionLoader(name, origin)
        elif isinstance(loader, machinery.SourcelessFileLoader):
            guarded = GuardedSourcelessLoader(name, origin)
        if guarded is not None:
            # The loader reads, checks and runs the file itself: see its get_code/create_module.
            guarded._guard, guarded._digest = self, digest
            spec.loader = guarded
        else:
            self.finding(
                name,
                origin,
                "ISP312",
                f"loaded by {type(loader).__name__}, which the guard cannot check",
                startup=name in CUSTOMIZE,
            )
        return spec


class GuardedSourceLoader(machinery.SourceFileLoader):
    """Compiles the source from the bytes it checked (or runs lock-approved bytecode)."""

    _guard: Guard
    _digest: str

    def get_code(self, fullname: str) -> CodeType:
        path = self.get_filename(fullname)
        data = read_bytes(path)
        guard = self._guard
        if not guard.check_bytes(fullname, path, data, self._digest):
            compiled: CodeType = compile(data, path, "exec", dont_inherit=True)
            return compiled
        code = guard.approved_code(path)
        guard.record(fullname, path, VOUCHED, runs="source" if code is None else "bytecode")
        if code is None:
            code = compile(data, path, "exec", dont_inherit=True)
        return code

    def set_data(self, path: str, data: Buffer, *, _mode: int = 0o666) -> None:
        """Never writes bytecode: the environment under guard is not written to."""


class GuardedExtensionLoader(machinery.ExtensionFileLoader):
    """Hashes the extension module immediately before the dynamic loader opens it."""

    _guard: Guard
    _digest: str

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        if self._guard.check_bytes(spec.name, self.path, read_bytes(self.path), self._digest):
            self._guard.record(spec.name, self.path, VOUCHED, runs="extension")
        return super().create_module(spec)


class GuardedSourcelessLoader(machinery.SourcelessFileLoader):
    """Runs a shipped bytecode-only module from the bytes it checked."""

    _guard: Guard
    _digest: str

    def get_code(self, fullname: str) -> CodeType:
        path = self.get_filename(fullname)
        data = read_bytes(path)
        if self._guard.check_bytes(fullname, path, data, self._digest):
            self._guard.record(fullname, path, VOUCHED, runs="bytecode")
        if data[:4] != importlib.util.MAGIC_NUMBER:
            raise ImportError(f"bad magic number in {path}", name=fullname, path=path)
        code = marshal.loads(memoryview(data)[_HEADER:])
        if not isinstance(code, types.CodeType):
            raise ImportError(f"no code object in {path}", name=fullname, path=path)
        return code


class GuardFinder:
    """Python's path finder, with every spec it finds judged by the guard."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        spec = machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None:
            return None
        return self.guard.guarded(fullname, spec)

    def invalidate_caches(self) -> None:
        machinery.PathFinder.invalidate_caches()


def install_finder(guard: Guard) -> GuardFinder:
    """Put a :class:`GuardFinder` where the path finder is in ``sys.meta_path`` (so built-in
    and frozen modules keep their place ahead of it) and stop bytecode writing."""
    finder = GuardFinder(guard)
    for index, entry in enumerate(sys.meta_path):
        if entry is machinery.PathFinder:
            sys.meta_path[index] = finder
            break
    else:
        sys.meta_path.append(finder)
    sys.dont_write_bytecode = True
    return finder


def stdlib_directories() -> tuple[str, ...]:
    """Where the interpreter's own modules are (trusted like the interpreter binary)."""
    import sysconfig

    paths = sysconfig.get_paths()
    return tuple(paths[key] for key in ("stdlib", "platstdlib") if key in paths)


class _SiteIO:
    """Stands in for ``io`` inside ``site`` while it runs: ``open_code`` hands ``site`` the
    bytes of each ``.pth`` file the guard read and approved, so what runs is what was checked."""

    def __init__(self, guard: Guard) -> None:
        self._guard = guard

    def open_code(self, path: str) -> io.BytesIO:
        return io.BytesIO(self._guard.startup_bytes(os.fspath(path)))

    def __getattr__(self, name: str) -> object:
        return getattr(io, name)


def process_site(guard: Guard) -> None:
    """Run ``site`` as interpreter start-up would, through the guard."""
    import site

    before = list(sys.path)
    site_module: Any = site
    site_module.io = _SiteIO(guard)
    try:
        site.main()
    finally:
        site_module.io = io
    added = [entry for entry in sys.path if entry not in before]
    guard.add_environment(added)


_MAIN_KEYS = frozenset(
    {"__name__", "__doc__", "__package__", "__loader__", "__spec__", "__annotations__"}
)


def _fresh_main() -> dict[str, Any]:
    """``__main__``'s namespace without the names the ``-c`` stub left in it."""
    namespace: dict[str, Any] = sys.modules["__main__"].__dict__
    for key in list(namespace):
        if key not in _MAIN_KEYS and key != "__builtins__":
            del namespace[key]
    return namespace


def run_target(kind: str, value: str, arguments: Sequence[str]) -> None:
    """Run the application as ``python SCRIPT``, ``python -m MODULE`` or ``python -c CODE``
    would: the same ``sys.argv``, the same first ``sys.path`` entry, the same ``__main__``."""
    import runpy

    if kind == "module":
        sys.argv[:] = ["-m", *arguments]
        sys.path.insert(0, os.getcwd())
        getattr(runpy, "_run_module_as_main")(value)  # noqa: B009 -- what ``python -m`` calls
        return
    if kind == "code":
        sys.argv[:] = ["-c", *arguments]
        sys.path.insert(0, "")
        exec(compile(value, "<string>", "exec"), _fresh_main())
        return
    sys.argv[:] = [value, *arguments]
    sys.path.insert(0, os.path.dirname(os.path.realpath(value)))
    if os.path.isdir(value) or (not value.endswith((".py", ".pyw")) and _is_zip(value)):
        runpy.run_path(value, run_name="__main__")
        return
    source = read_bytes(value)
    namespace = _fresh_main()
    namespace.update(
        __file__=value, __cached__=None, __loader__=machinery.SourceFileLoader("__main__", value)
    )
    exec(compile(source, value, "exec", dont_inherit=True), namespace)


def _is_zip(path: str) -> bool:
    import zipfile

    return zipfile.is_zipfile(path)


def main(data: Mapping[str, Any]) -> None:
    """The guarded interpreter's start: the guard, then ``site``, then the application."""
    guard = Guard(Table(data["table"]), stdlib_directories())
    install_finder(guard)
    target = data["target"]
    try:
        process_site(guard)
    except StartupRefused as refused:
        sys.stderr.write(f"{refused.text} (refused to start the program)\n")
        sys.stderr.flush()
        os._exit(EXIT_REFUSED)
    if target["kind"] == "script" and not os.path.exists(target["value"]):
        sys.stderr.write(
            f"{sys.executable}: can't open file {target['value']!r}: "
            "[Errno 2] No such file or directory\n"
        )
        raise SystemExit(2)
    run_target(target["kind"], target["value"], target["arguments"])


def install(data: Mapping[str, Any]) -> Guard:
    """Guard this running interpreter from now on (see :func:`hatch_importspy.guard.install`)."""
    guard = Guard(Table(data), stdlib_directories())
    install_finder(guard)
    return guard


def check_loaded(guard: Guard, modules: Mapping[str, ModuleType]) -> None:
    """Judge the modules imported before the guard as if they were being imported now: a file it
    would refuse, or a vouched file whose bytes no longer have their digest, is a finding (in
    enforce mode the first one raises).  They have run already; this says so, it cannot undo it."""
    for name, module in sorted(modules.items()):
        origin = getattr(getattr(module, "__spec__", None), "origin", None)
        if not isinstance(origin, str) or not os.path.isabs(origin):
            continue
        verdict, code, message, digest = guard.judge(name, origin)
        if verdict == REFUSED:
            guard.finding(
                name, origin, code, f"{message} (imported before the guard)", startup=False
            )
        elif digest is not None:
            try:
                data = read_bytes(origin)
            except OSError:
                continue
            guard.check_bytes(name, origin, data, digest)
