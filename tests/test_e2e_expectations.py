"""End to end: expectations of other distributions, inferred and from contracts, built and verified.

Real distributions built with the real hook: a provider (``spyprov``) in three releases and two
consumers of it, one relying on inference (``spycons``) and one on an ImportSpy contract file with
``deployments`` (``spycontract``).  Each scenario installs one provider release next to the
consumers in a copy of one environment and runs ``python -m importspy verify`` there; the
assertions are the exact findings.  A third consumer (``spythird``) uses the real ``packaging``
and ``PyYAML`` APIs: its recorded expectations are asserted as embedded, then verified against the
copies installed with hatch-importspy.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from hatch_importspy.describe.provider_files import witness
from hatch_importspy.facts import normalise_machine
from hatch_importspy.formats import manifest
from hatch_importspy.model import CallShape, Expectation, ExpectedName, SpyModel
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.builds import ProjectFactory, iter_wheel
from tests.helpers.spies import spy_on_parse
from tests.helpers.venvs import RunCli, Venv, VenvFactory

pytestmark = pytest.mark.e2e

# --------------------------------------------------------------------------------- the provider

PROVIDER_INIT = '''\
"""The provider of the expectation tests: its API is re-exported from spyprov.api."""

from .api import Client, connect

__all__ = ["Client", "connect"]
'''

API_1_0 = '''\
"""spyprov.api 1.0.0."""

DEFAULT_PORT: int = 80


class Base:
    retries: int = 3


class Client(Base):
    def __init__(self, host: str, *, secure: bool = False) -> None:
        self.host = host
        self.secure = secure

    def get(self, path: str, params: dict | None = None) -> str:
        return path


class Legacy:
    pass


def connect(host: str, port: int = DEFAULT_PORT, *, timeout: float = 10.0) -> str:
    return host


def fetch(url: str, retries: int = 3) -> str:
    return url


def parse(text: str) -> list[str]:
    return text.split()
'''

API_1_1 = (
    API_1_0.replace("1.0.0", "1.1.0")
    .replace("timeout: float = 10.0)", "timeout: float = 10.0, verify: bool = True)")
    .replace("params: dict | None = None)", "params: dict | None = None, headers=None)")
    + "\n\ndef parse_many(texts: list[str]) -> list[list[str]]:\n"
    + "    return [parse(t) for t in texts]\n"
)
"""Compatible: a keyword, a parameter and a function added."""

API_2_0 = (
    API_1_0.replace("1.0.0", "2.0.0")
    .replace("DEFAULT_PORT: int = 80", "DEFAULT_PORT: str = '80'")
    .replace("class Client(Base):", "class Client:")
    .replace("class Legacy:\n    pass\n\n\n", "")
    .replace(", *, timeout: float = 10.0)", ")")
    .replace("def fetch(url: str, retries: int = 3)", "def fetch(url: str, *, retries: int = 3)")
    .replace("def parse(text: str)", "def parse_text(text: str)")
)
"""Incompatible: ``parse`` renamed, ``connect`` lost ``timeout``, ``Legacy`` removed, ``fetch``
takes one positional argument instead of two; also ``DEFAULT_PORT`` re-annotated and ``Client``
no longer derives from ``Base`` (which only the contract states)."""

# --------------------------------------------------------------------------------- the consumers

CONSUMER = '''\
"""Relies on spyprov through plain code: inference records what it uses."""

import spyprov
from spyprov import api
from spyprov.api import Legacy


def run() -> object:
    connection = spyprov.connect("example.org", timeout=5)
    data = api.fetch("https://example.org", 5)
    words = api.parse(data)
    client = spyprov.Client("example.org", secure=True)
    client.get("/", params={"q": 1})
    return connection, words, Legacy()
'''

CONTRACT_CONSUMER = '''\
"""Relies on spyprov.api only dynamically: the contract states what it needs."""

import importlib


def run() -> object:
    return importlib.import_module("spyprov.api")
'''

TOKEN = "SPY_E2E_CONTRACT_TOKEN"


def contract_text() -> str:
    """The contract in ImportSpy's syntax; its first deployment is this machine with ``TOKEN``."""
    version = platform.python_version()  # ImportSpy compares whole versions
    machine = normalise_machine(platform.machine())
    other_machine = "s390x" if machine != "s390x" else "ppc64le"
    interpreter = {"cpython": "CPython", "pypy": "PyPy"}[sys.implementation.name]
    return f"""\
filename: spyprov/api.py
variables:
  - name: DEFAULT_PORT
    annotation: int
functions:
  - name: connect
    arguments:
      - name: host
        annotation: str
      - name: port
        annotation: int
      - name: timeout
        annotation: float
        value: 10.0
    return_annotation: str
  - name: parse
    arguments:
      - name: text
classes:
  - name: Client
    attributes:
      - type: class
        name: retries
        annotation: int
      - type: instance
        name: host
    methods:
      - name: get
        arguments:
          - name: path
            annotation: str
          - name: params
            value: null
    superclasses:
      - Base
  - name: Legacy
deployments:
  - arch: {machine}
    systems:
      - os: {sys.platform}
        environment:
          variables:
            - name: {TOKEN}
        pythons:
          - version: "{version}"
            interpreter: {interpreter}
            modules:
              - filename: spyprov/api.py
  - arch: {other_machine}
    systems:
      - os: {sys.platform}
        pythons: [{{modules: []}}]
"""


