"""A contract's admission policy in the manifest: written and read back, checked as it is read.

Kept apart from :mod:`hatch_importspy.formats.manifest` (which calls these) because the policy is
an optional, self-contained part of an expectation.  Every key is omitted when it holds its
default, so a manifest without policies is byte-identical to one written before they existed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hatch_importspy.policy_model import AdmissionPolicy, DependencyRule, EnvironmentRequirement

Data = dict[str, Any]
Fail = Callable[[str, str], Exception]

_OPTIONS = ("unresolved", "undeclared", "unlisted")
_OPTION_DEFAULTS = {"unresolved": "deny", "undeclared": "allow", "unlisted": "allow"}


def policy_to_data(policy: AdmissionPolicy) -> Data:
    """The policy as plain data."""
    data: Data = {}
    for key in ("policy_id", "python"):
        if getattr(policy, key) is not None:
            data[key] = getattr(policy, key)
    for key in ("platforms", "machines", "implementations"):
        if getattr(policy, key):
            data[key] = list(getattr(policy, key))
    if policy.environment:
        data["environment"] = [
            {"name": r.name, **({"value": r.value} if r.value is not None else {})}
            for r in policy.environment
        ]
    if policy.dependencies:
        data["dependencies"] = [_rule_data(rule) for rule in policy.dependencies]
    for key in _OPTIONS:
        if getattr(policy, key) != _OPTION_DEFAULTS[key]:
            data[key] = getattr(policy, key)
    return data


def _rule_data(rule: DependencyRule) -> Data:
    data: Data = {"name": rule.name}
    if not rule.allowed:
        data["allowed"] = False
    if rule.required:
        data["required"] = True
    if rule.version is not None:
        data["version"] = rule.version
    return data


def policy_from_data(data: Mapping[str, Any], where: str, fail: Fail) -> AdmissionPolicy:
    """The policy ``data`` describes; ``fail(where, problem)`` makes the error to raise."""

    def text(source: Mapping[str, Any], key: str, place: str) -> str | None:
        value = source.get(key)
        if value is not None and not isinstance(value, str):
            raise fail(f"{place}.{key}", "expected a string")
        return value

    def texts(key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"{where}.{key}", "expected a list of strings")
        return tuple(value)

    def entries(key: str) -> list[tuple[Mapping[str, Any], str]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise fail(f"{where}.{key}", "expected a list of mappings")
        return [(item, f"{where}.{key}[{index}]") for index, item in enumerate(value)]

    def flag(source: Mapping[str, Any], key: str, place: str, default: bool) -> bool:
        value = source.get(key, default)
        if not isinstance(value, bool):
            raise fail(f"{place}.{key}", "expected true or false")
        return value

    def name(source: Mapping[str, Any], place: str) -> str:
        value = text(source, "name", place)
        if value is None:
            raise fail(f"{place}.name", "expected a string")
        return value

    options = {}
    for key in _OPTIONS:
        option = text(data, key, where) or _OPTION_DEFAULTS[key]
        if option not in ("allow", "deny"):
            raise fail(f"{where}.{key}", "expected allow or deny")
        options[key] = option
    return AdmissionPolicy(
        policy_id=text(data, "policy_id", where),
        python=text(data, "python", where),
        platforms=texts("platforms"),
        machines=texts("machines"),
        implementations=texts("implementations"),
        environment=tuple(
            EnvironmentRequirement(name(item, place), text(item, "value", place))
            for item, place in entries("environment")
        ),
        dependencies=tuple(
            DependencyRule(
                name(item, place),
                allowed=flag(item, "allowed", place, True),
                required=flag(item, "required", place, False),
                version=text(item, "version", place),
            )
            for item, place in entries("dependencies")
        ),
        **options,
    )
