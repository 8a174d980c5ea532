"""The static extractor: what it describes and the documented rules for what it cannot know."""

from __future__ import annotations

import textwrap

import pytest

from hatch_importspy.describe.extract import ExtractionError, extract_structure
from hatch_importspy.model import (
    Attribute,
    AttributeScope,
    Class,
    Function,
    FunctionKind,
    ModuleStructure,
    Parameter,
    ParameterKind,
    module_name,
)


def describe(source: str, *, private: bool = False) -> ModuleStructure:
    return extract_structure(textwrap.dedent(source).encode(), filename="mod.py", private=private)


def only_function(structure: ModuleStructure) -> Function:
    assert len(structure.functions) == 1
    return structure.functions[0]


def only_class(structure: ModuleStructure) -> Class:
    assert len(structure.classes) == 1
    return structure.classes[0]


def test_every_parameter_kind_with_annotations_and_defaults() -> None:
    function = only_function(
        describe("def f(a, /, b: int = 2, *args: str, c, d=None, **kw: object) -> bool: ...")
    )
    assert function.parameters == (
        Parameter("a", ParameterKind.POSITIONAL_ONLY),
        Parameter("b", ParameterKind.POSITIONAL_OR_KEYWORD, "int", True, "2"),
        Parameter("args", ParameterKind.VAR_POSITIONAL, "str"),
        Parameter("c", ParameterKind.KEYWORD_ONLY),
        Parameter("d", ParameterKind.KEYWORD_ONLY, None, True, "None"),
        Parameter("kw", ParameterKind.VAR_KEYWORD, "object"),
    )
    assert function.returns == "bool"
    assert function.kind is FunctionKind.FUNCTION
    assert not function.is_async
    assert function.line == 1


def test_positional_only_defaults_align_from_the_right() -> None:
    function = only_function(describe("def f(a, b=1, /, c=2): ..."))
    assert [(p.name, p.kind, p.has_default) for p in function.parameters] == [
        ("a", ParameterKind.POSITIONAL_ONLY, False),
        ("b", ParameterKind.POSITIONAL_ONLY, True),
        ("c", ParameterKind.POSITIONAL_OR_KEYWORD, True),
    ]


def test_async_functions_are_marked() -> None:
    assert only_function(describe("async def fetch(url: str) -> bytes: ...")).is_async


def test_methods_and_the_decorators_that_change_the_call_shape() -> None:
    cls = only_class(
        describe(
            """
            import functools

            class C:
                def method(self, x): ...
                @staticmethod
                def static(x): ...
                @classmethod
                def build(cls): ...
                @property
                def size(self) -> int: ...
                @size.setter
                def size(self, value: int) -> None: ...
                @functools.cached_property
                def cached(self) -> str: ...
                async def run(self): ...
            """
        )
    )
    kinds = {method.name: method.kind for method in cls.methods}
    assert kinds == {
        "build": FunctionKind.CLASSMETHOD,
        "cached": FunctionKind.PROPERTY,
        "method": FunctionKind.METHOD,
        "run": FunctionKind.METHOD,
        "size": FunctionKind.PROPERTY,
        "static": FunctionKind.STATICMETHOD,
    }
    size = next(method for method in cls.methods if method.name == "size")
    assert size.returns == "int", "the setter refines the property, it does not replace it"
    assert next(m for m in cls.methods if m.name == "cached").decorators == (
        "functools.cached_property",
    )


def test_the_deprecated_abc_decorators_keep_their_call_shapes() -> None:
    cls = only_class(
        describe(
            """
            import abc
            from abc import abstractproperty

            class Base(abc.ABC):
                @abstractproperty
                def name(self) -> str: ...
                @abc.abstractstaticmethod
                def make(x): ...
                @abc.abstractclassmethod
                def build(cls): ...
                @abc.abstractmethod
                def run(self): ...
            """
        )
    )
    assert {method.name: method.kind for method in cls.methods} == {
        "build": FunctionKind.CLASSMETHOD,
        "make": FunctionKind.STATICMETHOD,
        "name": FunctionKind.PROPERTY,
        "run": FunctionKind.METHOD,
    }


def test_class_bases_keywords_attributes_and_nested_classes() -> None:
    cls = only_class(
        describe(
            """
            from dataclasses import dataclass

            @dataclass(frozen=True)
            class Order(Base, Mixin, metaclass=Meta):
                id: int
                note: str = ""
                LIMIT = 10

                def __post_init__(self) -> None:
                    self.total = 0
                    if self.note:
                        self.flag: bool = True
                    for _ in range(2):
                        self.count = 1
                    def helper(inner):
                        inner.hidden = 1
                    self.id = 5

                @classmethod
                def make(cls):
                    cls.not_instance = 1

                class Status:
                    OPEN = "open"
            """
        )
    )
    assert cls.bases == ("Base", "Mixin", "metaclass=Meta")
    assert cls.decorators == ("dataclass(frozen=True)",)
    assert cls.attributes == (
        Attribute("LIMIT", AttributeScope.CLASS, value="10"),
        Attribute("count", AttributeScope.INSTANCE),
        Attribute("flag", AttributeScope.INSTANCE, "bool"),
        Attribute("id", AttributeScope.CLASS, "int"),
        Attribute("note", AttributeScope.CLASS, "str", value="''"),
        Attribute("total", AttributeScope.INSTANCE),
    )
    assert [nested.name for nested in cls.classes] == ["Status"]
    assert cls.classes[0].attributes == (Attribute("OPEN", AttributeScope.CLASS, value="'open'"),)


