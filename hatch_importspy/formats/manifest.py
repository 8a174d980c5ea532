"""Read and write the manifest document (``importspy.yaml``).

The manifest is written as YAML in its JSON-compatible flow form: sorted keys,
UTF-8, ``\\n`` line endings, no timestamps or absolute paths.  Any YAML reader reads it, a person
can read and diff it, and ``verify`` can load it with the C JSON parser, which is what keeps
verification of an unchanged environment close to the cost of hashing its files.  Hand-written or
block-style YAML (a committed baseline, say) is read too, through ``yaml.safe_load_all``.

The embedded form is a YAML stream of two documents, both in JSON form: first the manifest with
each module's name, path and sha256 but not its structure, then ``---`` and a mapping from module
path to structure, one module per line.  Verifying an unchanged install needs only the digests,
and decoding every structure of a large package costs more than hashing all of its files
(measured on 417 generated modules: 15 ms to decode one document holding everything against
6.5 ms to hash; the first document alone decodes in 0.3 ms and loads, validated, in 1.1 ms),
so the structures are decoded only when a file's digest differs.  A reader that wants everything
at once uses ``yaml.safe_load_all``; ``show`` prints one spelled-out document, and this reader
accepts both.  A consequence, by design: a damaged structures document goes unnoticed by a
``verify`` in which no file changed (``show`` and any changed file report it); the deploy gate's
lock holds the digest of the whole manifest.

Fields that hold their default value are left out, so the document stays small and a field added
in a later release with a default does not change the manifests of packages that do not use it.
One exception: ``entry_points`` is written even when empty (``{}``), because a manifest without
the field was written before entry points were recorded, and ``verify`` must tell "none declared"
from "not recorded".

A manifest may come from an untrusted wheel, so reading one holds to :mod:`hatch_importspy.limits`:
no YAML aliases (the writers never produce one), at most ``MANIFEST_ENTRIES`` modules and files,
classes nested at most ``CLASS_NESTING`` deep, integers within ``INTEGER``, and every path a plain
relative path (:func:`~hatch_importspy.formats.paths.unsafe_path_problem`): a path that would leave
the distribution is refused before anything is opened.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from hatch_importspy.errors import ManifestError, UnusableInputError
from hatch_importspy.formats import entry_points as entry_points_format
from hatch_importspy.formats.bindings import BINDINGS_KEY, bindings_from_data, bindings_to_data
from hatch_importspy.formats.paths import unsafe_path_problem
from hatch_importspy.formats.policy_data import policy_from_data, policy_to_data
from hatch_importspy.formats.structure_lines import StructureLines, line_index
from hatch_importspy.limits import CLASS_NESTING, INTEGER, MANIFEST_BYTES, MANIFEST_ENTRIES
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

MANIFEST_FILENAME = "importspy.yaml"
"""The file name inside ``<dist-info>/extra_metadata/``."""

MANIFEST_LOCATION = f"extra_metadata/{MANIFEST_FILENAME}"
"""Where the manifest sits inside a ``.dist-info`` directory."""

Data = dict[str, Any]
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


# --------------------------------------------------------------------------- writing


def _put(data: Data, key: str, value: Any, default: Any = None) -> None:
    if value != default and value != ():
        data[key] = list(value) if isinstance(value, tuple) else value


def _parameter_data(parameter: Parameter) -> Data:
    data: Data = {"name": parameter.name, "kind": parameter.kind.value}
    _put(data, "annotation", parameter.annotation)
    _put(data, "default", parameter.default if parameter.has_default else None)
    _put(data, "has_default", parameter.has_default, False)
    return data


def _function_data(function: Function) -> Data:
    data: Data = {"name": function.name}
    _put(data, "parameters", [_parameter_data(p) for p in function.parameters], [])
    _put(data, "returns", function.returns)
    _put(data, "async", function.is_async, False)
    _put(data, "kind", function.kind.value, FunctionKind.FUNCTION.value)
    _put(data, "decorators", function.decorators)
    _put(data, "conditional", function.conditional, False)
    _put(data, "line", function.line, 0)
    return data


def _variable_data(variable: Variable) -> Data:
    data: Data = {"name": variable.name}
    _put(data, "annotation", variable.annotation)
    _put(data, "value", variable.value)
    _put(data, "conditional", variable.conditional, False)
    _put(data, "line", variable.line, 0)
    return data


def _attribute_data(attribute: Attribute) -> Data:
    data: Data = {"name": attribute.name, "scope": attribute.scope.value}
    _put(data, "annotation", attribute.annotation)
    _put(data, "value", attribute.value)
    _put(data, "conditional", attribute.conditional, False)
    _put(data, "line", attribute.line, 0)
    return data


def _class_data(cls: Class) -> Data:
    data: Data = {"name": cls.name}
    _put(data, "bases", cls.bases)
    _put(data, "methods", [_function_data(m) for m in cls.methods], [])
    _put(data, "attributes", [_attribute_data(a) for a in cls.attributes], [])
    _put(data, "classes", [_class_data(c) for c in cls.classes], [])
    _put(data, "decorators", cls.decorators)
    _put(data, "conditional", cls.conditional, False)
    _put(data, "line", cls.line, 0)
    return data


def structure_to_data(structure: ModuleStructure) -> Data:
    """The ``variables``/``functions``/``classes``/``all`` mapping of one module."""
    data: Data = {}
    _put(data, "variables", [_variable_data(v) for v in structure.variables], [])
    _put(data, "functions", [_function_data(f) for f in structure.functions], [])
    _put(data, "classes", [_class_data(c) for c in structure.classes], [])
    if structure.all is not None:
        data["all"] = list(structure.all)
    return data


def module_facts_to_data(module: Module) -> Data:
    """A module's structure and, when recorded, its ``binds`` (see :mod:`.bindings`)."""
    data = structure_to_data(module.structure)
    if module.bindings is not None:
        data[BINDINGS_KEY] = bindings_to_data(module.bindings)
    return data


