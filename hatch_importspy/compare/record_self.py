"""ISP316-ISP317: a distribution against its own RECORD, as ``rpm -V`` holds a package to its
database -- for every distribution, with a manifest or without.

RECORD is the installer's account of what it put where; it travels with the distribution, so it
vouches for nothing on its own, but a file that no longer matches the RECORD installed with it
was changed after installation, and a row that points out of the distribution is a claim on
someone else's files.  Data in, findings out: the reader
(:mod:`hatch_importspy.verify.record_check`) locates rows and hashes files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hatch_importspy.findings import Finding

_UNREADABLE = "unreadable"


def outside_row_findings(distribution: str, rows: Iterable[str]) -> list[Finding]:
    """ISP316 for each RECORD row that leaves the distribution: an absolute path, or ``..``
    segments climbing out of the site directory and back into a site directory."""
    return [
        Finding(
            "ISP316",
            distribution,
            f"RECORD row {row!r} points outside the distribution; it owns nothing",
            file=row,
            found=row,
        )
        for row in sorted(set(rows))
    ]


def record_digest_findings(
    distribution: str, stated: Mapping[str, str], found: Mapping[str, str | None]
) -> list[Finding]:
    """ISP317 for each file whose digest is not the one its RECORD row states.

    ``stated`` maps a path (relative to the site directory) to RECORD's hex sha256; ``found`` to
    the file's, ``None`` when it is missing, or a text starting with ``unreadable`` when it could
    not be read.
    """
    findings: list[Finding] = []
    differing = [path for path, want in stated.items() if found.get(path) != want]
    for path in sorted(differing):
        digest = found.get(path)
        if digest is None:
            problem = "is missing"
        elif digest.startswith(_UNREADABLE):
            problem = "cannot be read"
        else:
            problem = "differs from its RECORD"
        findings.append(
            Finding(
                "ISP317",
                distribution,
                f"{path} {problem}",
                file=path,
                expected=stated[path],
                found=digest,
            )
        )
    return findings
