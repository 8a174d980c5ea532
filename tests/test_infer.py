"""Inference of what a package uses from other distributions: the documented rules, one by one."""

from __future__ import annotations

import ast
import textwrap

import pytest

from hatch_importspy.describe.infer import (
    ExpectationRecorder,
    attribute_to_requirements,
    distribution_resolver,
    imports_nothing_external,
    infer_expectations,
    requirement_resolver,
    uses_of,
)
from hatch_importspy.model import CallShape, Expectation, ExpectedName, join_path, split_path

DISTRIBUTIONS = {"yaml": "PyYAML", "packaging": "packaging", "requests": "requests"}

Summary = dict[str, dict[str, tuple[tuple[int, tuple[str, ...], bool, bool], ...]]]


def infer(*sources: str, own: tuple[str, ...] = ("pkg",)) -> tuple[Expectation, ...]:
    trees = {
        f"pkg.mod{index}": ast.parse(textwrap.dedent(source))
        for index, source in enumerate(sources)
    }
    return infer_expectations(trees, own_top_level=set(own), distribution_of=DISTRIBUTIONS.get)


def summary(*sources: str) -> Summary:
    """module -> name -> call shapes as plain tuples: compact enough to assert whole."""
    return {
        expectation.module: {
            name.name: tuple(
                (call.positional, call.keywords, call.star_args, call.star_kwargs)
                for call in name.calls
            )
            for name in expectation.names
        }
        for expectation in infer(*sources)
    }


CONSUMER = """
import packaging.specifiers
import packaging.version
import yaml


def newest(text, wanted):
    version = packaging.version.Version(wanted)
    data = yaml.safe_load(text)
    return packaging.specifiers.SpecifierSet(data["spec"]).contains(version, prereleases=True)
"""


def test_the_brief_example_records_modules_names_and_call_shapes_exactly() -> None:
    assert infer(CONSUMER) == (
        Expectation(
            module="packaging.specifiers",
            distribution="packaging",
            names=(
                ExpectedName("SpecifierSet", "callable", calls=(CallShape(1),)),
                ExpectedName(
                    "SpecifierSet().contains", "callable", calls=(CallShape(1, ("prereleases",)),)
                ),
            ),
        ),
        Expectation(
            module="packaging.version",
            distribution="packaging",
            names=(ExpectedName("Version", "callable", calls=(CallShape(1),)),),
        ),
        Expectation(
            module="yaml",
            distribution="pyyaml",
            names=(ExpectedName("safe_load", "callable", calls=(CallShape(1),)),),
        ),
    )


def test_every_import_form() -> None:
    assert summary(
        """
        import yaml
        import packaging.version as pv
        from requests import Session, adapters as ad
        from requests.auth import HTTPBasicAuth

        pv.parse("1")
        ad.HTTPAdapter.send
        value = Session
        """
    ) == {
        "packaging.version": {"parse": ((1, (), False, False),)},
        "requests": {"Session": (), "adapters": (), "adapters.HTTPAdapter.send": ()},
        "requests.auth": {"HTTPBasicAuth": ()},
        "yaml": {},
    }


def test_a_chain_splits_at_the_longest_module_the_file_imports() -> None:
    assert summary(
        """
        import requests
        import requests.adapters

        requests.adapters.HTTPAdapter(max_retries=3)
        requests.utils.quote("x")
        """
    ) == {
        "requests": {"utils.quote": ((1, (), False, False),)},
        "requests.adapters": {"HTTPAdapter": ((0, ("max_retries",), False, False),)},
    }


def test_call_shapes_count_positionals_and_name_keywords_with_star_flags() -> None:
    assert summary(
        """
        import yaml
        yaml.dump(1, 2, Dumper=None, sort_keys=True)
        yaml.dump(*args)
        yaml.dump(1, *rest, **options)
        yaml.dump(1, 2, sort_keys=True, Dumper=None)
        """
    ) == {
        "yaml": {
            "dump": (
                (0, (), True, False),
                (1, (), True, True),
                (2, ("Dumper", "sort_keys"), False, False),
            )
        }
    }


def test_names_are_callable_when_called_else_any() -> None:
    (expectation,) = infer("import yaml\nyaml.safe_load('x')\nyaml.SafeLoader\n")
    assert [(name.name, name.kind) for name in expectation.names] == [
        ("SafeLoader", "any"),
        ("safe_load", "callable"),
    ]


