"""Side-by-side timings of the build hook and of ``verify`` against their floors.

Run it with the test environment's interpreter (``bash scripts/test.sh`` creates it):

    .venv-test/bin/python benchmarks/bench.py [--modules 400] [--repeat 5] [--startup-only]

It generates a synthetic package of ``--modules`` realistic modules (classes, methods, properties,
dataclasses, annotated signatures of every parameter kind) in a temporary directory, then measures,
with the variants of each comparison interleaved in every repetition so that drifting machine
load hits them alike, and reports medians and ratios:

(a) building the wheel with the ``importspy`` hook and with ``HATCH_BUILD_NO_HOOKS=true`` (in
    process through hatchling's builder, and as ``python -m build --no-isolation``), against the
    floor no static extractor can beat: reading and ``ast.parse``-ing the same sources;
(b) ``verify`` of every manifest-bearing distribution in a virtual environment where the package
    is installed without bytecode (``pip install --no-compile``; in process, and as ``python -m
    importspy verify``), against ``python -m pip check`` on the same environment and against just
    reading and hashing the same files;
(c) the bytecode proof, once ``python -m compileall`` has byte-compiled the package there: proving
    every cache file Python would load instead of a vouched source (``verify.bytecode.prove``,
    one prover process per core, and in one process), against ``compile()`` of the same sources
    on one core in process; and ``verify`` of the compiled install, in process, without a lock
    (every cache file proven) and with ``--lock`` (a lock made by ``lock`` there: every cache
    file accepted by its hash), against reading and hashing the vouched sources plus their cache
    files and against the same single-core ``compile()``.
(d) start-up, as commands in that environment: ``python -m importspy verify`` against ``python
    -c`` reading and hashing the same files, and ``python -m importspy --version`` against
    ``python -c pass``.  ``--part d`` builds the wheel once and times only this part.

The virtual environment needs hatch-importspy's dependencies, so part (b) installs them from the
package index (pip's cache makes later runs quick).
"""

from __future__ import annotations

import argparse
import ast
import compileall
import contextlib
import dataclasses
import gc
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
import unittest.mock
import venv
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from hatch_importspy.describe.config import ImportSpyOptions
from hatch_importspy.describe.distribution import describe_distribution
from hatch_importspy.facts import EnvironmentFacts, current_environment
from hatch_importspy.formats.manifest import (
    MANIFEST_FILENAME,
    dumps,
    load_bytes,
    load_bytes_deferred,
)
from hatch_importspy.formats.record import record_digests
from hatch_importspy.model import SpyModel
from hatch_importspy.pyrules.bytecode import BY_DIGEST, BY_TEMPLATE
from hatch_importspy.verify import bytecode, installed
from hatch_importspy.verify.gate import apply_gate
from hatch_importspy.verify.lock import Lock, installed_entries, make_lock
from hatch_importspy.verify.lock_bytecode import approve_bytecode
from hatch_importspy.verify.policy import Policy
from hatch_importspy.verify.verifier import verify_installed

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "benchpkg"
MODULES_PER_SUBPACKAGE = 25
IN_PROCESS_REPEAT = 5
"""In-process ``verify`` variants take milliseconds: they get this many times the repetitions."""
STARTUP_REPEAT = 3
"""Commands take tens of milliseconds and start-up is noisy: this many times the repetitions."""

Timer = Callable[[], object]


# --------------------------------------------------------------------------- the synthetic package


