"""Prove the bytecode Python would run instead of the vouched sources of installed distributions.

A vouched ``pkg/m.py`` can run other code without a byte of it changing: the source loader runs
``pkg/__pycache__/m.<tag>.pyc`` instead whenever that file's header matches the source's mtime
and size, or the file is hash-based (:mod:`hatch_importspy.pyrules.bytecode` states the rules).
So for every vouched, unchanged source this module lists the cache files named for it, and
proves each one the loader would use: compiling the vouched bytes gives the code object the file
holds.  Cache files the loader would not use (stale timestamps, another interpreter's) are left
alone: compiling is the whole cost, and only what would run needs it.

Most of the time nothing is compiled: the build recorded each module's compilation
(``Module.pyc`` and ``Module.code``).  A plain cache file whose bytes have the recorded shape is
proven by hashing it (:func:`rules.matches_template`: nothing is unmarshalled, so this is safe
in our process, where a few are checked when no prover would start otherwise); the others go to
the provers, which compare code digests (:func:`rules.code_digest`) before falling back to
compiling.  The provers run while ``verify`` makes its other checks
(:func:`prove_in_background`).

The proof must run in the interpreter the bytecode is for: only its ``compile()`` gives its
bytecode, and only it unmarshals its format.  So it runs in :class:`BytecodeLoader`'s
interpreter -- the running one, or the one ``--python`` names -- as ``python -I -S -B -c`` of
:mod:`~hatch_importspy.pyrules.bytecode` (no ``site``, no ``.pth`` line of the environment
under check runs, nothing is written), with the jobs on standard input and one JSON answer line
per file.  Unmarshalling always happens in child processes, never in ours: ``marshal.loads`` of
hostile bytes can raise, exhaust memory, take exponential time (a frozenset of shared nested
tuples) or crash the process, and a child that dies or overruns its time limit costs one
finding (``ISP311`` for the file it was on) instead of the run.  Large jobs are split over one
process per core, the longest first.

With ``--path`` alone the interpreter is unknown: the running one stands in for it, every cache
tag's files are considered, and one written for another interpreter that it would run is
``ISP312`` (not provable here) rather than passed.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hatch_importspy.compare.bytecode import NOT_RUN, BytecodeProof
from hatch_importspy.formats import digest
from hatch_importspy.model import FileEntry, Module
from hatch_importspy.pyrules import bytecode as rules

BASE_TIMEOUT = 60.0
"""Seconds a prover process gets beyond its share of the work (:data:`BYTES_PER_SECOND`): a cold
interpreter start can be slow, and one file that stalls a prover costs at most about this."""
BYTES_PER_SECOND = 100_000
"""Source bytes a prover must get through per second beyond :data:`BASE_TIMEOUT`: ``compile()``
manages about ten times as many on one core, so only a hang runs out of time."""
JOBS_PER_PROCESS = 24
"""Below this many files per process another process costs more (its start) than it saves."""


@dataclass(frozen=True)
class BytecodeLoader:
    """The interpreter whose loader decides which bytecode runs, and in which the proofs run."""

    python: str
    """Its executable."""
    cache_tag: str | None
    """``sys.implementation.cache_tag``: the cache files it reads (``None``: it reads none)."""
    known: bool = True
    """``False`` when no interpreter is known (``--path`` alone): :attr:`python` (the running
    one) stands in for it, and cache files of every tag are considered."""
    pycache_prefix: str | None = None
    """Its ``sys.pycache_prefix`` (``PYTHONPYCACHEPREFIX``): where its loader reads the cache
    file of a source instead of ``__pycache__`` (see :func:`prefixed_cache_directory`)."""

    @classmethod
    def running(cls) -> BytecodeLoader:
        """The interpreter that runs ``verify``."""
        return cls(sys.executable, sys.implementation.cache_tag, pycache_prefix=sys.pycache_prefix)

    @classmethod
    def unknown(cls) -> BytecodeLoader:
        """No interpreter known: the running one stands in (its cache prefix too)."""
        return cls(sys.executable, None, known=False, pycache_prefix=sys.pycache_prefix)


def prefixed_cache_directory(prefix: str, directory: str) -> str:
    """Where a loader with ``sys.pycache_prefix`` set to ``prefix`` reads the cache files of the
    sources in ``directory`` (absolute, as ``sys.path`` names it): the prefix, then that path
    without its drive and leading separators, as ``importlib.util.cache_from_source`` joins
    them.  Only there: with a prefix, ``__pycache__`` is neither read nor written."""
    tail = os.path.splitdrive(directory)[1].lstrip(os.sep + (os.altsep or ""))
    return os.path.join(prefix, tail)  # noqa: PTH118


@dataclass(frozen=True)
class CacheFile:
    """A cache file named for a vouched source, to be proven."""

    site_dir: Path
    source: str
    """The source's path relative to ``site_dir`` (``/``-separated), as the manifest has it."""
    cache: str
    """The cache file's path relative to ``site_dir``; absolute for one under the loader's
    cache prefix (:func:`prefixed_cache_directory`)."""
    optimization: int
    sha256: str
    """The vouched source's hex sha256."""
    code: str = ""
    """The source's compilation as its manifest records it (``Module.code``), for a plain cache
    file: proven by this digest without compiling when the interpreter is the recording one."""
    template: str = ""
    """The same compilation's cache file as the manifest records it (``Module.pyc``), for a
    plain cache file: proven by hashing it when its bytes have that shape (here or in the
    provers, see :func:`prove_in_background`)."""


