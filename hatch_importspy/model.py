"""The SpyModel: one description of a distribution's modules, files and constraints.

Everything else in hatch-importspy either produces these objects (the static extractor, the
manifest loader, the wheel and installed-distribution readers) or consumes them (the comparison
functions).  They are frozen so that a model read from one place can be handed anywhere without
anyone changing it underneath, and comparable so that "the same structure" is plain ``==``.

Line numbers are carried for reports only: they are excluded from equality, so moving a function
down a file is not a structural change.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from hatch_importspy.policy_model import AdmissionPolicy

SCHEMA_VERSION = "1"
"""The manifest schema this version writes and reads.  Bumped on any incompatible change."""


class ParameterKind(str, enum.Enum):
    """How an argument binds to a parameter; names follow :class:`inspect.Parameter` kinds."""

    POSITIONAL_ONLY = "positional-only"
    POSITIONAL_OR_KEYWORD = "positional-or-keyword"
    VAR_POSITIONAL = "var-positional"
    KEYWORD_ONLY = "keyword-only"
    VAR_KEYWORD = "var-keyword"


class FunctionKind(str, enum.Enum):
    """What calling the object looks like: the decorators that change the call shape."""

    FUNCTION = "function"
    METHOD = "method"
    STATICMETHOD = "staticmethod"
    CLASSMETHOD = "classmethod"
    PROPERTY = "property"


class AttributeScope(str, enum.Enum):
    """Where an attribute of a class lives: on the class itself, or assigned on ``self``."""

    CLASS = "class"
    INSTANCE = "instance"


@dataclass(frozen=True)
class Parameter:
    """One parameter of a callable, as written in its signature."""

    name: str
    kind: ParameterKind
    annotation: str | None = None
    has_default: bool = False
    default: str | None = None
    """Source text of the default (``ast.unparse``), for reports; presence is ``has_default``."""


@dataclass(frozen=True)
class Function:
    """A function or method and its call shape."""

    name: str
    parameters: tuple[Parameter, ...] = ()
    returns: str | None = None
    is_async: bool = False
    kind: FunctionKind = FunctionKind.FUNCTION
    decorators: tuple[str, ...] = ()
    conditional: bool = False
    """Defined under an ``if``/``try`` whose branch cannot be known statically."""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Variable:
    """A module-level name bound by assignment."""

    name: str
    annotation: str | None = None
    conditional: bool = False
    line: int = field(default=0, compare=False)
    value: str | None = None
    """The assigned value as Python literal text (``10``, ``'off'``), when it is a literal that
    ``ast.literal_eval`` reads; ``None`` when unassigned or not a literal.  In a contract: the
    stated value (``None`` stated is the text ``None``)."""


@dataclass(frozen=True)
class Attribute:
    """A class attribute, or an instance attribute assigned on ``self`` in a method."""

    name: str
    scope: AttributeScope = AttributeScope.CLASS
    annotation: str | None = None
    conditional: bool = False
    line: int = field(default=0, compare=False)
    value: str | None = None
    """As :attr:`Variable.value`."""


@dataclass(frozen=True)
class Class:
    """A class: its bases, methods, attributes and nested classes."""

    name: str
    bases: tuple[str, ...] = ()
    methods: tuple[Function, ...] = ()
    attributes: tuple[Attribute, ...] = ()
    classes: tuple[Class, ...] = ()
    decorators: tuple[str, ...] = ()
    conditional: bool = False
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class ModuleStructure:
    """What a module defines: the part of a module that hashing alone cannot explain."""

    variables: tuple[Variable, ...] = ()
    functions: tuple[Function, ...] = ()
    classes: tuple[Class, ...] = ()
    all: tuple[str, ...] | None = None
    """The literal ``__all__`` when the module declares one statically, else ``None``."""


@dataclass(frozen=True)
class ImportBinding:
    """The object a module-level name is bound to by an import statement.

    ``module`` is absolute, or ``None`` when a relative import climbs above the top-level package
    (the binding is then unknowable); ``name`` is ``None`` when the module itself is bound.
    """

    module: str | None
    name: str | None = None
    line: int = field(default=0, compare=False)
    """Where the binding is made: a later star import rebinds the name (0: unknown)."""


@dataclass(frozen=True)
class ModuleBindings:
    """What a module binds besides its definitions, as far as static reading can establish.

    An importer of ``requests`` sees ``requests.get``, bound by ``from .api import get``; checking
    another distribution's expectation against the structure alone could not tell a re-export
    from a missing name.  Recording these facts at build time lets ``verify`` check expectations
    on a provider whose files still match its manifest without reading its source.
    """

    imports: tuple[tuple[str, ImportBinding], ...] = ()
    """Names bound at module level by ``import``/``from ... import``, sorted by name."""
    star_imports: tuple[str | None, ...] = ()
    """Modules named by ``from M import *``, in source order (``None``: not resolvable)."""
    star_lines: tuple[int, ...] = ()
    """The line of each star import (same order; empty when unknown)."""
    dynamic: bool = False
    """The module writes its namespace by other means (``globals()``, ``sys.modules[...]``)."""


@dataclass(frozen=True)
class Module:
    """A Python module shipped in the wheel: where it is, its digest and its structure."""

    name: str
    """Dotted import name, e.g. ``pkg.sub.mod`` (``pkg`` for ``pkg/__init__.py``)."""
    path: str
    """Path inside the wheel with ``/`` separators; equal to the path relative to site-packages."""
    sha256: str
    structure: ModuleStructure = ModuleStructure()
    bindings: ModuleBindings | None = None
    """What the module binds by import; ``None`` when not recorded (an older manifest)."""
    runs: str | None = None
    """The file name of the extension module beside this source that an import loads instead
    (``md.cpython-311-x86_64-linux-gnu.so`` beside ``md.py``, as mypyc-compiled wheels ship
    them), or ``None`` when the source itself runs.  Such a module's ``structure`` is left empty:
    the source's structure is not what runs, so it is neither recorded nor compared; both files
    are still hashed (the extension as a plain file entry)."""
    code: str | None = None
    """The source's compilation where it was described, as ``<magic number, hex>:<digest>``
    (:func:`~hatch_importspy.pyrules.bytecode.code_digest`): a cache file written for an
    interpreter of that magic number is proven by its digest instead of by compiling the
    source.  ``None`` when not recorded (it did not compile, an older manifest)."""
    pyc: str | None = None
    """The same compilation's plain cache file as ``<magic number, hex>:<template>``
    (:func:`~hatch_importspy.pyrules.bytecode.cache_template`): a cache file with these bytes
    around its file name is proven by hashing it.  ``None`` when not recorded."""

    @property
    def described(self) -> bool:
        """Whether ``structure`` describes what runs (the source is what an import loads)."""
        return self.runs is None


@dataclass(frozen=True)
class FileEntry:
    """A shipped file that is not a described module: data, ``.pth``, stubs, extensions."""

    path: str
    sha256: str
    code: str | None = None
    """For Python source that is not a module (a name that is no identifier: ``importlib``
    loads it by path), its compilation, as :attr:`Module.code` records a module's."""
    pyc: str | None = None
    """As :attr:`Module.pyc`, for the same files as :attr:`code`."""


