"""The import guard's cost: importing manifest-bearing packages with and without it.

Run it with the test environment's interpreter (``bash scripts/test.sh`` creates it):

    .venv-test/bin/python benchmarks/guard.py [--modules 400] [--repeat 7]

It generates the synthetic package of ``bench.py`` (``--modules`` realistic modules), builds its
wheel with the hook, installs it beside hatch-importspy in a fresh virtual environment and
byte-compiles it (warm bytecode, as pip leaves an install), makes an approval lock there, and
then times, interleaved in every repetition so that machine load hits them alike:

- importing every module of the package in a fresh interpreter, unguarded (``python -c``); and
  the same for two real ones: rich with markdown-it-py and mdurl (and the Pygments modules rich
  imports), wheels from the package index given manifests with ``embed``, and hatch-importspy
  itself, whose wheel carries its own manifest, with its dependencies;
- the same under ``python -m importspy run --lock`` (lock-approved bytecode runs after its
  digest is checked);
- the same under ``python -m importspy run`` without a lock (every vouched module is compiled
  from the bytes checked, since unapproved bytecode is never trusted).

Two figures each: the import alone (timed inside the program, from the first import to the
last) and the whole command (interpreter start, and under the guard the table built first).
Medians and ratios against the unguarded run are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks.bench import (
    PACKAGE,
    build_quietly,
    generate_project,
    install_environment,
    measure,
    report,
    run,
)
from benchmarks.corpus import CORPUS, download, embedded

REAL = ("rich", "markdown-it-py", "mdurl", "pygments")
"""A real application library from the package index with its dependencies (versions pinned
in :mod:`benchmarks.corpus`), given manifests with ``embed``."""
REAL_PACKAGES = ("rich", "markdown_it", "mdurl")
"""Whose every module is imported (Pygments' 600 lexer modules are left to rich's own imports)."""

SKIPPED = frozenset({"__main__", "pytest_plugin"})
"""Modules an import would run as a program, or that need pytest."""


def module_names(site: Path, package: str) -> list[str]:
    """Every module of ``package`` installed in ``site``, parents before children."""
    names: list[str] = []
    root = site / package
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(site).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] in SKIPPED:
            continue
        names.append(".".join(parts))
    return sorted(names, key=lambda name: (name.count("."), name))


def importable(python: Path, names: Sequence[str]) -> list[str]:
    """The ``names`` that import on this platform (rich ships Windows-only modules), found once,
    unguarded, so that every timed variant imports exactly the same modules and fails loudly."""
    program = (
        "import importlib, json, sys\n"
        "ok = []\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        continue\n"
        "    ok.append(name)\n"
        "print(json.dumps(ok))\n"
    )
    import json

    completed = subprocess.run(
        [str(python), "-c", program, json.dumps(list(names))],
        capture_output=True,
        text=True,
        check=True,
        env=_environment(),
    )
    found: list[str] = json.loads(completed.stdout)
    return found


def install_real(python: Path, scratch: Path) -> None:
    """The real library's wheels, with manifests added by ``embed``, installed (byte-compiled)."""
    pinned = [(name, version) for name, version in CORPUS if name in REAL]
    wheels = embedded(download(pinned), cache=scratch / "corpus")
    run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", *wheels])


def import_program(names: Sequence[str]) -> str:
    """A program that imports ``names`` and prints how long that took, in seconds: wall clock,
    then the process's CPU time (which other jobs on a shared machine inflate far less)."""
    return (
        "import importlib, time\n"
        f"names = {list(names)!r}\n"
        "start, cpu = time.perf_counter(), time.process_time()\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "print(time.perf_counter() - start, time.process_time() - cpu)\n"
    )


class Variant:
    """One way of running the import program; keeps the import time each run printed."""

    def __init__(self, command: Sequence[str | Path], cwd: Path) -> None:
        self.command = [str(part) for part in command]
        self.cwd = cwd
        self.imports: list[float] = []
        self.cpu: list[float] = []

    def __call__(self) -> None:
        completed = subprocess.run(
            self.command,
            capture_output=True,
            text=True,
            check=False,
            env=_environment(),
            cwd=self.cwd,
        )
        if completed.returncode != 0:
            sys.exit(f"guard bench: {self.command[:6]} failed:\n{completed.stderr}")
        wall, cpu = completed.stdout.strip().splitlines()[-1].split()
        self.imports.append(float(wall))
        self.cpu.append(float(cpu))


def _environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}


def bench_imports(python: Path, lock: Path, program: str, label: str, repeat: int) -> None:
    """Time the three variants; they run in an empty directory (``-c`` puts the working
    directory first on ``sys.path``, where a checkout would shadow the installed package)."""
    cwd = lock.parent / "cwd"
    cwd.mkdir(exist_ok=True)
    guard: list[str | Path] = [sys.executable, "-m", "importspy", "run", "--python", python]
    variants = {
        "unguarded": Variant([python, "-c", program], cwd),
        "guard, lock": Variant([*guard, "--lock", lock, "--", "-c", program], cwd),
        "guard, no lock": Variant([*guard, "--", "-c", program], cwd),
    }
    commands = measure(dict(variants.items()), repeat)
    imports = {name: variant.imports[1:] for name, variant in variants.items()}  # no warm-up
    cpu = {name: variant.cpu[1:] for name, variant in variants.items()}
    base = statistics.median(imports["unguarded"])
    base_cpu = statistics.median(cpu["unguarded"])
    base_command = statistics.median(commands["unguarded"])
    report(
        f"{label}: import alone, wall clock",
        imports,
        [
            (f"{name} / unguarded", statistics.median(imports[name]) / base)
            for name in ("guard, lock", "guard, no lock")
        ],
    )
    report(
        f"{label}: import alone, CPU time of the importing process",
        cpu,
        [
            (f"{name} / unguarded", statistics.median(cpu[name]) / base_cpu)
            for name in ("guard, lock", "guard, no lock")
        ],
    )
    report(
        f"{label}: whole command",
        commands,
        [
            (f"{name} / unguarded", statistics.median(commands[name]) / base_command)
            for name in ("guard, lock", "guard, no lock")
        ],
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--modules", type=int, default=400, help="modules to generate")
    parser.add_argument("--repeat", type=int, default=7, help="timed repetitions of each variant")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="importspy-guard-bench-") as temporary:
        scratch = Path(temporary)
        project = scratch / "project"
        project.mkdir()
        generate_project(project, args.modules)
        wheel = scratch / "wheel" / build_quietly(project, scratch / "wheel")
        python, site = install_environment(wheel, scratch)
        run([python, "-m", "compileall", "-q", site / PACKAGE])
        install_real(python, scratch)
        lock = scratch / "importspy.lock"
        run([sys.executable, "-m", "importspy", "lock", "--python", python, "-o", lock])
        generated = module_names(site, PACKAGE)
        ours = module_names(site, "hatch_importspy")
        real = importable(python, [n for p in REAL_PACKAGES for n in module_names(site, p)])
        print(
            f"python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} cpus; "
            f"{len(generated)} generated modules, {len(ours)} hatch_importspy modules, "
            f"{len(real)} modules of rich, markdown-it-py and mdurl; {args.repeat} repetitions"
        )
        bench_imports(python, lock, import_program(generated), PACKAGE, args.repeat)
        bench_imports(python, lock, import_program(real), "rich", args.repeat)
        bench_imports(python, lock, import_program(ours), "hatch_importspy", args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
