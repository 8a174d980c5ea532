"""structure_changes (neutral) and structure_findings (ISP201-ISP207), on exact inputs."""

from __future__ import annotations

from hatch_importspy.compare.structure import (
    Change,
    ChangeKind,
    structure_changes,
    structure_findings,
)
from hatch_importspy.describe.extract import extract_structure
from hatch_importspy.findings import Finding, FindingCode
from hatch_importspy.model import (
    Attribute,
    AttributeScope,
    Class,
    Function,
    FunctionKind,
    Module,
    ModuleStructure,
    Parameter,
    ParameterKind,
    Variable,
)
from hatch_importspy.render import element_text, signature_text

P = ParameterKind


def structure(source: str, *, private: bool = False) -> ModuleStructure:
    return extract_structure(source.encode(), filename="m.py", private=private)


def changes(old: str, new: str) -> list[tuple[ChangeKind, str, str | None, str | None]]:
    """(kind, path, old, new) of every change between two sources, sorted for stable asserts."""
    found = structure_changes(structure(old), structure(new))
    return sorted((c.kind, c.path, c.old, c.new) for c in found)


# --------------------------------------------------------------------------- rendering


def test_signature_text_marks_positional_only_and_keyword_only() -> None:
    parameters = (
        Parameter("a", P.POSITIONAL_ONLY),
        Parameter("b", P.POSITIONAL_OR_KEYWORD, "int", True, "1"),
        Parameter("c", P.KEYWORD_ONLY),
        Parameter("kw", P.VAR_KEYWORD, "str"),
    )
    assert signature_text(parameters) == "(a, /, b: int = 1, *, c, **kw: str)"
    varargs = (Parameter("args", P.VAR_POSITIONAL), Parameter("c", P.KEYWORD_ONLY, None, True))
    assert signature_text(varargs) == "(*args, c=...)"


def test_element_text_reads_like_source() -> None:
    method = Function(
        "get",
        (Parameter("self", P.POSITIONAL_OR_KEYWORD),),
        returns="int",
        is_async=True,
        kind=FunctionKind.PROPERTY,
        decorators=("property",),
    )
    assert element_text(method) == "@property async def get(self) -> int"
    assert element_text(Class("C", bases=("A", "metaclass=M"))) == "class C(A, metaclass=M)"
    assert element_text(Attribute("x", AttributeScope.INSTANCE, "int")) == "self.x: int"
    assert element_text(Variable("V")) == "V"


# --------------------------------------------------------------------------- objects


def test_identical_and_body_only_edits_are_no_change() -> None:
    old = "def f(a, b=1):\n    return a\n\nclass C:\n    def m(self):\n        pass\n"
    new = (
        "def f(a, b=1):\n    return a + b  # changed\n\n\n"
        "class C:\n    def m(self):\n        x = 1\n"
    )
    assert changes(old, old) == []
    assert changes(old, new) == []


def test_moving_a_definition_down_is_no_change() -> None:
    assert changes("def f(): pass\n", "\n\n\ndef f(): pass\n") == []


def test_removed_and_added_functions() -> None:
    assert changes(
        "def f(a): pass\ndef g(): pass\n", "def g(): pass\ndef h(x: int) -> str: ...\n"
    ) == [
        (ChangeKind.ADDED, "h", None, "def h(x: int) -> str"),
        (ChangeKind.REMOVED, "f", "def f(a)", None),
    ]


def test_removed_method_and_nested_class_member_paths() -> None:
    old = (
        "class Outer:\n    def keep(self): ...\n    def gone(self): ...\n"
        "    class Inner:\n        def m(self, a): ...\n"
    )
    new = "class Outer:\n    def keep(self): ...\n    class Inner:\n        def m(self): ...\n"
    assert changes(old, new) == [
        (ChangeKind.PARAMETER_REMOVED, "Outer.Inner.m", "a", None),
        (ChangeKind.REMOVED, "Outer.gone", "def gone(self)", None),
    ]


def test_function_that_became_a_class_is_a_kind_change() -> None:
    assert changes("def thing(): ...\n", "class thing: ...\n") == [
        (ChangeKind.KIND_CHANGED, "thing", "function", "class"),
    ]


def test_variable_annotation_and_class_attribute_changes() -> None:
    old = "X: int = 1\nclass C:\n    a: int = 0\n    def __init__(self):\n        self.b = 1\n"
    new = (
        "X: str = 'a'\nclass C:\n    a: float = 0\n"
        "    def __init__(self):\n        self.b: int = 1\n"
    )
    assert changes(old, new) == [
        (ChangeKind.ANNOTATION_CHANGED, "C.a", "int", "float"),
        (ChangeKind.ANNOTATION_CHANGED, "C.b", "no annotation", "int"),
        (ChangeKind.ANNOTATION_CHANGED, "X", "int", "str"),
    ]