@dataclass(frozen=True)
class EnvironmentConstraints:
    """Where the distribution is meant to run.  Empty tuples and ``None`` mean "any"."""

    python: str | None = None
    """A PEP 440 specifier set, e.g. ``>=3.10,<3.14``."""
    platforms: tuple[str, ...] = ()
    """``sys.platform`` values."""
    machines: tuple[str, ...] = ()
    """Normalised ``platform.machine()`` values (see :mod:`hatch_importspy.facts`)."""
    implementations: tuple[str, ...] = ()
    """``sys.implementation.name`` values."""
    env: tuple[str, ...] = ()
    """Names of environment variables that must be set; never their values."""


@dataclass(frozen=True)
class CallShape:
    """How the package calls an external callable: enough to tell whether it still fits."""

    positional: int = 0
    keywords: tuple[str, ...] = ()
    star_args: bool = False
    """The call spreads ``*args``: the positional count is a lower bound."""
    star_kwargs: bool = False
    """The call spreads ``**kwargs``: keyword names beyond ``keywords`` are unknown."""


@dataclass(frozen=True)
class ExpectedName:
    """One name the package relies on in an external module, and how it uses it."""

    name: str
    """Dotted path inside the module, e.g. ``Session.get``."""
    kind: str = "any"
    """``any``, ``module``, ``class``, ``function``, ``callable`` or ``variable``."""
    calls: tuple[CallShape, ...] = ()
    function: Function | None = None
    """A full expected signature, when a contract states one."""
    cls: Class | None = None
    """An expected class shape (bases, attributes, methods), when a contract states one."""
    variable: Variable | None = None
    """An expected variable (annotation), when a contract states one."""
    optional: bool = False
    """Used only in a fallback (the ``except ImportError:`` of a ``try``): the package runs
    without it, so its absence is not reported."""
    unmet_at_build: bool = False
    """The provider installed in the build environment already fell short of this use: a latent
    bug of the package (``ISP409``), not drift since the build."""


