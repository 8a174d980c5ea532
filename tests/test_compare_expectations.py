"""ISP106 and ISP403-ISP408: expectations held against installed providers."""

from __future__ import annotations

import ast
import dataclasses
import shutil
import textwrap
from collections.abc import Mapping
from pathlib import Path

import packaging
import pytest
import yaml

from hatch_importspy.compare.expectations import (
    ModuleLookup,
    call_problems,
    expectation_collector,
    expectation_findings,
    one_per_cause,
    python_version_matches,
)
from hatch_importspy.compare.provided import ImportBinding, ProvidedModule
from hatch_importspy.describe.extract import ExtractionError, structure_of
from hatch_importspy.describe.infer import infer_expectations
from hatch_importspy.describe.provider_source import directory_lookup, provided_module
from hatch_importspy.facts import EnvironmentFacts
from hatch_importspy.model import (
    Attribute,
    AttributeScope,
    CallShape,
    Class,
    Deployment,
    Expectation,
    ExpectedName,
    Function,
    FunctionKind,
    Parameter,
    ParameterKind,
    Variable,
)

POK = ParameterKind.POSITIONAL_OR_KEYWORD
Row = tuple[str, str | None, str]

CONSUMER = """
import packaging.specifiers
import packaging.version
import yaml


def newest(text, wanted):
    version = packaging.version.Version(wanted)
    data = yaml.safe_load(text)
    loader = yaml.SafeLoader(text)
    loader.get_single_data()
    yaml.dump(data, sort_keys=True, Dumper=yaml.SafeDumper)
    return packaging.specifiers.SpecifierSet(data["spec"]).contains(version, prereleases=True)
"""


def consumer_expectations() -> tuple[Expectation, ...]:
    return infer_expectations(
        {"consumer": ast.parse(CONSUMER)},
        own_top_level={"consumer"},
        distribution_of={"yaml": "PyYAML", "packaging": "packaging"}.get,
    )


def check(
    expectation: Expectation,
    lookup: ModuleLookup,
    *,
    provider_version: str | None = "1.0",
    facts: EnvironmentFacts | None = None,
) -> list[Row]:
    findings = expectation_findings(
        expectation,
        lookup,
        distribution="consumer",
        provider_version=provider_version,
        facts=facts,
    )
    return [(finding.code, finding.object, finding.message) for finding in findings]


def check_all(expectations: tuple[Expectation, ...], lookup: ModuleLookup) -> list[Row]:
    return [row for expectation in expectations for row in check(expectation, lookup)]


def package_directory(package: object) -> Path:
    """Where an installed package's source lives (the packages are imported, never the copies)."""
    location = getattr(package, "__file__", None)
    assert isinstance(location, str)
    return Path(location).parent


def installed_site() -> list[Path]:
    return sorted({package_directory(packaging).parent, package_directory(yaml).parent})


