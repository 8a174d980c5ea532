"""The corpus of ``importspy_agreement.py``: provider modules and contracts, each case one
decision both tools make.  Every contract is written in ImportSpy 0.5's own syntax; ``feature``
groups the table, ``note`` says what the case is about."""

from __future__ import annotations

from dataclasses import dataclass, field

TRANSPORT = '''"""A provider module exercising every structural feature."""
from functools import wraps

__version__ = "1.2.0"
TIMEOUT: int = 10
X = 8
RATE = 1e-3
MODE = "off"
COMPUTED = len("abc")


def deco(f):
    @wraps(f)
    def inner(*a, **k):
        return f(*a, **k)

    return inner


def send(data: bytes, timeout: float = 10.0, *, on: bool = False) -> int:
    return 0


@deco
def wrapped(a: int) -> int:
    return a


class Base:
    def base_method(self) -> None: ...


class Client(Base):
    retries: int = 3

    def __init__(self, host: str) -> None:
        self.host = host

    def get(self, path: str) -> bytes:
        return b""
'''

LOOSE = '''"""A provider module with an import that resolves nowhere."""
try:
    import not_installed_anywhere
except ImportError:
    not_installed_anywhere = None

LIMIT = 3
'''

CLIENT = '''"""A provider module that imports a third-party distribution."""
import packaging.version

LIMIT = 3
'''

SHAPES = '''"""What a file declares only in part: ImportSpy fails closed on it (S103)."""
from collections import OrderedDict
from dataclasses import dataclass
from json import dumps

LIMIT = 3
if LIMIT:
    def conditional() -> None: ...


class Meta(type): ...


class WithMeta(metaclass=Meta):
    def own(self) -> None: ...


class Base:
    shared: int = 1


class Client(Base):
    retries: int = 3

    def __init__(self, host: str) -> None:
        self.host = host

    @staticmethod
    def make() -> None: ...

    def get(self, path: str) -> bytes:
        return b""


class Mapping(OrderedDict):
    def own(self) -> None: ...


@dataclass
class Data:
    x: int = 1
'''

PROVIDERS = {
    "pkg/transport.py": TRANSPORT,
    "pkg/client.py": CLIENT,
    "pkg/loose.py": LOOSE,
    "pkg/shapes.py": SHAPES,
}


@dataclass(frozen=True)
class Case:
    """One contract against one provider module."""

    name: str
    feature: str
    contract: str
    provider: str = "pkg/transport.py"
    env: dict[str, str] = field(default_factory=dict)
    note: str = ""


def _deploy(body: str, arch: str = "x86_64", os: str = "linux") -> str:
    return f"deployments: [{{arch: {arch}, systems: [{{os: {os}, {body}}}]}}]"


_PY = "{PY}"  # replaced by the running Python version