def module_source(index: int) -> str:
    """One module of ~250 lines: the shapes real libraries are made of, distinct per index."""
    blocks = [
        f'''\
        """Synthetic module {index} of the hatch-importspy benchmark package."""

        from __future__ import annotations

        import dataclasses
        import enum
        from collections.abc import Iterable, Iterator, Mapping
        from typing import Any, ClassVar, Generic, TypeVar

        T = TypeVar("T")
        LIMIT_{index}: int = {index}
        NAMES_{index} = ("alpha", "beta", "gamma")
        _cache: dict[str, int] = {{}}

        __all__ = ["Color{index}", "Record{index}", "Service{index}", "build_{index}"]


        class Color{index}(enum.Enum):
            """Colours, as enums usually are."""

            RED = 1
            GREEN = 2
            BLUE = 3


        @dataclasses.dataclass(frozen=True)
        class Record{index}:
            """A frozen record with defaults."""

            name: str
            size: int = 0
            tags: tuple[str, ...] = ()
            owner: str | None = None

            def describe(self, *, verbose: bool = False) -> str:
                text = f"{{self.name}} ({{self.size}})"
                if verbose:
                    text += " " + ", ".join(self.tags)
                return text

            def with_size(self, size: int, /) -> Record{index}:
                return dataclasses.replace(self, size=size)
        '''
    ]
    for variant in range(4):
        blocks.append(
            f'''\
            class Service{index}_{variant}(Generic[T]):
                """A generic service with every kind of method."""

                registry: ClassVar[dict[str, int]] = {{}}
                timeout: float = 1.5

                def __init__(
                    self, items: Iterable[T], /, limit: int = LIMIT_{index}, *, name: str = ""
                ) -> None:
                    self.items = list(items)
                    self._limit = limit
                    self.name = name or "service"
                    self.calls: int = 0

                @property
                def size(self) -> int:
                    return len(self.items)

                @classmethod
                def from_mapping(cls, data: Mapping[str, T]) -> Service{index}_{variant}[T]:
                    return cls(data.values(), name=",".join(data))

                @staticmethod
                def normalise(value: str, *, lower: bool = True) -> str:
                    value = value.strip()
                    return value.lower() if lower else value

                async def fetch(
                    self, key: str, *args: Any, timeout: float = 1.0, **kwargs: Any
                ) -> T | None:
                    self.calls += 1
                    for item in self.items:
                        if str(item) == key:
                            return item
                    return None

                def __iter__(self) -> Iterator[T]:
                    return iter(self.items[: self._limit])

                def _evict(self, count: int = 1) -> None:
                    del self.items[:count]


            def build_{index}_{variant}(
                a: int, b: str = "x", *rest: int, flag: bool = False, **extra: Any
            ) -> dict[str, Any]:
                """Build a mapping the long way, like real code does."""
                result: dict[str, Any] = {{"a": a, "b": b, "flag": flag}}
                for position, value in enumerate(rest):
                    if value % 2:
                        result[f"odd_{{position}}"] = value
                    else:
                        result[f"even_{{position}}"] = value * {variant + 1}
                result.update({{key: value for key, value in extra.items() if key not in result}})
                return result
            '''
        )
    blocks.append(
        f"""\
        Service{index} = Service{index}_0
        build_{index} = build_{index}_0
        """
    )
    return "\n\n".join(textwrap.dedent(block) for block in blocks)


