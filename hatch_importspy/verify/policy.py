"""The deploy-gate policy: what a team accepts, kept in version control next to its code.

A policy is read from a YAML file (``--policy gate.yaml``) or from the ``[tool.importspy]``
table of a ``pyproject.toml`` (``--policy pyproject.toml``); both hold the same keys::

    require-manifest: true          # every installed distribution must carry a manifest...
    allow: [pip, setuptools, "types-*"]   # ...except these (names or globs, normalised)
    strict: false                   # true: warnings fail too, as with --strict
    severities:                     # change the severity of a code: error, warning or note
      ISP202: error
    accept:                         # files legitimately changed after install
      - distribution: certifi
        path: certifi/cacert.pem    # a glob, relative to site-packages
        reason: replaced by the distribution's CA bundle at image build

Every key is checked: an unknown key, a wrong type, an unknown code or severity stops with one
line naming the file and the key (exit 2), because a gate that silently ignores a typo is no gate.
Names in ``allow`` and ``accept[].distribution`` are normalised with
:func:`packaging.utils.canonicalize_name` and may be globs (``fnmatch``: ``*``, ``?``, ``[...]``);
``accept[].path`` globs match the ``/``-separated path relative to site-packages, and ``*``
crosses ``/``.

Default severities (the registry in :mod:`hatch_importspy.findings` holds them):

- warnings, which fail only under ``--strict``: ``ISP202`` (the installed module defines an
  object the manifest does not describe -- additions break no caller, but they are unreviewed
  code) and ``ISP308`` (startup code shipped by a distribution without a manifest -- owned, so
  someone installed it on purpose, but nothing vouches for it);
- notes, which never fail: ``ISP321`` (a modification the policy accepted, shown with its reason);
- everything else is an error: a changed file, a missing object, an unmet requirement, a
  constraint of the place it runs, a distribution without a manifest under
  ``require-manifest``, any disagreement with the lock.

The functions that apply a policy are pure: a
:class:`~hatch_importspy.results.VerifyResult` in,
a new one out.  An accepted modification is not dropped but turned into an ``ISP321`` note, so the
report still shows which files differ from what was built, and why that is fine.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from packaging.utils import canonicalize_name

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.findings import CODES, Finding, FindingCode, Severity
from hatch_importspy.formats.record import read_regular_file
from hatch_importspy.limits import DOCUMENT_BYTES
from hatch_importspy.render import did_you_mean
from hatch_importspy.results import CHECK_POLICY, DistributionResult, VerifyResult
from hatch_importspy.verify.installed import InstalledDistribution

NO_MANIFEST: FindingCode = "ISP320"
ACCEPTED: FindingCode = "ISP321"
MODIFIED: FindingCode = "ISP301"
DIFFERS_FROM_RECORD: FindingCode = "ISP317"
UNUSABLE_MANIFEST: FindingCode = "ISP309"
PYPROJECT_TABLE = ("tool", "importspy")

_KEYS = frozenset({"require-manifest", "allow", "strict", "severities", "accept"})
_ACCEPT_KEYS = frozenset({"distribution", "path", "reason"})


class PolicyError(UnusableInputError):
    """A policy file that cannot be read or holds an invalid setting."""


@dataclass(frozen=True)
class AcceptedFile:
    """A file a distribution ships that may differ from its manifest, and why."""

    distribution: str
    """A canonical distribution name, or a glob over canonical names."""
    path: str
    """A glob over ``/``-separated paths relative to site-packages."""
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "distribution", canonical_pattern(self.distribution))

    def matches(self, distribution: str, path: str) -> bool:
        """Whether this entry covers ``path`` of ``distribution`` (any spelling of the name)."""
        return fnmatch.fnmatchcase(canonicalize_name(distribution), self.distribution) and (
            fnmatch.fnmatchcase(path, self.path)
        )


@dataclass(frozen=True)
class Policy:
    """What the deploy gate requires and what it tolerates.  The default requires nothing extra."""

    require_manifest: bool = False
    allow: tuple[str, ...] = ()
    """Canonical names or globs exempt from ``require_manifest``."""
    severities: Mapping[str, Severity] = field(default_factory=dict, hash=False)
    """Code -> the severity its findings get instead of the default."""
    accept: tuple[AcceptedFile, ...] = ()
    strict: bool = False
    source: str = field(default="", compare=False)
    """Where the policy was read from, for messages; empty for the command line alone."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "severities", MappingProxyType(dict(self.severities)))
        object.__setattr__(self, "allow", tuple(canonical_pattern(p) for p in self.allow))

    def allows(self, distribution: str) -> bool:
        """Whether ``distribution`` is exempt from ``require_manifest``."""
        name = canonicalize_name(distribution)
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.allow)

    def accepted(self, finding: Finding) -> AcceptedFile | None:
        """The accept entry covering a modified-file finding (against the manifest, ISP301, or
        against RECORD, ISP317: a CA bundle patched after install, say), if any."""
        if finding.code not in (MODIFIED, DIFFERS_FROM_RECORD) or not finding.file:
            return None
        for entry in self.accept:
            if entry.matches(finding.distribution, finding.file):
                return entry
        return None

    def with_command_line(
        self, *, require_manifest: bool = False, allow: Sequence[str] = (), strict: bool = False
    ) -> Policy:
        """This policy with ``--require-manifest``, ``--allow`` and ``--strict`` added to it
        (options only ever tighten or extend what the file says)."""
        return replace(
            self,
            require_manifest=self.require_manifest or require_manifest,
            allow=self.allow + tuple(allow),
            strict=self.strict or strict,
        )