CASES = (
    Case("base", "filename", "filename: transport.py"),
    Case("init-generated", "filename", "@init", note="written by `importspy init`"),
    Case("filename-other", "filename", "filename: other.py"),
    Case("var-name", "variables", "variables: [{name: TIMEOUT}]"),
    Case("var-missing", "variables", "variables: [{name: NOPE}]"),
    Case("value-int", "values", "variables: [{name: TIMEOUT, value: 10}]"),
    Case("value-float-eq", "values", "variables: [{name: TIMEOUT, value: 10.0}]"),
    Case("value-differs", "values", "variables: [{name: TIMEOUT, value: 11}]"),
    Case("value-off", "YAML 1.2", "variables: [{name: MODE, value: off}]"),
    Case("value-1e-3", "YAML 1.2", "variables: [{name: RATE, value: 1e-3}]"),
    Case("value-nonliteral", "values", "variables: [{name: COMPUTED, value: 3}]"),
    Case("infer-int", "annotations", "variables: [{name: X, annotation: int}]"),
    Case("infer-wrong", "annotations", "variables: [{name: X, annotation: str}]"),
    Case("annotation", "annotations", "variables: [{name: TIMEOUT, annotation: int}]"),
    Case("version-ok", "version", "version: 1.2.0"),
    Case("version-differs", "version", 'version: "1.3"'),
    Case(
        "defaults-eq",
        "arguments",
        "functions: [{name: send, arguments: [{name: timeout, value: 10}, "
        "{name: data, annotation: bytes}]}]",
        note="10 == 10.0; arguments in another order",
    ),
    Case(
        "defaults-eq-ordered",
        "arguments",
        "functions: [{name: send, arguments: [{name: data, annotation: bytes}, "
        "{name: timeout, value: 10}]}]",
    ),
    Case(
        "default-differs",
        "arguments",
        "functions: [{name: send, arguments: [{name: timeout, value: 11}]}]",
    ),
    Case(
        "arg-on", "YAML 1.2", "functions: [{name: send, arguments: [{name: on, annotation: bool}]}]"
    ),
    Case("arg-missing", "arguments", "functions: [{name: send, arguments: [{name: retries}]}]"),
    Case("return-ok", "arguments", "functions: [{name: send, return_annotation: int}]"),
    Case("return-differs", "arguments", "functions: [{name: send, return_annotation: str}]"),
    Case("decorated", "decorators", "functions: [{name: wrapped}]"),
    Case("unknown-key", "schema", "functions: [{name: send, foo: 1}]"),
    Case(
        "class-attr",
        "classes",
        "classes: [{name: Client, attributes: "
        "[{type: class, name: retries, value: 3, annotation: int}]}]",
    ),
    Case(
        "class-attr-differs",
        "classes",
        "classes: [{name: Client, attributes: [{type: class, name: retries, value: 4}]}]",
    ),
    Case(
        "instance-attr",
        "classes",
        "classes: [{name: Client, attributes: [{type: instance, name: host}]}]",
    ),
    Case("inherited", "classes", "classes: [{name: Client, methods: [{name: base_method}]}]"),
    Case("superclass", "classes", "classes: [{name: Client, superclasses: [{name: Base}]}]"),
    Case(
        "superclass-missing", "classes", "classes: [{name: Client, superclasses: [{name: Other}]}]"
    ),
    Case(
        "method",
        "classes",
        "classes: [{name: Client, methods: [{name: get, arguments: "
        "[{name: self}, {name: path, annotation: str}]}]}]",
    ),
    Case("arch-enum", "schema", _deploy("pythons: [{modules: []}]", arch="amd64")),
    Case("os-enum", "schema", _deploy("pythons: [{modules: []}]", os="macos")),
    Case("interp-enum", "schema", _deploy("pythons: [{interpreter: cpython, modules: []}]")),
    Case("modules-required", "schema", _deploy("pythons: [{version: '" + _PY + "'}]")),
    Case("deploy-other-arch", "deployments", _deploy("pythons: [{modules: []}]", arch="aarch64")),
    Case(
        "deploy-alternatives",
        "deployments",
        "deployments: [{arch: aarch64, systems: [{os: linux, pythons: [{modules: []}]}]}, "
        "{arch: x86_64, systems: [{os: linux, pythons: [{modules: []}]}]}]",
    ),
    Case(
        "deploy-python-prefix",
        "deployments",
        _deploy("pythons: [{version: '3.11', modules: []}]"),
        note="a version prefix: ImportSpy compares whole versions",
    ),
    Case(
        "deploy-python-exact",
        "deployments",
        _deploy("pythons: [{version: '" + _PY + "', interpreter: CPython, modules: []}]"),
    ),
    Case(
        "deploy-structure",
        "deployments",
        _deploy("pythons: [{modules: [{filename: transport.py, variables: [{name: TIMEOUT}]}]}]"),
    ),
    Case(
        "deploy-structure-missing",
        "deployments",
        _deploy("pythons: [{modules: [{filename: transport.py, variables: [{name: NOPE}]}]}]"),
    ),
    Case(
        "env-set",
        "environment",
        _deploy("environment: {variables: [{name: ISPY_MODE}]}, pythons: [{modules: []}]"),
        env={"ISPY_MODE": "prod"},
    ),
    Case(
        "env-unset",
        "environment",
        _deploy("environment: {variables: [{name: ISPY_UNSET_VAR}]}, pythons: [{modules: []}]"),
    ),
    Case(
        "env-value-ok",
        "environment",
        _deploy(
            "environment: {variables: [{name: ISPY_MODE, value: prod}]}, pythons: [{modules: []}]"
        ),
        env={"ISPY_MODE": "prod"},
    ),
    Case(
        "env-value-differs",
        "environment",
        _deploy(
            "environment: {variables: [{name: ISPY_MODE, value: test}]}, pythons: [{modules: []}]"
        ),
        env={"ISPY_MODE": "prod"},
    ),
    Case(
        "secret-set",
        "environment",
        _deploy("environment: {secrets: [ISPY_TOKEN]}, pythons: [{modules: []}]"),
        env={"ISPY_TOKEN": "hunter2"},
    ),
    Case(
        "secret-unset",
        "environment",
        _deploy("environment: {secrets: [ISPY_TOKEN]}, pythons: [{modules: []}]"),
    ),
    Case("policy-id", "policy", "schema_version: 1\npolicy_id: transport-v1"),
    Case("schema-2", "schema", "schema_version: 2"),
    Case(
        "runtime-ok",
        "runtime",
        "runtime: {python: '>=3.10', os: [linux], "
        "architecture: [x86_64], implementation: [CPython]}",
    ),
    Case("runtime-python", "runtime", "runtime: {python: '>=3.99'}"),
    Case("runtime-python-bad", "schema", "runtime: {python: '3.11'}"),
    Case("runtime-os-case", "runtime", "runtime: {os: [Linux]}"),
    Case("runtime-impl-case", "runtime", "runtime: {implementation: [cpython]}"),
    Case(
        "runtime-env-ok",
        "runtime",
        "runtime: {environment: {ISPY_MODE: prod}}",
        env={"ISPY_MODE": "prod"},
    ),
    Case(
        "runtime-env-differs",
        "runtime",
        "runtime: {environment: {ISPY_MODE: test}}",
        env={"ISPY_MODE": "prod"},
    ),
    Case("runtime-env-unset", "runtime", "runtime: {environment: {ISPY_UNSET_VAR: null}}"),
    Case(
        "dep-version-ok",
        "dependencies",
        "dependencies: {packaging: {version: '>=20'}}",
        provider="pkg/client.py",
    ),
    Case(
        "dep-version-bad",
        "dependencies",
        "dependencies: {packaging: {version: '>=99'}}",
        provider="pkg/client.py",
    ),
    Case(
        "dep-forbidden",
        "dependencies",
        "dependencies: {packaging: {allowed: false}}",
        provider="pkg/client.py",
    ),
    Case(
        "dep-import-forbidden",
        "dependencies",
        "dependencies: {'import:packaging': {allowed: false}}",
        provider="pkg/client.py",
    ),
    Case("dep-required-absent", "dependencies", "dependencies: {packaging: {required: true}}"),
    Case(
        "dep-unlisted-deny",
        "dependencies",
        "dependency_options: {unlisted: deny}",
        provider="pkg/client.py",
    ),
    Case(
        "dep-unlisted-listed",
        "dependencies",
        "dependencies: {packaging: {version: '>=20'}}\ndependency_options: {unlisted: deny}",
        provider="pkg/client.py",
    ),
    Case(
        "dep-declared",
        "dependencies",
        "dependencies: {packaging: {declared: true}}",
        provider="pkg/client.py",
    ),
    Case(
        "unresolved-import", "dependencies", "variables: [{name: LIMIT}]", provider="pkg/loose.py"
    ),
    Case(
        "evidence",
        "policy",
        "evidence_requirements: [{kind: module.variable.present, subject: TIMEOUT}]",
    ),
    Case(
        "own-members",
        "fail closed",
        "classes: [{name: Client, methods: [{name: get}, {name: __init__}], "
        "attributes: [{type: class, name: retries}]}]",
        provider="pkg/shapes.py",
    ),
    Case(
        "unreadable-base-own",
        "fail closed",
        "classes: [{name: Mapping, methods: [{name: own}]}]",
        provider="pkg/shapes.py",
    ),
    Case(
        "instance-attr-missing",
        "fail closed",
        "classes: [{name: Client, attributes: [{type: instance, name: port}]}]",
        provider="pkg/shapes.py",
    ),
    Case(
        "inherited-class-attr",
        "fail closed",
        "classes: [{name: Client, attributes: [{type: class, name: shared}]}]",
        provider="pkg/shapes.py",
    ),
    Case(
        "staticmethod",
        "fail closed",
        "classes: [{name: Client, methods: [{name: make}]}]",
        provider="pkg/shapes.py",
    ),
    Case(
        "unreadable-base",
        "fail closed",
        "classes: [{name: Mapping, methods: [{name: keys}]}]",
        provider="pkg/shapes.py",
        note="inherited from OrderedDict, which static reading does not describe",
    ),
    Case(
        "metaclass",
        "fail closed",
        "classes: [{name: WithMeta, methods: [{name: own}]}]",
        provider="pkg/shapes.py",
    ),
    Case("decorated-class", "fail closed", "classes: [{name: Data}]", provider="pkg/shapes.py"),
    Case(
        "conditional",
        "fail closed",
        "functions: [{name: conditional}]",
        provider="pkg/shapes.py",
    ),
    Case("imported-name", "fail closed", "functions: [{name: dumps}]", provider="pkg/shapes.py"),
)