@dataclass(frozen=True)
class Deployment:
    """One acceptable place to run, from a contract's ``deployments``: all listed must hold."""

    machine: str | None = None
    platform: str | None = None
    env: tuple[str, ...] = ()
    pythons: tuple[str, ...] = ()
    """Python versions as written (``3.11`` matches any ``3.11.x``)."""
    interpreters: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    """Modules that must be installed (manifests written before ImportSpy 0.5 fidelity only: a
    contract's per-deployment ``modules`` are now :attr:`names` and :attr:`version`)."""
    env_values: tuple[tuple[str, str], ...] = ()
    """Environment variables that must hold a value (``name``, ``value``); never printed."""
    secrets: tuple[str, ...] = ()
    """Names of secrets that must be set (a subset of :attr:`env`); no value is ever stored."""
    names: tuple[ExpectedName, ...] = ()
    """Structure the module must have when this deployment is the one running (ImportSpy's
    per-deployment ``modules``)."""
    version: str | None = None
    """The module ``__version__`` required when this deployment runs."""
    exact: bool = False
    """ImportSpy 0.5 meaning: whole Python versions, case-sensitive interpreter names (older
    manifests: version prefixes, interpreters in lower case)."""


@dataclass(frozen=True)
class Expectation:
    """What the package needs from one external module."""

    module: str
    distribution: str | None = None
    """The distribution expected to provide the module, when known (canonical name)."""
    distribution_from_requires: bool = False
    """:attr:`distribution` is a ``Requires-Dist`` entry named like the module, not a
    distribution seen installing it: a guess, which ``verify`` holds the module to only once the
    environment confirms it (see :func:`~hatch_importspy.describe.infer.requirement_resolver`)."""
    origin: str = "inferred"
    """``inferred``, or the contract file (relative to the project root) that stated it."""
    names: tuple[ExpectedName, ...] = ()
    deployments: tuple[Deployment, ...] = ()
    optional: bool = False
    """The module is imported only in fallbacks: its absence is not reported."""
    unmet_at_build: bool = False
    """The module was already missing from its provider installed at build time (``ISP409``)."""
    met_at_build: tuple[tuple[str, str], ...] = ()
    """Every use was met by the providers installed at build time, and these are the modules the
    check read there: ``(module, witness)`` pairs, sorted, where a witness is the module's source
    path and sha256 (``pkg/mod.py <hex>``), ``namespace``, ``compiled`` or ``absent`` (see
    :func:`~hatch_importspy.describe.provider_files.witness`).  The check is a function of those
    files, so ``verify`` by the same generator, finding the same witnesses, knows its outcome
    without reading them; empty when not every use was met or no provider was installed."""
    version: str | None = None
    """A contract's module ``version``: the literal ``__version__`` the module must assign."""
    filename: str | None = None
    """A contract's ``filename`` as written (ImportSpy: the basename of the module's file)."""
    policy: AdmissionPolicy | None = None
    """A contract's ImportSpy 0.5 admission policy (``runtime``, ``dependencies``, ...)."""


@dataclass(frozen=True, order=True)
class EntryPoint:
    """One line of ``entry_points.txt``: ``name = value`` in the ``[group]`` section.

    ``console_scripts`` and ``gui_scripts`` are the groups installers turn into wrapper scripts;
    every other group is read by a plugin host through ``importlib.metadata.entry_points``.
    """

    group: str
    name: str
    value: str
    """``module:attr [extras]`` as written, surrounding whitespace removed."""


