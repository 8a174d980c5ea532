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
  - arch: AMD64
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
      - os: linux
        environment:
          variables:
            - name: MODE
          secrets: [TOKEN, {name: API_KEY}]
        pythons:
          - version: "3.11"
  - arch: arm64
    systems:
      - os: macos
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
                    interpreters=("cpython",),
                    modules=("extension",),
                ),
                Deployment(machine="x86_64", platform="win32", interpreters=("ironpython",)),
                Deployment(
                    machine="x86_64",
                    platform="linux",
                    env=("API_KEY", "MODE", "TOKEN"),
                    pythons=("3.11",),
                ),
                Deployment(machine="aarch64", platform="darwin"),
            ),
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
    assert problems(
        tmp_path,
        """
        filename: my-plugin.py
        version: "1.2.3"
        runtime: {python: ">=3.10"}
        variables:
          - name: MODE
            value: production
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
          - arch: x86_64
            systems:
              - os: linux
                environment:
                  variables:
                    - {name: IMPORTSPY_ENABLED, value: true, annotation: bool}
                pythons:
                  - version: 3.10
                    modules:
                      - filename: plugin.py
                        version: "2"
                        functions: [{name: run}]
        """,
    ) == (
        ("filename", "'my-plugin.py' names no importable module (write pkg/mod.py or pkg.mod)"),
        (
            "version",
            "module version pins are not supported: pin the distribution that provides "
            "the module in your dependencies instead",
        ),
        (
            "runtime",
            "is not supported: use the hook's python, platforms, machines, "
            "implementations and env options",
        ),
        (
            "variables[0].value",
            "values cannot be known without running the module, so they are "
            "not checked: remove it (the name and annotation are checked)",
        ),
        ("variables[1].name", "is required"),
        (
            "functions[0].returns",
            "unknown key (expected one of: name, arguments, return_annotation)",
        ),
        ("functions[0].arguments[0].name", "'1x' is not a parameter name"),
        (
            "functions[0].arguments[1].kind",
            "'weird' is not one of: positional-only, "
            "positional-or-keyword, var-positional, keyword-only, var-keyword",
        ),
        ("functions[0].arguments[1].value", "must be a string, number, boolean or null"),
        ("functions[0].arguments[2].name", "parameter flag is listed twice"),
        ("functions[0].arguments[3].kind", "contradicts the name '*args'"),
        ("classes[0].attributes[0].type", "is required"),
        (
            "classes[0].attributes[0].value",
            "values cannot be known without running the module, "
            "so they are not checked: remove it (the name and annotation are checked)",
        ),
        ("classes[0].attributes[1].type", "must be class or instance"),
        ("classes[0].superclasses[0]", "must be a class name or a mapping with a name"),
        (
            "deployments[0].systems[0].environment.variables[0].value",
            "environment variables are "
            "checked by name only and their values are never stored: remove it",
        ),
        (
            "deployments[0].systems[0].environment.variables[0].annotation",
            "environment "
            "variables are checked by name only and their values are never stored: remove it",
        ),
        (
            "deployments[0].systems[0].pythons[0].version",
            "write the version as a quoted string: "
            "YAML reads 3.1 as a number, which may have lost a trailing zero (3.10?)",
        ),
        (
            "deployments[0].systems[0].pythons[0].modules[0].version",
            "module version pins are "
            "not supported: pin the providing distribution in your dependencies instead",
        ),
        (
            "deployments[0].systems[0].pythons[0].modules[0].functions",
            "per-deployment module "
            "structure is not supported: state it at the top level of the contract",
        ),
    )


def test_the_error_is_one_line_naming_the_file_and_places(tmp_path: Path) -> None:
    path = write(tmp_path, "filename: a.py\nclasses: {}\nextra: 1\n", "contracts/a.yml")
    with pytest.raises(ContractError) as caught:
        load_contract(path, root=tmp_path)
    assert str(caught.value) == (
        "contracts/a.yml: extra: unknown key (expected one of: filename, version, variables, "
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
            "contract.yml: schema_version: only schema_version 1 is supported",
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
    assert expectation == Expectation(module="a", origin="contract.yml")


@pytest.mark.parametrize(
    ("version", "stored"),
    [("3.12", "3.12"), ('"3.10"', "3.10"), ("3", "3"), ('"3.13.0rc1"', "3.13.0rc1")],
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
    """
    (expectation,) = load_contract(write(tmp_path, text), root=tmp_path)
    assert expectation.deployments == (
        Deployment(machine="x86_64", platform="linux", pythons=(stored,)),
    )


def test_envs_is_accepted_for_environment_but_not_both(tmp_path: Path) -> None:
    text = """
    filename: a.py
    deployments:
      - arch: x86_64
        systems:
          - os: freebsd
            envs: {secrets: [B, A]}
          - os: linux
            envs: {}
            environment: {}
    """
    assert problems(tmp_path, text) == (
        ("deployments[0].systems[1]", "give environment or envs, not both"),
    )
    (expectation,) = load_contract(
        write(tmp_path, text.replace("            environment: {}\n", "")), root=tmp_path
    )
    assert expectation.deployments == (
        Deployment(machine="x86_64", platform="freebsd", env=("A", "B")),
        Deployment(machine="x86_64", platform="linux"),
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
