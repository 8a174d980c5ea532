"""The verifier checks itself: the running hatch-importspy against its own wheel's manifest.

hatch-importspy's wheel carries a manifest like any other (its build runs its own hook, see
``hatch_build.py``).  A verifier whose files were edited after it was installed can say anything
about the environment it checks, so before a verdict is trusted :func:`verifier_findings` hashes
the files of the copy that is actually running -- found from this package's own location, not by
name, which could find another copy -- against that copy's installed manifest, and reports each
difference as ``ISP356``.  A copy without a manifest (an editable install, a checkout on
``sys.path``) has nothing to be held against and is not reported.

Only the manifest's first document is read (paths and digests); nothing is imported or run.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.findings import Finding, FindingCode
from hatch_importspy.formats.manifest import DOCUMENT_SEPARATOR, load_bytes_deferred
from hatch_importspy.verify.installed import (
    InstalledDistribution,
    find_distributions,
    has_manifest,
    hash_files,
    read_manifest_bytes,
    read_manifest_start,
)

if TYPE_CHECKING:
    from hatch_importspy.results import VerifyResult

VERIFIER_MODIFIED: FindingCode = "ISP356"
DISTRIBUTION = "hatch-importspy"
_PACKAGE = Path(__file__).resolve().parents[1]
"""The running ``hatch_importspy`` package directory."""


def running_distribution(package: Path = _PACKAGE) -> InstalledDistribution | None:
    """The installed hatch-importspy whose files are the running ones, if it is installed.

    It is the one in the package's own site directory whose RECORD lists the package's
    ``__init__.py``; ``None`` when running from a checkout or nothing there claims the files.
    """
    site = package.parent
    own = f"{package.name}/__init__.py"
    try:
        candidates = find_distributions([site])
    except UnusableInputError:
        return None
    for distribution in candidates:
        if distribution.canonical_name != canonicalize_name(DISTRIBUTION):
            continue
        record = distribution.metadata_dir / "RECORD"
        try:
            listed = record.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if any(line.split(",", 1)[0] == own for line in listed.splitlines()):
            return distribution
    return None


def verifier_findings(package: Path = _PACKAGE) -> tuple[Finding, ...]:
    """``ISP356`` for each file of the running verifier that its manifest does not agree with."""
    distribution = running_distribution(package)
    if distribution is None or not has_manifest(distribution):
        return ()
    source = str(distribution.manifest_path)
    try:
        data = read_manifest_start(distribution, until=DOCUMENT_SEPARATOR.encode())
        model, _ = load_bytes_deferred(
            data or b"", source, whole=lambda: read_manifest_bytes(distribution) or b""
        )
    except UnusableInputError as error:
        return (_finding(None, f"its own manifest cannot be read: {error}", None, None),)
    expected = {m.path: m.sha256 for m in model.modules} | {f.path: f.sha256 for f in model.files}
    found = hash_files(package.parent, expected)
    return tuple(
        _finding(
            path,
            f"{path} of the running verifier "
            + ("is missing" if found[path] is None else "was modified since it was installed")
            + f" ({distribution.source}): its verdict cannot be trusted",
            digest,
            found[path],
        )
        for path, digest in sorted(expected.items())
        if found[path] != digest
    )


def _finding(file: str | None, message: str, expected: str | None, found: str | None) -> Finding:
    return Finding(
        code=VERIFIER_MODIFIED,
        distribution=DISTRIBUTION,
        message=message,
        file=file,
        expected=expected,
        found=found,
    )


def with_verifier_findings(result: VerifyResult, package: Path = _PACKAGE) -> VerifyResult:
    """``result`` with :func:`verifier_findings` added to the findings owned by no distribution
    (before the policy is applied, so that a policy's severity for ``ISP356`` counts).

    When the running copy is one of the distributions ``result`` verified against its manifest
    (the verifier installed in the environment it checks), its files were just hashed against that
    same manifest and any change is already an ``ISP301`` of hatch-importspy: hashing them twice
    would only double the cost of every such run.
    """
    running = running_distribution(package)
    if running is not None and any(
        checked.has_manifest and checked.source == str(running.metadata_dir)
        for checked in result.distributions
    ):
        return result
    findings = verifier_findings(package)
    if not findings:
        return result
    return replace(result, environment_findings=(*result.environment_findings, *findings))