def cache_files(
    site_dir: Path,
    sources: Mapping[str, str],
    loader: BytecodeLoader,
    recorded: Mapping[str, Module | FileEntry] | None = None,
) -> list[CacheFile]:
    """The cache files in ``site_dir`` named for the vouched ``sources`` (relative path -> hex
    sha256) that ``loader`` reads: its cache tag's, any tag's when it is not known.
    ``recorded``: the manifest's modules (and other sources) by the same paths, whose
    recorded compilations (``code``, ``pyc``) a plain cache file is proven by.

    Each ``__pycache__`` directory next to a source is listed once; nothing is read or opened.
    """
    recorded = recorded or {}
    if loader.known and loader.cache_tag is None:
        return []
    stems: dict[str, dict[str, str]] = {}  # directory -> stem -> source
    for path in sources:
        directory, _, name = path.rpartition("/")
        stem, dot, suffix = name.rpartition(".")
        if dot and f".{suffix}" in rules.SOURCE_SUFFIXES:
            named = stems.setdefault(directory, {})
            if named.setdefault(stem, path) != path and suffix == "py":
                named[stem] = path  # ``m.py`` and ``m.pyw`` share a cache name; .py is tried first
    found: list[CacheFile] = []
    for directory, named in stems.items():
        cache_dir = f"{directory}/{rules.CACHE_DIRECTORY}" if directory else rules.CACHE_DIRECTORY
        places = [cache_dir]
        if loader.pycache_prefix:  # where that loader reads; ``__pycache__`` is still proven
            head = os.fspath(site_dir / directory)  # the directory as ``sys.path`` names it
            places.append(prefixed_cache_directory(loader.pycache_prefix, head))
        for place in places:
            found.extend(_named_files(site_dir, place, named, sources, loader, recorded))
    return found


def cache_digests(files: Sequence[CacheFile]) -> dict[str, str | None]:
    """The hex sha256 of each cache file by its :attr:`CacheFile.cache` (``None`` when it is not
    there), read as :func:`~hatch_importspy.formats.digest.digests` reads files."""
    paths = {file.cache: os.path.join(file.site_dir, file.cache) for file in files}  # noqa: PTH118
    found = digest.digests("", paths.values())
    return {cache: found[path] for cache, path in paths.items()}


def _named_files(
    site_dir: Path,
    cache_dir: str,
    named: Mapping[str, str],
    sources: Mapping[str, str],
    loader: BytecodeLoader,
    recorded: Mapping[str, Module | FileEntry],
) -> list[CacheFile]:
    """The cache files in ``cache_dir`` (relative to ``site_dir``, or absolute) named for the
    sources ``named`` (stem -> source path) that ``loader`` reads."""
    found: list[CacheFile] = []
    try:
        with os.scandir(os.path.join(site_dir, cache_dir)) as listing:  # noqa: PTH118
            names = [entry.name for entry in listing]
    except OSError:
        return found  # no cache directory: nothing but the sources can be run
    folded = {stem.casefold(): source for stem, source in named.items()}
    for name in sorted(names):
        # A file system that ignores case opens ``m.<tag>.pyc`` whatever case it is named in.
        match = _named_for(name, named, loader) or _named_for(
            name.casefold(), folded, loader, folded=True
        )
        if match is not None:
            source, optimization = match
            cache = f"{cache_dir}/{name}"
            module = recorded.get(source) if optimization == 0 else None
            code = (module.code or "") if module is not None else ""
            template = (module.pyc or "") if module is not None else ""
            found.append(
                CacheFile(site_dir, source, cache, optimization, sources[source], code, template)
            )
    return found


