"""Read what an installed distribution declares to the tools that load it, and judge it.

Three things outside the manifest's ``files`` decide what code runs on behalf of a distribution:
``entry_points.txt`` (what a plugin host loads, which wrapper an installer writes), the wrapper
scripts themselves (installed outside site-packages, listed in RECORD as ``../../../bin/NAME`` or
similar), and METADATA's ``Requires-Dist`` (what pip and ``importlib.metadata`` say it needs).
This module reads them (only reads: nothing is imported or run, a wrapper is parsed with ``ast``)
and hands them to the pure comparisons of :mod:`hatch_importspy.compare.entry_points` and
:mod:`hatch_importspy.compare.wrappers`.

What cannot be checked is said, as a notice: a manifest that does not record entry points (it was
written before they were), a wrapper RECORD lists that is not where RECORD says (a copied
site-packages, ``--path`` pointing at a directory away from its scripts), a Windows launcher.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hatch_importspy.compare.entry_points import entry_point_findings, requires_findings
from hatch_importspy.compare.wrappers import wrapper_findings
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.findings import Finding
from hatch_importspy.formats.entry_points import (
    ENTRY_POINTS_FILENAME,
    object_reference,
    parse_entry_points,
)
from hatch_importspy.formats.record import is_outside, read_regular_file
from hatch_importspy.model import SCRIPT_GROUPS, EntryPoint, SpyModel
from hatch_importspy.verify.installed import InstalledDistribution, read_optional_bytes

_WINDOWS_LAUNCHER = ".exe"
_WRAPPER_SUFFIXES = ("", _WINDOWS_LAUNCHER, "-script.py", "-script.pyw")
"""How installers name the wrapper of script ``NAME``: ``NAME`` on POSIX, ``NAME.exe`` (a launcher
with the script appended) or ``NAME-script.py`` next to a launcher on Windows."""


@dataclass
class DeclaredCheck:
    """Findings and notices of one distribution's declarations."""

    findings: list[Finding] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def declared_findings(
    distribution: InstalledDistribution,
    model: SpyModel,
    stated: Mapping[str, str | None] | None,
) -> DeclaredCheck:
    """ISP340-ISP342 for an installed distribution whose manifest is ``model``.

    ``stated`` is its RECORD as ``{normalised path: hex sha256 or None}`` (``None`` without a
    RECORD, already a finding of its own): where the wrappers are, and what they hashed to.
    """
    check = DeclaredCheck()
    name, metadata_dir = distribution.name, distribution.metadata_name
    _check_requires(check, distribution, model)
    if model.entry_points is None:
        check.notices.append(
            f"{name} {distribution.version}: its manifest does not record entry points (built "
            "before they were recorded): entry_points.txt and script wrappers not checked"
        )
        return check
    file = f"{metadata_dir}/{ENTRY_POINTS_FILENAME}"
    try:
        installed = read_entry_points(distribution.metadata_dir / ENTRY_POINTS_FILENAME)
    except UnusableInputError as error:
        check.findings.append(
            Finding("ISP340", name, f"{ENTRY_POINTS_FILENAME} cannot be read: {error}", file=file)
        )
    else:
        check.findings.extend(entry_point_findings(name, model.entry_points, installed, file=file))
    for entry in model.entry_points:
        if entry.group in SCRIPT_GROUPS:
            _check_wrappers(check, distribution, entry, stated or {})
    return check


