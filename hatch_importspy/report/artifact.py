"""Where a finding points, as a path that CI systems can show next to the finding.

SARIF results and GitHub annotations both want one file path per finding, relative to the
repository the pipeline checked out.  A finding's own ``file`` is relative to the site-packages
directory it was found in (or to the root of the wheel), so the path is worked out here, once,
from the finding and the distribution it belongs to:

- a file of an installed distribution, when ``root`` is given and the file lies under it (a
  virtual environment inside the checkout): relative to ``root``;
- otherwise the finding's own path, relative to site-packages or to the wheel's root;
- a finding about no file of its own (an environment constraint, a missing manifest, a lock
  entry): the file that states what was expected, i.e. the distribution's embedded manifest
  when it has one, else its ``RECORD``;
- nothing known at all (a finding owned by no distribution and naming no file): ``None``.

Only strings are looked at, never the file system, so reports stay pure functions of the result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePath

from hatch_importspy.findings import Finding
from hatch_importspy.formats.manifest import MANIFEST_LOCATION
from hatch_importspy.results import DistributionResult, VerifyResult

DIST_INFO_SUFFIX = ".dist-info"


def dist_info_name(distribution: DistributionResult) -> str:
    """The ``.dist-info`` directory name of an installed distribution or a wheel.

    For an installed distribution it is the last part of its source.  For a wheel it is named
    like the wheel file (``NAME-VERSION-...whl`` holds ``NAME-VERSION.dist-info``), or, when the
    source is not a wheel file name, built from the distribution's name with runs of ``-_.`` as
    ``_`` as the binary distribution format escapes it.
    """
    source = PurePath(distribution.source)
    if source.name.endswith(DIST_INFO_SUFFIX):
        return source.name
    parts = source.name.split("-")
    if source.suffix == ".whl" and len(parts) >= 5:
        return f"{parts[0]}-{parts[1]}{DIST_INFO_SUFFIX}"
    escaped = re.sub(r"[-_.]+", "_", distribution.name)
    return f"{escaped}-{distribution.version}{DIST_INFO_SUFFIX}"


def site_directory(distribution: DistributionResult) -> PurePath | None:
    """The site-packages directory an installed distribution lives in; ``None`` for a wheel."""
    source = PurePath(distribution.source)
    if source.name.endswith(DIST_INFO_SUFFIX) and source.is_absolute():
        return source.parent
    return None


def _relative_to_root(absolute: PurePath, root: Path | None) -> str | None:
    if root is None:
        return None
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return None
    return relative.as_posix()


def artifact_path(
    finding: Finding,
    owner: DistributionResult | None,
    *,
    root: Path | None = None,
    sites: Iterable[PurePath] = (),
) -> str | None:
    """The path that stands for ``finding``'s location (see the module docstring).

    ``owner`` is the distribution the finding belongs to, if any.  ``sites`` are the
    site-packages directories of the result: a finding owned by no distribution (unowned startup
    code) is placed under ``root`` only when there is exactly one, since otherwise which directory
    holds its file cannot be told from the result alone.
    """
    site: PurePath | None = site_directory(owner) if owner is not None else None
    if owner is None:
        unique = set(sites)
        site = unique.pop() if len(unique) == 1 else None
    if finding.file:
        file = finding.file
        if PurePath(file).is_absolute():
            return _relative_to_root(PurePath(file), root) or file
        if site is not None:
            under_root = _relative_to_root(site / file, root)
            if under_root is not None:
                return under_root
        return file
    if owner is None:
        return None
    stated_in = MANIFEST_LOCATION if owner.has_manifest else "RECORD"
    inside = f"{dist_info_name(owner)}/{stated_in}"
    if site is not None:
        return _relative_to_root(site / inside, root) or inside
    return inside


def sites_of(distributions: Iterable[DistributionResult]) -> tuple[PurePath, ...]:
    """The distinct site-packages directories of installed distributions, sorted."""
    found = {site for d in distributions if (site := site_directory(d)) is not None}
    return tuple(sorted(found, key=str))


def owned_findings(result: VerifyResult) -> Iterator[tuple[Finding, DistributionResult | None]]:
    """Every finding of ``result`` with the distribution that reported it (``None``: unowned)."""
    for distribution in result.distributions:
        for finding in distribution.findings:
            yield finding, distribution
    for finding in result.environment_findings:
        yield finding, None