def _named_for(
    name: str, named: Mapping[str, str], loader: BytecodeLoader, *, folded: bool = False
) -> tuple[str, int] | None:
    """The source (from ``named``, stem -> source) and optimization level a ``__pycache__`` file
    name is for, if ``loader`` reads it; ``folded``: ``name`` and the stems are case-folded."""
    parsed = rules.parse_cache_name(name)
    if parsed is None or parsed[0] not in named:
        return None
    stem, tag, optimization = parsed
    if loader.known:
        wanted = loader.cache_tag or ""
        if tag != (wanted.casefold() if folded else wanted):
            return None
    return named[stem], optimization


def prove(files: Sequence[CacheFile], loader: BytecodeLoader) -> list[BytecodeProof]:
    """The verdict on each cache file, in order: those whose bytes have their recorded shape
    (:func:`rules.matches_template`) are proven here by hashing them; the rest by the provers
    (see :func:`run_provers`)."""
    return prove_in_background(files, loader, beside=False).result()


class PendingProofs:
    """Proofs under way (:func:`prove_in_background`); :meth:`result` waits for them."""

    def __init__(
        self,
        files: Sequence[CacheFile],
        verdicts: list[tuple[str, str] | None],
        provers: concurrent.futures.Future[list[tuple[str, str]]] | None,
    ) -> None:
        self._files = list(files)
        self._verdicts = verdicts
        self._provers = provers

    @property
    def proving(self) -> bool:
        """Whether prover processes work on them (else every verdict is in already)."""
        return self._provers is not None

    def result(self) -> list[BytecodeProof]:
        """The verdict on each cache file, in order (the provers' exceptions are raised)."""
        verdicts = self._verdicts
        if self._provers is not None:
            answers = iter(self._provers.result())
            verdicts = [next(answers) if verdict is None else verdict for verdict in verdicts]
        return [
            BytecodeProof(file.source, file.cache, *verdict)
            for file, verdict in zip(self._files, verdicts, strict=True)
            if verdict is not None
        ]


def prove_in_background(
    files: Sequence[CacheFile], loader: BytecodeLoader, *, beside: bool = True
) -> PendingProofs:
    """:func:`prove`, with the provers waited for on a thread of its own while the caller goes
    on: verifying an environment of 37 distributions spent about a quarter of its time waiting
    for its provers at the end, with nothing else left to do.

    Where the recorded shapes are checked (:func:`rules.matches_template`, a read and a hash per
    file) depends on whether provers start anyway.  If every file has a shape and there are few,
    they are checked here at once, and provers start only for those that do not match.  If some
    file needs a prover anyway, or there are more than :data:`SHAPES_HERE`, the provers check
    the shapes too, on the other cores, beside the caller's work.  Never on the waiting thread:
    there, beside the caller's own work, the two threads handed the interpreter back and forth
    at every read and both took three times as long.  ``beside``: the caller works meanwhile
    (see :func:`run_provers`); :func:`prove` waits at once.
    """
    elsewhere = len(files) > SHAPES_HERE or not all(file.template for file in files)
    verdicts: list[tuple[str, str] | None] = [
        None
        if elsewhere or not file.template or not _has_template(file)
        else (rules.PROVEN, rules.BY_TEMPLATE)
        for file in files
    ]
    jobs: list[Job] = [
        (
            os.path.join(file.site_dir, file.source),  # noqa: PTH118  (for JSON)
            os.path.join(file.site_dir, file.cache),  # noqa: PTH118
            file.optimization,
            file.sha256,
            file.code,
            file.template if elsewhere else "",
        )
        for file, verdict in zip(files, verdicts, strict=True)
        if verdict is None
    ]
    if not jobs:
        return PendingProofs(files, verdicts, None)
    executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="importspy-prove")
    try:
        provers = executor.submit(
            run_provers, loader.python, jobs, stand_in=not loader.known, beside=beside
        )
    finally:
        executor.shutdown(wait=False)  # the thread ends with its one job
    return PendingProofs(files, verdicts, provers)


