"""The keys, required fields and enumerations of an ImportSpy 0.5 contract.

ImportSpy validates a contract with models that forbid unknown keys, require some fields and
restrict some values to fixed sets; a contract it refuses (exit 2) must not be accepted here,
or a team would ship a contract the reference tool cannot run.  These tables state that shape
once, for :mod:`hatch_importspy.describe.contract_reader` and the export
(:mod:`hatch_importspy.report.contract_export`).  Two extensions are accepted on top and
documented in ``docs/contracts.md``: an argument's ``kind`` and a superclass written as a bare
string.
"""

from __future__ import annotations

from collections.abc import Mapping

ARCHITECTURES = ("x86_64", "aarch64", "arm", "arm64", "i386", "ppc64", "ppc64le", "s390x")
OPERATING_SYSTEMS = ("windows", "linux", "darwin")
ATTRIBUTE_TYPES = ("class", "instance")

MODULE_KEYS = ("filename", "version", "variables", "functions", "classes")
DOCUMENT_KEYS = (
    *MODULE_KEYS,
    "deployments",
    "schema_version",
    "policy_id",
    "runtime",
    "dependencies",
    "dependency_options",
    "evidence_requirements",
)
VARIABLE_KEYS = ("name", "annotation", "value")
ATTRIBUTE_KEYS = ("name", "annotation", "value", "type")
ARGUMENT_KEYS = ("name", "annotation", "value", "kind")
FUNCTION_KEYS = ("name", "arguments", "return_annotation")
CLASS_KEYS = ("name", "attributes", "methods", "superclasses")
DEPLOYMENT_KEYS = ("arch", "systems")
SYSTEM_KEYS = ("os", "environment", "pythons")
PYTHON_KEYS = ("version", "interpreter", "modules")
ENVIRONMENT_KEYS = ("variables", "secrets")
RUNTIME_KEYS = ("python", "os", "architecture", "implementation", "environment")
RULE_KEYS = ("allowed", "required", "version", "declared", "origin", "editable", "provenance")
OPTION_KEYS = ("unresolved", "undeclared", "unlisted")
EVIDENCE_KEYS = ("kind", "subject", "provider", "status")

UNSUPPORTED_RULE_KEYS: Mapping[str, str] = {
    "declared": "needs the provider's project metadata, which an installed module does not carry",
    "origin": "needs installation provenance (direct_url.json) this check does not read",
    "editable": "needs installation provenance (direct_url.json) this check does not read",
    "provenance": "needs trusted provenance evidence this check does not collect",
}
"""Dependency-rule keys ImportSpy accepts but this package cannot honour statically: refused at
build start (a silently skipped rule would admit what ImportSpy denies)."""