def generate_project(root: Path, modules: int) -> list[Path]:
    """Write the project (``pyproject.toml`` enabling the hook) and return its module files."""
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [build-system]
            requires = ["hatchling", "hatch-importspy"]
            build-backend = "hatchling.build"

            [project]
            name = "{PACKAGE}"
            version = "1.0.0"
            requires-python = ">=3.10"
            dependencies = ["packaging>=20"]

            [tool.hatch.build.hooks.importspy]
            """
        ),
        encoding="utf-8",
    )
    sources: list[Path] = []
    package = root / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text('"""Benchmark package."""\n', encoding="utf-8")
    sources.append(package / "__init__.py")
    for index in range(modules):
        sub = package / f"sub{index // MODULES_PER_SUBPACKAGE:02d}"
        if not sub.exists():
            sub.mkdir()
            (sub / "__init__.py").write_text("", encoding="utf-8")
            sources.append(sub / "__init__.py")
        path = sub / f"mod{index:04d}.py"
        path.write_text(module_source(index), encoding="utf-8")
        sources.append(path)
    return sources


# --------------------------------------------------------------------------- measuring


def measure(
    variants: dict[str, Timer], repeat: int, cpu: dict[str, list[float]] | None = None
) -> dict[str, list[float]]:
    """Run every variant once per repetition, rotating their order, after one warm-up round.

    Returns the wall-clock seconds of each run; ``cpu``, when given, gets the CPU seconds of each
    (this process's and its children's, which other programs on the machine do not inflate).
    """
    names = list(variants)
    for name in names:
        variants[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeat):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()  # garbage of the previous variant must not be collected on this one's time
            start_cpu = cpu_seconds()  # outside the wall-clock window
            start = time.perf_counter()
            variants[name]()
            times[name].append(time.perf_counter() - start)
            if cpu is not None:
                cpu.setdefault(name, []).append(cpu_seconds() - start_cpu)
    return times


def cpu_seconds() -> float:
    """CPU time used so far by this process and the child processes it has waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def command_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a timed command, with ``PYTHONDONTWRITEBYTECODE`` set: a
    floor or ``pip check`` run in the environment under test must not write bytecode into it
    (that would change what ``verify`` proves; ``python -m importspy`` never writes any)."""
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}


def compile_checkout() -> None:
    """Byte-compile this checkout's packages, as pip does when it installs them.

    The commands timed run hatch-importspy from this checkout (``python -m importspy`` in the
    repository root, or the editable install), and ``python -m importspy`` writes no bytecode:
    without this, whether each run first compiles hatch-importspy's own modules (about 70 ms)
    would depend on what happened to run in the checkout before.
    """
    for package in ("hatch_importspy", "importspy"):
        compileall.compile_dir(REPO / package, quiet=1)


def run(command: Sequence[str | Path], env: Mapping[str, str] | None = None) -> None:
    """Run a command quietly, with ``env`` added to the environment (see
    :func:`command_environment`); a failure stops the benchmark with the command's output."""
    completed = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        env=command_environment(env),
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(
            f"bench: {' '.join(map(str, command))} exited {completed.returncode}\n"
            f"{completed.stdout}{completed.stderr}"
        )


@contextlib.contextmanager
def environment_variable(name: str, value: str | None) -> Iterator[None]:
    old = os.environ.get(name)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def report(title: str, times: dict[str, list[float]], ratios: Sequence[tuple[str, float]]) -> None:
    print(f"\n{title}")
    width = max(map(len, times))
    for name, samples in times.items():
        print(
            f"  {name:<{width}}  median {statistics.median(samples) * 1000:9.1f} ms"
            f"  (min {min(samples) * 1000:9.1f} ms, n={len(samples)})"
        )
    for label, value in ratios:
        print(f"  {label}: {value:.2f}")


def median(times: dict[str, list[float]], name: str) -> float:
    return statistics.median(times[name])


# --------------------------------------------------------------------------- (a) the build


def parse_floor(sources: Sequence[Path]) -> None:
    for path in sources:
        ast.parse(path.read_bytes(), filename=str(path))


