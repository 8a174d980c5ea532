"""Turn a manifest's decoded data into the model, checking every field of it.

A manifest may come from an untrusted wheel: every value is checked for its type and range before
it becomes part of a :class:`~hatch_importspy.model.SpyModel`, and a problem is reported in one
line that names the manifest and the place (``manifest.modules[3].structure.functions[0].name``).
Tens of thousands of parameters and functions are read per large package, so the common shapes
are checked inline and the place of a problem is worked out only once one is found (see
:meth:`ManifestReader.items`).  The documents themselves (JSON or YAML, one or two) are split and
decoded by :mod:`hatch_importspy.formats.manifest`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from hatch_importspy.errors import ManifestError
from hatch_importspy.formats import entry_points as entry_points_format
from hatch_importspy.formats.bindings import BINDINGS_KEY, bindings_from_data
from hatch_importspy.formats.paths import unsafe_path_problem
from hatch_importspy.formats.policy_data import policy_from_data
from hatch_importspy.limits import CLASS_NESTING, INTEGER, MANIFEST_ENTRIES
from hatch_importspy.model import (
    SCHEMA_VERSION,
    Attribute,
    AttributeScope,
    CallShape,
    Class,
    Deployment,
    EntryPoint,
    EnvironmentConstraints,
    Expectation,
    ExpectedName,
    FileEntry,
    Function,
    FunctionKind,
    Module,
    ModuleBindings,
    ModuleStructure,
    Parameter,
    ParameterKind,
    SpyModel,
    Variable,
)

T = TypeVar("T")

_PARAMETER_KINDS: Mapping[str, ParameterKind] = {kind.value: kind for kind in ParameterKind}
_FUNCTION_KINDS: Mapping[str, FunctionKind] = {kind.value: kind for kind in FunctionKind}
_ATTRIBUTE_SCOPES: Mapping[str, AttributeScope] = {scope.value: scope for scope in AttributeScope}
_MEMBERS: Mapping[type, Mapping[str, Any]] = {
    ParameterKind: _PARAMETER_KINDS,
    FunctionKind: _FUNCTION_KINDS,
    AttributeScope: _ATTRIBUTE_SCOPES,
}
"""The members of the manifest's enumerations by value: looked up, not constructed."""


