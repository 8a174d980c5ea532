"""The runtime parts of an ImportSpy 0.5 contract: ``deployments`` and the admission policy.

``deployments`` are alternatives: each ``arch`` x ``systems[]`` x ``pythons[]`` combination is one
:class:`~hatch_importspy.model.Deployment`, holding that combination's environment variables,
secrets and module structure (ImportSpy's per-deployment ``modules`` describe the checked module
itself, so their ``filename`` must agree with the contract's).  The policy part (``runtime``,
``dependencies``, ``dependency_options``) becomes an
:class:`~hatch_importspy.policy_model.AdmissionPolicy`; what cannot be honoured statically
(``evidence_requirements``, provenance and declaration rules) is refused with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from hatch_importspy.describe import contract_schema as schema
from hatch_importspy.describe.contract_reader import StructureReader, join
from hatch_importspy.model import Deployment
from hatch_importspy.policy_model import (
    IMPLEMENTATIONS,
    OS_PLATFORM,
    AdmissionPolicy,
    DependencyRule,
    EnvironmentRequirement,
)

_RULE_DEFAULTS: Mapping[str, object] = {
    "declared": None,
    "origin": None,
    "editable": None,
    "provenance": False,
}


class RuntimeReader(StructureReader):
    """Reads ``deployments`` and the policy sections of one contract document."""

    filename: str | None = None
    """The contract's top-level ``filename``, which per-deployment modules must repeat."""

    def deployments(self, data: Mapping[str, Any]) -> Iterator[Deployment]:
        for item, place in self.items(data, "deployments", ""):
            entry = self.mapping(item, place, schema.DEPLOYMENT_KEYS, schema.DEPLOYMENT_KEYS)
            if entry is None:
                continue
            arch = self.choice(entry, "arch", place, schema.ARCHITECTURES)
            for system, system_place in self.items(entry, "systems", place):
                yield from self.system(system, system_place, arch)

    def system(self, item: object, where: str, machine: str | None) -> Iterator[Deployment]:
        entry = self.mapping(item, where, schema.SYSTEM_KEYS, ("os", "pythons"))
        if entry is None:
            return
        os_name = self.choice(entry, "os", where, schema.OPERATING_SYSTEMS)
        platform = None if os_name is None else OS_PLATFORM[os_name]
        env, values, secrets = self.environment(
            entry.get("environment"), join(where, "environment")
        )
        for python, place in self.items(entry, "pythons", where):
            spec = self.mapping(python, place, schema.PYTHON_KEYS, ("modules",))
            if spec is None:
                continue
            version = self.string(spec, "version", place)
            interpreter = self.choice(spec, "interpreter", place, IMPLEMENTATIONS)
            names, module_version = self.modules(spec, place)
            yield Deployment(
                machine=machine,
                platform=platform,
                env=env,
                pythons=(version,) if version else (),
                interpreters=(interpreter,) if interpreter else (),
                env_values=values,
                secrets=secrets,
                names=names,
                version=module_version,
                exact=True,
            )

    def environment(
        self, value: object, where: str
    ) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]]:
        """Names that must be set, required values (never printed), and secret names."""
        if value is None:
            return (), (), ()
        entry = self.mapping(value, where, schema.ENVIRONMENT_KEYS)
        if entry is None:
            return (), (), ()
        names: set[str] = set()
        values: dict[str, str] = {}
        for item, place in self.items(entry, "variables", where):
            variable = self.mapping(item, place, schema.VARIABLE_KEYS, ("name",))
            name = None if variable is None else self.string(variable, "name", place)
            if variable is None or name is None:
                continue
            names.add(name)
            if "annotation" in variable:
                self.problem(
                    join(place, "annotation"), "an environment variable is text: remove it"
                )
            stated = variable.get("value")
            if stated is not None:
                if isinstance(stated, (bool, int, float)) or not isinstance(stated, str):
                    self.problem(join(place, "value"), "quote the value: the environment is text")
                else:
                    values[name] = stated
        secrets: set[str] = set()
        for item, place in self.items(entry, "secrets", where):
            if isinstance(item, str) and item.strip():
                secrets.add(item.strip())
            else:
                self.problem(place, "must be a variable name")
        return tuple(sorted(names | secrets)), tuple(sorted(values.items())), tuple(sorted(secrets))

    def modules(self, data: Mapping[str, Any], where: str) -> tuple[tuple[Any, ...], str | None]:
        names: list[Any] = []
        version: str | None = None
        for item, place in self.items(data, "modules", where):
            entry = self.mapping(item, place, schema.MODULE_KEYS)
            if entry is None:
                continue
            filename = self.string(entry, "filename", place)
            if filename is not None and self.filename is not None and filename != self.filename:
                self.problem(
                    join(place, "filename"),
                    f"{filename!r} is not the contract's filename {self.filename!r}: ImportSpy "
                    "would deny every module under this deployment",
                )
            version = self.string(entry, "version", place) or version
            names.extend(self.names(entry, place))
        return tuple(sorted(set(names), key=lambda n: n.name)), version

    # -- the admission policy

    def policy(self, data: Mapping[str, Any]) -> AdmissionPolicy | None:
        parts = ("policy_id", "runtime", "dependencies", "dependency_options")
        if data.get("evidence_requirements"):
            self.problem(
                "evidence_requirements",
                "is not supported: it names ImportSpy's own evidence kinds and providers, which "
                "this static check does not produce (state the structure instead)",
            )
        for item, place in self.items(data, "evidence_requirements", ""):
            self.mapping(item, place, schema.EVIDENCE_KEYS, ("kind", "subject"))
        if data.get("schema_version", 1) != 1 or isinstance(data.get("schema_version"), bool):
            self.problem("schema_version", "must be 1")
        policy_id = data.get("policy_id")
        if policy_id is not None and not isinstance(policy_id, str):
            self.problem("policy_id", "must be a string")
        if not any(data.get(part) is not None for part in parts):
            return None
        runtime = self.runtime(data.get("runtime"))
        options = self.options(data.get("dependency_options"))
        return AdmissionPolicy(
            policy_id=policy_id if isinstance(policy_id, str) else None,
            dependencies=tuple(self.dependencies(data.get("dependencies"))),
            **runtime,
            **options,
        )

    def runtime(self, value: object) -> dict[str, Any]:
        if value is None:
            return {}
        entry = self.mapping(value, "runtime", schema.RUNTIME_KEYS)
        if entry is None:
            return {}
        found: dict[str, Any] = {}
        python = self.string(entry, "python", "runtime")
        if python is not None:
            try:
                SpecifierSet(python)
                found["python"] = python
            except InvalidSpecifier:
                self.problem("runtime.python", f"{python!r} is not a version specifier (>=3.10)")
        for key, field in (("os", "platforms"), ("architecture", "machines")):
            found[field] = self.text_list(entry, key, "runtime")
        found["implementations"] = self.text_list(entry, "implementation", "runtime")
        environment = entry.get("environment")
        if environment is not None:
            if not isinstance(environment, dict):
                self.problem("runtime.environment", "must be a mapping of NAME: value or null")
            else:
                found["environment"] = tuple(self.requirements(environment))
        return found

    def requirements(self, environment: Mapping[Any, Any]) -> Iterator[EnvironmentRequirement]:
        for name, value in environment.items():
            place = join("runtime.environment", str(name))
            if not isinstance(name, str):
                self.problem(place, "must be a variable name")
            elif value is not None and not isinstance(value, str):
                self.problem(place, "must be a quoted string or null")
            else:
                yield EnvironmentRequirement(name, value)

    def text_list(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        found: list[str] = []
        for item, place in self.items(data, key, where):
            if isinstance(item, str):
                found.append(item)
            else:
                self.problem(place, "must be a string")
        return tuple(found)

    def dependencies(self, value: object) -> Iterator[DependencyRule]:
        if value is None:
            return
        if not isinstance(value, dict):
            self.problem("dependencies", "must be a mapping of distribution: rule")
            return
        for key, item in value.items():
            place = join("dependencies", str(key))
            rule = self.mapping(item, place, schema.RULE_KEYS)
            if rule is None or not isinstance(key, str):
                continue
            for field, reason in schema.UNSUPPORTED_RULE_KEYS.items():
                if rule.get(field, _RULE_DEFAULTS[field]) not in (_RULE_DEFAULTS[field], None):
                    self.problem(join(place, field), f"is not supported: {reason}")
            flags = {f: rule.get(f, f == "allowed") for f in ("allowed", "required")}
            for field, flag in flags.items():
                if not isinstance(flag, bool):
                    self.problem(join(place, field), "must be true or false")
            version = self.string(rule, "version", place)
            if version is not None:
                try:
                    SpecifierSet(version)
                except InvalidSpecifier:
                    self.problem(join(place, "version"), f"{version!r} is not a version specifier")
            name = key if key.startswith("import:") else canonicalize_name(key)
            yield DependencyRule(
                name,
                allowed=flags["allowed"] is True,
                required=flags["required"] is True,
                version=version,
            )

    def options(self, value: object) -> dict[str, Any]:
        if value is None:
            return {}
        entry = self.mapping(value, "dependency_options", schema.OPTION_KEYS)
        if entry is None:
            return {}
        found: dict[str, Any] = {}
        for key in schema.OPTION_KEYS:
            choice = self.choice(entry, key, "dependency_options", ("allow", "deny"))
            if choice is not None:
                found[key] = choice
        if found.get("undeclared") == "deny":
            self.problem(
                "dependency_options.undeclared",
                "deny is not supported: " + schema.UNSUPPORTED_RULE_KEYS["declared"],
            )
        return found
