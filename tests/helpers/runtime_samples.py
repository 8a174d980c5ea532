"""Packages for the ``verify --import`` tests: ordinary code it must pass, and code whose run-time
shape drifts from its source.

Shared by the fast tests (the probe run on these sources from a temporary directory) and the
end-to-end tests (the same sources built into a wheel by the real hook and installed by pip), so
both prove the same thing at two costs.
"""

from __future__ import annotations

CLEAN_FILES: dict[str, str | bytes] = {
    "cleanpkg/__init__.py": '''"""Ordinary code that verify --import must pass without a finding."""
import sys

from cleanpkg.shapes import Color, Point, Shape

__all__ = ["Color", "Point", "Shape", "VERSION", "area", "windows_only"]
VERSION = "1.0"
from cleanpkg.shapes import area  # noqa: E402  (a re-export named in __all__)

if sys.platform == "win32":  # named in __all__, defined on one platform only

    def windows_only() -> None:
        pass
''',
    "cleanpkg/shapes.py": """from __future__ import annotations

import abc
import contextlib
import dataclasses
import enum
import functools
from typing import ClassVar, Generic, NamedTuple, Protocol, TypedDict, TypeVar, overload

T = TypeVar("T")
LIMIT: int = 10
pending: list[str]


def logged(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


def derived(func):  # makes a property of a method, as functools.cached_property does
    return property(func)


@logged
def area(width: float, height: float = 1.0, *, unit: str = "m") -> float:
    return width * height


def positional(a, b, /, c, *args, d, e=2, **kwargs):
    return a


async def fetch(url: str, *, timeout: float = 1.0) -> bytes:
    return url.encode()


@functools.lru_cache(maxsize=None)
def cached(n: int) -> int:
    return n


@functools.singledispatch
def render(value: object) -> str:
    return str(value)


@render.register
def _(value: int) -> str:
    return f"int {value}"


@overload
def parse(x: int) -> int: ...
@overload
def parse(x: str) -> str: ...
def parse(x):
    return x


@contextlib.contextmanager
def opened(path: str, mode: str = "r"):
    yield path


class Shape(abc.ABC):
    sides: ClassVar[int] = 0

    def __new__(cls, *args, **kwargs):
        return super().__new__(cls)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)

    @abc.abstractmethod
    def area(self) -> float: ...

    @property
    def name(self) -> str:
        return type(self).__name__

    @name.setter
    def name(self, value: str) -> None:
        pass

    @classmethod
    def unit(cls, scale: int = 1) -> Shape:
        return cls()

    @staticmethod
    def describe(text: str, /) -> str:
        return text

    @functools.cached_property
    def perimeter(self) -> float:
        return 0.0

    @logged
    def scaled(self, factor: float) -> Shape:
        return self

    @derived
    def label(self) -> str:
        return "shape"


@dataclasses.dataclass(frozen=True)
class Point:
    x: float
    y: float = 0.0
    tags: list[str] = dataclasses.field(default_factory=list)

    def moved(self, dx: float, dy: float = 0.0) -> Point:
        return Point(self.x + dx, self.y + dy)


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a: int, b: int) -> None:
        self.a = a
        self.b = b


class Color(enum.Enum):
    RED = 1
    GREEN = 2

    def lighter(self) -> Color:
        return self


class Status(int, enum.Enum):
    OK = (200, "ok")
    MISSING = (404, "missing")

    def __new__(cls, value: int, phrase: str = "") -> Status:
        member = int.__new__(cls, value)
        member._value_ = value
        member.phrase = phrase
        return member


class Pair(NamedTuple):
    left: int
    right: int = 0


class Options(TypedDict, total=False):
    verbose: bool


class Reader(Protocol):
    def read(self, size: int = -1) -> bytes: ...


class Box(Generic[T]):
    def __init__(self, item: T) -> None:
        self.item = item

    def get(self) -> T:
        return self.item

    class Inner:
        depth = 1

        def __repr__(self) -> str:
            return "Inner"
""",
}
"""A package of ordinary shapes: ``functools.wraps`` decorators, properties (a setter too, and
one a decorator of the package's own makes),
class and static methods, ``cached_property``, ``lru_cache``, ``singledispatch``, overloads, a
context manager, an abstract class with ``__new__`` and ``__init_subclass__``, a frozen
dataclass, ``__slots__``, an enum, a NamedTuple, a TypedDict, a Protocol, a generic class with a
nested class, an enum with its own ``__new__``, async functions, ``*args``/``**kwargs``,
positional-only and keyword-only parameters, defaults, annotation-only names, a re-export named
in ``__all__`` and a name ``__all__`` lists but only Windows defines."""

DRIFT_FILES: dict[str, str | bytes] = {
    "driftpkg/__init__.py": '''"""A package whose run-time shape is not its source's."""
from driftpkg import api, patches
''',
    "driftpkg/api.py": """def _logged(func):
    def wrapper(*args, **kwargs):  # no functools.wraps: callers see (*args, **kwargs)
        return func(*args, **kwargs)

    return wrapper


@_logged
def greet(name: str, greeting: str = "hello") -> str:
    return f"{greeting}, {name}"


def helper(x: int) -> int:
    return x


def legacy(a: int) -> int:
    return a


globals().pop("legacy")  # the module removes its own function, where no reader of source sees


class Service:
    def start(self, port: int) -> None:
        pass

    def stop(self) -> None:
        pass
""",
    "driftpkg/patches.py": '''"""Import-time patching of another module."""
from driftpkg import api

del api.helper
api.Service.stop = property(lambda self: None)
''',
    "driftpkg/broken.py": """raise RuntimeError("configuration missing: set DRIFT_CONFIG\\nline 2")
""",
    "driftpkg/optional.py": """import drift_optional_speedups  # optional, not installed

def fast(x: int) -> int:
    return x
""",
}
"""Drift only an import shows: a decorator without ``functools.wraps`` (``greet``), a function
another module deletes (``helper``), one the module pops from its own namespace (``legacy``), a
method another module turns into a property (``Service.stop``), a module that raises at import
(``broken``) and one that needs a module nobody installed (``optional``)."""