@pytest.fixture(scope="module")
def drifted_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copies of the installed packaging and yaml, each changed the way a new release might."""
    site = tmp_path_factory.mktemp("site")
    for package in (packaging, yaml):
        source = package_directory(package)
        shutil.copytree(source, site / source.name, ignore=shutil.ignore_patterns("__pycache__"))
    edit(site / "yaml" / "__init__.py", "def safe_load(stream):", "def safe_load_one(stream):")
    edit(
        site / "packaging" / "specifiers.py",
        "        item: UnparsedVersion,\n"
        "        prereleases: bool | None = None,\n"
        "        installed: bool | None = None,\n"
        "    ) -> bool:",
        "        item: UnparsedVersion,\n        installed: bool | None = None,\n    ) -> bool:",
    )
    edit(
        site / "packaging" / "version.py",
        "def __init__(self, version: str) -> None:",
        "def __init__(self, *, version: str) -> None:",
    )
    return site


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path} changed upstream: {old!r} is not there exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_installed_packaging_and_yaml_offer_what_the_consumer_uses() -> None:
    expectations = consumer_expectations()
    assert [(e.module, [n.name for n in e.names]) for e in expectations] == [
        ("packaging.specifiers", ["SpecifierSet", "SpecifierSet().contains"]),
        ("packaging.version", ["Version"]),
        (
            "yaml",
            ["SafeDumper", "SafeLoader", "SafeLoader().get_single_data", "dump", "safe_load"],
        ),
    ]
    assert check_all(expectations, directory_lookup(installed_site())) == []


def test_a_drifted_release_is_reported_exactly(drifted_site: Path) -> None:
    assert check_all(consumer_expectations(), directory_lookup([drifted_site])) == [
        (
            "ISP405",
            "packaging.specifiers:SpecifierSet().contains",
            "the call SpecifierSet().contains(_, prereleases=_) no longer fits: it accepts no "
            "keyword argument prereleases (expected by the package's code)",
        ),
        (
            "ISP405",
            "packaging.version:Version",
            "the call Version(_) no longer fits: it takes at most 0 positional arguments, the "
            "call passes 1 (expected by the package's code)",
        ),
        (
            "ISP405",
            "packaging.version:Version",
            "the call Version(_) no longer fits: its required keyword-only parameter version is "
            "not given (expected by the package's code)",
        ),
        (
            "ISP404",
            "yaml:safe_load",
            "safe_load is missing: yaml has no safe_load (expected by the package's code)",
        ),
    ]


def test_findings_carry_the_module_and_what_was_expected_and_found(drifted_site: Path) -> None:
    expectation = consumer_expectations()[0]
    (finding,) = expectation_findings(
        expectation,
        directory_lookup([drifted_site]),
        distribution="consumer",
        provider_version="26.0",
        facts=None,
    )
    assert finding.distribution == "consumer"
    assert finding.module == "packaging.specifiers"
    assert finding.expected == "SpecifierSet().contains(_, prereleases=_)"
    assert finding.found == "contains(item, installed=None)"


# --------------------------------------------------------------------------- hand-built providers


def lookup_of(sources: Mapping[str, str], *, packages: tuple[str, ...] = ()) -> ModuleLookup:
    modules = {
        name: provided_module(
            ast.parse(textwrap.dedent(source)),
            name=name,
            is_package=name in packages or any(other.startswith(f"{name}.") for other in sources),
        )
        for name, source in sources.items()
    }
    return modules.get


def inferred(module: str, *names: ExpectedName, distribution: str = "prov") -> Expectation:
    return Expectation(module=module, distribution=distribution, names=names)


def uses(name: str, *calls: CallShape) -> ExpectedName:
    return ExpectedName(name, "callable" if calls else "any", calls=calls)


def test_re_exports_are_followed_to_their_definition() -> None:
    lookup = lookup_of(
        {
            "prov": "from .api import get, request as send\nimport prov.models as models\n",
            "prov.api": "def get(url, params=None): ...\ndef request(method, url): ...\n",
            "prov.models": "class Response: ...\n",
        }
    )
    expectation = inferred(
        "prov",
        uses("get", CallShape(1, ("params",)), CallShape(1, ("timeout",))),
        uses("send", CallShape(3)),
        uses("models.Response"),
        uses("models.Request"),
    )
    assert check(expectation, lookup) == [
        (
            "ISP405",
            "prov:get",
            "the call get(_, timeout=_) no longer fits: it accepts no keyword argument timeout "
            "(expected by the package's code)",
        ),
        (
            "ISP405",
            "prov:send",
            "the call send(_, _, _) no longer fits: it takes at most 2 positional arguments, the "
            "call passes 3 (expected by the package's code)",
        ),
        (
            "ISP404",
            "prov:models.Request",
            "models.Request is missing: prov.models has no Request (expected by the package's "
            "code)",
        ),
    ]


def test_submodules_and_star_imports_provide_names() -> None:
    lookup = lookup_of(
        {
            "prov": "from .loader import *\n",
            "prov.loader": "__all__ = ['Loader']\nclass Loader: ...\nclass _Hidden: ...\n",
            "prov.sub": "def f(): ...\n",
        }
    )
    expectation = inferred(
        "prov", uses("Loader"), uses("_Hidden"), uses("nothing"), uses("sub.f"), uses("sub.g")
    )
    assert check(expectation, lookup) == [
        (
            "ISP404",
            "prov:_Hidden",
            "_Hidden is missing: prov has no _Hidden (expected by the package's code)",
        ),
        (
            "ISP404",
            "prov:nothing",
            "nothing is missing: prov has no nothing (expected by the package's code)",
        ),
        (
            "ISP404",
            "prov:sub.g",
            "sub.g is missing: prov.sub has no g (expected by the package's code)",
        ),
    ]


@pytest.mark.parametrize(
    "source",
    [
        "def __getattr__(name): ...\n",
        "globals()['late'] = 1\n",
        "import sys\nsys.modules[__name__] = object()\n",
        "__all__ = ['late']\n",
        "from .unknown_module import *\n",
        "from prov_native import late\n",
        "try:\n    from ._speedups import late\nexcept ImportError:\n    pass\n",
    ],
)
def test_names_static_reading_cannot_see_are_never_missing(source: str) -> None:
    lookup = lookup_of({"prov": source}, packages=("prov",))
    found = check(inferred("prov", uses("late"), uses("__version__")), lookup)
    made_at_import_time = "__getattr__" in source or "globals" in source or "modules" in source
    # A module that makes names at import time says so (ISP410, a note); nothing is missing.
    assert [code for code, _, _ in found] == (["ISP410"] if made_at_import_time else [])


def test_a_structure_without_import_facts_or_private_names_cannot_prove_absence() -> None:
    structure = structure_of(ast.parse("def public(): ...\n"), private=False)
    from_manifest = ProvidedModule.from_structure("prov", structure, private=False)
    public_only = ProvidedModule(name="prov", structure=structure, private=False)
    expectation = inferred("prov", uses("public"), uses("_private"), uses("gone"))
    assert check(expectation, {"prov": from_manifest}.get) == []
    assert check(expectation, {"prov": public_only}.get) == [
        (
            "ISP404",
            "prov:gone",
            "gone is missing: prov has no gone (expected by the package's code)",
        )
    ]


def test_provided_module_records_import_facts() -> None:
    provided = provided_module(
        ast.parse(
            textwrap.dedent(
                """
                import os.path
                import json as j
                from . import sibling
                from .. import too_far
                from .inner import thing as alias
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from hidden import only_for_types
                from .star import *
                """
            )
        ),
        name="pkg.mod",
        is_package=False,
    )
    assert dict(provided.imports) == {
        "os": ImportBinding("os"),
        "j": ImportBinding("json"),
        "sibling": ImportBinding("pkg", "sibling"),
        "too_far": ImportBinding(None, "too_far"),
        "alias": ImportBinding("pkg.inner", "thing"),
        "TYPE_CHECKING": ImportBinding("typing", "TYPE_CHECKING"),
    }
    assert provided.star_imports == ("pkg.star",)
    assert not provided.dynamic


def test_provided_module_honours_not_type_checking() -> None:
    provided = provided_module(
        ast.parse(
            textwrap.dedent(
                """
                import typing
                if not typing.TYPE_CHECKING:
                    from runtime import at_run_time
                else:
                    from stubs import only_for_types
                """
            )
        ),
        name="pkg.mod",
        is_package=False,
    )
    assert dict(provided.imports) == {
        "typing": ImportBinding("typing"),
        "at_run_time": ImportBinding("runtime", "at_run_time"),
    }


CLASSES = """
import external

class Base:
    def helper(self, value): ...
    label: str = "x"

class Child(Base):
    def __init__(self, name, *, size=1):
        self.name = name
    def method(self, a, b=2): ...
    @staticmethod
    def static(a): ...
    @classmethod
    def build(cls, a): ...
    @property
    def prop(self): ...
    @external.magic
    def magic(self, a): ...
    class Inner:
        pass

class Plain:
    pass

class FromOutside(external.Base):
    pass

@external.dataclass
class Decorated:
    field: int

class WithNew:
    def __new__(cls, value): ...

class Slotted:
    __slots__ = ("a",)
"""


def test_class_members_bases_and_binding() -> None:
    lookup = lookup_of({"prov": CLASSES})
    expectation = inferred(
        "prov",
        uses("Child", CallShape(1, ("size",)), CallShape(0), CallShape(2)),
        uses("Child().method", CallShape(1), CallShape(3)),
        uses("Child.method", CallShape(2)),
        uses("Child().helper", CallShape(1)),
        uses("Child.label"),
        uses("Child().name"),
        uses("Child.static", CallShape(1)),
        uses("Child().build", CallShape(1)),
        uses("Child().prop"),
        uses("Child().magic", CallShape(5)),
        uses("Child.Inner"),
        uses("Child.missing"),
        uses("Plain", CallShape(1)),
        uses("Plain.missing"),
        uses("FromOutside.missing", CallShape(1)),
        uses("FromOutside", CallShape(7)),
        uses("Decorated", CallShape(3)),
        uses("WithNew", CallShape(1), CallShape(2)),
        uses("Slotted().a"),
        uses("method().x"),
    )
    assert check(expectation, lookup) == [
        (
            "ISP405",
            "prov:Child",
            "the call Child() no longer fits: its required parameter name is not given "
            "(expected by the package's code)",
        ),
        (
            "ISP405",
            "prov:Child",
            "the call Child(_, _) no longer fits: it takes at most 1 positional argument, the "
            "call passes 2 (expected by the package's code)",
        ),
        (
            "ISP405",
            "prov:Child().method",
            "the call Child().method(_, _, _) no longer fits: it takes at most 2 positional "
            "arguments, the call passes 3 (expected by the package's code)",
        ),
        (
            "ISP404",
            "prov:Child.missing",
            "Child.missing is missing: prov.Child has no missing (expected by the package's code)",
        ),
        (
            "ISP405",
            "prov:Plain",
            "the call Plain(_) no longer fits: it takes at most 0 positional arguments, the call "
            "passes 1 (expected by the package's code)",
        ),
        (
            "ISP404",
            "prov:Plain.missing",
            "Plain.missing is missing: prov.Plain has no missing (expected by the package's code)",
        ),
        (
            "ISP405",
            "prov:WithNew",
            "the call WithNew(_, _) no longer fits: it takes at most 1 positional argument, the "
            "call passes 2 (expected by the package's code)",
        ),
        (
            "ISP404",
            "prov:method().x",
            "method().x is missing: prov has no method (expected by the package's code)",
        ),
    ]


@pytest.mark.parametrize(
    ("parameters", "call", "problems"),
    [
        ("a, b=1", CallShape(1, ("b",)), []),
        ("a, b=1", CallShape(2, ("b",)), ["b is also given by a positional argument"]),
        (
            "a, /, b",
            CallShape(0, ("a", "b")),
            [
                "it accepts no keyword argument a",
                "its required parameter a is not given",
            ],
        ),
        ("a, /, b, **kw", CallShape(1, ("a", "b")), []),
        ("a, b", CallShape(1, star_args=True), []),
        (
            "a",
            CallShape(2, star_args=True),
            [
                "it takes at most 1 positional argument, the call passes 2",
            ],
        ),
        ("a, *args", CallShape(5), []),
        ("a, *, key", CallShape(1, star_kwargs=True), []),
        ("a, *, key", CallShape(1), ["its required keyword-only parameter key is not given"]),
        ("a, b", CallShape(1, star_kwargs=True), []),
        ("a, /, b", CallShape(0, star_kwargs=True), ["its required parameter a is not given"]),
    ],
)
def test_call_problems(parameters: str, call: CallShape, problems: list[str]) -> None:
    function = structure_of(ast.parse(f"def f({parameters}): ...")).functions[0]
    assert call_problems(function.parameters, call) == problems


def test_a_missing_module_is_reported_when_its_provider_is_installed_or_a_contract_names_it() -> (
    None
):
    lookup = lookup_of({})
    expectation = inferred("gone.module")
    assert check(expectation, lookup, provider_version=None) == []
    assert check(expectation, lookup, provider_version="2.0") == [
        (
            "ISP403",
            "gone.module",
            "module gone.module is not installed (expected by the package's code)",
        )
    ]
    contract = Expectation(module="gone.module", origin="contracts/gone.yml")
    assert check(contract, lookup, provider_version=None) == [
        (
            "ISP403",
            "gone.module",
            "module gone.module is not installed (expected by contracts/gone.yml)",
        )
    ]
    finding = expectation_findings(
        expectation, lookup, distribution="c", provider_version="2.0", facts=None
    )[0]
    assert (finding.expected, finding.found) == (
        "module gone.module from prov",
        "prov 2.0 installed, without it",
    )


def test_an_unparseable_provider_is_a_warning_and_a_followed_one_is_unknown() -> None:
    def lookup(name: str) -> ProvidedModule | None:
        if name == "broken" or name == "prov.broken":
            raise ExtractionError(f"{name.replace('.', '/')}.py: line 1: invalid syntax")
        return lookup_of({"prov": "from .broken import thing\n"}, packages=("prov",))(name)

    assert check(inferred("broken", uses("x")), lookup) == [
        (
            "ISP408",
            "broken",
            "module broken cannot be described: broken.py: line 1: invalid syntax (expected by "
            "the package's code)",
        )
    ]
    assert check(inferred("prov", uses("thing.deeper")), lookup) == []


# --------------------------------------------------------------------------- contracts


CONTRACT_PROVIDER = """
import abc