SHAPES_HERE = 1_000
"""Recorded shapes checked in this process at most, when no prover starts otherwise: about as
long as starting a prover takes."""


_NAME_ALLOWANCE = 1 << 16
"""Bytes allowed for the file name a cache file holds, beyond its recorded bytes."""


def _has_template(file: CacheFile) -> bool:
    """Whether the cache file's bytes have the recorded shape; ``False`` when it cannot be read
    as a regular file of about that size (the provers then say why)."""
    sizes = file.template.split(":")[1::2]
    try:
        limit = rules.HEADER_SIZE + sum(int(size) for size in sizes) + _NAME_ALLOWANCE
        data = rules.read_regular(os.path.join(file.site_dir, file.cache), limit)  # noqa: PTH118
    except (ValueError, OSError, rules.Refused):
        return False
    return data is not None and rules.matches_template(data, file.template)


Job = (
    tuple[str, str, int, str] | tuple[str, str, int, str, str] | tuple[str, str, int, str, str, str]
)
"""``(source path, cache path, optimization level, source sha256[, recorded code[, recorded
cache file]])``, paths absolute (see :func:`rules.prove`)."""


def run_provers(
    python: str,
    jobs: Sequence[Job],
    *,
    stand_in: bool = False,
    processes: int | None = None,
    beside: bool = False,
) -> list[tuple[str, str]]:
    """``(verdict, reason)`` for each job, in order, from :func:`rules.prove` run by ``python``.

    The jobs are spread over ``processes`` prover processes (default: one per core, fewer for
    few jobs; ``beside``: the caller works meanwhile, so light work, up to :data:`LIGHT_WORK`,
    leaves it a core), which answer in blocks.  A process that cannot be started or does not
    answer at all leaves its jobs :data:`~hatch_importspy.compare.bytecode.NOT_RUN`.  When one
    dies or runs out of time, the jobs it left unanswered are proven again by processes that
    answer each job at once: the first job such a process leaves unanswered is the file that
    stopped it, :data:`~rules.DISPROVEN`, and the rest go on, so one hostile file costs one
    finding.
    """
    verdicts: list[tuple[str, str] | None] = [None] * len(jobs)
    weights = [_weight(job) for job in jobs]
    if processes is None and beside and sum(weights) <= LIGHT_WORK:
        processes = max(1, _cores() - 1)
    pending = list(range(len(jobs)))
    careful = False
    while pending:
        groups = _partition(pending, weights, processes)
        runs = [
            _Run(
                python, [jobs[i] for i in group], stand_in, careful, sum(weights[i] for i in group)
            )
            for group in groups
        ]
        if len(runs) == 1:
            runs[0].start()
        else:
            with concurrent.futures.ThreadPoolExecutor(len(runs)) as pool:
                list(pool.map(_Run.start, runs))
        pending = []
        for group, run in zip(groups, runs, strict=True):
            if not run.ready:
                for index in group:
                    verdicts[index] = (NOT_RUN, f"{python} could not run the proof: {run.problem}")
                continue
            for local, answer in run.answers.items():
                verdicts[group[local]] = answer
            unanswered = [index for index in group if verdicts[index] is None]
            if unanswered and careful:
                verdicts[unanswered[0]] = (
                    rules.DISPROVEN,
                    f"proving it stopped the prover: {run.problem or 'no answer'}",
                )
                unanswered = unanswered[1:]
            pending.extend(unanswered)
        careful = True
    return [verdict for verdict in verdicts if verdict is not None]


LIGHT_WORK = 2_000_000
"""Weight (:func:`_weight`: bytes of source to compile) one prover gets through in about the
time ``verify`` of an application needs for its other checks (``compile()`` manages about
6 MB a second on one core): up to this, proofs made beside the caller leave it a core."""

DIGEST_SHARE = 8
"""Proving a file by its recorded digest costs about this fraction of compiling its source."""


TEMPLATE_SHARE = 64
"""Checking a file's bytes against its recorded shape costs about this fraction of compiling."""