def test_instances_one_step_deep_through_calls_and_single_assignments() -> None:
    assert summary(
        """
        import requests

        def fetch(url):
            session = requests.Session()
            session.get(url, timeout=3)
            session.headers.update({})
            requests.Session().close()
            requests.get(url).json().items()
            return session
        """
    ) == {
        "requests": {
            "Session": ((0, (), False, False),),
            "Session().close": ((0, (), False, False),),
            "Session().get": ((1, ("timeout",), False, False),),
            "Session().headers.update": ((1, (), False, False),),
            "get": ((1, (), False, False),),
            "get().json": ((0, (), False, False),),
        }
    }


def test_an_instance_name_bound_twice_is_not_followed() -> None:
    assert summary(
        """
        import requests

        def fetch(url, fresh):
            session = requests.Session()
            if fresh:
                session = make()
            session.get(url)
        """
    ) == {"requests": {"Session": ((0, (), False, False),)}}


def test_dunder_segments_end_a_chain() -> None:
    assert summary("import requests\nrequests.Session.__name__\nrequests.__version__\n") == {
        "requests": {"Session": ()}
    }


def test_parameters_locals_and_reassignment_shadow_the_import() -> None:
    assert summary(
        """
        import requests
        import yaml

        def parameter(requests):
            requests.shadowed_by_parameter()

        def local():
            requests = object()
            requests.shadowed_by_local()

        def loop(items):
            for yaml in items:
                yaml.shadowed_by_loop()

        def handler():
            try:
                pass
            except ValueError as requests:
                requests.shadowed_by_except()

        def comprehension(items):
            return [requests.shadowed_by_comprehension() for requests in items]

        def followed():
            requests.followed_here()

        yaml = yaml.reassigned_at_module_level
        yaml.not_followed()
        """
    ) == {
        "requests": {"followed_here": ((0, (), False, False),)},
        "yaml": {},
    }


def test_global_nonlocal_and_class_scopes_follow_python() -> None:
    assert summary(
        """
        import requests
        requests_ = None

        def lazy():
            global yaml
            import yaml
            yaml.from_global_import()

        def enclosing():
            import packaging.version as v
            def inner():
                v.from_enclosing()
            return inner

        def rebound_by_nonlocal():
            import packaging.version as v
            def inner():
                v.not_followed()
            def rebinding():
                nonlocal v
                v = None
            return inner, rebinding

        class Holder:
            requests = None
            def method(self):
                requests.class_names_are_not_visible_in_methods()
        """
    ) == {
        "packaging.version": {"from_enclosing": ((0, (), False, False),)},
        "requests": {"class_names_are_not_visible_in_methods": ((0, (), False, False),)},
        "yaml": {"from_global_import": ((0, (), False, False),)},
    }


def test_two_different_imports_of_one_name_are_not_followed() -> None:
    assert summary(
        """
        try:
            import requests as http
        except RuntimeError:
            import yaml as http
        http.get()
        """
    ) == {"requests": {}, "yaml": {}}


def test_guarded_code_is_skipped() -> None:
    assert summary(
        """
        import contextlib
        import requests
        import yaml

        try:
            from yaml import CSafeLoader as Loader
        except ImportError:
            from yaml import SafeLoader as Loader

        try:
            import ujson
            HAS_UJSON = True
        except ImportError:
            HAS_UJSON = False

        NEW_API = hasattr(requests, "new_api")

        def work():
            try:
                requests.new_api()
            except AttributeError:
                requests.old_api()
            if hasattr(yaml, "feature"):
                yaml.feature()
            if HAS_UJSON:
                ujson.dumps(1)
            if NEW_API:
                requests.new_api()
            value = requests.version_two() if requests.__version__ > "2" else requests.one()
            ok = hasattr(yaml, "x") and yaml.x()
            with contextlib.suppress(AttributeError):
                yaml.maybe()
            requests.always()
        """
    ) == {
        "requests": {"always": ((0, (), False, False),), "old_api": ((0, (), False, False),)},
        "yaml": {"SafeLoader": ()},
    }


def test_type_checking_blocks_and_annotations_are_not_recorded() -> None:
    assert summary(
        """
        from __future__ import annotations
        from typing import TYPE_CHECKING
        import yaml

        if TYPE_CHECKING:
            import requests
        else:
            import packaging

        def f(loader: yaml.Loader, session: requests.Session) -> yaml.Node:
            value: yaml.Dumper = 1
            return loader
        """
    ) == {"packaging": {}, "yaml": {}}


