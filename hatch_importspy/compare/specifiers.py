"""Whether one version specifier set accepts fewer (or more) versions than another.

Two PEP 440 specifier sets cannot be compared symbolically in general (``~=``, ``!=``, wildcards
and ``.post``/``.dev`` rules interact), so the comparison is done on *candidate versions*: the
versions at which the answer of either set can change.  Every boundary a specifier mentions
contributes itself and its immediate neighbours: for ``1.2.3`` that is ``1.2.3``, the next
release at each level (``1.2.4``, ``1.3.0``, ``2.0.0``) and the last one before it at each level
(``1.2.2``, ``1.1.999``, ``0.999.999``).  A specifier changes its answer only at the versions it
mentions (and, for ``~=`` and ``.*``, at the next release of the series, which is a neighbour), so
every interval where the two sets disagree contains a candidate -- at the precision of three
release numbers and final releases (pre-releases are left out, as installers leave them out; a
difference only at ``1.2.3.1`` or ``1.2.3.post1`` is not seen).
Callers may add base candidates of their own; Python ranges add every ``3.x.0`` from 3.0 to
3.30, so that ``>=3.8`` against ``>=3.9`` names ``3.8.0`` as the version lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

LAST_OF_SERIES = 999
"""Stands for "the last release of a series" when stepping just below a boundary."""

PYTHON_CANDIDATES: tuple[Version, ...] = tuple(Version(f"3.{minor}.0") for minor in range(31))
"""Every ``3.x.0`` from 3.0 to 3.30: the base candidates for Python ranges."""


def parse_specifier(text: str | None) -> SpecifierSet | None:
    """A specifier set, ``SpecifierSet("")`` (any) for ``None``; ``None`` when it is invalid."""
    try:
        return SpecifierSet(text or "")
    except InvalidSpecifier:
        return None


def boundaries(specifiers: SpecifierSet) -> list[Version]:
    """The versions a specifier set mentions (``3.9.*`` mentions ``3.9``)."""
    found: list[Version] = []
    for specifier in sorted(specifiers, key=str):  # a frozenset: its order varies by run
        text = specifier.version.removesuffix(".*")
        try:
            found.append(Version(text))
        except InvalidVersion:
            continue  # ``===arbitrary`` strings have no place in the ordering
    return found


def neighbours(version: Version) -> list[Version]:
    """A boundary, and the releases just above and just below it at every level.

    Releases are spelled with at least three numbers (``3.10`` is ``3.10.0``), so that equal
    versions read the same in messages whichever specifier brought them in.
    """
    release = list(version.release) + [0] * max(0, 3 - len(version.release))
    epoch = f"{version.epoch}!" if version.epoch else ""
    padded = Version(epoch + ".".join(map(str, release)))
    found = [padded]
    if str(version) != str(padded) and version != padded:
        found.append(version)  # a post, dev or local release: a boundary of its own
    for level in range(len(release)):
        above = [*release[:level], release[level] + 1] + [0] * (len(release) - level - 1)
        found.append(Version(epoch + ".".join(map(str, above))))
        if release[level] > 0:
            below = [*release[:level], release[level] - 1]
            below += [LAST_OF_SERIES] * (len(release) - level - 1)
            found.append(Version(epoch + ".".join(map(str, below))))
    return found


def candidates(*sets: SpecifierSet, base: Iterable[Version] = ()) -> list[Version]:
    """Sorted final-release candidates that decide every comparison between ``sets``."""
    found = set(base)
    for specifiers in sets:
        for boundary in boundaries(specifiers):
            found.update(neighbours(boundary))
    return sorted(version for version in found if not version.is_prerelease)


def lost_versions(
    old: SpecifierSet, new: SpecifierSet, *, base: Iterable[Version] = ()
) -> list[Version]:
    """Candidate versions ``old`` accepts and ``new`` rejects (empty: not narrowed)."""
    return [
        version
        for version in candidates(old, new, base=base)
        if old.contains(version) and not new.contains(version)
    ]


def gained_versions(
    old: SpecifierSet, new: SpecifierSet, *, base: Iterable[Version] = ()
) -> list[Version]:
    """Candidate versions ``new`` accepts and ``old`` rejected (empty: not widened)."""
    return lost_versions(new, old, base=base)


def versions_text(versions: Sequence[Version], *, limit: int = 3) -> str:
    """``3.8.0, 3.9.0 and 4 more``: a short sample for messages.

    The stand-ins for "the last release of a series" (``3.7.999``) are left out when other
    versions show the point as well: nobody has heard of Python 3.7.999.
    """
    plain = [version for version in versions if LAST_OF_SERIES not in version.release]
    versions = plain or versions
    shown = ", ".join(str(version) for version in versions[:limit])
    rest = len(versions) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown
