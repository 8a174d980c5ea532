"""ImportSpy contract files: what they mean here, and every way a contract is refused."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from hatch_importspy.describe.contracts import ContractError, load_contract, load_contracts
from hatch_importspy.formats.manifest import dumps, loads
from hatch_importspy.model import (
    Attribute,
    AttributeScope,
    Class,
    Deployment,
    Expectation,
    ExpectedName,
    Function,
    FunctionKind,
    Parameter,
    ParameterKind,
    SpyModel,
    Variable,
)
from hatch_importspy.policy_model import AdmissionPolicy

POK = ParameterKind.POSITIONAL_OR_KEYWORD

FULL_CONTRACT = """
filename: extension.py
variables:
  - name: engine
    annotation: str
functions:
  - name: convert
    arguments:
      - name: amount
        annotation: int
      - name: currency
        value: EUR
      - name: strict
        value:
      - name: "*rest"
      - name: flag
        kind: keyword_only
        value: false
      - name: "**options"
    return_annotation: "list[ str ]"
classes:
  - name: Extension
    attributes:
      - type: instance
        name: extension_instance_name
      - type: class
        name: extension_name
        annotation: str
    methods:
      - name: __init__
        arguments:
          - name: self
        return_annotation:
      - name: add_extension
        arguments:
          - name: self
          - name: msg
            annotation: str
        return_annotation: str
    superclasses:
      - name: Plugin
      - base.Mixin
deployments:
  - arch: x86_64
    systems:
      - os: windows
        pythons:
          - version: 3.12.8
            interpreter: CPython
            modules:
              - filename: extension.py
                version:
                functions:
          - interpreter: IronPython
            modules: []
      - os: linux
        environment:
          variables:
            - name: MODE
              value: "on"
          secrets: [TOKEN, API_KEY]
        pythons:
          - version: "3.11.4"
            modules:
              - variables: [{name: engine, value: off}]
  - arch: aarch64
    systems:
      - os: darwin
        pythons: [{modules: []}]
