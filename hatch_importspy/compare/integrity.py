"""ISP301-ISP306: the files against the manifest, and RECORD against the manifest.

All paths here are in one spelling: ``/``-separated and relative to the place the distribution
is rooted (site-packages for an installed distribution, the archive root for a wheel), with
digests as lower-case hex sha256.

What is deliberately not compared with RECORD (ISP304), and why:

- the ``.dist-info`` directory itself: the manifest lives there and cannot list its own digest;
- ``__pycache__/*.pyc``: installers compile them after the wheel was built;
- paths outside site-packages in an installed RECORD (``../../bin/tool``): installers rewrite
  scripts, and their location depends on the install scheme; they are held against the manifest
  where the scheme put them (:mod:`hatch_importspy.verify.outside`).  In a wheel, the
  ``<name>-<version>.data/`` members are in scope like any other file.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence

from hatch_importspy.findings import Finding
from hatch_importspy.formats.record import (
    bytecode_source,
    data_directory,
    is_bytecode_cache,
    is_outside,
)

_UNREADABLE = "unreadable"


def file_findings(
    distribution: str,
    expected: Mapping[str, str],
    found: Mapping[str, str | None],
    *,
    modules: Mapping[str, str] | None = None,
) -> list[Finding]:
    """ISP301 (modified) and ISP302 (missing) for every file the manifest vouches for.

    ``found`` maps a path to its actual digest, ``None`` when absent; a reader may map a file it
    could not read to a text starting with ``unreadable``.  ``modules`` names the module at a path.
    """
    names = modules or {}
    findings: list[Finding] = []
    # Most files match: find the few that do not before sorting anything.
    differing = [path for path, want in expected.items() if found.get(path) != want]
    for path in sorted(differing):
        want = expected[path].lower()
        digest = found.get(path)
        if digest == want:
            continue  # the manifest spelled it in upper case
        if digest is None:
            findings.append(
                Finding(
                    "ISP302",
                    distribution,
                    f"{path} is missing",
                    module=names.get(path),
                    file=path,
                    expected=want,
                )
            )
        elif digest != want:
            # The path is the finding's location; the message says only what is wrong with it.
            problem = (
                "cannot be read" if digest.startswith(_UNREADABLE) else "modified since the build"
            )
            findings.append(
                Finding(
                    "ISP301",
                    distribution,
                    problem,
                    module=names.get(path),
                    file=path,
                    expected=want,
                    found=digest,
                )
            )
    return findings


def in_record_scope(path: str, metadata_dir: str) -> bool:
    """Whether a RECORD path is one the manifest must list (see the module docstring)."""
    return not (path.startswith(f"{metadata_dir}/") or is_bytecode_cache(path) or is_outside(path))


def record_findings(
    distribution: str,
    expected: Mapping[str, str],
    record: Mapping[str, str | None],
    *,
    metadata_dir: str,
) -> list[Finding]:
    """ISP304-ISP306: RECORD and the manifest must list the same files with the same digests.

    ``record`` maps each RECORD path to the sha256 it states (hex), ``None`` for rows without
    one.  ``metadata_dir`` is the ``.dist-info`` directory name, relative like the paths.
    """
    findings: list[Finding] = []
    unlisted = record.keys() - expected.keys()
    for path in sorted(path for path in unlisted if in_record_scope(path, metadata_dir)):
        findings.append(
            Finding(
                "ISP304",
                distribution,
                f"{path} is in RECORD but not in the manifest",
                file=path,
                found=record[path],
            )
        )
    differing = [path for path, want in expected.items() if record.get(path, "") != want]
    for path in sorted(differing):
        want = expected[path].lower()
        if path not in record:
            findings.append(
                Finding(
                    "ISP305",
                    distribution,
                    f"{path} is in the manifest but not in RECORD",
                    file=path,
                    expected=want,
                )
            )
        elif record[path] is not None and record[path] != want:
            findings.append(
                Finding(
                    "ISP306",
                    distribution,
                    f"RECORD's sha256 of {path} differs from the manifest's",
                    file=path,
                    expected=want,
                    found=record[path],
                )
            )
    return findings


def package_directories(paths: Iterable[str], *, metadata_dir: str) -> frozenset[str]:
    """The top-level directories a distribution's files live in (``pkg`` for ``pkg/sub/m.py``):
    where files nobody installed are looked for.  Single-file modules contribute none, so the
    site directory itself is never scanned."""
    tops = {path.partition("/")[0] for path in paths if "/" in path}
    excluded = {metadata_dir, data_directory(metadata_dir)}
    return frozenset(top for top in tops if top not in excluded and not is_outside(f"{top}/"))


def added_file_findings(
    distribution: str,
    present: Iterable[str],
    *,
    owned: Container[str],
    vouched: Container[str],
    in_wheel: bool = False,
) -> list[Finding]:
    """ISP303 for each present file that no RECORD lists (``owned``) and the manifest does not
    list (``vouched``).

    A ``__pycache__/*.pyc`` is no added file when its source ``.py`` is owned or vouched for: it
    is named for a known module (whether it is that module's compilation is the bytecode proof's
    question, ISP311).  Any other ``.pyc`` -- sourceless, or named for a file nobody installed --
    is reported: a sourceless ``pkg/x.pyc`` is importable as ``pkg.x``.
    """
    where = (
        "listed in neither RECORD nor the manifest"
        if in_wheel
        else ("owned by no installed distribution")
    )
    findings: list[Finding] = []
    for path in sorted(present):
        # The manifest first: asking who owns a file can mean reading other RECORDs.
        if path in vouched:
            continue
        source = bytecode_source(path)
        if source is not None and source in vouched:
            continue
        if path in owned or (source is not None and source in owned):
            continue
        findings.append(
            Finding("ISP303", distribution, f"{path} is {where}", file=path, found=path)
        )
    return findings


def claimed_file_findings(
    distribution: str,
    claims: Mapping[str, Sequence[str]],
    *,
    vouched: Container[str],
    init_owners: Mapping[str, Sequence[str]],
) -> list[Finding]:
    """ISP303 for each file inside one of ``distribution``'s regular packages that another
    distribution's RECORD claims.

    ``claims`` maps such files (present, not vouched for by this manifest) to the distributions
    whose RECORD lists them; ``init_owners`` maps each package's ``__init__.py`` to the
    distributions that list it.  A RECORD row is only a claim, and anyone who can write to
    site-packages can append one to any RECORD: inside a package this manifest vouches for (its
    ``__init__.py`` vouched), a module another distribution claims is importable as part of this
    package and is reported, whoever claims it.  The one real layout where two distributions share
    a package directory is a namespace package: a native one has no ``__init__.py`` (so it is no
    regular package of this distribution), and a pkgutil-style one is shipped by every portion,
    so a claimer that also lists the package's ``__init__.py`` is a portion and is not reported.
    """
    findings: list[Finding] = []
    for path in sorted(claims):
        package = path.rpartition("/")[0]
        init = f"{package}/__init__.py"
        if not package or path in vouched or init not in vouched:
            continue
        source = bytecode_source(path)
        if source is not None and source in vouched:
            continue  # bytecode of a vouched module: the bytecode proof's question (ISP311)
        portions = set(init_owners.get(init, ()))
        claimers = [owner for owner in claims[path] if owner not in portions]
        if claimers:
            findings.append(
                Finding(
                    "ISP303",
                    distribution,
                    f"{path} is inside a package of {distribution} but claimed by "
                    f"{', '.join(sorted(claimers))}'s RECORD, which does not ship the package",
                    file=path,
                    found=path,
                )
            )
    return findings