def bench_build(project: Path, sources: Sequence[Path], scratch: Path, repeat: int) -> Path:
    """Time builds with and without the hook; return a wheel built with it, for part (b)."""
    from hatchling.build import build_wheel

    outputs = (scratch / f"wheels-{number}" for number in range(1_000_000))

    def in_process(hooks: bool, out: Path | None = None) -> Path:
        target = out or next(outputs)
        with (
            chdir(project),
            environment_variable("HATCH_BUILD_NO_HOOKS", None if hooks else "true"),
        ):
            return target / build_wheel(str(target))

    def command(hooks: bool) -> None:
        env = {} if hooks else {"HATCH_BUILD_NO_HOOKS": "true"}
        wheel_command = [sys.executable, "-m", "build", "--wheel", "--no-isolation"]
        run([*wheel_command, "-o", next(outputs), project], env=env)

    files = [(str(path.relative_to(project)), path) for path in sources]

    def describe() -> SpyModel:
        return describe_distribution(
            files, name=PACKAGE, version="1.0.0", requires=(), options=ImportSpyOptions()
        )

    model = describe()
    times = measure(
        {
            "build in process, with hook": lambda: in_process(True),
            "build in process, no hooks": lambda: in_process(False),
            "ast.parse of the sources (floor)": lambda: parse_floor(sources),
            "  of which: describe_distribution": describe,
            "  of which: manifest.dumps": lambda: dumps(model),
            "python -m build, with hook": lambda: command(True),
            "python -m build, no hooks": lambda: command(False),
        },
        repeat,
    )
    floor = median(times, "ast.parse of the sources (floor)")
    added = median(times, "build in process, with hook") - median(
        times, "build in process, no hooks"
    )
    added_command = median(times, "python -m build, with hook") - median(
        times, "python -m build, no hooks"
    )
    report(
        f"(a) wheel build of {len(sources)} modules",
        times,
        [
            ("time the hook adds, in process / parse floor (target <= 1.0)", added / floor),
            ("time the hook adds, as a command / parse floor", added_command / floor),
            (
                "describe_distribution / parse floor",
                median(times, "  of which: describe_distribution") / floor,
            ),
        ],
    )
    return in_process(True, scratch / "final")


def build_quietly(project: Path, out: Path) -> str:
    """The package's wheel, built with the hook in process and untimed (for ``--part b|c``)."""
    from hatchling.build import build_wheel

    with chdir(project):
        return build_wheel(str(out))


@contextlib.contextmanager
def chdir(path: Path) -> Iterator[None]:
    """``contextlib.chdir``, which Python 3.10 lacks."""
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


# --------------------------------------------------------------------------- (b) verify


def site_packages(environment: Path) -> Path:
    scheme = "nt" if os.name == "nt" else "posix_prefix"
    paths = sysconfig.get_paths(
        scheme, vars={"base": str(environment), "platbase": str(environment)}
    )
    return Path(paths["purelib"])


def manifests(site: Path) -> dict[Path, bytes]:
    """The embedded manifest of every distribution in ``site`` that carries one."""
    return {
        path: path.read_bytes()
        for path in sorted(site.glob(f"*.dist-info/extra_metadata/{MANIFEST_FILENAME}"))
    }


def vouched_files(site: Path, documents: dict[Path, bytes]) -> list[Path]:
    """Every file the manifests vouch for: exactly what ``verify`` has to read and hash."""
    return [
        site / path
        for source, document in documents.items()
        for path in load_bytes(document, str(source)).file_digests()
    ]


def recorded_files(site: Path) -> list[Path]:
    """Every file in ``site`` that some distribution's RECORD gives a sha256 for, and every file
    the manifests vouch for: what ``verify`` reads and hashes, since it holds every distribution to
    its own RECORD as well as the manifest carriers to their manifests."""
    found: set[Path] = set(vouched_files(site, manifests(site)))
    for record in site.glob("*.dist-info/RECORD"):
        digests = record_digests(record.read_text(encoding="utf-8"), source=str(record))
        for path, digest in digests.items():
            target = (site / path).resolve()
            if digest is not None and target.is_relative_to(site.resolve()) and target.is_file():
                found.add(site / path)
    return sorted(found)


def read_and_hash(files: Sequence[Path]) -> None:
    """The floor as a program that only reads and hashes would be written."""
    for path in files:
        hashlib.sha256(path.read_bytes()).digest()


