"""The corpus of popular packages the application-scale benchmarks and the corpus test use.

Each wheel is downloaded once from the package index (``pip download --no-deps --only-binary``)
into ``benchmarks/.cache/corpus/raw`` (git ignores ``benchmarks/.cache``), given a manifest with
``embed`` into ``benchmarks/.cache/corpus/embedded``, and installed with ``--no-deps --no-index``
into a fresh virtual environment, so reruns need neither the index nor a new description.  The
versions are pinned so that figures from different days describe the same files; they are the
newest that had wheels for CPython 3.11 on manylinux x86_64 when the corpus was chosen, and they
form one consistent environment (``pip check`` is clean).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Sequence
from pathlib import Path

from hatch_importspy.describe.config import ImportSpyOptions
from hatch_importspy.release.embed import embed_manifest

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "corpus"

CORPUS: tuple[tuple[str, str], ...] = (
    ("annotated-types", "0.8.0"),
    ("anyio", "4.16.0"),
    ("attrs", "26.1.0"),
    ("blinker", "1.9.0"),
    ("certifi", "2026.10.19.post1"),
    ("charset-normalizer", "3.5.3"),
    ("click", "8.5.1"),
    ("flask", "3.1.3"),
    ("greenlet", "3.5.6"),
    ("h11", "0.16.0"),
    ("httpcore", "1.0.9"),
    ("httpx", "0.28.1"),
    ("idna", "3.20"),
    ("itsdangerous", "2.2.0"),
    ("jinja2", "3.1.6"),
    ("markdown-it-py", "4.3.0"),
    ("markupsafe", "3.0.4"),
    ("mdurl", "0.1.2"),
    ("more-itertools", "11.2.1"),
    ("packaging", "26.4"),
    ("pydantic", "2.14.4"),
    ("pydantic-core", "2.50.5"),
    ("pygments", "2.21.0"),
    ("python-dateutil", "4.0.0"),
    ("pyyaml", "6.0.4"),
    ("requests", "2.34.2"),
    ("rich", "15.0.0"),
    ("six", "1.17.0"),
    ("sniffio", "1.3.1"),
    ("sqlalchemy", "2.1.9"),
    ("tomli", "2.5.0"),
    ("typing-extensions", "4.16.0"),
    ("typing-inspection", "0.4.4"),
    ("tzdata", "2026.6"),
    ("urllib3", "2.8.0"),
    ("werkzeug", "3.1.9"),
    ("wrapt", "2.5.2"),
)
"""``(distribution, version)``: 37 distributions, 8 of them with compiled extensions."""

PIP_TIMEOUT = 600


class IndexUnreachable(RuntimeError):
    """``pip download`` failed: the package index (or the pinned release) cannot be had."""


def _wheel_prefix(name: str, version: str) -> str:
    return f"{name.replace('-', '_').lower()}-{version}-"


def _cached(directory: Path, name: str, version: str) -> Path | None:
    prefix = _wheel_prefix(name, version)
    for wheel in sorted(directory.glob("*.whl")):
        if wheel.name.lower().startswith(prefix):
            return wheel
    return None


def download(packages: Sequence[tuple[str, str]] = CORPUS, cache: Path = CACHE) -> list[Path]:
    """The wheels of ``packages`` as published, downloading only those not cached yet."""
    raw = cache / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    missing = [
        f"{name}=={version}" for name, version in packages if not _cached(raw, name, version)
    ]
    if missing:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        command += ["--only-binary=:all:", "--dest", str(raw), *missing]
        try:
            completed = subprocess.run(
                command, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise IndexUnreachable(f"pip download took over {PIP_TIMEOUT} s") from None
        if completed.returncode != 0:
            raise IndexUnreachable(completed.stderr.strip().splitlines()[-1:] or ["pip failed"])
    found = [_cached(raw, name, version) for name, version in packages]
    return [wheel for wheel in found if wheel is not None]


def embedded(wheels: Sequence[Path], cache: Path = CACHE) -> list[Path]:
    """Each wheel with a manifest ``embed`` added (default options), described once and cached."""
    out = cache / "embedded"
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for wheel in wheels:
        target = out / wheel.name
        if not target.exists() or target.stat().st_mtime < _describer_mtime():
            embed_manifest(wheel, options=ImportSpyOptions(), output=target)
        written.append(target)
    return written


def _describer_mtime() -> float:
    """The newest change to the code that writes manifests: a cached wheel older than it is
    described again, so an extractor fix shows in the next run without clearing the cache."""
    import hatch_importspy

    package = Path(hatch_importspy.__file__).parent
    return max(path.stat().st_mtime for path in package.rglob("*.py"))


def site_packages(root: Path) -> Path:
    scheme = "nt" if os.name == "nt" else "posix_prefix"
    paths = sysconfig.get_paths(scheme, vars={"base": str(root), "platbase": str(root)})
    return Path(paths["purelib"])


def install(root: Path, wheels: Sequence[Path], *, pip: bool = True, compile: bool = True) -> Path:
    """A fresh virtual environment at ``root`` with exactly ``wheels``; its interpreter.

    ``pip`` puts pip itself in the environment (``pip check`` runs there); the wheels are
    installed by this interpreter's pip pointed at it either way.  ``compile``: pip byte-compiles
    them, as it does by default (``False``: ``--no-compile``).
    """
    venv.EnvBuilder(with_pip=pip, clear=True).create(root)
    python = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    command = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    command += ["--no-deps", "--no-index", "--no-warn-script-location"]
    command += [*([] if compile else ["--no-compile"]), *map(str, wheels)]
    subprocess.run(command, check=True, timeout=PIP_TIMEOUT, capture_output=True)
    return python