def test_class_attribute_that_became_an_instance_attribute() -> None:
    old = "class C:\n    x = 1\n"
    new = "class C:\n    def __init__(self):\n        self.x = 1\n"
    assert changes(old, new) == [
        (ChangeKind.ADDED, "C.__init__", None, "def __init__(self)"),
        (ChangeKind.KIND_CHANGED, "C.x", "class attribute", "instance attribute"),
    ]


def test_bases_and_class_decorators() -> None:
    old = "class C(A, B): ...\n"
    new = "@dataclass\nclass C(B, A): ...\n"
    assert changes(old, new) == [
        (ChangeKind.BASES_CHANGED, "C", "A, B", "B, A"),
        (ChangeKind.DECORATORS_CHANGED, "C", "no decorators", "@dataclass"),
    ]


def test_method_that_became_a_property_reports_the_kind_once() -> None:
    old = "class C:\n    def size(self) -> int: ...\n"
    new = "class C:\n    @property\n    def size(self) -> int: ...\n"
    assert changes(old, new) == [(ChangeKind.KIND_CHANGED, "C.size", "method", "property")]


def test_other_decorators_and_async() -> None:
    old = "@cache\ndef f(): ...\n"
    new = "@retry(3)\nasync def f(): ...\n"
    assert changes(old, new) == [
        (ChangeKind.ASYNC_CHANGED, "f", "def", "async def"),
        (ChangeKind.DECORATORS_CHANGED, "f", "@cache", "@retry(3)"),
    ]


def test_return_annotation() -> None:
    assert changes("def f() -> int: ...\n", "def f(): ...\n") == [
        (ChangeKind.RETURN_ANNOTATION_CHANGED, "f", "int", "no annotation"),
    ]


def test_conditional_definitions_are_compared_too() -> None:
    old = "import sys\nif sys.version_info >= (3, 11):\n    def f(a): ...\n"
    new = "import sys\nif sys.version_info >= (3, 11):\n    def f(a, b): ...\n"
    assert changes(old, new) == [(ChangeKind.PARAMETER_ADDED, "f", None, "b")]
    assert changes(old, "def f(a): ...\n") == [
        (ChangeKind.CONDITIONAL_CHANGED, "f", "conditional", "unconditional"),
    ]


def test_all_compares_as_a_set() -> None:
    assert changes("__all__ = ['a', 'b']\n", "__all__ = ['b', 'a']\n") == []
    assert changes("__all__ = ['a', 'b']\n", "__all__ = ['a']\n") == [
        (ChangeKind.ALL_CHANGED, "__all__", "a, b", "a"),
    ]
    assert changes("__all__ = ['a']\n", "x = 1\n") == [
        (ChangeKind.ADDED, "x", None, "x"),
        (ChangeKind.ALL_CHANGED, "__all__", "a", "no literal __all__"),
    ]


def test_private_names_follow_the_extraction_rule() -> None:
    old, new = "def f(): ...\n", "def f(): ...\ndef _helper(): ...\n"
    assert structure_changes(structure(old), structure(new)) == []
    found = structure_changes(structure(old, private=True), structure(new, private=True))
    assert [(c.kind, c.path) for c in found] == [(ChangeKind.ADDED, "_helper")]


def test_same_name_twice_pairs_equal_objects_first() -> None:
    """Hand-written manifests may list one name twice (e.g. two conditional variants)."""
    first = Function("f", (Parameter("a", P.POSITIONAL_OR_KEYWORD),), conditional=True)
    second = Function("f", (Parameter("b", P.POSITIONAL_OR_KEYWORD),), conditional=True)
    old = ModuleStructure(functions=(first, second))
    assert structure_changes(old, ModuleStructure(functions=(second, first))) == []
    found = structure_changes(old, ModuleStructure(functions=(second,)))
    assert [(c.kind, c.path, c.old) for c in found] == [(ChangeKind.REMOVED, "f", "def f(a)")]


def test_line_numbers_never_count() -> None:
    old = ModuleStructure(variables=(Variable("V", line=1),))
    assert structure_changes(old, ModuleStructure(variables=(Variable("V", line=40),))) == []


# --------------------------------------------------------------------------- parameters


def test_parameter_removed_added_renamed() -> None:
    assert changes("def f(a, b): ...\n", "def f(a, c): ...\n") == [
        (ChangeKind.PARAMETER_RENAMED, "f", "b", "c"),
    ]
    assert changes("def f(a, b): ...\n", "def f(a): ...\n") == [
        (ChangeKind.PARAMETER_REMOVED, "f", "b", None),
    ]
    assert changes("def f(a): ...\n", "def f(a, *, key: int = 0): ...\n") == [
        (ChangeKind.PARAMETER_ADDED, "f", None, "key: int = 0 (keyword-only)"),
    ]


