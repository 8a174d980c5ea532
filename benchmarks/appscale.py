"""``verify`` at application scale: the popular-package corpus installed in one environment.

Run from the repository root with the test environment's interpreter:

    .venv-test/bin/python -m benchmarks.appscale [--repeat 5]

The corpus (:mod:`benchmarks.corpus`: 37 distributions, 8 with compiled extensions) is given
manifests with ``embed`` and installed into a fresh virtual environment with pip.  Then, at 1, 10
and all of its distributions (``verify NAME...``; all is ``verify`` with no names), interleaved in
every repetition as ``bench.py`` measures (rotating order, one warm-up round, medians):

- ``verify`` in process (``verify_installed``) against reading and sha256-hashing exactly the
  files the selected manifests vouch for (``Path.read_bytes``, and the raw descriptor reads
  ``verify`` itself uses).  Target: within 1.5x of the ``Path.read_bytes`` floor.  For the run
  of every distribution also against reading and hashing every file ``verify`` reads whole: the
  vouched files, their cache files (each is read to be proven) and every file a RECORD states a
  digest for (every distribution is held to its RECORD, pip's and setuptools' too).  That floor
  split evenly over the cores, against the vouched files' floor, is the least any ``verify``
  that reads what it must can take before it checks anything: what it leaves of the 1.5 is all
  there is for reading the manifests and RECORDs and for every check.
- ``python -m importspy verify --python <venv python>`` as a command against ``python -m pip
  check`` in the environment (which always checks every distribution) and against ``python -c``
  reading and hashing the same files.  Target: faster than ``pip check``.

The wheels are downloaded and described once, into ``benchmarks/.cache/corpus`` (git-ignored).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks import corpus
from benchmarks.bench import (
    HASH_COMPILE_SCRIPT,
    HASH_SCRIPT,
    IN_PROCESS_REPEAT,
    command_environment,
    compile_checkout,
    manifests,
    measure,
    median,
    proven_sources,
    read_and_hash,
    read_and_hash_descriptors,
    recorded_files,
    report,
)
from benchmarks.bench import compile_floor as compile_sources
from hatch_importspy.facts import current_environment
from hatch_importspy.formats.manifest import load_bytes
from hatch_importspy.verify.bytecode import BytecodeLoader, cache_files
from hatch_importspy.verify.verifier import verify_installed

SCALES = (1, 10)
"""Distribution counts verified by name, besides all of them (``verify`` with no names)."""
SELECTION_ORDER = (
    "requests",
    "urllib3",
    "idna",
    "charset-normalizer",
    "certifi",
    "flask",
    "werkzeug",
    "jinja2",
    "markupsafe",
    "click",
)
"""The first N of these are the N verified by name: an application's direct dependencies first."""


def run(command: Sequence[str | Path]) -> None:
    """Run a command quietly; a status other than 0 stops the benchmark (a clean install must
    verify clean, or the timing is of a different path)."""
    completed = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        env=command_environment(),
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(
            f"appscale: {' '.join(map(str, command))} exited {completed.returncode}\n"
            f"{completed.stdout[-4000:]}{completed.stderr[-4000:]}"
        )


def vouched(site: Path, names: Sequence[str]) -> list[Path]:
    """The files the manifests of ``names`` (all when empty) vouch for in site-packages.

    ``<name>.data/`` files (greenlet's one header) install elsewhere and are left out of the
    floor, though ``verify`` hashes them too: the floor is a little cheaper than the work.
    """
    wanted = {name.lower() for name in names}
    files: list[Path] = []
    for source, document in manifests(site).items():
        model = load_bytes(document, str(source))
        if not wanted or model.name.lower().replace("_", "-") in wanted:
            paths = model.file_digests()
            files.extend(site / path for path in paths if ".data/" not in path)
    return files


def read_whole(site: Path, loader: BytecodeLoader) -> list[Path]:
    """Every file ``verify`` of every distribution reads whole: the files the manifests vouch
    for, the cache files of their sources (each is read to be proven), and every file a RECORD
    states a digest for (pip's and setuptools' too: every distribution is held to its RECORD).
    A floor that leaves none of that work out (but the ``.data`` files installed elsewhere)."""
    files = vouched(site, ())
    sources = {str(path.relative_to(site)): "" for path in files if path.suffix == ".py"}
    caches = [site / file.cache for file in cache_files(site, sources, loader)]
    return sorted(path for path in {*files, *caches, *recorded_files(site)} if path.is_file())


def selected_manifests(site: Path, names: Sequence[str]) -> dict[Path, bytes]:
    """The manifests of ``names`` (all when empty), by path."""
    wanted = {name.lower() for name in names}
    return {
        source: document
        for source, document in manifests(site).items()
        if not wanted or load_bytes(document, str(source)).name.lower().replace("_", "-") in wanted
    }