THIRD_PARTY = '''\
"""Uses packaging and PyYAML the way application code does."""

import packaging.requirements
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version


def check(text: str) -> tuple[bool, str, str]:
    data = yaml.safe_load(text)
    wanted = SpecifierSet(data["python"], prereleases=True)
    requirement = packaging.requirements.Requirement(data["requirement"])
    dumped = yaml.safe_dump(data, sort_keys=True)
    return wanted.contains(Version(data["version"])), dumped, requirement.name
'''

# --------------------------------------------------------------------------------- helpers

Place = tuple[str, str]

UNVOUCHED: list[Place] = [
    ("ISP411", "spyprov.api:Client.host"),  # an instance attribute
    ("ISP411", "spyprov.api:Client.retries"),  # inherited from Base
]
"""What the contract states that ImportSpy cannot vouch for statically (S103)."""


def embedded_model(wheel: Path) -> SpyModel:
    name = next(n for n, _ in iter_wheel(wheel) if n.endswith("extra_metadata/importspy.yaml"))
    return manifest.load_bytes(dict(iter_wheel(wheel))[name], name)


def copy_venv(venv: Venv, destination: Path) -> Venv:
    root = destination / "venv"
    shutil.copytree(venv.root, root, symlinks=True)
    return Venv(
        root=root,
        python=root / venv.python.relative_to(venv.root),
        site_packages=root / venv.site_packages.relative_to(venv.root),
    )