def test_module_variables_with_annotations_and_unpacking() -> None:
    structure = describe(
        """
        VERSION: str = "1"
        A = B = 0
        (C, [D, *E]) = 1, [2, 3]
        counter: int
        obj.attr = 1
        """
    )
    assert [(v.name, v.annotation) for v in structure.variables] == [
        ("A", None),
        ("B", None),
        ("C", None),
        ("D", None),
        ("E", None),
        ("VERSION", "str"),
        ("counter", "int"),
    ]


def test_private_names_are_left_out_unless_asked_but_dunders_stay() -> None:
    source = """
        _cache = {}
        def _helper(): ...
        class _Hidden: ...
        class Shown:
            def __init__(self): self._x = 1
            def _internal(self): ...
        """
    public = describe(source)
    assert [f.name for f in public.functions] == []
    assert [c.name for c in public.classes] == ["Shown"]
    assert [m.name for m in public.classes[0].methods] == ["__init__"]
    assert public.classes[0].attributes == ()
    everything = describe(source, private=True)
    assert [c.name for c in everything.classes] == ["Shown", "_Hidden"]
    assert [v.name for v in everything.variables] == ["_cache"]
    assert [a.name for a in everything.classes[0].attributes] == ["_x"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("__all__ = ['a', 'b']", ("a", "b")),
        ("__all__ = ('a',)\n__all__ += ['b']", ("a", "b")),
        ("__all__ = ['a']\n__all__.append('b')\n__all__.extend(['c'])", ("a", "b", "c")),
        ("__all__ = [name for name in dir()]", None),
        ("__all__ = ['a']\n__all__ += other", None),
        ("__all__ = ['a']\n__all__.remove('a')", None),
        ("x = 1", None),
    ],
)
def test_literal_all_only(source: str, expected: tuple[str, ...] | None) -> None:
    assert describe(source).all == expected


def test_type_checking_blocks_are_not_runtime_objects() -> None:
    structure = describe(
        """
        from typing import TYPE_CHECKING
        import typing
        if TYPE_CHECKING:
            Alias = int
            def only_for_checkers(): ...
        else:
            Alias = object
        if not typing.TYPE_CHECKING:
            RUNTIME = 1
        """
    )
    assert [(v.name, v.conditional) for v in structure.variables] == [
        ("Alias", False),
        ("RUNTIME", False),
    ]
    assert structure.functions == ()


def test_import_fallbacks_keep_the_import() -> None:
    structure = describe(
        """
        try:
            from fastjson import loads
        except ImportError:
            def loads(text): ...
        try:
            import missing_mod
        except ImportError:
            missing_mod = None
        """
    )
    assert structure.functions == ()
    assert structure.variables == ()


def test_first_branch_of_a_version_check_is_described_and_flagged() -> None:
    structure = describe(
        """
        import sys
        if sys.version_info >= (3, 11):
            def run(a): ...
        else:
            def run(a, b): ...
        """
    )
    run = only_function(structure)
    assert run.conditional
    assert [p.name for p in run.parameters] == ["a"]


def test_later_unconditional_binding_replaces_earlier_one() -> None:
    structure = describe("def f(a): ...\nf = 1\ndef g(): ...\ndef g(x): ...")
    assert [v.name for v in structure.variables] == ["f"]
    assert [p.name for p in only_function(structure).parameters] == ["x"]


def test_overload_stubs_are_skipped_for_the_implementation() -> None:
    structure = describe(
        """
        from typing import overload
        @overload
        def f(x: int) -> int: ...
        @overload
        def f(x: str) -> str: ...
        def f(x): return x
        """
    )
    function = only_function(structure)
    assert function.parameters == (Parameter("x", ParameterKind.POSITIONAL_OR_KEYWORD),)
    assert function.decorators == ()


def test_main_guard_is_not_described() -> None:
    assert describe("if __name__ == '__main__':\n    def main(): ...").functions == ()


def test_line_numbers_do_not_count_as_structure() -> None:
    assert describe("def f(): ...") == describe("\n\n\ndef f(): ...")