def read_and_hash_descriptors(files: Sequence[str]) -> None:
    """The floor with the cheapest reads we know: the raw file descriptor, which is how
    ``verify`` itself reads (``records.sha256_file``).  Holding verify to this floor keeps
    verify's own faster reads from flattering the ratio."""
    for path in files:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            chunk = os.read(descriptor, 1 << 16)
            digest = hashlib.sha256(chunk)
            while len(chunk) == 1 << 16:  # a short read is the end, as verify reads
                chunk = os.read(descriptor, 1 << 16)
                digest.update(chunk)
        finally:
            os.close(descriptor)
        digest.digest()


def sha256_with_open(path: str | os.PathLike[str]) -> str:
    """How ``verify`` read files before it used the descriptor: ``open()`` and 64 KiB reads."""
    with open(path, "rb") as stream:  # noqa: PTH123
        digest = hashlib.sha256()
        while chunk := stream.read(1 << 16):
            digest.update(chunk)
        return digest.hexdigest()


def verify_reading_with_open(site: Path, facts: EnvironmentFacts) -> None:
    """``verify`` with its reads swapped for ``open()``: what the bookkeeping alone costs against
    the ``Path.read_bytes`` floor, without the help of the cheaper reads."""
    with unittest.mock.patch.object(installed, "sha256_file", sha256_with_open):
        verify_installed([site], [], facts)


HASH_SCRIPT = """\
import hashlib, sys
for path in sys.argv[1:]:
    with open(path, "rb") as handle:
        hashlib.sha256(handle.read()).digest()
"""

HASH_COMPILE_SCRIPT = """\
import hashlib, sys
split = sys.argv.index("--compile")
for path in sys.argv[1:split]:
    with open(path, "rb") as handle:
        hashlib.sha256(handle.read()).digest()
for path in sys.argv[split + 1:]:
    with open(path, "rb") as handle:
        compile(handle.read(), path, "exec", dont_inherit=True)
"""
"""The floor of ``verify`` where cache files are to be proven: read and hash the vouched files,
then ``compile()`` (on one core) each source whose cache file Python would load."""


def proven_sources(site: Path, python: Path | str, documents: dict[Path, bytes]) -> list[Path]:
    """The vouched sources whose cache files (of ``python``'s tag) ``verify`` proves: those
    with a cache file listed for them (pip byte-compiles on install; the loader uses those)."""
    loader = bytecode.BytecodeLoader(str(python), sys.implementation.cache_tag)
    sources = {
        str(path.relative_to(site)): ""
        for path in vouched_files(site, documents)
        if path.suffix == ".py"
    }
    return sorted({site / file.source for file in bytecode.cache_files(site, sources, loader)})


