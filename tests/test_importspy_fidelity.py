"""ImportSpy 0.5 contracts keep ImportSpy's meaning: YAML 1.2 scalars, literal values compared
with ``==``, annotations inferred from literals, the module ``version``, decorated functions
(ISP411), per-deployment structure, environment values and the admission policy."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import pytest
import yaml

from hatch_importspy.compare.expectations import expectation_findings
from hatch_importspy.compare.provided import ProvidedModule
from hatch_importspy.describe.contracts import ContractError, read_contract
from hatch_importspy.describe.provider_source import provided_module
from hatch_importspy.facts import EnvironmentFacts
from hatch_importspy.formats.manifest import dumps, loads
from hatch_importspy.formats.yaml12 import CoreSchemaLoader
from hatch_importspy.model import SpyModel

PROVIDER = """
from functools import wraps
import packaging.version
__version__ = "1.2.0"
TIMEOUT: int = 10
X = 8
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

class Client:
    retries = 3
"""

HOST = EnvironmentFacts(
    python_version="3.11.7", platform="linux", machine="x86_64", implementation="cpython"
)


# The environment the provider runs in: its one third-party import, packaging, is installed.
INSTALLED_IMPORT = provided_module(ast.parse(""), name="packaging", is_package=True)


def environment(module: ProvidedModule) -> Callable[[str], ProvidedModule | None]:
    return {"pkg.transport": module, "packaging": INSTALLED_IMPORT}.get


def codes(
    contract: str, *, installed: dict[str, str] | None = None, provider: str = PROVIDER
) -> list[str]:
    """The finding codes of ``contract`` (bound to ``pkg.transport``) against ``provider``."""
    document = yaml.load(textwrap.dedent(contract), Loader=CoreSchemaLoader)
    expectation = read_contract(document, "c.yml", module="pkg.transport")
    module = provided_module(ast.parse(provider), name="pkg.transport", is_package=False)
    findings = expectation_findings(
        expectation,
        environment(module),
        distribution="consumer",
        provider_version="1.0",
        facts=HOST,
        installed=installed or {},
    )
    return [finding.code for finding in findings]


@pytest.mark.parametrize(
    ("scalar", "value"),
    [("off", "off"), ("on", "on"), ("yes", "yes"), ("1e-3", 0.001), ("017", 17), ("~", None)],
)
def test_scalars_are_read_by_yaml_1_2_rules(scalar: str, value: object) -> None:
    assert yaml.load(f"v: {scalar}", Loader=CoreSchemaLoader) == {"v": value}


@pytest.mark.parametrize(
    ("contract", "expected"),
    [
        ("variables: [{name: TIMEOUT, value: 10.0}]", []),  # 10 == 10.0, as ImportSpy
        ("variables: [{name: TIMEOUT, value: 11}]", ["ISP406"]),
        ("variables: [{name: MODE, value: off}]", []),  # 'off', not False
        ("variables: [{name: COMPUTED, value: 3}]", ["ISP411"]),  # not a literal
        ("variables: [{name: X, annotation: int}]", []),  # inferred from 8
        ("variables: [{name: X, annotation: str}]", ["ISP406"]),
        (
            "classes: [{name: Client, attributes: [{type: class, name: retries, value: 4}]}]",
            ["ISP406"],
        ),
        ("functions: [{name: send, arguments: [{name: timeout, value: 10}]}]", []),
        ("functions: [{name: send, arguments: [{name: on, annotation: bool}]}]", []),
        ("functions: [{name: wrapped}]", ["ISP411"]),
        ("version: 1.2.0", []),
        ('version: "1.3"', ["ISP406"]),
    ],
)
def test_structure_keeps_importspy_meaning(contract: str, expected: list[str]) -> None:
    assert codes(f"filename: transport.py\n{contract}") == expected


FAIL_CLOSED = """
import abc
from collections import OrderedDict
from dataclasses import dataclass
from json import dumps

if abc:
    def conditional() -> None: ...


class Meta(type): ...


class WithMeta(metaclass=Meta):
    def own(self) -> None: ...