def read_entry_points(path: Path) -> tuple[EntryPoint, ...]:
    """The entry points of an ``entry_points.txt`` (none when it is absent).

    Raises :class:`UnusableInputError` for a file that is there but is not a readable regular
    UTF-8 file.
    """
    content = read_optional_bytes(path)
    if content is None:
        return ()
    try:
        return parse_entry_points(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise UnusableInputError(f"{path}: not UTF-8 text") from None


def read_requires_dist(path: Path) -> tuple[str, ...]:
    """The ``Requires-Dist`` values of a METADATA file as written (none when it is absent);
    errors as :func:`read_entry_points`."""
    content = read_optional_bytes(path)
    if content is None:
        return ()
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise UnusableInputError(f"{path}: not UTF-8 text") from None
    # The parser reads headers up to the first empty line at the latest; the body after it
    # (often a whole README) would still be split into lines, for nothing.
    end = _EMPTY_LINE.search(text)
    block = text if end is None else text[: end.end()]
    plain = _plain_requires_dist(block)
    if plain is not None:
        return plain
    from email.parser import HeaderParser  # only for what is not plain header lines

    headers = HeaderParser().parsestr(block, headersonly=True)
    return tuple(str(value) for value in headers.get_all("Requires-Dist") or [])


def _plain_requires_dist(block: str) -> tuple[str, ...] | None:
    """The ``Requires-Dist`` values of a header block made of plain header lines only, read as
    the email parser reads them; ``None`` for anything else (a continued or malformed line, a
    ``From `` line), which is left to the parser.

    Most METADATA is plain lines, and the parser (with the ``email`` package it imports) is
    about a twentieth of ``verify`` as a command.  A plain line is a field name of the
    characters the parser allows, a colon and a value on that line; the parser gives the value
    with its leading blanks removed, and matches the name whatever its case.
    """
    lines = _LINE_END.split(block)
    if lines and not lines[-1]:
        lines.pop()
    if lines and not lines[-1]:
        lines.pop()  # the empty line that ends the block
    values: list[str] = []
    for line in lines:
        match = _PLAIN_HEADER.fullmatch(line)
        if match is None:
            return None  # continued or malformed: the parser's business
        name, value = match.groups()
        if name.lower() == "requires-dist":
            values.append(value.lstrip(" \t"))
    return tuple(values)


_EMPTY_LINE = re.compile(r"(?:\r\n|\r(?!\n)|\n)(?:\r\n|\r(?!\n)|\n)")
"""Two line ends in a row (each CR LF, CR or LF, as the email parser splits lines)."""

_LINE_END = re.compile(r"\r\n|\r|\n")
"""A line end as the email parser finds one."""

_PLAIN_HEADER = re.compile(r"([\x21-\x39\x3b-\x7e]+):(.*)", re.DOTALL)
"""A header line complete on its own: a name of the characters the parser's header pattern
allows (printable, no colon), the colon, and the value."""


def _check_requires(
    check: DeclaredCheck, distribution: InstalledDistribution, model: SpyModel
) -> None:
    file = f"{distribution.metadata_name}/METADATA"
    try:
        found = read_requires_dist(distribution.metadata_dir / "METADATA")
    except UnusableInputError as error:
        message = f"METADATA cannot be read: {error}"
        check.findings.append(Finding("ISP342", distribution.name, message, file=file))
        return
    check.findings.extend(requires_findings(distribution.name, model.requires, found, file=file))


def _check_wrappers(
    check: DeclaredCheck,
    distribution: InstalledDistribution,
    entry: EntryPoint,
    stated: Mapping[str, str | None],
) -> None:
    name, script = distribution.name, entry.name
    expected = object_reference(entry.value)
    if expected is None or expected.attr is None:
        check.notices.append(
            f"{name}: script {script} = {entry.value!r} names no 'module:attr': its wrapper is "
            "not checked"
        )
        return
    site_dir = distribution.site_dir
    candidates = _wrapper_paths(script, stated, site_dir)
    if not candidates:
        check.notices.append(
            f"{name}: RECORD lists no wrapper for script {script}, and none is in "
            f"{_scripts_dir(site_dir) or 'a scripts directory verify knows of'}: not checked"
        )
        return
    for relative in candidates:
        where = os.path.normpath(os.path.join(site_dir, relative))  # noqa: PTH118
        if relative.endswith(_WINDOWS_LAUNCHER):
            check.notices.append(
                f"{name}: the wrapper {where} of script {script} is a Windows launcher: not checked"
            )
            continue
        try:
            source = read_regular_file(where)
        except (FileNotFoundError, NotADirectoryError):
            check.notices.append(
                f"{name}: the wrapper of script {script} that RECORD lists is not at {where} "
                "(missing, or its scripts directory is not next to this site directory): not "
                "checked"
            )
            continue
        except OSError as error:
            problem = f"the wrapper of script {script} cannot be read: {error.strerror or error}"
            check.findings.append(Finding("ISP341", name, problem, file=relative, object=script))
            continue
        listed = relative in stated
        if listed and stated[relative] is None:
            check.notices.append(
                f"{name}: RECORD states no sha256 for the wrapper {where} of script {script}: "
                "only its code is checked"
            )
        check.findings.extend(
            wrapper_findings(
                name,
                script,
                expected,
                file=relative,
                source=source,
                digest=hashlib.sha256(source).hexdigest(),
                stated=stated.get(relative),
            )
        )


def _wrapper_paths(script: str, stated: Mapping[str, str | None], site_dir: Path) -> list[str]:
    """The wrappers of ``script`` to check, relative to ``site_dir``: every one RECORD lists
    outside site-packages, and the file of that name in the scripts directory next to the site
    directory when there is one (so a RECORD row moved elsewhere cannot hide the real wrapper)."""
    names = {script + suffix for suffix in _WRAPPER_SUFFIXES}
    listed = sorted(
        path for path in stated if is_outside(path) and posixpath.basename(path) in names
    )
    scripts = _scripts_dir(site_dir)
    if scripts is not None and (scripts / script).is_file():
        conventional = os.path.relpath(scripts / script, site_dir).replace(os.sep, "/")
        resolved = {os.path.normpath(os.path.join(site_dir, path)) for path in listed}  # noqa: PTH118
        if os.path.normpath(scripts / script) not in resolved:
            listed.append(conventional)
    return listed


def _scripts_dir(site_dir: Path) -> Path | None:
    """``<prefix>/bin`` for ``<prefix>/lib/pythonX.Y/site-packages`` (POSIX installs and virtual
    environments), ``None`` for another layout."""
    version_dir = site_dir.parent
    if version_dir.name.startswith("python") and version_dir.parent.name in ("lib", "lib64"):
        return version_dir.parent.parent / "bin"
    return None