"""


def write(tmp_path: Path, text: str, name: str = "contract.yml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> tuple[tuple[str, str], ...]:
    with pytest.raises(ContractError) as caught:
        load_contract(write(tmp_path, text), root=tmp_path)
    return caught.value.problems


def test_a_full_contract_maps_onto_the_model(tmp_path: Path) -> None:
    path = write(tmp_path, FULL_CONTRACT, "contracts/extension.yml")
    assert load_contract(path, root=tmp_path) == (
        Expectation(
            module="extension",
            origin="contracts/extension.yml",
            names=(
                ExpectedName(
                    "Extension",
                    "class",
                    cls=Class(
                        "Extension",
                        bases=("Plugin", "base.Mixin"),
                        methods=(
                            Function(
                                "__init__",
                                (Parameter("self", POK),),
                                kind=FunctionKind.METHOD,
                            ),
                            Function(
                                "add_extension",
                                (Parameter("self", POK), Parameter("msg", POK, "str")),
                                returns="str",
                                kind=FunctionKind.METHOD,
                            ),
                        ),
                        attributes=(
                            Attribute("extension_instance_name", AttributeScope.INSTANCE),
                            Attribute("extension_name", AttributeScope.CLASS, "str"),
                        ),
                    ),
                ),
                ExpectedName(
                    "convert",
                    "function",
                    function=Function(
                        "convert",
                        (
                            Parameter("amount", POK, "int"),
                            Parameter("currency", POK, has_default=True, default="'EUR'"),
                            Parameter("strict", POK, has_default=True, default="None"),
                            Parameter("rest", ParameterKind.VAR_POSITIONAL),
                            Parameter(
                                "flag",
                                ParameterKind.KEYWORD_ONLY,
                                has_default=True,
                                default="False",
                            ),
                            Parameter("options", ParameterKind.VAR_KEYWORD),
                        ),
                        returns="list[str]",
                    ),
                ),
                ExpectedName("engine", "variable", variable=Variable("engine", "str")),
            ),
            deployments=(
                Deployment(
                    machine="x86_64",
                    platform="win32",
                    pythons=("3.12.8",),
                    interpreters=("CPython",),
                    exact=True,
                ),
                Deployment(
                    machine="x86_64", platform="win32", interpreters=("IronPython",), exact=True
                ),
                Deployment(
                    machine="x86_64",
                    platform="linux",
                    env=("API_KEY", "MODE", "TOKEN"),
                    pythons=("3.11.4",),
                    env_values=(("MODE", "on"),),
                    secrets=("API_KEY", "TOKEN"),
                    names=(
                        ExpectedName(
                            "engine", "variable", variable=Variable("engine", value="'off'")
                        ),
                    ),
                    exact=True,
                ),
                Deployment(machine="aarch64", platform="darwin", exact=True),
            ),
            filename="extension.py",
        ),
    )


def test_a_contract_survives_the_manifest_round_trip(tmp_path: Path) -> None:
    expectations = load_contract(write(tmp_path, FULL_CONTRACT), root=tmp_path)
    model = SpyModel(name="consumer", version="1.0", expects=expectations)
    assert loads(dumps(model), "manifest") == model


@pytest.mark.parametrize(
    ("filename", "module"),
    [
        ("requests/api.py", "requests.api"),
        ("requests.api", "requests.api"),
        ("pkg/__init__.py", "pkg"),
        ("plugin.py", "plugin"),
        ("pkg\\\\sub\\\\mod.py", "pkg.sub.mod"),
    ],
)
def test_filename_names_the_module(tmp_path: Path, filename: str, module: str) -> None:
    (expectation,) = load_contract(write(tmp_path, f'filename: "{filename}"\n'), root=tmp_path)
    assert expectation.module == module


def test_the_distribution_comes_from_the_callable_canonicalised(tmp_path: Path) -> None:
    path = write(tmp_path, "filename: yaml/loader.py\n")
    (expectation,) = load_contract(path, root=tmp_path, distribution_of={"yaml": "PyYAML"}.get)
    assert expectation.distribution == "pyyaml"


def test_every_problem_is_reported_with_its_place(tmp_path: Path) -> None:
    """Unknown keys, required fields and enumerations as ImportSpy 0.5 validates them, each
    with its key path; what cannot be honoured statically, with the reason."""
    assert problems(
        tmp_path,
        """
        filename: my-plugin.py
        version: 1.2
        runtime: {python: "3.11", os: linux}
        variables:
          - name: MODE
            value: [production]
          - {annotation: str}
        functions:
          - name: run
            returns: str
            arguments:
              - name: 1x
              - name: flag
                kind: weird
                value: [1]
              - name: flag
              - name: "*args"
                kind: keyword-only
        classes:
          - name: Plugin
            attributes:
              - {name: kind, value: payments}
              - {name: level, type: static}
            superclasses: [1]
        deployments:
          - arch: amd64
            systems:
              - os: macos
                environment:
                  variables:
                    - {name: IMPORTSPY_ENABLED, value: true, annotation: bool}
                pythons:
                  - version: 3.10
                    interpreter: cpython
                    modules:
                      - filename: plugin.py
                        functions: [{name: run}]
                  - version: "3.12"
        dependencies:
          requests: {declared: true, version: "2.x"}
        dependency_options: {unresolved: maybe, undeclared: deny}
        evidence_requirements: [{kind: x}]
        schema_version: 2
        """,
    ) == (
        ("filename", "'my-plugin.py' names no importable module (write mod.py or pkg.mod)"),
        ("version", "must be a non-empty string (quote numbers)"),
        ("variables[0].value", "must be a string, number, boolean or null"),
        ("variables[1].name", "is required"),
        ("functions[0].returns", "unknown key (allowed: name, arguments, return_annotation)"),
        ("functions[0].arguments[0].name", "'1x' is not a parameter name"),
        (
            "functions[0].arguments[1].kind",
            "'weird' is not one of: positional-only, positional-or-keyword, var-positional, "
            "keyword-only, var-keyword",
        ),
        ("functions[0].arguments[1].value", "must be a string, number, boolean or null"),
        ("functions[0].arguments[2].name", "parameter flag is listed twice"),
        ("functions[0].arguments[3].kind", "contradicts the name '*args'"),
        ("classes[0].attributes[0].type", "is required"),
        ("classes[0].attributes[1].type", "'static' is not one of: class, instance"),
        ("classes[0].superclasses[0]", "must be a mapping"),
        (
            "deployments[0].arch",
            "'amd64' is not one of: x86_64, aarch64, arm, arm64, i386, ppc64, ppc64le, s390x",
        ),
        ("deployments[0].systems[0].os", "'macos' is not one of: windows, linux, darwin"),
        (
            "deployments[0].systems[0].environment.variables[0].annotation",
            "an environment variable is text: remove it",
        ),
        (
            "deployments[0].systems[0].environment.variables[0].value",
            "quote the value: the environment is text",
        ),
        (
            "deployments[0].systems[0].pythons[0].version",
            "must be a non-empty string (quote numbers)",
        ),
        (
            "deployments[0].systems[0].pythons[0].interpreter",
            "'cpython' is not one of: CPython, PyPy, Jython, IronPython, MicroPython, Brython, "
            "Pyston, GraalPython, RustPython, Nuitka, Transcrypt",
        ),
        (
            "deployments[0].systems[0].pythons[0].modules[0].filename",
            "'plugin.py' is not the contract's filename 'my-plugin.py': ImportSpy would deny "
            "every module under this deployment",
        ),
        ("deployments[0].systems[0].pythons[1].modules", "is required"),
        (
            "evidence_requirements",
            "is not supported: it names ImportSpy's own evidence kinds and providers, which this "
            "static check does not produce (state the structure instead)",
        ),
        ("evidence_requirements[0].subject", "is required"),
        ("schema_version", "must be 1"),
        ("runtime.python", "'3.11' is not a version specifier (>=3.10)"),
        ("runtime.os", "must be a list"),
        ("dependency_options.unresolved", "'maybe' is not one of: allow, deny"),
        (
            "dependency_options.undeclared",
            "deny is not supported: needs the provider's project metadata, which an installed "
            "module does not carry",
        ),
        (
            "dependencies.requests.declared",
            "is not supported: needs the provider's project metadata, which an installed module "
            "does not carry",
        ),
        ("dependencies.requests.version", "'2.x' is not a version specifier"),
    )


def test_the_error_is_one_line_naming_the_file_and_places(tmp_path: Path) -> None:
    path = write(tmp_path, "filename: a.py\nclasses: {}\nextra: 1\n", "contracts/a.yml")
    with pytest.raises(ContractError) as caught:
        load_contract(path, root=tmp_path)
    assert str(caught.value) == (
        "contracts/a.yml: extra: unknown key (allowed: filename, version, variables, "
        "functions, classes, deployments, schema_version, policy_id, runtime, dependencies, "
        "dependency_options, evidence_requirements); classes: must be a list"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("filename: a.py\nfilename: b.py\n", "contract.yml: line 2: duplicate key 'filename'"),
        (
            "filename: [a\n",
            "contract.yml: line 2: invalid YAML: expected ',' or ']', but got '<stream end>'",
        ),
        ("- filename: a.py\n", "contract.yml: must be a mapping"),
        ("", "contract.yml: is empty"),
        (
            "filename: a.py\nschema_version: 2\n",
            "contract.yml: schema_version: must be 1",
        ),
        (
            "!!python/object:os.system {}\n",
            "contract.yml: line 1: invalid YAML: could not "
            "determine a constructor for the tag 'tag:yaml.org,2002:python/object:os.system'",
        ),
    ],
)
def test_unusable_documents(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ContractError) as caught:
        load_contract(write(tmp_path, text), root=tmp_path)
    assert str(caught.value) == expected


def test_schema_version_1_and_a_policy_id_are_accepted(tmp_path: Path) -> None:
    text = "schema_version: 1\npolicy_id: payments\nfilename: a.py\n"
    (expectation,) = load_contract(write(tmp_path, text), root=tmp_path)
    assert expectation == Expectation(
        module="a", origin="contract.yml", filename="a.py", policy=AdmissionPolicy("payments")
    )


@pytest.mark.parametrize(
    ("version", "stored"),
    [("3.12.1", "3.12.1"), ('"3.10"', "3.10"), ('"3.13.0rc1"', "3.13.0rc1")],
)
def test_python_versions(tmp_path: Path, version: str, stored: str) -> None:
    text = f"""
    filename: a.py
    deployments:
      - arch: x86_64
        systems:
          - os: linux
            pythons:
              - version: {version}
                modules: []
    """
    (expectation,) = load_contract(write(tmp_path, text), root=tmp_path)
    assert expectation.deployments == (
        Deployment(machine="x86_64", platform="linux", pythons=(stored,), exact=True),
    )


def test_a_python_version_must_be_a_string_as_in_importspy(tmp_path: Path) -> None:
    """YAML 1.2 reads ``3.10`` as the number 3.1; ImportSpy refuses a number there too."""
    text = """
    filename: a.py
    deployments:
      - arch: x86_64
        systems: [{os: linux, pythons: [{version: 3.10, modules: []}]}]
    """
    assert problems(tmp_path, text) == (
        (
            "deployments[0].systems[0].pythons[0].version",
            "must be a non-empty string (quote numbers)",
        ),
    )


def test_load_contracts_globs_in_path_order_and_refuses_empty_patterns(tmp_path: Path) -> None:
    write(tmp_path, "filename: b.py\n", "contracts/b.yml")
    write(tmp_path, "filename: a.py\n", "contracts/a.yml")
    write(tmp_path, "filename: c.py\n", "contracts/nested/c.yaml")
    expectations = load_contracts(["contracts/*.yml", "contracts/**/*.yaml"], root=tmp_path)
    assert [(e.module, e.origin) for e in expectations] == [
        ("a", "contracts/a.yml"),
        ("b", "contracts/b.yml"),
        ("c", "contracts/nested/c.yaml"),
    ]
    with pytest.raises(ContractError) as caught:
        load_contracts(["contracts/*.yml", "typo/*.yml"], root=tmp_path, where="tool.x.contracts")
    assert str(caught.value) == "tool.x.contracts: pattern 'typo/*.yml' matches no file"
    with pytest.raises(ContractError) as outside:
        load_contracts(["../*.yml"], root=tmp_path, where="tool.x.contracts")
    assert str(outside.value) == (
        "tool.x.contracts: pattern '../*.yml' must stay inside the project"
    )


def test_unreadable_files(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yml"
    binary.write_bytes(b"filename: \xff\n")
    with pytest.raises(ContractError) as caught:
        load_contract(binary, root=tmp_path)
    assert str(caught.value) == "binary.yml: is not UTF-8 text"
    with pytest.raises(ContractError) as missing:
        load_contract(tmp_path / "missing.yml", root=tmp_path)
    assert str(missing.value) == "missing.yml: cannot be read: No such file or directory"