def _file_data(file: FileEntry) -> Data:
    data: Data = {"path": file.path, "sha256": file.sha256}
    _put(data, "code", file.code)
    _put(data, "pyc", file.pyc)
    return data


def _call_data(call: CallShape) -> Data:
    data: Data = {"positional": call.positional}
    _put(data, "keywords", call.keywords)
    _put(data, "star_args", call.star_args, False)
    _put(data, "star_kwargs", call.star_kwargs, False)
    return data


def _expected_name_data(name: ExpectedName) -> Data:
    data: Data = {"name": name.name, "kind": name.kind}
    _put(data, "calls", [_call_data(c) for c in name.calls], [])
    _put(data, "optional", name.optional, False)
    _put(data, "unmet_at_build", name.unmet_at_build, False)
    if name.function is not None:
        data["function"] = _function_data(name.function)
    if name.cls is not None:
        data["class"] = _class_data(name.cls)
    if name.variable is not None:
        data["variable"] = _variable_data(name.variable)
    return data


def _deployment_data(deployment: Deployment) -> Data:
    data: Data = {}
    _put(data, "machine", deployment.machine)
    _put(data, "platform", deployment.platform)
    _put(data, "env", deployment.env)
    _put(data, "pythons", deployment.pythons)
    _put(data, "interpreters", deployment.interpreters)
    _put(data, "modules", deployment.modules)
    _put(data, "env_values", [list(pair) for pair in deployment.env_values], [])
    _put(data, "secrets", deployment.secrets)
    _put(data, "names", [_expected_name_data(n) for n in deployment.names], [])
    _put(data, "version", deployment.version)
    _put(data, "exact", deployment.exact, False)
    return data


def _expectation_data(expectation: Expectation) -> Data:
    data: Data = {"module": expectation.module, "origin": expectation.origin}
    _put(data, "distribution", expectation.distribution)
    _put(data, "distribution_from_requires", expectation.distribution_from_requires, False)
    _put(data, "names", [_expected_name_data(n) for n in expectation.names], [])
    _put(data, "deployments", [_deployment_data(d) for d in expectation.deployments], [])
    _put(data, "optional", expectation.optional, False)
    _put(data, "unmet_at_build", expectation.unmet_at_build, False)
    _put(data, "met_at_build", dict(expectation.met_at_build), {})
    _put(data, "version", expectation.version)
    _put(data, "filename", expectation.filename)
    if expectation.policy is not None:
        data["policy"] = policy_to_data(expectation.policy)
    return data