def install_environment(wheel: Path, scratch: Path) -> tuple[Path, Path]:
    """A virtual environment holding hatch-importspy and, without bytecode, the package: its
    interpreter and site-packages."""
    environment = scratch / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    ours = scratch / "ours"
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", ours, REPO])
    pip_install: list[str | Path] = [
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    run([*pip_install, *ours.glob("*.whl")])
    # Without bytecode: (b) measures what it always measured, hashing; (c) compiles it later.
    run([*pip_install, "--no-compile", wheel])
    return python, site_packages(environment)


def bench_verify(python: Path, site: Path, repeat: int) -> None:
    """(b) in the environment :func:`install_environment` made."""
    documents = manifests(site)
    files = vouched_files(site, documents)
    facts = current_environment()

    def parse_manifests() -> list[object]:
        return [load_bytes_deferred(document, str(path)) for path, document in documents.items()]

    descriptors = [str(path) for path in files]
    # In process, a run takes milliseconds: many more repetitions than the commands get.
    times = measure(
        {
            "verify in process": lambda: verify_installed([site], [], facts),
            "  of which: loading the manifests (digests only)": parse_manifests,
            "verify in process, files read with open()": lambda: verify_reading_with_open(
                site, facts
            ),
            "read + sha256, Path.read_bytes (floor)": lambda: read_and_hash(files),
            "read + sha256, file descriptor (floor)": lambda: read_and_hash_descriptors(
                descriptors
            ),
        },
        repeat * IN_PROCESS_REPEAT,
    )
    verify, floor, fastest = (
        median(times, "verify in process"),
        median(times, "read + sha256, Path.read_bytes (floor)"),
        median(times, "read + sha256, file descriptor (floor)"),
    )
    report(
        f"(b) verify of {len(files)} files in manifest-bearing distributions, in process",
        times,
        [
            ("verify in process / read+hash (Path.read_bytes) (target <= 2)", verify / floor),
            ("verify in process / read+hash (file descriptor)", verify / fastest),
            (
                "verify reading with open() / read+hash (Path.read_bytes)",
                median(times, "verify in process, files read with open()") / floor,
            ),
            (
                "verify in process / (read+hash (file descriptor) + loading the manifests)",
                verify
                / (fastest + median(times, "  of which: loading the manifests (digests only)")),
            ),
        ],
    )


def bench_commands(python: Path, site: Path, repeat: int) -> None:
    """``verify`` and ``--version`` as the commands a user runs, against the floors a command
    cannot beat: an interpreter that reads and hashes the same files, and one that does nothing.
    What separates them is start-up: the imports each command needs."""
    documents = manifests(site)
    files = vouched_files(site, documents)
    every = recorded_files(site)
    proven = proven_sources(site, python, documents)
    commands = measure(
        {
            "python -m importspy verify": lambda: run([python, "-m", "importspy", "verify"]),
            "python -c <read + sha256>": lambda: run([python, "-c", HASH_SCRIPT, *files]),
            "python -c <read + sha256 + compile() of the proven sources>": lambda: run(
                [python, "-c", HASH_COMPILE_SCRIPT, *files, "--compile", *proven]
            ),
            "python -c <read + sha256>, every RECORD file": lambda: run(
                [python, "-c", HASH_SCRIPT, *every]
            ),
            "python -m pip check": lambda: run([python, "-m", "pip", "check"]),
            "python -m importspy --version": lambda: run([python, "-m", "importspy", "--version"]),
            "python -c pass": lambda: run([python, "-c", "pass"]),
        },
        repeat * STARTUP_REPEAT,
    )
    report(
        f"(d) start-up: the same as commands ({len(files)} vouched files, {len(every)} "
        f"with the files every RECORD vouches for; {len(proven)} sources whose cache files "
        "verify proves)",
        commands,
        [
            (
                "python -m importspy verify / python -c <read+hash> (target <= 3)",
                median(commands, "python -m importspy verify")
                / median(commands, "python -c <read + sha256>"),
            ),
            (
                "python -m importspy verify / python -c <read+hash+compile the proven sources>",
                median(commands, "python -m importspy verify")
                / median(commands, "python -c <read + sha256 + compile() of the proven sources>"),
            ),
            (
                "python -m importspy verify / python -c <read+hash every RECORD file>",
                median(commands, "python -m importspy verify")
                / median(commands, "python -c <read + sha256>, every RECORD file"),
            ),
            (
                "python -m importspy --version / python -c pass (target <= 2)",
                median(commands, "python -m importspy --version")
                / median(commands, "python -c pass"),
            ),
            (
                "python -m importspy verify / python -m pip check",
                median(commands, "python -m importspy verify")
                / median(commands, "python -m pip check"),
            ),
        ],
    )


def compile_floor(sources: Sequence[Path]) -> None:
    """What any proof must do at least: compile every source once, on one core."""
    for path in sources:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True, optimize=0)


def verify_with_lock(site: Path, facts: EnvironmentFacts, lock: Lock | None) -> None:
    """What ``verify [--lock FILE]`` does in process once the lock is read: the environment's
    lock entries (every distribution's manifest or RECORD digest), verify, then the gate."""
    if lock is None:
        verify_installed([site], [], facts)
        return
    distributions = installed.find_distributions([site])
    entries = installed_entries(distributions)
    result = verify_installed([site], [], facts, lock=lock, lock_entries=entries)
    apply_gate(result, Policy(), installed=distributions, lock=lock, lock_entries=entries)