CONSOLE_SCRIPTS = "console_scripts"
GUI_SCRIPTS = "gui_scripts"
SCRIPT_GROUPS = (CONSOLE_SCRIPTS, GUI_SCRIPTS)
"""The groups for which an installer writes a wrapper script into the scripts directory."""


@dataclass(frozen=True)
class SpyModel:
    """The whole manifest: one distribution, as built."""

    name: str
    version: str
    environment: EnvironmentConstraints = EnvironmentConstraints()
    requires: tuple[str, ...] = ()
    """``Requires-Dist`` values as written in the metadata, markers included."""
    modules: tuple[Module, ...] = ()
    files: tuple[FileEntry, ...] = ()
    expects: tuple[Expectation, ...] = ()
    entry_points: tuple[EntryPoint, ...] | None = None
    """The entry points the wheel declares, sorted by group and name; ``None`` when the manifest
    does not record them (written before they were), which ``verify`` says rather than passes."""
    private: bool = False
    """Whether ``_private`` names were described; verification re-extracts with the same rule."""
    schema: str = SCHEMA_VERSION
    generator: str = ""
    """``hatch-importspy <version>``; informational, not compared."""

    def module_by_path(self) -> dict[str, Module]:
        """Index modules by wheel path, the key shared with RECORD."""
        return {module.path: module for module in self.modules}

    def file_digests(self) -> dict[str, str]:
        """Every shipped file the manifest vouches for, module or not, by path."""
        digests = {entry.path: entry.sha256 for entry in self.files}
        digests.update((module.path, module.sha256) for module in self.modules)
        return digests


# --------------------------------------------------------------------------- names and paths
# How the manifest spells module names, object paths and visibility.  They are part of the format:
# the describers that write a manifest and the comparisons that read one must agree on them.

INSTANCE = "()"
"""The path segment for "an instance of the class named by the previous segment"."""


def join_path(parts: Iterable[str]) -> str:
    """``("Session", "()", "get")`` -> ``Session().get``: the dotted form used in manifests."""
    text = ""
    for part in parts:
        if part == INSTANCE:
            text += INSTANCE
        else:
            text = f"{text}.{part}" if text else part
    return text


def split_path(name: str) -> tuple[str, ...]:
    """The inverse of :func:`join_path`."""
    parts: list[str] = []
    for piece in name.split("."):
        if piece.endswith(INSTANCE):
            parts += [piece[: -len(INSTANCE)], INSTANCE]
        else:
            parts.append(piece)
    return tuple(parts)


def top_level(module: str) -> str:
    """``a.b.c`` -> ``a``."""
    return module.partition(".")[0]


def module_name(path: str) -> str | None:
    """The dotted import name of a wheel path, or ``None`` when it is not an importable module.

    ``pkg/sub/mod.py`` is ``pkg.sub.mod`` and ``pkg/__init__.py`` is ``pkg``; paths whose parts are
    not identifiers (``pkg-1.0.data/...``, ``my-scripts/x.py``) cannot be imported and are ``None``.
    """
    if not path.endswith(".py"):
        return None
    parts = path[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)


def is_public(name: str) -> bool:
    """Public names do not start with ``_``; dunders such as ``__init__`` are public protocol."""
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def is_dunder(name: str) -> bool:
    """``__init__``, ``__call__``...: protocol names that Python itself looks up."""
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def decorator_name(text: str) -> str:
    """``functools.lru_cache(maxsize=None)`` -> ``lru_cache``.

    The text counterpart of :func:`~hatch_importspy.describe.extract.last_name`, for decorators as a
    manifest records them.
    """
    return text.partition("(")[0].rpartition(".")[2].strip()


def mangled(name: str, class_name: str | None) -> str:
    """``name`` as Python stores it when written inside the body of class ``class_name``.

    ``__x`` becomes ``_Class__x`` (the class name without its leading underscores); dunders, other
    names, names outside a class and classes named only with underscores are left alone.
    """
    if class_name is None or not name.startswith("__") or name.endswith("__"):
        return name
    stripped = class_name.lstrip("_")
    return f"_{stripped}{name}" if stripped else name
