"""ISP340 and ISP342: what a distribution declares to the tools that load it, against its manifest.

``entry_points.txt`` tells installers which wrapper scripts to write and plugin hosts (pytest's
``pytest11``, hatch's ``hatch``) which object to load; METADATA's ``Requires-Dist`` tells pip and
``importlib.metadata.requires`` what the distribution needs.  Neither file is in the manifest's
``files`` (the ``.dist-info`` directory is not described), so both are compared here with what the
manifest recorded at build time.  Pure: data in, findings out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from hatch_importspy.findings import Finding
from hatch_importspy.model import EntryPoint


def entry_point_findings(
    distribution: str,
    recorded: Sequence[EntryPoint],
    installed: Sequence[EntryPoint],
    *,
    file: str,
) -> list[Finding]:
    """One ISP340 finding per entry point added, removed or changed (by group and name).

    Duplicates count: a second line for a name is one more entry a plugin host loads.
    """
    extra = Counter(installed)
    extra.subtract(recorded)
    added = sorted(entry for entry, count in extra.items() for _ in range(count) if count > 0)
    removed = sorted(entry for entry, count in extra.items() for _ in range(-count) if count < 0)
    findings: list[Finding] = []
    for entry in removed:
        replacement = next(
            (new for new in added if (new.group, new.name) == (entry.group, entry.name)), None
        )
        if replacement is not None:
            added.remove(replacement)
            message = (
                f"[{entry.group}] {entry.name} points at {replacement.value!r}, "
                f"not at {entry.value!r} as the manifest records"
            )
            findings.append(_entry_finding(distribution, file, entry, message, replacement.value))
        else:
            message = f"[{entry.group}] {entry.name} = {entry.value} is no longer declared"
            findings.append(_entry_finding(distribution, file, entry, message, None))
    for entry in added:
        message = f"[{entry.group}] {entry.name} = {entry.value} is not in the manifest"
        findings.append(
            Finding(
                "ISP340",
                distribution,
                message,
                file=file,
                object=f"[{entry.group}] {entry.name}",
                found=entry.value,
            )
        )
    return findings


def _entry_finding(
    distribution: str, file: str, entry: EntryPoint, message: str, found: str | None
) -> Finding:
    return Finding(
        "ISP340",
        distribution,
        message,
        file=file,
        object=f"[{entry.group}] {entry.name}",
        expected=entry.value,
        found=found,
    )


def requires_findings(
    distribution: str, recorded: Sequence[str], found: Sequence[str], *, file: str
) -> list[Finding]:
    """One ISP342 finding per ``Requires-Dist`` value added, dropped or rewritten.

    Values are compared as written, in any order; a value dropped and one added for the same
    distribution name are reported together as one rewritten requirement.
    """
    extra = Counter(found)
    extra.subtract(recorded)
    added = sorted(value for value, count in extra.items() for _ in range(count) if count > 0)
    dropped = sorted(value for value, count in extra.items() for _ in range(-count) if count < 0)
    findings: list[Finding] = []
    for value in dropped:
        name = _name(value)
        replacement = next((new for new in added if name and _name(new) == name), None)
        if replacement is not None:
            added.remove(replacement)
            message = f"Requires-Dist {value!r} was rewritten to {replacement!r}"
        else:
            message = f"Requires-Dist {value!r} that the manifest records is gone"
        findings.append(
            Finding("ISP342", distribution, message, file=file, expected=value, found=replacement)
        )
    findings.extend(
        Finding(
            "ISP342",
            distribution,
            f"Requires-Dist {value!r} is not in the manifest",
            file=file,
            found=value,
        )
        for value in added
    )
    return findings


def _name(value: str) -> str | None:
    try:
        return canonicalize_name(Requirement(value).name)
    except InvalidRequirement:
        return None