def to_data(model: SpyModel, *, structures: bool = True) -> Data:
    """The manifest as plain data (dicts, lists, strings, numbers, booleans).

    With ``structures`` each module entry spells out its ``variables``/``functions``/``classes``/
    ``all``; without, the entries hold only name, path and sha256 (the embedded form's first
    document, see :func:`dumps`).
    """
    environment: Data = {}
    env = model.environment
    _put(environment, "python", env.python)
    _put(environment, "platforms", env.platforms)
    _put(environment, "machines", env.machines)
    _put(environment, "implementations", env.implementations)
    _put(environment, "env", env.env)
    modules = []
    for module in model.modules:
        entry: Data = {"name": module.name, "path": module.path, "sha256": module.sha256}
        _put(entry, "runs", module.runs)
        _put(entry, "code", module.code)
        _put(entry, "pyc", module.pyc)
        if structures:
            entry.update(module_facts_to_data(module))
        modules.append(entry)
    data: Data = {
        "schema": model.schema,
        "generator": model.generator,
        "name": model.name,
        "version": model.version,
        "environment": environment,
        "requires": list(model.requires),
        "modules": modules,
        "files": [_file_data(f) for f in model.files],
        "expects": [_expectation_data(e) for e in model.expects],
        "private": model.private,
    }
    if model.entry_points is not None:  # ``{}`` too: "recorded, none" is not "not recorded"
        data["entry_points"] = entry_points_format.to_data(model.entry_points)
    return data


DOCUMENT_SEPARATOR = "\n---\n"
"""Between the two documents of the embedded form: YAML's document start marker on its own line.
A JSON document cannot contain it (a line break inside a JSON string is always escaped)."""
_SEPARATOR_BYTES = DOCUMENT_SEPARATOR.encode()
_NOT_INDEXED = object()