def test_parameter_rename_needs_same_position_and_kind() -> None:
    assert changes("def f(a, b): ...\n", "def f(a, *, c): ...\n") == [
        (ChangeKind.PARAMETER_ADDED, "f", None, "c (keyword-only)"),
        (ChangeKind.PARAMETER_REMOVED, "f", "b", None),
    ]


def test_parameter_reordered() -> None:
    assert changes("def f(a, b, *, c, d): ...\n", "def f(b, a, *, d, c): ...\n") == [
        (ChangeKind.PARAMETER_REORDERED, "f", "a, b", "b, a"),
    ]


def test_parameter_kind_changes() -> None:
    assert changes("def f(a, b): ...\n", "def f(a, /, *, b): ...\n") == [
        (ChangeKind.PARAMETER_KIND_CHANGED, "f", "positional-or-keyword", "keyword-only"),
        (ChangeKind.PARAMETER_KIND_CHANGED, "f", "positional-or-keyword", "positional-only"),
    ]


def test_defaults_added_removed_changed() -> None:
    assert changes("def f(a, b=1, c=True): ...\n", "def f(a=0, b=2, c=False): ...\n") == [
        (ChangeKind.DEFAULT_ADDED, "f", "a", "a=0"),
        (ChangeKind.DEFAULT_CHANGED, "f", "1", "2"),
        (ChangeKind.DEFAULT_CHANGED, "f", "True", "False"),
    ]
    assert changes("def f(a: int = 1): ...\n", "def f(a: int): ...\n") == [
        (ChangeKind.DEFAULT_REMOVED, "f", "a: int = 1", "a: int"),
    ]


def test_parameter_annotation() -> None:
    assert changes("def f(a: int, *args: str): ...\n", "def f(a: float, *args): ...\n") == [
        (ChangeKind.ANNOTATION_CHANGED, "f", "int", "float"),
        (ChangeKind.ANNOTATION_CHANGED, "f", "str", "no annotation"),
    ]


def test_parameter_changes_name_the_parameter_and_keep_both_objects() -> None:
    (change,) = structure_changes(
        structure("def f(a: int): ...\n"), structure("def f(b: int): ...\n")
    )
    assert change == Change(
        ChangeKind.PARAMETER_RENAMED,
        "f",
        "a",
        "b",
        parameter="a",
        before=Parameter("a", P.POSITIONAL_OR_KEYWORD, "int"),
        after=Parameter("b", P.POSITIONAL_OR_KEYWORD, "int"),
        line=1,
    )


# --------------------------------------------------------------------------- findings


MODULE = Module(
    "pkg.mod",
    "pkg/mod.py",
    "0" * 64,
    structure(
        "__all__ = ['Client']\n"
        "class Client(Base):\n"
        "    def get(self, url: str, timeout: float = 1.0) -> bytes: ...\n"
        "    def close(self): ...\n"
    ),
)


def test_structure_findings_map_each_kind_to_its_code() -> None:
    installed = structure(
        "__all__ = ['Client', 'extra']\n"
        "class Client(Other):\n"
        "    async def get(self, url: bytes, timeout: float) -> str: ...\n"
        "def extra(): ...\n"
    )
    findings = sorted(
        structure_findings("pkg", MODULE, installed), key=lambda f: (f.code, f.message)
    )

    def at(
        code: FindingCode, message: str, expected: str | None, found: str | None, obj: str
    ) -> Finding:
        lines = {"pkg.mod:Client": 2, "pkg.mod:extra": 4, "pkg.mod:Client.get": 3}
        line = lines.get(obj)  # a missing object has no line in the installed file
        return Finding(
            code, "pkg", message, None, "pkg.mod", "pkg/mod.py", obj, expected, found, line
        )

    assert findings == [
        at(
            "ISP201",
            "method Client.close is missing",
            "def close(self)",
            None,
            "pkg.mod:Client.close",
        ),
        at("ISP202", "function extra is not in the manifest", None, "def extra()", "pkg.mod:extra"),
        at(
            "ISP203",
            "parameter 'timeout' of Client.get lost its default",
            "timeout: float = 1.0",
            "timeout: float",
            "pkg.mod:Client.get",
        ),
        at(
            "ISP204",
            "annotation of parameter 'url' of Client.get changed",
            "str",
            "bytes",
            "pkg.mod:Client.get",
        ),
        at(
            "ISP204",
            "return annotation of Client.get changed",
            "bytes",
            "str",
            "pkg.mod:Client.get",
        ),
        at(
            "ISP205",
            "Client.get changed from 'def' to 'async def'",
            "def",
            "async def",
            "pkg.mod:Client.get",
        ),
        at("ISP206", "bases of class Client changed", "Base", "Other", "pkg.mod:Client"),
        at("ISP207", "__all__ changed", "Client", "Client, extra", "pkg.mod:__all__"),
    ]
    assert structure_findings("pkg", MODULE, MODULE.structure) == []