def canonical_pattern(pattern: str) -> str:
    """A name or name glob in canonical form: ``Foo_Bar*`` -> ``foo-bar*``."""
    return canonicalize_name(pattern)


# --------------------------------------------------------------------------- reading


class _Problems:
    """Collects every problem of one document, then fails with all of them on one line."""

    def __init__(self, source: str, prefix: str) -> None:
        self.source = source
        self.prefix = prefix
        self.found: list[str] = []

    def add(self, key: str, problem: str) -> None:
        self.found.append(f"{self.prefix}{key} {problem}")

    def raise_any(self) -> None:
        if self.found:
            raise PolicyError(f"{self.source}: {'; '.join(self.found)}")


def _string_list(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(item, str) and item for item in value):
        return tuple(value)
    return None


def parse_policy(data: object, *, source: str, prefix: str = "") -> Policy:
    """A policy from plain data (a parsed YAML document or TOML table).

    ``prefix`` is put before key names in messages (``tool.importspy.`` for a pyproject table).
    Raises :class:`PolicyError` listing every problem on one line.
    """
    problems = _Problems(source, prefix)
    if not isinstance(data, Mapping):
        raise PolicyError(f"{source}: {prefix.rstrip('.') or 'the document'} must be a mapping")
    for key in sorted(set(data) - _KEYS, key=str):
        hint = did_you_mean(str(key), _KEYS) or f" (known: {', '.join(sorted(_KEYS))})"
        problems.add(str(key), f"is not a policy key{hint}")
    flags = {}
    for key in ("require-manifest", "strict"):
        value = data.get(key, False)
        if not isinstance(value, bool):
            problems.add(key, "must be true or false")
        flags[key] = value is True
    allow = _string_list(data.get("allow", []))
    if allow is None:
        problems.add("allow", "must be a list of distribution names or globs")
    severities = _severities(data.get("severities", {}), problems)
    accept = _accept(data.get("accept", []), problems)
    problems.raise_any()
    return Policy(
        require_manifest=flags["require-manifest"],
        allow=allow or (),
        severities=severities,
        accept=accept,
        strict=flags["strict"],
        source=source,
    )


def _severities(value: object, problems: _Problems) -> dict[str, Severity]:
    if not isinstance(value, Mapping):
        problems.add("severities", "must be a mapping of finding codes to severities")
        return {}
    known = ", ".join(s.value for s in Severity)
    severities: dict[str, Severity] = {}
    for code, severity in value.items():
        if code not in CODES:
            problems.add(f"severities.{code}", "is not a finding code")
            continue
        try:
            severities[code] = Severity(severity)
        except ValueError:
            problems.add(f"severities.{code}", f"must be one of {known}")
    return severities


def _accept(value: object, problems: _Problems) -> tuple[AcceptedFile, ...]:
    if not isinstance(value, list):
        problems.add("accept", "must be a list of {distribution, path, reason} mappings")
        return ()
    entries: list[AcceptedFile] = []
    for index, item in enumerate(value):
        where = f"accept[{index}]"
        if not isinstance(item, Mapping):
            problems.add(where, "must be a mapping with distribution, path and reason")
            continue
        for key in sorted(set(item) - _ACCEPT_KEYS, key=str):
            hint = did_you_mean(str(key), _ACCEPT_KEYS)
            problems.add(f"{where}.{key}", f"is not a key of an accepted file{hint}")
        texts: dict[str, str] = {}
        for key in ("distribution", "path", "reason"):
            text = item.get(key)
            if not isinstance(text, str) or not text.strip():
                problems.add(f"{where}.{key}", "must be a non-empty string")
            else:
                texts[key] = text.strip()
        if len(texts) == len(_ACCEPT_KEYS):
            entries.append(AcceptedFile(texts["distribution"], texts["path"], texts["reason"]))
    return tuple(entries)


def loads_policy(text: str, *, source: str) -> Policy:
    """A policy from a YAML document."""
    # Imported here: every ``verify`` imports this module through the gate, and only a policy
    # file needs ``yaml`` (about 11 ms of start-up, a tenth of an unchanged install's verify).
    from hatch_importspy.formats.yaml_safe import load_one

    data: Any = load_one(text, source=source, error=PolicyError)
    if data is None:
        raise PolicyError(f"{source}: the policy is empty")
    return parse_policy(data, source=source)