def verify(
    run_cli: RunCli, venv: Venv, *targets: str, env: Mapping[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    completed = run_cli(venv.python, "verify", "--format", "json", *targets, env=env)
    assert completed.returncode in (0, 1), completed.stderr
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed.returncode, json.loads(completed.stdout)


def places(report: Mapping[str, Any]) -> list[Place]:
    return [
        (finding["code"], finding["object"] or finding["file"] or "")
        for distribution in report["distributions"]
        for finding in distribution["findings"]
    ]


def messages(report: Mapping[str, Any]) -> dict[Place, str]:
    return {
        (finding["code"], finding["object"]): finding["message"]
        for distribution in report["distributions"]
        for finding in distribution["findings"]
    }


# --------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def provider_wheels(
    project_factory: ProjectFactory, build_wheel: Callable[..., Path]
) -> dict[str, Path]:
    """``spyprov`` 1.0.0, 1.1.0 (compatible) and 2.0.0 (incompatible), built with the hook."""
    return {
        version: build_wheel(
            project_factory(
                {"spyprov/__init__.py": PROVIDER_INIT, "spyprov/api.py": api},
                name="spyprov",
                version=version,
                options={},
            )
        )
        for version, api in (("1.0.0", API_1_0), ("1.1.0", API_1_1), ("2.0.0", API_2_0))
    }


@pytest.fixture(scope="session")
def consumer_wheel(project_factory: ProjectFactory, build_wheel: Callable[..., Path]) -> Path:
    """``spycons``: what it expects of ``spyprov`` is inferred from its code."""
    project = project_factory(
        {"spycons/__init__.py": CONSUMER},
        name="spycons",
        options={},
        dependencies=["spyprov>=1.0"],
    )
    return build_wheel(project)


@pytest.fixture(scope="session")
def contract_wheel(project_factory: ProjectFactory, build_wheel: Callable[..., Path]) -> Path:
    """``spycontract``: what it expects of ``spyprov.api`` is stated by a contract file."""
    project = project_factory(
        {
            "spycontract/__init__.py": CONTRACT_CONSUMER,
            "contracts/spyprov-api.yml": contract_text(),
        },
        name="spycontract",
        options={"contracts": ["contracts/*.yml"]},
        dependencies=["spyprov"],
    )
    return build_wheel(project)


@pytest.fixture(scope="session")
def consumers_venv(venv_factory: VenvFactory, consumer_wheel: Path, contract_wheel: Path) -> Venv:
    """hatch-importspy and both consumers, no provider: scenarios add one to a copy."""
    return venv_factory("consumers", wheels=[consumer_wheel, contract_wheel])


@pytest.fixture
def with_provider(
    consumers_venv: Venv, provider_wheels: dict[str, Path], tmp_path: Path
) -> Callable[[str], Venv]:
    def make(version: str) -> Venv:
        venv = copy_venv(consumers_venv, tmp_path)
        venv.install(provider_wheels[version])
        return venv

    return make


# --------------------------------------------------------------------------------- inference


def test_the_consumer_manifest_records_what_its_code_uses(consumer_wheel: Path) -> None:
    # The isolated build has no spyprov installed: its Requires-Dist entry, named like the
    # module, is recorded as the provider, and as a guess.
    provider = "spyprov"
    assert embedded_model(consumer_wheel).expects == (
        Expectation(
            module="spyprov",
            distribution=provider,
            distribution_from_requires=True,
            names=(
                ExpectedName("Client", "callable", (CallShape(1, ("secure",)),)),
                ExpectedName("Client().get", "callable", (CallShape(1, ("params",)),)),
                ExpectedName("api"),
                ExpectedName("api.fetch", "callable", (CallShape(2),)),
                ExpectedName("api.parse", "callable", (CallShape(1),)),
                ExpectedName("connect", "callable", (CallShape(1, ("timeout",)),)),
            ),
        ),
        Expectation(
            module="spyprov.api",
            distribution=provider,
            distribution_from_requires=True,
            names=(ExpectedName("Legacy", "callable", (CallShape(0),)),),
        ),
    )


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_compatible_provider_releases_pass(
    run_cli: RunCli, with_provider: Callable[[str], Venv], version: str
) -> None:
    venv = with_provider(version)
    returncode, report = verify(run_cli, venv, "spycons")
    assert (returncode, places(report)) == (0, [])
    [consumer] = report["distributions"]
    assert consumer["checks"][-1] == "expectations"


def test_an_incompatible_provider_release_fails_with_the_exact_findings(
    run_cli: RunCli, with_provider: Callable[[str], Venv]
) -> None:
    venv = with_provider("2.0.0")
    returncode, report = verify(run_cli, venv, "spycons")
    assert returncode == 1
    assert sorted(places(report)) == [
        ("ISP404", "spyprov.api:Legacy"),  # class removed
        ("ISP404", "spyprov:api.parse"),  # function renamed
        ("ISP405", "spyprov:api.fetch"),  # positional arity changed
        ("ISP405", "spyprov:connect"),  # keyword removed
    ]
    found = messages(report)
    assert found[("ISP404", "spyprov:api.parse")] == (
        "api.parse is missing: spyprov.api has no parse (expected by the package's code)"
    )
    assert found[("ISP405", "spyprov:connect")] == (
        "the call connect(_, timeout=_) no longer fits: it accepts no keyword argument timeout "
        "(expected by the package's code)"
    )
    assert found[("ISP405", "spyprov:api.fetch")].startswith(
        "the call api.fetch(_, _) no longer fits: it takes at most 1 positional argument, "
        "the call passes 2"
    )
    assert all(
        finding["distribution"] == "spycons" for finding in report["distributions"][0]["findings"]
    )


def test_a_missing_provider_is_a_requirement_finding_not_drift(
    run_cli: RunCli, consumers_venv: Venv
) -> None:
    returncode, report = verify(run_cli, consumers_venv, "spycons")
    assert returncode == 1
    assert [code for code, _ in places(report)] == ["ISP401"]


def test_show_prints_the_expectations_as_calls_are_written(
    run_cli: RunCli, consumers_venv: Venv, consumer_wheel: Path
) -> None:
    completed = run_cli(consumers_venv.python, "show", "spycons")
    assert completed.returncode == 0, completed.stderr
    comments = [line for line in completed.stdout.splitlines() if line.startswith("#")]
    assert comments == [
        "# expects, as the code uses it (verify holds each line against the installed provider):",
        "#   spyprov (provider spyprov (from Requires-Dist); inferred from the code)",
        "#     Client(_, secure=_)",
        "#     Client().get(_, params=_)",
        "#     api",
        "#     api.fetch(_, _)",
        "#     api.parse(_)",
        "#     connect(_, timeout=_)",
        "#   spyprov.api (provider spyprov (from Requires-Dist); inferred from the code)",
        "#     Legacy()",
    ]
    # The comments leave the document what it is: the manifest.
    assert manifest.loads(completed.stdout, "show") == embedded_model(consumer_wheel)
    as_json = run_cli(consumers_venv.python, "show", "spycons", "--format", "json")
    assert json.loads(as_json.stdout)["expects"][0]["module"] == "spyprov"


# --------------------------------------------------------------------------------- contracts


def test_the_contract_is_validated_and_embedded(contract_wheel: Path) -> None:
    [expectation] = embedded_model(contract_wheel).expects
    assert (expectation.module, expectation.distribution, expectation.origin) == (
        "spyprov.api",
        "spyprov",
        "contracts/spyprov-api.yml",
    )
    assert [(name.name, name.kind) for name in expectation.names] == [
        ("Client", "class"),
        ("DEFAULT_PORT", "variable"),
        ("Legacy", "class"),
        ("connect", "function"),
        ("parse", "function"),
    ]
    assert [d.machine for d in expectation.deployments] == [
        normalise_machine(platform.machine()),
        "s390x" if normalise_machine(platform.machine()) != "s390x" else "ppc64le",
    ]
    assert expectation.deployments[0].env == (TOKEN,)


def test_the_contract_holds_against_the_release_it_describes(
    run_cli: RunCli, with_provider: Callable[[str], Venv]
) -> None:
    venv = with_provider("1.0.0")
    returncode, report = verify(run_cli, venv, "spycontract", env={TOKEN: "set"})
    # The instance attribute and the inherited class attribute are there as static reading
    # sees them, but ImportSpy denies both (S103): ISP411 warnings, errors under --strict.
    assert (returncode, places(report)) == (0, UNVOUCHED)
    strict = run_cli(venv.python, "verify", "--strict", "spycontract", env={TOKEN: "set"})
    assert strict.returncode == 1, strict.stdout


def test_a_deployment_that_does_not_match_is_isp106(
    run_cli: RunCli, with_provider: Callable[[str], Venv]
) -> None:
    venv = with_provider("1.0.0")
    returncode, report = verify(run_cli, venv, "spycontract")  # the variable is not set
    assert (returncode, places(report)) == (1, [("ISP106", "spyprov.api"), *UNVOUCHED])
    finding = report["distributions"][0]["findings"][0]
    assert TOKEN in finding["expected"]


def test_every_violation_of_the_contract_is_reported(
    run_cli: RunCli, with_provider: Callable[[str], Venv]
) -> None:
    venv = with_provider("2.0.0")
    returncode, report = verify(run_cli, venv, "spycontract", env={TOKEN: "set"})
    assert returncode == 1
    assert sorted(places(report)) == [
        ("ISP404", "spyprov.api:Client.retries"),  # came from Base, which Client lost
        ("ISP404", "spyprov.api:Legacy"),
        ("ISP404", "spyprov.api:parse"),
        ("ISP406", "spyprov.api:DEFAULT_PORT"),
        ("ISP406", "spyprov.api:connect"),
        ("ISP407", "spyprov.api:Client"),
        ("ISP411", "spyprov.api:Client.host"),
    ]
    found = messages(report)
    origin = "(expected by contracts/spyprov-api.yml)"
    assert found[("ISP406", "spyprov.api:connect")] == f"connect has no parameter timeout {origin}"
    assert found[("ISP406", "spyprov.api:DEFAULT_PORT")] == (
        f"DEFAULT_PORT: annotation is str, not int {origin}"
    )
    assert found[("ISP407", "spyprov.api:Client")] == (
        f"Client no longer has the base class Base {origin}"
    )


MODE_CONTRACT = """\
filename: api.py
runtime:
  environment: {SPY_E2E_MODE: blue-7f3a}
deployments:
  - arch: %(machine)s
    systems:
      - os: %(os)s
        environment:
          variables: [{name: SPY_E2E_REGION, value: eu-9z1k}]
        pythons: [{modules: []}]
"""


@pytest.mark.skipif(sys.platform == "win32", reason="the target wrapper is a POSIX shell script")
def test_contract_values_are_compared_in_the_target_environment(
    project_factory: ProjectFactory,
    build_wheel: Callable[..., Path],
    venv_factory: VenvFactory,
    run_cli: RunCli,
    with_provider: Callable[[str], Venv],
) -> None:
    """``verify --python`` compares a contract's environment values with the target's: here the
    target is started through a wrapper that sets them (as a container entry point would), and
    the verifier's own environment says otherwise."""
    machine = normalise_machine(platform.machine())
    contract = MODE_CONTRACT % {"machine": machine, "os": sys.platform}
    consumer = build_wheel(
        project_factory(
            {"spymode/__init__.py": CONTRACT_CONSUMER, "contracts/mode.yml": contract},
            name="spymode",
            options={"contracts": ["contracts/mode.yml:spyprov.api"]},
        )
    )
    app = with_provider("1.0.0")
    app.install(consumer)
    wrapper = app.python.with_name("python-prod")
    wrapper.write_text(
        "#!/bin/sh\nSPY_E2E_MODE=blue-7f3a SPY_E2E_REGION=eu-9z1k "
        'exec "$(dirname "$0")/python" "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    verifier = venv_factory("values-verifier")
    theirs = {"SPY_E2E_MODE": "green-2c1d", "SPY_E2E_REGION": "us-4q8w"}

    done = run_cli(
        verifier.python,
        "verify",
        "--format",
        "json",
        "--python",
        str(wrapper),
        "spymode",
        env=theirs,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert places(json.loads(done.stdout)) == []
    # The plain interpreter runs with the verifier's environment: neither value holds there.
    done = run_cli(
        verifier.python,
        "verify",
        "--format",
        "json",
        "--python",
        str(app.python),
        "spymode",
        env=theirs,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert places(json.loads(done.stdout)) == [("ISP105", "spyprov.api"), ("ISP106", "spyprov.api")]
    assert not any(value in done.stdout for value in ("blue-7f3a", "eu-9z1k", *theirs.values()))


def test_a_bad_contract_stops_the_build_naming_the_file_and_the_place(
    project_factory: ProjectFactory, build_project: Callable[..., Any], tmp_path: Path
) -> None:
    project = project_factory(
        {
            "badcontract/__init__.py": "",
            "contracts/bad.yml": "filename: spyprov/api.py\nfunctions:\n  - arguments: []\n",
        },
        name="badcontract",
        options={"contracts": ["contracts/*.yml"]},
    )
    result = build_project(project, out_dir=tmp_path / "out")
    assert result.returncode != 0
    assert "importspy: contracts/bad.yml: functions[0].name: is required" in result.output
    assert result.artifacts == ()


# --------------------------------------------------------------------------------- third party


def test_inference_on_packaging_and_pyyaml(
    project_factory: ProjectFactory,
    build_wheel: Callable[..., Path],
    venv_factory: VenvFactory,
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wheel = build_wheel(
        project_factory(
            {"spythird/__init__.py": THIRD_PARTY},
            name="spythird",
            options={},
            dependencies=["packaging", "PyYAML"],
        )
    )
    expects = embedded_model(wheel).expects
    assert tuple(dataclasses.replace(e, met_at_build=()) for e in expects) == (
        Expectation(
            module="packaging.requirements",
            distribution="packaging",
            names=(
                ExpectedName("Requirement", "callable", (CallShape(1),)),
                ExpectedName("Requirement().name"),
            ),
        ),
        Expectation(
            module="packaging.specifiers",
            distribution="packaging",
            names=(
                ExpectedName("SpecifierSet", "callable", (CallShape(1, ("prereleases",)),)),
                ExpectedName("SpecifierSet().contains", "callable", (CallShape(1),)),
            ),
        ),
        Expectation(
            module="packaging.version",
            distribution="packaging",
            names=(ExpectedName("Version", "callable", (CallShape(1),)),),
        ),
        Expectation(
            module="yaml",
            distribution="pyyaml",
            names=(
                ExpectedName("safe_dump", "callable", (CallShape(1, ("sort_keys",)),)),
                ExpectedName("safe_load", "callable", (CallShape(1),)),
            ),
        ),
    )
    # hatch-importspy's own environment brings packaging and PyYAML along.
    venv = venv_factory("third-party", wheels=[wheel])
    returncode, report = verify(run_cli, venv, "spythird")
    assert (returncode, places(report)) == (0, [])
    assert report["distributions"][0]["checks"][-1] == "expectations"
    # Every use was met by the build environment's packaging and PyYAML, the very files installed
    # here: the manifest names each module the check read, and verify reads none of them.
    site = [venv.site_packages]
    for expectation in expects:
        assert (expectation.module, witness(site, expectation.module)) in (expectation.met_at_build)
        assert all(witness(site, name) == seen for name, seen in expectation.met_at_build)
    assert verify_parsing(venv.site_packages, "spythird", monkeypatch) == ([], [])
    # And the code really runs against them: the inference did not invent a use.
    completed = subprocess.run(
        [
            str(venv.python),
            "-c",
            "import spythird; print(spythird.check("
            '\'python: ">=3.10"\\nversion: "3.12"\\nrequirement: "pyyaml>=6"\\n\'))',
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=venv.root,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("(True, ")
    # A provider file changed since the build: the check runs in full and catches the loss.
    specifiers = venv.site_packages / "packaging" / "specifiers.py"
    keyword = """specifiers: str | Iterable[Specifier | str] = "",
        prereleases: bool | None = None,"""
    assert keyword in specifiers.read_text()
    specifiers.write_text(specifiers.read_text().replace(keyword, keyword.splitlines()[0]))
    found, parsed = verify_parsing(venv.site_packages, "spythird", monkeypatch)
    assert found == [("ISP405", "packaging.specifiers:SpecifierSet")]
    assert parsed == ["packaging/specifiers.py"]  # only the changed file
    completed = run_cli(
        sys.executable, "verify", "--python", str(venv.python), "--format", "json", "spythird"
    )
    assert completed.returncode == 1, completed.stderr
    assert places(json.loads(completed.stdout)) == [("ISP405", "packaging.specifiers:SpecifierSet")]


def verify_parsing(
    site: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Place], list[str]]:
    """``verify`` of ``name`` in process: its findings, and the installed files ``ast.parse`` was
    given (by their paths in the site directory; pytest's rewriting of the modules hatch-importspy
    imports late hands it absolute paths)."""
    with monkeypatch.context() as patch:
        parsed = spy_on_parse(patch)
        (result,) = verify_installed([site], [name], None).distributions
    installed = [name for name in parsed if not Path(name).is_absolute()]
    return [(f.code, f.object or f.file or "") for f in result.findings], installed
