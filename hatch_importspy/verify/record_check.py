"""Read what :mod:`hatch_importspy.compare.record_self` judges: locate a distribution's RECORD
rows and hash the files they state a sha256 for.

Where a row points, decided on the row alone (see :func:`~.installed.owns`):

- inside the site directory the ``.dist-info`` sits in: checked against its stated sha256 when it
  has one (pip lists the byte code it compiles as ``path,,`` and RECORD itself without a hash:
  those are not hashed);
- absolute: ISP316, whatever it names;
- climbing out with ``..``: the ``scripts``, ``headers`` and ``data`` schemes do that
  (``../../../bin/tool``), so such a row is not reported and not hashed (an installer rewrites
  scripts) -- unless it lands back in a site directory (``../site-packages/evil.pth``, or another
  site directory of the environment, through symbolic links too): ISP316.

Only reads; the cost is one hash per hashed row, the same descriptor-read hashing as the
manifest check, and one ``realpath`` per climbing row.
"""

from __future__ import annotations

import os
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hatch_importspy.compare.record_self import outside_row_findings, record_digest_findings
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.findings import Finding
from hatch_importspy.formats.record import is_outside
from hatch_importspy.verify.installed import InstalledDistribution, RecordIndex, hash_files


@dataclass(frozen=True)
class RecordCheck:
    """Holds distributions to their own RECORD, knowing the environment's site directories."""

    site_dirs: tuple[str, ...]
    """Real paths of every site directory of the environment."""

    @classmethod
    def of(cls, site_dirs: Iterable[Path]) -> RecordCheck:
        """The check for an environment made of ``site_dirs``."""
        return cls(tuple(os.path.realpath(directory) for directory in site_dirs))

    def lands_in_site_dir(self, site_dir: Path, row: str) -> bool:
        """Whether a climbing row of a distribution in ``site_dir`` names a file in one of the
        environment's site directories (symbolic links on the way resolved)."""
        target = os.path.normpath(os.path.join(site_dir, row))  # noqa: PTH118
        parent = os.path.realpath(os.path.dirname(target))  # noqa: PTH120
        return any(parent == root or parent.startswith(root + os.sep) for root in self.site_dirs)

    def findings(
        self,
        distribution: str,
        site_dir: Path,
        digests: Mapping[str, str | None],
        *,
        skip: Container[str] = frozenset(),
        hashed: Mapping[str, str | None] | None = None,
    ) -> list[Finding]:
        """ISP316 and ISP317 for one distribution's RECORD (``{normalised row: hex sha256 or
        None}``); ``skip`` holds paths already held to something stricter (the manifest);
        ``hashed``, the files' digests where they were already taken (the rest is hashed here)."""
        return self._check(distribution, site_dir, digests, skip, hashed)[0]

    def _check(
        self,
        distribution: str,
        site_dir: Path,
        digests: Mapping[str, str | None],
        skip: Container[str],
        hashed: Mapping[str, str | None] | None,
    ) -> tuple[list[Finding], dict[str, str]]:
        """:meth:`findings`, and the rows hashed whose file has the stated digest."""
        outside = [
            path
            for path in digests
            if is_outside(path) and (_is_absolute(path) or self.lands_in_site_dir(site_dir, path))
        ]
        stated = self.hashed_rows(digests, skip)
        found = _digests(site_dir, stated, hashed or {})
        findings = [
            *outside_row_findings(distribution, outside),
            *record_digest_findings(distribution, stated, found),
        ]
        return findings, {path: digest for path, digest in stated.items() if found[path] == digest}

    @staticmethod
    def hashed_rows(
        digests: Mapping[str, str | None], skip: Container[str] = frozenset()
    ) -> dict[str, str]:
        """The rows of a RECORD (``{normalised row: hex sha256 or None}``) whose files are
        hashed: inside the site directory, with a digest, and not in ``skip``."""
        return {
            path: digest
            for path, digest in digests.items()
            if digest is not None and path not in skip and not is_outside(path)
        }

    def installed(
        self,
        distribution: InstalledDistribution,
        records: RecordIndex,
        *,
        skip: Container[str] = frozenset(),
    ) -> list[Finding]:
        """The findings for a distribution not otherwise verified: a RECORD that exists but
        cannot be read is ISP310; no RECORD at all (a legacy or distribution-packaged install)
        leaves nothing to hold it to.  ``skip`` as for :meth:`findings`."""
        return self.installed_rows(distribution, records, skip=skip)[0]

    def installed_rows(
        self,
        distribution: InstalledDistribution,
        records: RecordIndex,
        *,
        skip: Container[str] = frozenset(),
        hashed: Mapping[str, str | None] | None = None,
    ) -> tuple[list[Finding], dict[str, str]]:
        """:meth:`installed`, and the rows it hashed whose file still has the digest RECORD
        states (path -> hex sha256): what ``verify --lock`` needs to find the unchanged sources
        of a distribution without a manifest, so that they are not read and hashed twice.
        ``hashed`` as for :meth:`findings`."""
        try:
            digests = records.digests(distribution)
        except UnusableInputError as error:
            where = f"{distribution.metadata_name}/RECORD"
            return [Finding("ISP310", distribution.name, str(error), file=where)], {}
        if digests is None:
            return [], {}
        return self._check(distribution.name, distribution.site_dir, digests, skip, hashed)


def _digests(
    site_dir: Path, rows: Mapping[str, str], hashed: Mapping[str, str | None]
) -> dict[str, str | None]:
    """The digest of each row's file: from ``hashed`` where it is there, else hashed now."""
    missing = [path for path in rows if path not in hashed]
    found = hash_files(site_dir, missing) if missing else {}
    return {path: hashed[path] if path in hashed else found[path] for path in rows}


def _is_absolute(path: str) -> bool:
    return path.startswith("/") or (len(path) > 1 and path[1] == ":")