class Plugin: ...

class Extension(abc.ABC, Plugin):
    kind: str = "x"
    def __init__(self):
        self.name: int = 0
    def add(self, msg: list[str], /, count: 'int' = 3, *args, flag=None, **kw) -> str: ...
    def run(self): ...

def convert(amount: int, currency="EUR", strict=None, *, mode) -> list[str]: ...

VERSION: str = "1"
"""


def contract(*names: ExpectedName, deployments: tuple[Deployment, ...] = ()) -> Expectation:
    return Expectation(
        module="prov", origin="contracts/prov.yml", names=names, deployments=deployments
    )


def parameter(name: str, kind: ParameterKind = POK, **details: object) -> Parameter:
    return Parameter(name, kind, **details)  # type: ignore[arg-type]


def test_a_contract_that_holds_has_no_findings() -> None:
    lookup = lookup_of({"prov": CONTRACT_PROVIDER})
    holding = contract(
        ExpectedName(
            "Extension",
            "class",
            cls=Class(
                "Extension",
                bases=("ABC", "Plugin"),
                methods=(
                    Function(
                        "add",
                        (
                            parameter(
                                "msg", ParameterKind.POSITIONAL_ONLY, annotation="list[ str ]"
                            ),
                            parameter("count", annotation="int", has_default=True, default="3"),
                            parameter("extra", ParameterKind.VAR_POSITIONAL),
                            parameter("flag", has_default=True, default="None"),
                        ),
                        returns="str",
                        kind=FunctionKind.METHOD,
                    ),
                ),
                attributes=(Attribute("kind", AttributeScope.CLASS, "str"),),
            ),
        ),
        ExpectedName(
            "convert",
            "function",
            function=Function(
                "convert",
                (parameter("amount", annotation="int"), parameter("mode")),
                returns="list[str]",
            ),
        ),
        ExpectedName("VERSION", "variable", variable=Variable("VERSION", "str")),
    )
    assert check(holding, lookup) == []


def test_an_instance_attribute_read_statically_is_still_isp411() -> None:
    """Static reading sees ``self.name: int``, and checks its annotation; ImportSpy denies every
    instance attribute (S103), so a contract naming one is ISP411, an error under --strict."""
    lookup = lookup_of({"prov": CONTRACT_PROVIDER})
    stated = Class("Extension", attributes=(Attribute("name", AttributeScope.INSTANCE, "int"),))
    [(code, name, message)] = check(
        contract(ExpectedName("Extension", "class", cls=stated)), lookup
    )
    assert (code, name) == ("ISP411", "prov:Extension.name")
    assert message.startswith("Extension.name is an instance attribute")
    wrong = Class("Extension", attributes=(Attribute("name", AttributeScope.INSTANCE, "str"),))
    assert [
        row[0] for row in check(contract(ExpectedName("Extension", "class", cls=wrong)), lookup)
    ] == [
        "ISP411",
        "ISP406",
    ]


def test_every_contract_violation_is_reported() -> None:
    lookup = lookup_of({"prov": CONTRACT_PROVIDER, "abc": "class ABC: ...\n"})
    broken = contract(
        ExpectedName(
            "Extension",
            "class",
            cls=Class(
                "Extension",
                bases=("Plugin", "Mixin"),
                methods=(
                    Function(
                        "add",
                        (
                            parameter("self"),
                            parameter("count", annotation="str"),
                            parameter("msg"),
                            parameter("flag", ParameterKind.POSITIONAL_ONLY),
                            parameter("gone"),
                        ),
                        returns="bytes",
                        kind=FunctionKind.METHOD,
                    ),
                    Function("stop", kind=FunctionKind.METHOD),
                    Function("kind", kind=FunctionKind.METHOD),
                ),
                attributes=(
                    Attribute("name", AttributeScope.CLASS),
                    Attribute("kind", AttributeScope.CLASS, "int"),
                    Attribute("size", AttributeScope.INSTANCE),
                    Attribute("run", AttributeScope.CLASS),
                ),
            ),
        ),
        ExpectedName(
            "convert",
            "function",
            function=Function(
                "convert",
                (
                    parameter("amount"),
                    parameter("currency", has_default=True, default="'USD'"),
                    parameter("mode", has_default=True, default="None"),
                    parameter("strict", has_default=True, default="None"),
                ),
            ),
        ),
        ExpectedName("VERSION", "function", function=Function("VERSION")),
        ExpectedName("Missing", "class", cls=Class("Missing")),
    )
    suffix = " (expected by contracts/prov.yml)"
    assert [
        (code, name, message.removesuffix(suffix)) for code, name, message in check(broken, lookup)
    ] == [
        ("ISP407", "prov:Extension", "Extension no longer has the base class Mixin"),
        (
            "ISP406",
            "prov:Extension.name",
            "Extension.name is an instance attribute, not a class one",
        ),
        ("ISP406", "prov:Extension.kind", "Extension.kind: annotation is str, not int"),
        ("ISP404", "prov:Extension.size", "Extension.size is missing"),
        ("ISP406", "prov:Extension.run", "Extension.run is a method, not an attribute"),
        ("ISP406", "prov:Extension.add", "Extension.add(count): annotation is 'int', not str"),
        (
            "ISP406",
            "prov:Extension.add",
            "Extension.add: parameter flag is keyword-only, not positional-only",
        ),
        ("ISP406", "prov:Extension.add", "Extension.add has no parameter gone"),
        ("ISP406", "prov:Extension.add", "Extension.add: parameter msg now comes before count"),
        ("ISP406", "prov:Extension.add", "Extension.add: return annotation is str, not bytes"),
        ("ISP404", "prov:Extension.stop", "Extension.stop is missing"),
        ("ISP406", "prov:Extension.kind", "Extension.kind is a class attribute, not a method"),
        ("ISP406", "prov:convert", "convert: parameter currency defaults to 'EUR', not 'USD'"),
        ("ISP406", "prov:convert", "convert: parameter mode has no default"),
        ("ISP406", "prov:VERSION", "VERSION is a variable, not a function"),
        ("ISP404", "prov:Missing", "Missing is missing: prov has no Missing"),
    ]


# --------------------------------------------------------------------------- deployments

LINUX = EnvironmentFacts(
    python_version="3.11.7",
    platform="linux",
    machine="x86_64",
    implementation="cpython",
    env_names=frozenset({"HOME", "TOKEN"}),
)


@pytest.mark.parametrize(
    ("deployment", "holds"),
    [
        (Deployment(), True),
        (Deployment(machine="AMD64", platform="linux", pythons=("3.11",)), True),
        (Deployment(machine="aarch64"), False),
        (Deployment(platform="win32"), False),
        (Deployment(pythons=("3.12", "3.11.7")), True),
        (Deployment(pythons=("3.1",)), False),
        (Deployment(pythons=("3.11.6",)), False),
        (Deployment(interpreters=("CPython",)), True),
        (Deployment(interpreters=("pypy",)), False),
        (Deployment(env=("TOKEN",)), True),
        (Deployment(env=("TOKEN", "SECRET")), False),
        (Deployment(modules=("prov",)), True),
        (Deployment(modules=("absent",)), False),
    ],
)
def test_a_deployment_holds_when_everything_it_lists_does(
    deployment: Deployment, holds: bool
) -> None:
    lookup = lookup_of({"prov": "x = 1\n"})
    rows = check(contract(deployments=(deployment,)), lookup, facts=LINUX)
    assert (rows == []) is holds


def test_no_matching_deployment_is_one_environment_finding() -> None:
    lookup = lookup_of({"prov": "x = 1\n"})
    deployments = (
        Deployment(
            machine="x86_64", platform="win32", pythons=("3.12",), interpreters=("cpython",)
        ),
        Deployment(machine="aarch64", platform="darwin", env=("SECRET",), modules=("prov",)),
    )
    expectation = contract(deployments=deployments)
    (finding,) = expectation_findings(
        expectation, lookup, distribution="consumer", provider_version=None, facts=LINUX
    )
    assert finding.code == "ISP106"
    assert finding.message == (
        "no deployment of the contract matches this environment (expected by contracts/prov.yml)"
    )
    assert finding.expected == (
        "x86_64 win32 cpython 3.12 | aarch64 darwin any interpreter any Python env SECRET "
        "modules prov"
    )
    assert finding.found == "x86_64 linux cpython 3.11.7"
    assert check(expectation, lookup, facts=None) == []
    assert (
        check(
            contract(deployments=(*deployments, Deployment(platform="linux"))), lookup, facts=LINUX
        )
        == []
    )


@pytest.mark.parametrize(
    ("stated", "actual", "matches"),
    [
        ("3.11", "3.11.7", True),
        ("3", "3.13.1", True),
        ("3.11.7", "3.11.7", True),
        ("3.1", "3.11.7", False),
        ("3.11", "3.12.0", False),
        ("3.13.0rc1", "3.13.0rc1", True),
        ("3.13.0rc1", "3.13.0", False),
        ("3.13", "3.13.0rc1", True),
        ("3.12", "3.12.1+", True),
        ("nonsense", "3.12.1", False),
    ],
)
def test_python_versions_match_by_release_prefix(stated: str, actual: str, matches: bool) -> None:
    assert python_version_matches(stated, actual) is matches


FETCHING_CONSUMER = """
from spyprov import api