def _weight(job: Job) -> int:
    """The work a job is likely to be: its source's size (compiling is the cost), a fraction of
    it when a recorded shape or digest may spare the compile.

    For a job with a recorded shape, the size of the cache file the shape describes stands in
    for its source's, and no ``stat`` is made: on the application benchmark the 1,369 calls, made
    on the thread that starts the provers and each waiting for the interpreter lock again, held
    their start up by about 25 ms."""
    if len(job) > 5 and job[5]:
        shaped = _shaped_size(job[5])
        if shaped is not None:
            return shaped // TEMPLATE_SHARE
    try:
        size = os.stat(job[0]).st_size  # noqa: PTH116
    except OSError:
        return 0
    if len(job) > 5 and job[5]:
        return size // TEMPLATE_SHARE
    return size // DIGEST_SHARE if len(job) > 4 and job[4] else size


def _shaped_size(template: str) -> int | None:
    """The bytes a recorded shape (:func:`rules.cache_template`) says its cache file holds
    around its file name; ``None`` when it does not say (the prover refuses such a shape)."""
    fields = template.split(":")
    if len(fields) != 5 or not (fields[1].isdigit() and fields[3].isdigit()):
        return None
    return int(fields[1]) + int(fields[3])


def _partition(
    indexes: Sequence[int], weights: Sequence[int], processes: int | None
) -> list[list[int]]:
    """The jobs split into groups of about equal weight, heaviest first in each group, one group
    per process (longest-processing-time first)."""
    count = processes or min(_cores(), -(-len(indexes) // JOBS_PER_PROCESS))
    count = max(1, min(count, len(indexes)))
    groups: list[list[int]] = [[] for _ in range(count)]
    loads = [0] * count
    for index in sorted(indexes, key=lambda index: -weights[index]):
        lightest = loads.index(min(loads))
        groups[lightest].append(index)
        loads[lightest] += weights[index] + 1  # files of unknown size still spread
    return groups


def _cores() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


@functools.cache
def prover_script() -> str:
    """The source of :mod:`hatch_importspy.pyrules.bytecode`, which the provers run."""
    return rules.script_source()


def prover_command(python: str) -> list[str]:
    """The exact command a prover runs: ``PYTHON -I -S -B -c FROM_INPUT``; its standard input
    starts with :func:`prover_script` (:func:`rules.script_input`)."""
    return [python, *rules.ISOLATION_FLAGS, "-c", rules.FROM_INPUT]


@dataclass
class _Run:
    """One prover process over some jobs."""

    python: str
    jobs: list[Job]
    stand_in: bool
    careful: bool
    """Whether it answers each job at once (see :func:`rules.main`)."""
    weight: int
    """Bytes of source to compile: what its time limit is measured by."""
    ready: bool = False
    """Whether it said it was ready (it started and read the jobs)."""
    answers: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Verdicts by position in :attr:`jobs`."""
    problem: str = ""
    """Why it stopped early, if it did."""

    def start(self) -> None:
        request = {"stand_in": self.stand_in, "careful": self.careful, "jobs": self.jobs}
        timeout = BASE_TIMEOUT + self.weight / BYTES_PER_SECOND
        try:
            script = prover_script()
        except OSError as error:  # hatch-importspy installed without its sources
            self.problem = f"cannot read the prover's source: {error}"
            return
        command = prover_command(self.python)
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as error:
            self.problem = f"cannot run it: {error.strerror or error}"
            return
        try:
            given = rules.script_input(script, json.dumps(request).encode())
            output, errors = process.communicate(given, timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            output, errors = process.communicate()
            self.problem = f"it did not finish within {timeout:.0f} s"
        else:
            if process.returncode != 0:
                last = errors.decode("utf-8", "replace").strip().splitlines()
                self.problem = f"it exited with status {process.returncode}" + (
                    f": {last[-1].strip()}" if last else ""
                )
        self._read(output.decode("utf-8", "replace").splitlines())

    def _read(self, lines: list[str]) -> None:
        if not lines or not isinstance(_json(lines[0]), dict):
            self.problem = self.problem or "it did not answer"
            return
        self.ready = True
        known = {rules.PROVEN, rules.UNUSED, rules.DISPROVEN, rules.OTHER_PYTHON}
        for line in lines[1:]:
            answer = _json(line)
            if (
                isinstance(answer, list)
                and len(answer) == 3
                and isinstance(answer[0], int)
                and 0 <= answer[0] < len(self.jobs)
                and answer[1] in known
                and isinstance(answer[2], str)
            ):
                self.answers[answer[0]] = (answer[1], answer[2])


def _json(line: str) -> object:
    try:
        return json.loads(line)
    except ValueError:
        return None