CORES = os.cpu_count() or 1
"""The cores ``verify`` can spread its reading and hashing over (its helper and provers)."""

WHOLE = "read + sha256 of every file verify reads whole, Path.read_bytes"
"""The floor of :func:`read_whole`, measured for the run of every distribution."""


def bench_scale(python: Path, site: Path, names: Sequence[str], repeat: int) -> None:
    files = vouched(site, names)
    descriptors = [str(path) for path in files]
    proven = proven_sources(site, python, selected_manifests(site, names))
    facts = current_environment()
    loader = BytecodeLoader(str(python), sys.implementation.cache_tag)
    label = f"{len(names)} named" if names else "all"
    variants: dict[str, Callable[[], object]] = {
        "verify in process": lambda: verify_installed([site], names, facts, loader=loader),
        "read + sha256, Path.read_bytes (floor)": lambda: read_and_hash(files),
        "read + sha256, file descriptor": lambda: read_and_hash_descriptors(descriptors),
    }
    whole = read_whole(site, loader) if not names else []
    if whole:
        variants[WHOLE] = lambda: read_and_hash(whole)
    if proven:
        variants["compile() of the sources whose cache files verify proves, one core"] = lambda: (
            compile_sources(proven)
        )
    in_process = measure(variants, repeat * (IN_PROCESS_REPEAT if not proven else 1))
    verify = median(in_process, "verify in process")
    ratios = [
        (
            "verify / read+hash (Path.read_bytes) (target <= 1.5)",
            verify / median(in_process, "read + sha256, Path.read_bytes (floor)"),
        ),
        (
            "verify / read+hash (file descriptor)",
            verify / median(in_process, "read + sha256, file descriptor"),
        ),
    ]
    if whole:
        every = median(in_process, WHOLE)
        ratios.append(("verify / read+hash of every file it reads whole", verify / every))
        ratios.append(
            (
                f"read+hash of every file it reads whole, split over {CORES} cores / read+hash "
                "of the vouched files (no verify can do better)",
                every / CORES / median(in_process, "read + sha256, Path.read_bytes (floor)"),
            )
        )
    if proven:
        compiled = median(
            in_process, "compile() of the sources whose cache files verify proves, one core"
        )
        floor = median(in_process, "read + sha256, Path.read_bytes (floor)") + compiled
        ratios.append(("verify / (read+hash + compile() on one core)", verify / floor))
        ratios.append(
            ("verify / (read+hash + compile() over the cores)", verify / (floor - compiled / 2))
        )
    report(
        f"verify of {label} distributions ({len(files)} files, {len(proven)} cache files "
        "to prove), in process",
        in_process,
        ratios,
    )
    verify_command: list[str | Path] = [
        sys.executable,
        "-m",
        "importspy",
        "verify",
        "--python",
        python,
        *names,
    ]
    commands = measure(
        {
            "python -m importspy verify --python": lambda: run(verify_command),
            "python -m pip check (whole environment)": lambda: run([python, "-m", "pip", "check"]),
            "python -c <read + sha256>": lambda: run([python, "-c", HASH_SCRIPT, *files]),
            "python -c <read + sha256 + compile()>": lambda: run(
                [python, "-c", HASH_COMPILE_SCRIPT, *files, "--compile", *proven]
            ),
        },
        repeat,
    )
    command = median(commands, "python -m importspy verify --python")
    report(
        f"verify of {label} distributions, as commands",
        commands,
        [
            (
                "verify / pip check (target < 1)",
                command / median(commands, "python -m pip check (whole environment)"),
            ),
            (
                "verify / python -c <read+hash>",
                command / median(commands, "python -c <read + sha256>"),
            ),
            (
                "verify / python -c <read+hash+compile() of the proven sources>",
                command / median(commands, "python -c <read + sha256 + compile()>"),
            ),
        ],
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions of each command")
    parser.add_argument(
        "--no-compile",
        action="store_true",
        help="install without bytecode (pip --no-compile): nothing to prove, hashing alone",
    )
    args = parser.parse_args(argv)
    wheels = corpus.embedded(corpus.download())
    with tempfile.TemporaryDirectory(prefix="importspy-appscale-") as temporary:
        root = Path(temporary, "venv")
        python = corpus.install(root, wheels, compile=not args.no_compile)
        site = corpus.site_packages(root)
        compile_checkout()
        every = vouched(site, ())
        size = sum(path.stat().st_size for path in every)
        print(
            f"python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} cpus; "
            f"{len(wheels)} distributions, {len(every)} vouched files ({size / 1e6:.1f} MB); "
            f"{args.repeat} repetitions; "
            + ("installed without bytecode" if args.no_compile else "byte-compiled by pip")
        )
        for scale in SCALES:
            bench_scale(python, site, SELECTION_ORDER[:scale], args.repeat)
        bench_scale(python, site, (), args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