class Base:
    shared: int = 1

    def base_method(self) -> None: ...


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
"""


@pytest.mark.parametrize(
    ("contract", "expected"),
    [
        # What the file itself declares, unconditionally and undecorated: ImportSpy admits it.
        ("classes: [{name: Client, methods: [{name: get}, {name: __init__}]}]", []),
        ("classes: [{name: Client, attributes: [{type: class, name: retries}]}]", []),
        ("classes: [{name: Mapping, methods: [{name: own}]}]", []),
        # What ImportSpy 0.5 denies as unknown until runtime (S103), each checked as 2026-11-30
        # against the real importspy check: ISP411 here, never a silent pass.
        ("classes: [{name: Client, attributes: [{type: instance, name: host}]}]", ["ISP411"]),
        ("classes: [{name: Client, methods: [{name: base_method}]}]", ["ISP411"]),
        ("classes: [{name: Client, attributes: [{type: class, name: shared}]}]", ["ISP411"]),
        ("classes: [{name: Client, methods: [{name: make}]}]", ["ISP411"]),
        ("classes: [{name: Mapping, methods: [{name: keys}]}]", ["ISP411"]),
        ("classes: [{name: WithMeta, methods: [{name: own}]}]", ["ISP411"]),
        ("classes: [{name: Data}]", ["ISP411"]),
        ("functions: [{name: conditional}]", ["ISP411"]),
        ("functions: [{name: dumps}]", ["ISP411"]),
        # Static reading still decides what it can: a missing member is missing.
        ("classes: [{name: Client, attributes: [{type: instance, name: port}]}]", ["ISP404"]),
        ("classes: [{name: Client, methods: [{name: gone}]}]", ["ISP404"]),
    ],
)
def test_what_importspy_cannot_vouch_for_is_isp411(contract: str, expected: list[str]) -> None:
    assert codes(contract, provider=FAIL_CLOSED) == expected


def test_isp411_says_why_importspy_denies() -> None:
    document = yaml.load(
        "classes: [{name: Client, methods: [{name: base_method}]}]", Loader=CoreSchemaLoader
    )
    expectation = read_contract(document, "c.yml", module="pkg.transport")
    module = provided_module(ast.parse(FAIL_CLOSED), name="pkg.transport", is_package=False)
    (finding,) = expectation_findings(
        expectation,
        {"pkg.transport": module}.get,
        distribution="c",
        provider_version="1",
        facts=HOST,
    )
    assert finding.message == (
        "Client.base_method is inherited from a base class (read statically): ImportSpy denies "
        "what a module or class does not declare itself, unconditionally and undecorated (S103) "
        "(expected by c.yml)"
    )


def _deployment(body: str, arch: str = "x86_64") -> str:
    return f"deployments: [{{arch: {arch}, systems: [{{os: linux, {body}}}]}}]"


@pytest.mark.parametrize(
    ("contract", "expected"),
    [
        (_deployment("pythons: [{version: '3.11.7', interpreter: CPython, modules: []}]"), []),
        (_deployment("pythons: [{version: '3.11', modules: []}]"), ["ISP106"]),  # whole versions
        (_deployment("pythons: [{modules: []}]", arch="aarch64"), ["ISP106"]),
        (_deployment("pythons: [{modules: [{variables: [{name: NOPE}]}]}]"), ["ISP404"]),
        (_deployment("pythons: [{modules: [{variables: [{name: X}]}]}]"), []),
        (
            "deployments: [{arch: aarch64, systems: [{os: linux, pythons: [{modules: []}]}]}, "
            "{arch: x86_64, systems: [{os: linux, pythons: [{modules: []}]}]}]",
            [],
        ),
    ],
)
def test_deployments_are_alternatives_with_their_own_structure(
    contract: str, expected: list[str]
) -> None:
    assert codes(contract) == expected


@dataclass(frozen=True)
class TargetValues:
    """The values of an environment under check that is not this process's; records what the
    comparison asks it."""

    environ: dict[str, str]
    asked: list[dict[str, str]] = field(default_factory=list)

    def differing(self, wanted: Mapping[str, str]) -> frozenset[str]:
        self.asked.append(dict(wanted))
        return frozenset(n for n, v in wanted.items() if self.environ.get(n) != v)


def target(environ: dict[str, str]) -> tuple[EnvironmentFacts, TargetValues]:
    values = TargetValues(environ)
    return replace(HOST, env_names=frozenset(environ), values=values), values


ENV_CONTRACT = """
runtime: {environment: {ISPY_MODE: prod, ISPY_HOME: null}}
deployments: [{arch: x86_64, systems: [{os: linux, environment: {variables: [{name: ISPY_REGION,
  value: eu}], secrets: [ISPY_TOKEN]}, pythons: [{modules: []}]}]}]