def loads_pyproject_policy(text: str, *, source: str) -> Policy:
    """A policy from the ``[tool.importspy]`` table of a ``pyproject.toml`` document."""
    from hatch_importspy.formats.toml import loads_toml  # a pyproject policy only

    table: object = loads_toml(text, source=source, error=PolicyError)
    for key in PYPROJECT_TABLE:
        table = table.get(key) if isinstance(table, Mapping) else None
    if table is None:
        raise PolicyError(f"{source}: has no [{'.'.join(PYPROJECT_TABLE)}] table")
    return parse_policy(table, source=source, prefix=f"{'.'.join(PYPROJECT_TABLE)}.")


def load_policy(path: Path) -> Policy:
    """A policy file: ``*.toml`` is read as a pyproject's ``[tool.importspy]``, anything else
    as YAML.  Raises :class:`PolicyError` naming the file for any problem."""
    try:
        text = read_regular_file(path, limit=DOCUMENT_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise PolicyError(f"{path}: cannot read: {reason}") from None
    except UnusableInputError as error:
        raise PolicyError(str(error)) from None
    if path.suffix.lower() == ".toml":
        return loads_pyproject_policy(text, source=str(path))
    return loads_policy(text, source=str(path))


# --------------------------------------------------------------------------- applying


def _accepted_note(finding: Finding, entry: AcceptedFile) -> Finding:
    return replace(
        finding,
        code=ACCEPTED,
        severity=None,
        message=f"modified file accepted by policy: {entry.reason}",
    )


def _override(finding: Finding, policy: Policy) -> Finding:
    severity = policy.severities.get(finding.code)
    if severity is None and policy.strict and finding.severity is None:
        severity = CODES[finding.code].strict  # ISP410: a note, but a warning under --strict
    return finding if severity is None else replace(finding, severity=severity)


def _apply_to_findings(findings: Iterable[Finding], policy: Policy) -> tuple[Finding, ...]:
    applied = []
    for finding in findings:
        entry = policy.accepted(finding)
        if entry is not None:
            finding = _accepted_note(finding, entry)
        applied.append(_override(finding, policy))
    return tuple(applied)


def no_manifest_finding(distribution: DistributionResult) -> Finding:
    """The ``require-manifest`` violation for one distribution."""
    return Finding(
        code=NO_MANIFEST,
        distribution=distribution.name,
        message=f"{distribution.name} {distribution.version} carries no manifest "
        "and is not allowed without one",
        expected="a manifest (or the name in --allow / the policy's allow)",
        found="no manifest",
    )


def _apply_to_distribution(distribution: DistributionResult, policy: Policy) -> DistributionResult:
    findings = distribution.findings
    checks = distribution.checks
    if policy.require_manifest:
        if CHECK_POLICY not in checks:
            checks = (*checks, CHECK_POLICY)
        if not distribution.has_manifest:
            # verify's own "carries no manifest" (ISP309, for a distribution named explicitly)
            # is what ISP320 states under this policy, or what ``allow`` exempts.
            findings = tuple(f for f in findings if f.code != UNUSABLE_MANIFEST)
            if not policy.allows(distribution.name):
                findings = (*findings, no_manifest_finding(distribution))
    return replace(distribution, findings=_apply_to_findings(findings, policy), checks=checks)


def apply_policy(result: VerifyResult, policy: Policy) -> VerifyResult:
    """``result`` as the policy sees it: accepted modifications as notes, severities overridden,
    and, under ``require_manifest``, a violation for each distribution without a manifest.

    ``require_manifest`` can only judge the distributions ``result`` holds: add the installed
    distributions that carry no manifest first (:func:`add_manifestless`).
    """
    return replace(
        result,
        distributions=tuple(_apply_to_distribution(d, policy) for d in result.distributions),
        environment_findings=_apply_to_findings(result.environment_findings, policy),
    )


def add_manifestless(
    result: VerifyResult, installed: Iterable[InstalledDistribution]
) -> VerifyResult:
    """``result`` plus an empty :class:`DistributionResult` for every installed distribution
    that carries no manifest and is not in it yet, so that :func:`apply_policy` can judge it.

    The one function here that reads the file system: whether each manifest file exists.  Of
    several installed copies of a name only the first (the one imported) counts.
    """
    present: set[str] = {canonicalize_name(d.name) for d in result.distributions}
    extra: list[DistributionResult] = []
    for distribution in installed:
        name = distribution.canonical_name
        if name in present:
            continue
        present.add(name)
        if not distribution.manifest_path.is_file():
            extra.append(
                DistributionResult(
                    name=distribution.name,
                    version=distribution.version,
                    source=distribution.source,
                    has_manifest=False,
                    findings=(),
                    checks=(),
                )
            )
    return replace(result, distributions=(*result.distributions, *extra))