def bench_bytecode(python: Path, site: Path, repeat: int) -> None:
    """(c): the proof of the package's bytecode against compiling its sources."""
    run([python, "-m", "compileall", "-q", site / PACKAGE])
    sources = sorted((site / PACKAGE).rglob("*.py"))
    loader = bytecode.BytecodeLoader(str(python), sys.implementation.cache_tag)
    expected = {
        str(path.relative_to(site)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sources
    }
    files = bytecode.cache_files(site, expected, loader)
    jobs = [
        (str(site / file.source), str(site / file.cache), file.optimization, file.sha256)
        for file in files
    ]
    assert len(files) == len(sources), "compileall wrote a cache file for every source"
    proofs = bytecode.prove(files, loader)
    assert {proof.verdict for proof in proofs} == {"proven"}, proofs[:3]
    # The same cache files with the compilations the hook recorded: by their code digests
    # (Module.code: unmarshalled and digested by the provers, nothing compiled), and by the
    # shape of their bytes (Module.pyc: hashed in process, nothing unmarshalled).
    compilations = {
        module.path: module
        for document in manifests(site).values()
        for module in load_bytes(document, "manifest").modules
        if module.code and module.pyc and module.path in expected
    }
    assert len(compilations) == len(expected), "the hook recorded every module's compilation"
    digest_only = {path: dataclasses.replace(m, pyc=None) for path, m in compilations.items()}
    digested = bytecode.cache_files(site, expected, loader, digest_only)
    digest_jobs = [(*job, file.code) for job, file in zip(jobs, digested, strict=True)]
    by_digest = bytecode.prove(digested, loader)
    assert {(p.verdict, p.reason) for p in by_digest} == {("proven", BY_DIGEST)}, by_digest[:3]
    shaped = bytecode.cache_files(site, expected, loader, compilations)
    by_shape = bytecode.prove(shaped, loader)
    assert {(p.verdict, p.reason) for p in by_shape} == {("proven", BY_TEMPLATE)}, by_shape[:3]
    facts = current_environment()
    distributions = installed.find_distributions([site])
    lock = make_lock(distributions, approve_bytecode(distributions, loader))
    # What verify --lock reads and hashes: every vouched file, and the cache file of every
    # vouched source (hatch-importspy's own too: pip compiled it).
    vouched = vouched_files(site, manifests(site))
    every_source = {str(path.relative_to(site)): "" for path in vouched if path.suffix == ".py"}
    every_cache = bytecode.cache_files(site, every_source, loader)
    hashed = [str(path) for path in vouched] + [str(site / file.cache) for file in every_cache]
    # ... and what it must also hash: every file any RECORD lists (pip's and setuptools' too:
    # every distribution is held to its RECORD), and their cache files, which the lock approves.
    recorded = recorded_files(site)
    recorded_sources = {str(p.relative_to(site)): "" for p in recorded if p.suffix == ".py"}
    recorded_caches = bytecode.cache_files(site, recorded_sources, loader)
    every_hashed = [str(path) for path in recorded] + [
        str(site / file.cache) for file in recorded_caches
    ]
    unlocked, locked, hashing, hashing_all = (
        "verify in process, compiled install, no lock (proves)",
        "verify --lock in process, compiled install (hashes)",
        "read + sha256 of vouched files + cache files (floor)",
        "read + sha256 of every RECORD file + cache files",
    )
    parallel, single, floor_name = (
        "bytecode proof (a prover process per core)",
        "bytecode proof (1 prover process)",
        "compile() of the sources, one core (floor)",
    )
    digest_parallel, digest_single, by_bytes = (
        "proof by recorded digests (a prover process per core)",
        "proof by recorded digests (1 prover process)",
        "proof by recorded cache-file bytes (hashing, in process)",
    )
    cpu: dict[str, list[float]] = {}
    times = measure(
        {
            parallel: lambda: bytecode.prove(files, loader),
            single: lambda: bytecode.run_provers(str(python), jobs, processes=1),
            digest_parallel: lambda: bytecode.prove(digested, loader),
            digest_single: lambda: bytecode.run_provers(str(python), digest_jobs, processes=1),
            by_bytes: lambda: bytecode.prove(shaped, loader),
            floor_name: lambda: compile_floor(sources),
            unlocked: lambda: verify_with_lock(site, facts, None),
            locked: lambda: verify_with_lock(site, facts, lock),
            hashing: lambda: read_and_hash_descriptors(hashed),
            hashing_all: lambda: read_and_hash_descriptors(every_hashed),
        },
        repeat,
        cpu,
    )
    floor = median(times, floor_name)
    report(
        f"(c) bytecode proof of {len(files)} cache files",
        times,
        [
            (
                "bytecode proof / compile() on one core (target <= 1.2)",
                median(times, parallel) / floor,
            ),
            ("bytecode proof in 1 process / compile() on one core", median(times, single) / floor),
            # On a machine others share, medians move by a third from run to run: the fastest run
            # of each variant is the least disturbed, and CPU time is hardly disturbed at all.
            ("the same, by minimums", min(times[parallel]) / min(times[floor_name])),
            ("the same in 1 process, by minimums", min(times[single]) / min(times[floor_name])),
            (
                "CPU time of the proof (all prover processes) / of compile()",
                median(cpu, parallel) / median(cpu, floor_name),
            ),
            (
                "proof by recorded digests / compile() on one core",
                median(times, digest_parallel) / floor,
            ),
            (
                "the same in 1 process / compile() on one core",
                median(times, digest_single) / floor,
            ),
            (
                "proof by recorded cache-file bytes / compile() on one core",
                median(times, by_bytes) / floor,
            ),
            ("verify, no lock / compile() on one core", median(times, unlocked) / floor),
            (
                "verify, no lock / read+hash of every RECORD file and cache file",
                median(times, unlocked) / median(times, hashing_all),
            ),
            (
                "verify --lock / read+hash sources and bytecode (target <= 1.5)",
                median(times, locked) / median(times, hashing),
            ),
            (
                "verify --lock / read+hash of every RECORD file and cache file",
                median(times, locked) / median(times, hashing_all),
            ),
            ("verify --lock / compile() on one core", median(times, locked) / floor),
            (
                "verify --lock / verify without a lock",
                median(times, locked) / median(times, unlocked),
            ),
        ],
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--modules", type=int, default=400, help="modules to generate (>= 300)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions of each variant")
    parser.add_argument(
        "--part",
        action="append",
        choices=["a", "b", "c", "d"],
        help="time only this part (repeatable; default: all); what it needs is still set up",
    )
    args = parser.parse_args(argv)
    parts = set(args.part or "abc")
    with tempfile.TemporaryDirectory(prefix="importspy-bench-") as temporary:
        scratch = Path(temporary)
        project = scratch / "project"
        project.mkdir()
        sources = generate_project(project, args.modules)
        lines = sum(path.read_text(encoding="utf-8").count("\n") for path in sources)
        print(
            f"python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} cpus; "
            f"{len(sources)} source files, {lines} lines; {args.repeat} repetitions"
        )
        if "a" in parts:
            wheel = bench_build(project, sources, scratch, args.repeat)
        else:
            wheel = scratch / "wheel" / build_quietly(project, scratch / "wheel")
        python, site = install_environment(wheel, scratch)
        compile_checkout()
        if "b" in parts:
            bench_verify(python, site, args.repeat)
        if "d" in parts:  # before (c), which byte-compiles the package: (d) times hashing
            bench_commands(python, site, args.repeat)
        if "c" in parts:
            bench_bytecode(python, site, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