def test_decorators_defaults_bases_and_class_keywords_are_runtime_uses() -> None:
    assert summary(
        """
        import yaml

        @yaml.decorate(1)
        def f(x=yaml.DEFAULT, *, y=yaml.other()):
            pass

        class C(yaml.YAMLObject, metaclass=yaml.Meta):
            tag = yaml.Tag
            handler = lambda self, node=yaml.NODE: node.value
        """
    ) == {
        "yaml": {
            "DEFAULT": (),
            "Meta": (),
            "NODE": (),
            "Tag": (),
            "YAMLObject": (),
            "decorate": ((1, (), False, False),),
            "other": ((0, (), False, False),),
        }
    }


def test_standard_library_own_package_relative_and_star_imports() -> None:
    assert summary(
        """
        import json
        import os.path
        from collections import OrderedDict
        import pkg.other
        from pkg import helpers
        from . import sibling
        from .sibling import thing
        from yaml import *

        json.dumps(1)
        pkg.other.call()
        helpers.run()
        sibling.go()
        thing()
        safe_load("x")
        """
    ) == {"yaml": {}}


def test_match_patterns_bind_and_class_patterns_are_uses() -> None:
    assert summary(
        """
        import requests
        import yaml

        def f(node):
            match node:
                case yaml.ScalarNode(value=requests):
                    requests.bound_by_the_pattern()
        """
    ) == {"requests": {}, "yaml": {"ScalarNode": ()}}


def test_results_are_merged_across_modules_and_sorted() -> None:
    first = "import yaml\nyaml.safe_load(1)\n"
    second = "import yaml\nyaml.safe_load(1, 2)\nyaml.dump(1)\nimport requests\n"
    forward = infer(first, second)
    assert forward == infer(second, first)
    assert summary(first, second) == {
        "requests": {},
        "yaml": {
            "dump": ((1, (), False, False),),
            "safe_load": ((1, (), False, False), (2, (), False, False)),
        },
    }


def test_the_recorder_takes_modules_one_at_a_time_in_any_order() -> None:
    first = ast.parse("import yaml\nyaml.safe_load(1)\n")
    second = ast.parse("import requests\nrequests.get('u')\n")
    recorder = ExpectationRecorder(own_top_level={"pkg"})
    recorder.add(second)
    recorder.add(first)
    assert recorder.expectations(DISTRIBUTIONS.get) == infer_expectations(
        {"pkg.a": first, "pkg.b": second},
        own_top_level={"pkg"},
        distribution_of=DISTRIBUTIONS.get,
    )


def test_unknown_distributions_are_none_and_known_ones_canonical() -> None:
    expectations = infer("import yaml\nimport somewhere_else\n")
    assert [(e.module, e.distribution) for e in expectations] == [
        ("somewhere_else", None),
        ("yaml", "pyyaml"),
    ]


def test_distribution_resolver_prefers_requirements_among_the_installed() -> None:
    resolve = distribution_resolver(
        ["PyYAML>=6", "Requests[socks]; python_version>'3'", "not a requirement !"],
        {"yaml": ["PyYAML"], "google": ["protobuf", "Google-Auth", "PyYAML"], "six": ["six"]},
    )
    assert resolve("yaml") == "pyyaml"
    assert resolve("google") == "pyyaml"
    assert resolve("six") == "six"
    assert resolve("requests") is None  # not installed: left to requirement_resolver
    assert resolve("missing") is None
    assert distribution_resolver([], {"google": ["protobuf", "Google-Auth"]})("google") == (
        "google-auth"
    )


def test_paths_join_and_split_with_instance_steps() -> None:
    assert join_path(("Session", "()", "get")) == "Session().get"
    assert split_path("Session().headers.update") == ("Session", "()", "headers", "update")
    assert split_path(join_path(("a", "b"))) == ("a", "b")


def test_an_expression_too_deep_to_walk_skips_that_module_only() -> None:
    # Deeper than the parser itself allows: built by hand, as a stand-in for any tree that the
    # recursive walk cannot finish.
    expression: ast.expr = ast.parse("requests.get()", mode="eval").body
    for _ in range(5000):
        expression = ast.BinOp(expression, ast.Add(), ast.Constant(1))
    nested = ast.parse("import requests")
    nested.body.append(ast.Expr(expression))
    trees = {"pkg.fine": ast.parse("import yaml\nyaml.fine()\n"), "pkg.deep": nested}
    result = infer_expectations(trees, own_top_level={"pkg"}, distribution_of=DISTRIBUTIONS.get)
    assert [e.module for e in result] == ["yaml"]
    assert [name.name for name in result[0].names] == ["fine"]