def test_a_file_that_does_not_parse_is_one_clear_error() -> None:
    with pytest.raises(ExtractionError, match=r"^pkg/broken\.py: line 1: "):
        extract_structure(b"def f(:\n", filename="pkg/broken.py")
    with pytest.raises(ExtractionError, match=r"^pkg/nul\.py: "):
        extract_structure(b"x = 1\x00", filename="pkg/nul.py")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("pkg/__init__.py", "pkg"),
        ("pkg/sub/mod.py", "pkg.sub.mod"),
        ("single.py", "single"),
        ("pkg/data.json", None),
        ("pkg/stub.pyi", None),
        ("pkg-1.0.data/scripts/tool.py", None),
        ("my-scripts/x.py", None),
    ],
)
def test_module_name(path: str, expected: str | None) -> None:
    assert module_name(path) == expected


def test_method_parameters_are_described_by_their_mangled_names() -> None:
    structure = describe(
        """
        class Context:
            def call(__self, __func, /, *__args, __key=1, **__kwargs): ...
            def plain(self, __dunder__, _one): ...
        class __Hidden:
            def run(self, __x): ...
        class ___:
            def run(self, __x): ...
        def outside(__x): ...
        """,
        private=True,
    )
    context, hidden, underscores = sorted(structure.classes, key=lambda c: c.name)
    call, plain = context.methods
    assert [p.name for p in call.parameters] == [
        "_Context__self",
        "_Context__func",
        "_Context__args",
        "_Context__key",
        "_Context__kwargs",
    ]
    assert [p.name for p in plain.parameters] == ["self", "__dunder__", "_one"]
    assert [p.name for p in hidden.methods[0].parameters] == ["self", "_Hidden__x"]
    assert [p.name for p in underscores.methods[0].parameters] == ["self", "__x"]
    assert [p.name for p in only_function(describe("def outside(__x): ...")).parameters] == ["__x"]


def test_nested_class_methods_mangle_with_the_innermost_class() -> None:
    outer = only_class(describe("class Outer:\n    class Inner:\n        def f(self, __a): ..."))
    assert [p.name for p in outer.classes[0].methods[0].parameters] == ["self", "_Inner__a"]


def test_an_alias_of_an_earlier_function_or_class_is_that_object_under_its_new_name() -> None:
    structure = describe(
        """
        class Box:
            def deepcopy(self, memo=None): ...
            copy = __copy__ = deepcopy
            def _clone(self, depth: int) -> "Box": ...
            clone = _clone
            size = 3
            other = size
        def _impl(a, *, b): ...
        run = _impl
        Crate = Box
        """
    )
    box = next(c for c in structure.classes if c.name == "Box")
    methods = {m.name: m for m in box.methods}
    assert sorted(methods) == ["__copy__", "clone", "copy", "deepcopy"]
    assert methods["copy"].parameters == methods["deepcopy"].parameters
    assert methods["copy"].kind is FunctionKind.METHOD
    assert [p.name for p in methods["clone"].parameters] == ["self", "depth"]
    assert methods["clone"].returns == "'Box'"
    assert sorted(a.name for a in box.attributes) == ["other", "size"]
    run = only_function(structure)
    assert run.name == "run"
    assert [p.kind for p in run.parameters] == [
        ParameterKind.POSITIONAL_OR_KEYWORD,
        ParameterKind.KEYWORD_ONLY,
    ]
    crate = next(c for c in structure.classes if c.name == "Crate")
    assert crate.methods == box.methods


def test_an_alias_of_an_import_or_a_later_rebound_name_is_a_plain_variable() -> None:
    structure = describe(
        """
        from copy import deepcopy
        copy = deepcopy
        def f(a): ...
        f = 1
        g = f
        """
    )
    assert sorted(v.name for v in structure.variables) == ["copy", "f", "g"]
    assert structure.functions == ()


def test_the_last_unconditional_binding_wins_in_a_class_body_too() -> None:
    box = only_class(
        describe(
            """
            class Box:
                def get(self, a): ...
                get = None
                def put(self): ...
                def put(self, item, *, block=True): ...
                def gone(self): ...
                del gone
            """
        )
    )
    assert [m.name for m in box.methods] == ["put"]
    assert [p.name for p in box.methods[0].parameters] == ["self", "item", "block"]
    assert [a.name for a in box.attributes] == ["get"]


def test_a_conditional_del_leaves_the_name_described() -> None:
    structure = describe("def f(): ...\nif X:\n    del f")
    assert [f.name for f in structure.functions] == ["f"]


def test_a_del_in_the_block_that_bound_the_name_removes_it() -> None:
    structure = describe(
        """
        import sys
        if sys.platform.startswith("java"):
            MAXSIZE = 1
        else:
            class X:
                def __len__(self): ...
            try:
                len(X())
            except OverflowError:
                MAXSIZE = 2
            del X
        """
    )
    assert structure.classes == ()
    assert [v.name for v in structure.variables] == ["MAXSIZE"]