def run(url):
    api.fetch(url, timeout=5)
    api.parse(url)
    api.gone(url)
    return api.fetch(url).json
"""


def spyprov_site(root: Path, api: str) -> Path:
    """A provider ``spyprov`` whose ``spyprov.api`` module is ``api``."""
    package = root / "spyprov"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "api.py").write_text(textwrap.dedent(api))
    return root


def test_one_missing_name_is_one_finding_listing_every_use_it_breaks(tmp_path: Path) -> None:
    """``fetch`` is called with a keyword and through ``fetch().json``: one cause, one finding;
    ``gone``, also removed, is an independent cause and stays a finding of its own."""
    (expectation,) = infer_expectations(
        {"consumer": ast.parse(FETCHING_CONSUMER)},
        own_top_level={"consumer"},
        distribution_of={"spyprov": "spyprov"}.get,
    )
    lookup = directory_lookup([spyprov_site(tmp_path, "def parse(text):\n    pass\n")])

    findings = expectation_findings(
        expectation, lookup, distribution="consumer", provider_version="2.0", facts=None
    )

    assert [(f.code, f.object) for f in findings] == [
        ("ISP404", "spyprov:api.fetch"),
        ("ISP404", "spyprov:api.gone"),
    ]
    assert findings[0].message == (
        "api.fetch is missing: spyprov.api has no fetch, "
        "used as: api.fetch(_), api.fetch(_, timeout=_), api.fetch().json "
        "(expected by the package's code)"
    )
    assert findings[1].message == (
        "api.gone is missing: spyprov.api has no gone (expected by the package's code)"
    )
    per_use = expectation_findings(
        expectation,
        lookup,
        distribution="consumer",
        provider_version="2.0",
        facts=None,
        per_cause=False,
    )
    assert [f.object for f in per_use] == [
        "spyprov:api.fetch",
        "spyprov:api.fetch().json",
        "spyprov:api.gone",
    ]


def test_uses_of_one_missing_name_fold_across_modules_and_keep_their_age(tmp_path: Path) -> None:
    """``from spyprov import api`` and ``import spyprov.api`` reach one ``fetch``; a use the build
    already lacked folds into an ISP409 of its own, not into the drift."""
    source = FETCHING_CONSUMER + "\nimport spyprov.api\nspyprov.api.fetch(1, 2)\n"
    expectations = infer_expectations(
        {"consumer": ast.parse(source)},
        own_top_level={"consumer"},
        distribution_of={"spyprov": "spyprov"}.get,
    )
    lookup = directory_lookup([spyprov_site(tmp_path, "def parse(text):\n    pass\n")])

    def collected(expects: tuple[Expectation, ...]) -> list[tuple[str, str | None, str]]:
        collectors = [
            expectation_collector(
                e, lookup, distribution="consumer", provider_version="2.0", facts=None
            )
            for e in expects
        ]
        return [(f.code, f.object, f.message) for f in one_per_cause(collectors)]

    suffix = " (expected by the package's code)"
    assert collected(expectations) == [
        (
            "ISP404",
            "spyprov:api.fetch",
            "api.fetch is missing: spyprov.api has no fetch, used as: api.fetch(_), "
            "api.fetch(_, timeout=_), api.fetch().json, spyprov.api.fetch(_, _)" + suffix,
        ),
        ("ISP404", "spyprov:api.gone", "api.gone is missing: spyprov.api has no gone" + suffix),
    ]
    first, second = expectations
    latent = dataclasses.replace(
        second, names=tuple(dataclasses.replace(n, unmet_at_build=True) for n in second.names)
    )
    assert [row[:2] for row in collected((first, latent))] == [
        ("ISP404", "spyprov:api.fetch"),
        ("ISP404", "spyprov:api.gone"),
        ("ISP409", "spyprov.api:fetch"),
    ]