"""


def env_findings(facts: EnvironmentFacts) -> list[tuple[str, str]]:
    document = yaml.load(textwrap.dedent(ENV_CONTRACT), Loader=CoreSchemaLoader)
    expectation = read_contract(document, "c.yml", module="pkg.transport")
    module = provided_module(ast.parse(PROVIDER), name="pkg.transport", is_package=False)
    findings = expectation_findings(
        expectation, environment(module), distribution="c", provider_version="1", facts=facts
    )
    return [(f.code, f.message) for f in findings]


def test_environment_values_are_those_of_the_environment_under_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Names and values come from the facts of the interpreter under check (``--python``'s
    target), never from the verifier's own environment, which here says the opposite."""
    for name, value in {"ISPY_MODE": "test", "ISPY_REGION": "us"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ISPY_HOME", raising=False)
    monkeypatch.delenv("ISPY_TOKEN", raising=False)
    holding = {"ISPY_MODE": "prod", "ISPY_HOME": "/h", "ISPY_REGION": "eu", "ISPY_TOKEN": "t0k"}
    facts, values = target(holding)
    assert env_findings(facts) == []
    # Only the names a value is stated for are asked about, nothing else of the environment.
    assert values.asked == [{"ISPY_MODE": "prod"}, {"ISPY_REGION": "eu"}]

    facts, _ = target({**holding, "ISPY_MODE": "test", "ISPY_REGION": "us"})
    assert env_findings(facts) == [
        (
            "ISP105",
            "environment variables unset or not the required value (values redacted): "
            "ISPY_MODE (expected by c.yml)",
        ),
        (
            "ISP106",
            "the deployment's environment is not met (values redacted): ISPY_REGION "
            "(expected by c.yml)",
        ),
    ]
    facts, _ = target({"ISPY_MODE": "prod", "ISPY_REGION": "eu"})  # ISPY_HOME, the secret unset
    assert [code for code, _ in env_findings(facts)] == ["ISP105", "ISP106"]


def test_stated_values_fail_closed_when_the_environment_cannot_be_asked() -> None:
    """Facts read from plain data carry no values: a stated value then counts as not met."""
    facts = replace(
        HOST, env_names=frozenset({"ISPY_MODE", "ISPY_HOME", "ISPY_REGION", "ISPY_TOKEN"})
    )
    assert [code for code, _ in env_findings(facts)] == ["ISP105", "ISP106"]


def test_environment_values_are_compared_and_never_printed() -> None:
    facts, _ = target({"ISPY_MODE": "prod-secret-value"})
    document = yaml.load("runtime: {environment: {ISPY_MODE: test}}", Loader=CoreSchemaLoader)
    expectation = read_contract(document, "c.yml", module="pkg.transport")
    module = provided_module(ast.parse(PROVIDER), name="pkg.transport", is_package=False)
    (finding,) = expectation_findings(
        expectation,
        environment(module),
        distribution="c",
        provider_version="1",
        facts=facts,
    )
    assert finding.code == "ISP105"
    assert "prod-secret-value" not in repr(finding) and "test" not in (finding.found or "")


@pytest.mark.parametrize(
    ("contract", "expected"),
    [
        (
            "runtime: {python: '>=3.10', os: [linux], architecture: [x86_64], "
            "implementation: [CPython]}",
            [],
        ),
        ("runtime: {python: '>=3.12'}", ["ISP101"]),
        ("runtime: {os: [Linux]}", ["ISP102"]),  # exact, as ImportSpy
        ("runtime: {implementation: [cpython]}", ["ISP104"]),
        ("dependencies: {packaging: {version: '>=20'}}", []),
        ("dependencies: {packaging: {version: '>=99'}}", ["ISP402"]),
        ("dependencies: {packaging: {allowed: false}}", ["ISP406"]),
        ("dependencies: {requests: {required: true}}", ["ISP401"]),
        ("dependency_options: {unlisted: deny}", ["ISP406"]),
    ],
)
def test_the_admission_policy_is_checked(contract: str, expected: list[str]) -> None:
    assert codes(contract, installed={"packaging": "24.0"}) == expected


def test_a_contract_with_values_and_policy_survives_the_manifest() -> None:
    text = """
    filename: transport.py
    version: 1.2.0
    variables: [{name: TIMEOUT, value: 10}]
    runtime: {python: '>=3.10', environment: {A: null, B: x}}
    dependencies: {packaging: {version: '>=20'}, 'import:yaml': {allowed: false}}
    dependency_options: {unlisted: deny}
    deployments: [{arch: x86_64, systems: [{os: linux, environment: {variables: [{name: M,
      value: v}], secrets: [S]}, pythons: [{version: '3.11.7', modules: [{version: '2',
      variables: [{name: X}]}]}]}]}]
    """
    document = yaml.load(textwrap.dedent(text), Loader=CoreSchemaLoader)
    expectation = read_contract(document, "c.yml", module="pkg.transport")
    model = SpyModel(name="consumer", version="1.0", expects=(expectation,))
    assert loads(dumps(model), "manifest") == model


def test_a_bound_module_must_have_the_contract_filename() -> None:
    with pytest.raises(ContractError, match=r"'client\.py' is not the file of pkg\.transport"):
        read_contract({"filename": "client.py"}, "c.yml", module="pkg.transport")


def test_a_submodule_is_credited_to_the_distribution_that_installed_its_file() -> None:
    """Two distributions share the top-level name ``importspy`` (hatch-importspy ships
    ``importspy/__main__.py`` beside the ImportSpy library); the top-level resolver credits
    both to one.  The module's own file decides."""
    from hatch_importspy.describe.distribution import module_owner_resolver

    records = {"importspy/__main__.py": "hatch-importspy", "importspy/policy.py": "importspy"}
    resolve = module_owner_resolver(lambda top: "hatch-importspy", lambda: records)
    assert resolve("importspy.policy") == "importspy"
    assert resolve("importspy.__main__") == "hatch-importspy"
    assert resolve("importspy.elsewhere") == "hatch-importspy"


def test_an_import_of_the_module_that_resolves_nowhere_is_denied() -> None:
    # ImportSpy's dependency_options.unresolved defaults to deny, for any contract, and a
    # try/except ImportError fallback does not make the import resolve.
    loose = provided_module(
        ast.parse(
            "try:\n    import not_installed_anywhere\nexcept ImportError:\n"
            "    not_installed_anywhere = None\nLIMIT = 3\n"
        ),
        name="pkg.loose",
        is_package=False,
    )
    document = yaml.load("variables: [{name: LIMIT}]", Loader=CoreSchemaLoader)
    expectation = read_contract(document, "c.yml", module="pkg.loose")
    findings = expectation_findings(
        expectation, {"pkg.loose": loose}.get, distribution="c", provider_version="1", facts=HOST
    )
    assert [(f.code, f.found) for f in findings] == [("ISP406", "unresolved")]
    assert "not_installed_anywhere" in findings[0].message
    allowed = yaml.load(
        "variables: [{name: LIMIT}]\nschema_version: 1\ndependency_options: {unresolved: allow}",
        Loader=CoreSchemaLoader,
    )
    expectation = read_contract(allowed, "c.yml", module="pkg.loose")
    assert (
        expectation_findings(
            expectation,
            {"pkg.loose": loose}.get,
            distribution="c",
            provider_version="1",
            facts=HOST,
        )
        == []
    )