def dumps(model: SpyModel) -> str:
    """The embedded manifest, byte-for-byte deterministic for equal models.

    A YAML stream of two documents, each in JSON form: the manifest without structures, then a
    mapping from module path to structure, one module per line.
    """
    header = json.dumps(
        to_data(model, structures=False), indent=2, sort_keys=True, ensure_ascii=False
    )
    lines = [
        json.dumps(module.path, ensure_ascii=False)
        + ": "
        + json.dumps(
            module_facts_to_data(module),
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for module in sorted(model.modules, key=lambda module: module.path)
    ]
    body = "{\n" + ",\n".join(lines) + "\n}" if lines else "{}"
    return header + DOCUMENT_SEPARATOR + body + "\n"


def dumps_json(model: SpyModel) -> str:
    """The manifest as ONE JSON document, every module's structure in place (``show --format
    json``).

    The embedded form is two documents split by ``---`` so that verifying an unchanged install
    decodes only the first; a person piping ``show`` into ``jq`` or ``json.load`` needs a single
    document instead.  Deterministic like :func:`dumps`, and read back by :func:`loads`.
    """
    return json.dumps(to_data(model), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def dumps_yaml(model: SpyModel) -> str:
    """The manifest in block-style YAML, for people (``show``); reads back to the same model."""
    import yaml

    class _NoAliases(yaml.SafeDumper):
        """Never anchor a repeated object: the reader refuses aliases (see the module doc)."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

    return yaml.dump(
        to_data(model), Dumper=_NoAliases, sort_keys=True, allow_unicode=True, width=100
    )


# --------------------------------------------------------------------------- reading


class _Reader:
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


def _utf8(content: bytes, source: str) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise ManifestError(f"{source}: not UTF-8 text") from None


class _Documents:
    """The manifest's documents: the header now, the structures only when first asked for.

    The embedded form (see :func:`dumps`) is split at the document separator as bytes, and only
    the header is decoded up front, with the C JSON decoder; the structures document is decoded
    when a structure is first needed.  Anything else (one spelled-out document, block-style YAML)
    goes through ``yaml.safe_load_all``.
    """

    def __init__(
        self, content: bytes, source: str, whole: Callable[[], bytes] | None = None
    ) -> None:
        self.source = source
        self._structures: Any = None
        self._pending: bytes | None = None
        self._pending_at = 0
        self._whole = whole
        self._lines: StructureLines | object | None = _NOT_INDEXED
        split = content.find(_SEPARATOR_BYTES)  # no copy of the (large) structures document
        if split < 0 and whole is not None:  # ``content`` was only the start of the file
            content, self._whole = self._read_whole(), None
            split = content.find(_SEPARATOR_BYTES)
        try:
            self.header: Any = json.loads(_utf8(content[:split] if split >= 0 else content, source))
        except ValueError:
            self._load_yaml(_utf8(content, source))
        else:
            if split >= 0:
                self._pending, self._pending_at = content, split + len(_SEPARATOR_BYTES)

    def _load_yaml(self, text: str) -> None:
        from hatch_importspy.formats.yaml_safe import load_documents

        documents = load_documents(text, source=self.source, error=ManifestError, aliases=False)
        if not 1 <= len(documents) <= 2:
            raise ManifestError(f"{self.source}: expected one or two YAML documents")
        self.header = documents[0]
        self._structures = documents[1] if len(documents) == 2 else None

    @property
    def separate_structures(self) -> bool:
        """Whether structures live in a second document rather than in the module entries."""
        return self._pending is not None or self._structures is not None

    def _read_whole(self) -> bytes:
        assert self._whole is not None
        try:
            content = self._whole()
        except UnusableInputError as error:
            raise ManifestError(str(error)) from None
        _check_size(content, self.source)
        return content

    def _read_pending(self) -> None:
        """Read the rest of the file, when only its start was given."""
        if self._pending is not None and self._whole is not None:
            self._pending, self._whole = self._read_whole(), None
            self._pending_at = self._pending.find(_SEPARATOR_BYTES) + len(_SEPARATOR_BYTES)
            if self._pending_at < len(_SEPARATOR_BYTES):
                raise ManifestError(f"{self.source}: structures: the document is missing")

    def entry(self, path: str) -> Any:
        """The structures document's entry for ``path`` decoded alone, when the document is in
        the one-module-per-line form and that line decodes (:mod:`.structure_lines`); ``None``
        when it cannot be answered so, and :meth:`structures` must be asked instead."""
        if self._pending is None:
            return None  # decoded already (or there is no second document)
        self._read_pending()
        if self._lines is _NOT_INDEXED:
            self._lines = line_index(self._pending[self._pending_at :])
        if not isinstance(self._lines, StructureLines) or path not in self._lines:
            return None
        try:
            return self._lines.entry(path)
        except ValueError:
            return None

    def structures(self) -> Any:
        self._read_pending()
        if self._pending is not None:
            try:
                tail = self._pending[self._pending_at :]
                self._structures = json.loads(_utf8(tail, self.source))
            except ValueError as error:
                raise ManifestError(f"{self.source}: structures: invalid JSON: {error}") from None
            self._pending = None
        return self._structures


def _facts_from(
    reader: _Reader,
    documents: _Documents,
    data: Mapping[str, Any],
    where: str,
    *,
    alone: bool = False,
) -> tuple[ModuleStructure, ModuleBindings | None]:
    """One module's structure and ``binds``: from the structures document when there is one,
    else inline.  ``alone``: decode only this module's line of the structures document when it
    can be (:meth:`_Documents.entry`), for a reader that asks for a few modules."""
    if not documents.separate_structures:
        return reader.structure(data, where), reader.bindings(data, where)
    path = data.get("path")
    if alone and isinstance(path, str):
        entry = documents.entry(path)
        if entry is not None:
            where = f"structures[{path!r}]"
            entry = reader.mapping(entry, where)
            return reader.structure(entry, where), reader.bindings(entry, where)
    structures = reader.mapping(documents.structures(), "structures")
    if not isinstance(path, str) or path not in structures:
        raise reader.fail("structures", f"no structure for module {path!r}")
    where = f"structures[{path!r}]"
    entry = reader.mapping(structures[path], where)
    return reader.structure(entry, where), reader.bindings(entry, where)


def _with_structures(reader: _Reader, documents: _Documents) -> Mapping[str, Any]:
    header = reader.mapping(documents.header, "document")
    reader.entries(header)
    if not documents.separate_structures:
        return header
    modules = header.get("modules", [])
    if not isinstance(modules, list):
        return header  # model() reports it
    spelled: list[Any] = []
    for index, item in enumerate(modules):
        if isinstance(item, Mapping) and isinstance(item.get("path"), str):
            structure, bindings = _facts_from(reader, documents, item, f"manifest.modules[{index}]")
            item = {**item, **module_facts_to_data(Module("", "", "", structure, bindings))}
        spelled.append(item)
    return {**header, "modules": spelled}


@contextmanager
def _nesting_checked(source: str) -> Iterator[None]:
    """Turn a document nested deeper than the interpreter's recursion limit (which the JSON and
    YAML decoders, and this reader, hit before memory runs out) into a one-line error: a manifest
    may come from an untrusted wheel, and reading it must not end in a traceback."""
    try:
        yield
    except RecursionError:
        raise ManifestError(f"{source}: nested too deeply to read") from None


def loads(text: str, source: str) -> SpyModel:
    """Parse a manifest (the embedded form or spelled-out YAML); ``source`` names it in errors.

    Raises :class:`ManifestError` with a one-line message for anything that is not a valid
    manifest of a schema this version understands.
    """
    return load_bytes(text.encode(), source)


def _check_size(content: bytes, source: str) -> None:
    if len(content) > MANIFEST_BYTES:
        raise ManifestError(f"{source}: larger than {MANIFEST_BYTES} bytes: not read")


def load_bytes(content: bytes, source: str) -> SpyModel:
    """Parse manifest bytes (UTF-8), naming ``source`` in errors."""
    _check_size(content, source)
    reader = _Reader(source)
    with _nesting_checked(source):
        return reader.model(_with_structures(reader, _Documents(content, source)))


_STRUCTURE_KEYS = frozenset({"variables", "functions", "classes", "all", BINDINGS_KEY})

StructureReader = Callable[[str], ModuleStructure]
"""Reads the structure of the module at a wheel path on demand (:func:`load_bytes_deferred`)."""

FactsReader = Callable[[str], tuple[ModuleStructure, ModuleBindings | None]]
"""Reads the structure and ``binds`` of the module at a wheel path on demand
(:func:`load_facts_deferred`)."""


def load_bytes_deferred(
    content: bytes, source: str, *, whole: Callable[[], bytes] | None = None
) -> tuple[SpyModel, StructureReader]:
    """Like :func:`load_bytes`, but each module's structure is read only when asked for
    (see :func:`load_facts_deferred`, which this narrows to structures)."""
    model, facts = load_facts_deferred(content, source, whole=whole)
    return model, lambda path: facts(path)[0]


def load_facts_deferred(
    content: bytes, source: str, *, whole: Callable[[], bytes] | None = None
) -> tuple[SpyModel, FactsReader]:
    """Like :func:`load_bytes`, but each module's structure is read only when asked for.

    The model's modules carry empty structures; the returned function reads (and checks, raising
    :class:`ManifestError`) the structure of the module at a wheel path.  ``verify`` needs a
    structure only for a file whose digest differs, and decoding every structure of a large
    package costs several times the hashing that verifying an unchanged install otherwise is.

    With ``whole``, ``content`` may be just the start of the file, up to and including the
    document separator (see :data:`DOCUMENT_SEPARATOR`); ``whole`` reads all of it, and is
    called only if a structure is asked for.
    """
    _check_size(content, source)
    reader = _Reader(source)
    with _nesting_checked(source):
        documents = _Documents(content, source, whole)
        header = reader.mapping(documents.header, "document")
        reader.entries(header)
        modules = header.get("modules", [])
        if not isinstance(modules, list):
            return reader.model(header), lambda path: (ModuleStructure(), None)  # raised already
        shallow: list[Any] = modules
        if not documents.separate_structures:  # structures inline: leave them out of the model
            shallow = [
                {key: value for key, value in item.items() if key not in _STRUCTURE_KEYS}
                if isinstance(item, Mapping)
                else item  # model() reports it
                for item in modules
            ]
        model = reader.model({**header, "modules": shallow})
    deferred = {module.path: index for index, module in enumerate(model.modules)}

    def facts(path: str) -> tuple[ModuleStructure, ModuleBindings | None]:
        index = deferred[path]
        with _nesting_checked(source):
            return _facts_from(
                reader, documents, modules[index], f"manifest.modules[{index}]", alone=True
            )

    return model, facts