class ManifestReader:
    """Typed access to untrusted data that names the place of every problem."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._nesting = 0
        self._unplaced = False
        """Whether items are being read without naming their places (see :meth:`items`)."""
        self._placing = False
        """Whether a failed read is being repeated to name the place of its problem."""

    def fail(self, where: str, problem: str) -> ManifestError:
        return ManifestError(f"{self.source}: {where}: {problem}")

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if type(value) is not dict and not isinstance(value, Mapping):  # decoders give dicts
            raise self.fail(where, "expected a mapping")
        return value

    def string(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value = data.get(key)
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "expected a string")
        return value

    def optional_string(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "expected a string")
        return value

    def boolean(self, data: Mapping[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{key}", "expected true or false")
        return value

    def integer(self, data: Mapping[str, Any], key: str, where: str) -> int:
        value = data.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"{where}.{key}", "expected an integer")
        if not -INTEGER <= value <= INTEGER:
            raise self.fail(f"{where}.{key}", f"integer beyond the limit of {INTEGER}")
        return value

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}.{key}", "expected a list of strings")
        return tuple(value)

    def string_pairs(
        self, data: Mapping[str, Any], key: str, where: str
    ) -> tuple[tuple[str, str], ...]:
        """A mapping of strings to strings, as sorted ``(key, value)`` pairs."""
        value = self.mapping(data.get(key, {}), f"{where}.{key}")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise self.fail(f"{where}.{key}", "expected a mapping of strings to strings")
        return tuple(sorted(value.items()))

    def items(
        self,
        data: Mapping[str, Any],
        key: str,
        where: str,
        read: Callable[[Mapping[str, Any], str], T],
    ) -> tuple[T, ...]:
        value = data.get(key, ())
        if value == () or value == []:  # absent (the decoders never give a tuple), or empty
            return ()
        if not isinstance(value, list):
            raise self.fail(f"{where}.{key}", "expected a list")
        read_items: list[T] = []
        if self._placing:  # a problem is being placed: each item is named as it is read
            for index, item in enumerate(value):
                location = f"{where}.{key}[{index}]"
                read_items.append(read(self.mapping(item, location), location))
            return tuple(read_items)
        # Items are read without naming their places (a place per item costs a fifth of the
        # reading); on a problem, the outermost call reads its failing item again, placing
        # every level.  The readers are pure, so it fails the same way, and it is repeated once.
        outermost, self._unplaced = not self._unplaced, True
        try:
            for item in value:  # a loop, not a generator: one per module entry
                if type(item) is not dict:  # what the decoders give; anything else is checked
                    item = self.mapping(item, where)
                read_items.append(read(item, where))
        except ManifestError:
            if not outermost:
                raise
            self._unplaced, self._placing = False, True
            try:
                index = len(read_items)
                location = f"{where}.{key}[{index}]"
                read(self.mapping(value[index], location), location)
            finally:
                self._placing = False
            raise  # not reached: the same item fails the same way
        finally:
            if outermost:
                self._unplaced = False
        return tuple(read_items)

    def enum(self, data: Mapping[str, Any], key: str, where: str, kind: type[T], default: T) -> T:
        value = data.get(key)
        if value is None:
            return default
        members: Mapping[str, Any] = _MEMBERS.get(kind, {})
        if type(value) is str and value in members:
            return members[value]  # type: ignore[no-any-return]
        try:
            return kind(value)  # type: ignore[call-arg]
        except ValueError:
            raise self.fail(f"{where}.{key}", f"unknown value {value!r}") from None

    # -- model pieces

    def parameter(self, data: Mapping[str, Any], where: str) -> Parameter:
        # The common shape, checked inline (a manifest holds tens of thousands of parameters);
        # anything else takes the checks that name the problem.
        name, kind, annotation = data.get("name"), data.get("kind"), data.get("annotation")
        default, has_default = data.get("default"), data.get("has_default", False)
        if (
            type(name) is str
            and (kind is None or (type(kind) is str and kind in _PARAMETER_KINDS))
            and (annotation is None or type(annotation) is str)
            and (default is None or type(default) is str)
            and type(has_default) is bool
        ):
            return Parameter(
                name,
                ParameterKind.POSITIONAL_OR_KEYWORD if kind is None else _PARAMETER_KINDS[kind],
                annotation,
                has_default or default is not None,
                default,
            )
        return self._parameter(data, where)

    def _parameter(self, data: Mapping[str, Any], where: str) -> Parameter:
        default = self.optional_string(data, "default", where)
        return Parameter(
            name=self.string(data, "name", where),
            kind=self.enum(data, "kind", where, ParameterKind, ParameterKind.POSITIONAL_OR_KEYWORD),
            annotation=self.optional_string(data, "annotation", where),
            has_default=self.boolean(data, "has_default", where) or default is not None,
            default=default,
        )

    def function(self, data: Mapping[str, Any], where: str) -> Function:
        # As for parameters: the common shape inline, anything else checked with its place.
        name, returns, is_async = data.get("name"), data.get("returns"), data.get("async", False)
        kind, decorators = data.get("kind"), data.get("decorators", [])
        conditional, line = data.get("conditional", False), data.get("line", 0)
        if (
            type(name) is str
            and (returns is None or type(returns) is str)
            and type(is_async) is bool
            and (kind is None or (type(kind) is str and kind in _FUNCTION_KINDS))
            and type(decorators) is list
            and all(type(d) is str for d in decorators)
            and type(conditional) is bool
            and type(line) is int
            and -INTEGER <= line <= INTEGER
        ):
            return Function(
                name,
                self.items(data, "parameters", where, self.parameter),
                returns,
                is_async,
                FunctionKind.FUNCTION if kind is None else _FUNCTION_KINDS[kind],
                tuple(decorators),
                conditional,
                line,
            )
        return self._function(data, where)

    def _function(self, data: Mapping[str, Any], where: str) -> Function:
        return Function(
            name=self.string(data, "name", where),
            parameters=self.items(data, "parameters", where, self.parameter),
            returns=self.optional_string(data, "returns", where),
            is_async=self.boolean(data, "async", where),
            kind=self.enum(data, "kind", where, FunctionKind, FunctionKind.FUNCTION),
            decorators=self.strings(data, "decorators", where),
            conditional=self.boolean(data, "conditional", where),
            line=self.integer(data, "line", where),
        )

    def variable(self, data: Mapping[str, Any], where: str) -> Variable:
        return Variable(
            name=self.string(data, "name", where),
            annotation=self.optional_string(data, "annotation", where),
            conditional=self.boolean(data, "conditional", where),
            line=self.integer(data, "line", where),
            value=self.optional_string(data, "value", where),
        )

    def attribute(self, data: Mapping[str, Any], where: str) -> Attribute:
        # As for parameters: the common shape inline, anything else checked with its place.
        name, scope, annotation = data.get("name"), data.get("scope"), data.get("annotation")
        conditional, line = data.get("conditional", False), data.get("line", 0)
        value = data.get("value")
        if (
            type(name) is str
            and (scope is None or (type(scope) is str and scope in _ATTRIBUTE_SCOPES))
            and (annotation is None or type(annotation) is str)
            and type(conditional) is bool
            and type(line) is int
            and -INTEGER <= line <= INTEGER
            and (value is None or type(value) is str)
        ):
            return Attribute(
                name,
                AttributeScope.CLASS if scope is None else _ATTRIBUTE_SCOPES[scope],
                annotation,
                conditional,
                line,
                value,
            )
        return self._attribute(data, where)

    def _attribute(self, data: Mapping[str, Any], where: str) -> Attribute:
        return Attribute(
            name=self.string(data, "name", where),
            scope=self.enum(data, "scope", where, AttributeScope, AttributeScope.CLASS),
            annotation=self.optional_string(data, "annotation", where),
            conditional=self.boolean(data, "conditional", where),
            line=self.integer(data, "line", where),
            value=self.optional_string(data, "value", where),
        )

    def cls(self, data: Mapping[str, Any], where: str) -> Class:
        self._nesting += 1
        try:
            if self._nesting > CLASS_NESTING:
                raise self.fail(where, f"classes nested deeper than {CLASS_NESTING} levels")
            return self._cls(data, where)
        finally:
            self._nesting -= 1

    def _cls(self, data: Mapping[str, Any], where: str) -> Class:
        return Class(
            name=self.string(data, "name", where),
            bases=self.strings(data, "bases", where),
            methods=self.items(data, "methods", where, self.function),
            attributes=self.items(data, "attributes", where, self.attribute),
            classes=self.items(data, "classes", where, self.cls),
            decorators=self.strings(data, "decorators", where),
            conditional=self.boolean(data, "conditional", where),
            line=self.integer(data, "line", where),
        )

    def structure(self, data: Mapping[str, Any], where: str) -> ModuleStructure:
        return ModuleStructure(
            variables=self.items(data, "variables", where, self.variable),
            functions=self.items(data, "functions", where, self.function),
            classes=self.items(data, "classes", where, self.cls),
            all=self.strings(data, "all", where) if "all" in data else None,
        )

    def path(self, data: Mapping[str, Any], where: str) -> str:
        """A file's path: a plain relative path, never one that leaves the distribution."""
        path = self.string(data, "path", where)
        problem = unsafe_path_problem(path)
        if problem is not None:
            raise self.fail(f"{where}.path", f"{path!r} {problem}: not opened")
        return path

    def module(self, data: Mapping[str, Any], where: str) -> Module:
        if len(data) <= 5:  # the embedded form's header: name, path, sha256, code, pyc only
            name, path, sha256 = data.get("name"), data.get("path"), data.get("sha256")
            code, pyc = data.get("code"), data.get("pyc")
            if (
                type(name) is str
                and type(path) is str
                and type(sha256) is str
                and len(data) == 3 + (code is not None) + (pyc is not None)
                and (code is None or type(code) is str)
                and (pyc is None or type(pyc) is str)
            ):
                return Module(name, self.path(data, where), sha256, code=code, pyc=pyc)
        return Module(
            name=self.string(data, "name", where),
            path=self.path(data, where),
            sha256=self.string(data, "sha256", where),
            structure=self.structure(data, where),
            bindings=self.bindings(data, where),
            runs=self.runs(data, where),
            code=self.optional_string(data, "code", where),
            pyc=self.optional_string(data, "pyc", where),
        )

    def bindings(self, data: Mapping[str, Any], where: str) -> ModuleBindings | None:
        """The module's ``binds``, ``None`` when the manifest does not record them."""
        if BINDINGS_KEY not in data:
            return None
        return bindings_from_data(data[BINDINGS_KEY], f"{where}.{BINDINGS_KEY}", self.fail)

    def runs(self, data: Mapping[str, Any], where: str) -> str | None:
        """A module's ``runs``: one file name beside the module (absent in older manifests)."""
        runs = self.optional_string(data, "runs", where)
        if runs is not None and (
            runs in ("", ".", "..") or "/" in runs or "\\" in runs or "\0" in runs
        ):
            raise self.fail(f"{where}.runs", f"{runs!r} is not a file name beside the module")
        return runs

    def file(self, data: Mapping[str, Any], where: str) -> FileEntry:
        path, sha256 = data.get("path"), data.get("sha256")
        if type(path) is str and type(sha256) is str and len(data) == 2:
            return FileEntry(self.path(data, where), sha256)
        return FileEntry(
            path=self.path(data, where),
            sha256=self.string(data, "sha256", where),
            code=self.optional_string(data, "code", where),
            pyc=self.optional_string(data, "pyc", where),
        )

    def call(self, data: Mapping[str, Any], where: str) -> CallShape:
        return CallShape(
            positional=self.integer(data, "positional", where),
            keywords=self.strings(data, "keywords", where),
            star_args=self.boolean(data, "star_args", where),
            star_kwargs=self.boolean(data, "star_kwargs", where),
        )

    def expected_name(self, data: Mapping[str, Any], where: str) -> ExpectedName:
        function = data.get("function")
        cls = data.get("class")
        variable = data.get("variable")
        return ExpectedName(
            name=self.string(data, "name", where),
            kind=self.optional_string(data, "kind", where) or "any",
            calls=self.items(data, "calls", where, self.call),
            optional=self.boolean(data, "optional", where),
            unmet_at_build=self.boolean(data, "unmet_at_build", where),
            function=None
            if function is None
            else self.function(self.mapping(function, f"{where}.function"), f"{where}.function"),
            cls=None
            if cls is None
            else self.cls(self.mapping(cls, f"{where}.class"), f"{where}.class"),
            variable=None
            if variable is None
            else self.variable(self.mapping(variable, f"{where}.variable"), f"{where}.variable"),
        )

    def deployment(self, data: Mapping[str, Any], where: str) -> Deployment:
        return Deployment(
            machine=self.optional_string(data, "machine", where),
            platform=self.optional_string(data, "platform", where),
            env=self.strings(data, "env", where),
            pythons=self.strings(data, "pythons", where),
            interpreters=self.strings(data, "interpreters", where),
            modules=self.strings(data, "modules", where),
            env_values=tuple(
                self.pair(v, f"{where}.env_values") for v in data.get("env_values", [])
            ),
            secrets=self.strings(data, "secrets", where),
            names=self.items(data, "names", where, self.expected_name),
            version=self.optional_string(data, "version", where),
            exact=self.boolean(data, "exact", where),
        )

    def pair(self, value: Any, where: str) -> tuple[str, str]:
        if not (
            isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
        ):
            raise self.fail(where, "expected a [name, value] pair of strings")
        return (value[0], value[1])

    def expectation(self, data: Mapping[str, Any], where: str) -> Expectation:
        return Expectation(
            module=self.string(data, "module", where),
            distribution=self.optional_string(data, "distribution", where),
            distribution_from_requires=self.boolean(data, "distribution_from_requires", where),
            origin=self.optional_string(data, "origin", where) or "inferred",
            names=self.items(data, "names", where, self.expected_name),
            deployments=self.items(data, "deployments", where, self.deployment),
            optional=self.boolean(data, "optional", where),
            unmet_at_build=self.boolean(data, "unmet_at_build", where),
            met_at_build=self.string_pairs(data, "met_at_build", where),
            version=self.optional_string(data, "version", where),
            filename=self.optional_string(data, "filename", where),
            policy=None
            if data.get("policy") is None
            else policy_from_data(
                self.mapping(data["policy"], f"{where}.policy"), f"{where}.policy", self.fail
            ),
        )

    def entry_points(self, data: Mapping[str, Any]) -> tuple[EntryPoint, ...] | None:
        """``entry_points``: ``{group: {name: "module:attr [extras]"}}``; absent is ``None``."""
        if "entry_points" not in data:
            return None
        groups = self.mapping(data["entry_points"], "manifest.entry_points")
        checked: dict[str, dict[str, str]] = {}
        for group, entries in groups.items():
            where = f"manifest.entry_points[{group!r}]"
            checked[group] = {}
            if not isinstance(group, str):
                raise self.fail(where, "expected a string group name")
            for name, value in self.mapping(entries, where).items():
                if not isinstance(name, str) or not isinstance(value, str):
                    raise self.fail(f"{where}[{name!r}]", "expected a string")
                checked[group][name] = value
        return entry_points_format.from_data(checked)

    def entries(self, data: Mapping[str, Any]) -> None:
        """Refuse a manifest listing more modules and files than ``MANIFEST_ENTRIES``."""
        lists = (data.get("modules"), data.get("files"))
        entries = sum(len(value) for value in lists if isinstance(value, list))
        if entries > MANIFEST_ENTRIES:
            raise self.fail(
                "manifest",
                f"lists {entries} modules and files, beyond the limit of {MANIFEST_ENTRIES}",
            )

    def model(self, data: Mapping[str, Any]) -> SpyModel:
        schema = data.get("schema")
        if schema != SCHEMA_VERSION:
            raise self.fail(
                "schema", f"unsupported schema {schema!r} (expected {SCHEMA_VERSION!r})"
            )
        environment = self.mapping(data.get("environment", {}), "environment")
        self.entries(data)
        return SpyModel(
            schema=SCHEMA_VERSION,
            generator=self.optional_string(data, "generator", "manifest") or "",
            name=self.string(data, "name", "manifest"),
            version=self.string(data, "version", "manifest"),
            environment=EnvironmentConstraints(
                python=self.optional_string(environment, "python", "environment"),
                platforms=self.strings(environment, "platforms", "environment"),
                machines=self.strings(environment, "machines", "environment"),
                implementations=self.strings(environment, "implementations", "environment"),
                env=self.strings(environment, "env", "environment"),
            ),
            requires=self.strings(data, "requires", "manifest"),
            modules=self.items(data, "modules", "manifest", self.module),
            files=self.items(data, "files", "manifest", self.file),
            expects=self.items(data, "expects", "manifest", self.expectation),
            entry_points=self.entry_points(data),
            private=self.boolean(data, "private", "manifest"),
        )