def test_uses_of_one_module_merge_into_the_same_expectations() -> None:
    sources = [
        "import yaml\nyaml.safe_load(1)\n",
        "import yaml\nimport requests\nyaml.safe_load(1, 2)\nrequests.get\n",
    ]
    trees = {f"pkg.m{index}": ast.parse(text) for index, text in enumerate(sources)}
    recorder = ExpectationRecorder(own_top_level={"pkg"})
    for text in sources:
        recorder.merge(uses_of(ast.parse(text), own_top_level={"pkg"}, source=text.encode()))
    assert recorder.expectations(DISTRIBUTIONS.get) == infer_expectations(
        trees, own_top_level={"pkg"}, distribution_of=DISTRIBUTIONS.get
    )
    assert uses_of(ast.parse(sources[1]), own_top_level={"pkg"}) == {
        "requests": {"get": frozenset()},
        "yaml": {"safe_load": frozenset({CallShape(2)})},
    }


def wanted(module: str) -> bool:
    return module.partition(".")[0] not in {"pkg", "os", "json", "typing", "__future__"}


SHORTCUT_CASES = {
    "standard library and own imports only": (
        "from __future__ import annotations\nimport os\nfrom pkg import x\nfrom . import y\n"
        "if os.name:\n    import json\ntry:\n    from typing import Any\nexcept ImportError:\n"
        "    pass\n",
        True,
    ),
    "an external module at module level": ("import os\nimport yaml\n", False),
    "an external module under if": ("import os\nif os.name:\n    import yaml\n", False),
    "an import inside a function is not visited": ("def f():\n    import os\n", False),
    "the word in a docstring is not told apart": ('"""Do not import me."""\nimport os\n', False),
    "identifiers that contain the word do not count": (
        "import os\nimportlib_x = os.import_path\nx.reimport\n",
        True,
    ),
}


@pytest.mark.parametrize(("source", "expected"), SHORTCUT_CASES.values(), ids=list(SHORTCUT_CASES))
def test_modules_that_can_use_nothing_external_are_not_walked(source: str, expected: bool) -> None:
    tree = ast.parse(source)
    assert imports_nothing_external(tree, source.encode(), wanted) is expected
    if expected:
        assert uses_of(tree, own_top_level={"pkg"}) == {}


def test_the_shortcut_never_changes_what_is_recorded() -> None:
    for source, _ in SHORTCUT_CASES.values():
        tree = ast.parse(source)
        walked = uses_of(tree, own_top_level={"pkg"})
        assert uses_of(tree, own_top_level={"pkg"}, source=source.encode()) == walked


def test_requirements_are_matched_to_modules_by_name_and_the_usual_prefixes() -> None:
    resolve = requirement_resolver(
        [
            "python-dateutil>=2.8",
            "PyYAML; extra == 'yaml'",
            "py-cpuinfo",
            "typing_extensions",
            "Requests[socks]",
            "serial",
            "pyserial",
            "not a requirement !",
        ]
    )
    assert resolve("dateutil") == "python-dateutil"
    assert resolve("yaml") == "pyyaml"
    assert resolve("cpuinfo") == "py-cpuinfo"
    assert resolve("typing_extensions") == "typing-extensions"
    assert resolve("requests") == "requests"
    assert resolve("serial") == "serial"  # the exact name wins over a prefixed one
    assert resolve("Crypto") is None  # pycryptodome's: no rule guesses it
    assert resolve("thon_dateutil") is None
    assert requirement_resolver([])("yaml") is None


def test_only_unknown_providers_are_attributed_and_marked_as_guesses() -> None:
    expects = (
        Expectation(module="yaml.constructor"),
        Expectation(module="requests", distribution="requests"),
        Expectation(module="helpers"),
    )
    assert attribute_to_requirements(expects, ["PyYAML", "requests"]) == (
        Expectation(
            module="yaml.constructor", distribution="pyyaml", distribution_from_requires=True
        ),
        Expectation(module="requests", distribution="requests"),
        Expectation(module="helpers"),
    )
