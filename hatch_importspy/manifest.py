"""Read and write the manifest document (``importspy.yaml``).

The manifest is written as YAML in its JSON-compatible flow form: sorted keys, two-space indent,
UTF-8, ``\\n`` line endings, no timestamps or absolute paths.  Any YAML reader reads it, a person
can read and diff it, and ``verify`` can load it with the C JSON parser, which is what keeps
verification of an unchanged environment close to the cost of hashing its files.  Hand-written or
block-style YAML (a committed baseline, say) is read too, through ``yaml.safe_load``.

In the embedded form each module's structure is *packed*: one compact JSON string under
``structure``, beside the module's name, path and sha256.  Verifying an unchanged install needs
only the digests, and decoding every structure of a large package cost more than hashing all of
its files (measured on pip: 16 ms to decode against 11 ms to hash; packed, 4.5 ms), so a structure
is decoded only for a file whose digest differs.  ``show`` and ``dumps_yaml`` print the structures
spelled out, and the reader accepts both forms.

Fields that hold their default value are left out, so the document stays small and a field added
in a later release with a default does not change the manifests of packages that do not use it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import yaml

from .errors import ManifestError
from .model import (
    SCHEMA_VERSION,
    Attribute,
    AttributeScope,
    CallShape,
    Class,
    Deployment,
    EnvironmentConstraints,
    Expectation,
    ExpectedName,
    FileEntry,
    Function,
    FunctionKind,
    Module,
    ModuleStructure,
    Parameter,
    ParameterKind,
    SpyModel,
    Variable,
)

MANIFEST_FILENAME = "importspy.yaml"
"""The file name inside ``<dist-info>/extra_metadata/``."""

Data = dict[str, Any]
T = TypeVar("T")


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
    _put(data, "conditional", variable.conditional, False)
    _put(data, "line", variable.line, 0)
    return data


def _attribute_data(attribute: Attribute) -> Data:
    data: Data = {"name": attribute.name, "scope": attribute.scope.value}
    _put(data, "annotation", attribute.annotation)
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


def _call_data(call: CallShape) -> Data:
    data: Data = {"positional": call.positional}
    _put(data, "keywords", call.keywords)
    _put(data, "star_args", call.star_args, False)
    _put(data, "star_kwargs", call.star_kwargs, False)
    return data


def _expected_name_data(name: ExpectedName) -> Data:
    data: Data = {"name": name.name, "kind": name.kind}
    _put(data, "calls", [_call_data(c) for c in name.calls], [])
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
    return data


def _expectation_data(expectation: Expectation) -> Data:
    data: Data = {"module": expectation.module, "origin": expectation.origin}
    _put(data, "distribution", expectation.distribution)
    _put(data, "names", [_expected_name_data(n) for n in expectation.names], [])
    _put(data, "deployments", [_deployment_data(d) for d in expectation.deployments], [])
    return data


def packed_structure(structure: ModuleStructure) -> str:
    """A module's structure as one compact JSON string (see the module docstring for why)."""
    return json.dumps(
        structure_to_data(structure), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def to_data(model: SpyModel, *, packed: bool = True) -> Data:
    """The manifest as plain data (dicts, lists, strings, numbers, booleans).

    ``packed`` stores each module's structure as a JSON string under ``structure`` (the embedded
    form); otherwise its ``variables``/``functions``/``classes``/``all`` are spelled out.
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
        if packed:
            entry["structure"] = packed_structure(module.structure)
        else:
            entry.update(structure_to_data(module.structure))
        modules.append(entry)
    return {
        "schema": model.schema,
        "generator": model.generator,
        "name": model.name,
        "version": model.version,
        "environment": environment,
        "requires": list(model.requires),
        "modules": modules,
        "files": [{"path": f.path, "sha256": f.sha256} for f in model.files],
        "expects": [_expectation_data(e) for e in model.expects],
        "private": model.private,
    }


def dumps(model: SpyModel) -> str:
    """The manifest document, byte-for-byte deterministic for equal models."""
    return json.dumps(to_data(model), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def dumps_yaml(model: SpyModel) -> str:
    """The manifest in block-style YAML, for people (``show``); reads back to the same model."""
    return yaml.safe_dump(
        to_data(model, packed=False), sort_keys=True, allow_unicode=True, width=100
    )


# --------------------------------------------------------------------------- reading


class _Reader:
    """Typed access to untrusted data that names the place of every problem."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> ManifestError:
        return ManifestError(f"{self.source}: {where}: {problem}")

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
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
        return value

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}.{key}", "expected a list of strings")
        return tuple(value)

    def items(
        self,
        data: Mapping[str, Any],
        key: str,
        where: str,
        read: Callable[[Mapping[str, Any], str], T],
    ) -> tuple[T, ...]:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(f"{where}.{key}", "expected a list")
        return tuple(
            read(self.mapping(item, f"{where}.{key}[{index}]"), f"{where}.{key}[{index}]")
            for index, item in enumerate(value)
        )

    def enum(self, data: Mapping[str, Any], key: str, where: str, kind: type[T], default: T) -> T:
        value = data.get(key)
        if value is None:
            return default
        try:
            return kind(value)  # type: ignore[call-arg]
        except ValueError:
            raise self.fail(f"{where}.{key}", f"unknown value {value!r}") from None

    # -- model pieces

    def parameter(self, data: Mapping[str, Any], where: str) -> Parameter:
        default = self.optional_string(data, "default", where)
        return Parameter(
            name=self.string(data, "name", where),
            kind=self.enum(data, "kind", where, ParameterKind, ParameterKind.POSITIONAL_OR_KEYWORD),
            annotation=self.optional_string(data, "annotation", where),
            has_default=self.boolean(data, "has_default", where) or default is not None,
            default=default,
        )

    def function(self, data: Mapping[str, Any], where: str) -> Function:
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
        )

    def attribute(self, data: Mapping[str, Any], where: str) -> Attribute:
        return Attribute(
            name=self.string(data, "name", where),
            scope=self.enum(data, "scope", where, AttributeScope, AttributeScope.CLASS),
            annotation=self.optional_string(data, "annotation", where),
            conditional=self.boolean(data, "conditional", where),
            line=self.integer(data, "line", where),
        )

    def cls(self, data: Mapping[str, Any], where: str) -> Class:
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

    def module_structure(self, data: Mapping[str, Any], where: str) -> ModuleStructure:
        """A module entry's structure, packed (a JSON string) or spelled out."""
        packed = data.get("structure")
        if packed is None:
            return self.structure(data, where)
        where = f"{where}.structure"
        if not isinstance(packed, str):
            raise self.fail(where, "expected a JSON string")
        try:
            unpacked = json.loads(packed)
        except ValueError as error:
            raise self.fail(where, f"invalid JSON: {error}") from None
        return self.structure(self.mapping(unpacked, where), where)

    def module(self, data: Mapping[str, Any], where: str) -> Module:
        return Module(
            name=self.string(data, "name", where),
            path=self.string(data, "path", where),
            sha256=self.string(data, "sha256", where),
            structure=self.module_structure(data, where),
        )

    def file(self, data: Mapping[str, Any], where: str) -> FileEntry:
        return FileEntry(
            path=self.string(data, "path", where), sha256=self.string(data, "sha256", where)
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
            function=None
            if function is None
            else self.function(self.mapping(function, f"{where}.function"), f"{where}.function"),
            cls=None if cls is None else self.cls(self.mapping(cls, f"{where}.class"), where),
            variable=None
            if variable is None
            else self.variable(self.mapping(variable, f"{where}.variable"), where),
        )

    def deployment(self, data: Mapping[str, Any], where: str) -> Deployment:
        return Deployment(
            machine=self.optional_string(data, "machine", where),
            platform=self.optional_string(data, "platform", where),
            env=self.strings(data, "env", where),
            pythons=self.strings(data, "pythons", where),
            interpreters=self.strings(data, "interpreters", where),
            modules=self.strings(data, "modules", where),
        )

    def expectation(self, data: Mapping[str, Any], where: str) -> Expectation:
        return Expectation(
            module=self.string(data, "module", where),
            distribution=self.optional_string(data, "distribution", where),
            origin=self.optional_string(data, "origin", where) or "inferred",
            names=self.items(data, "names", where, self.expected_name),
            deployments=self.items(data, "deployments", where, self.deployment),
        )

    def model(self, data: Mapping[str, Any]) -> SpyModel:
        schema = data.get("schema")
        if schema != SCHEMA_VERSION:
            raise self.fail(
                "schema", f"unsupported schema {schema!r} (expected {SCHEMA_VERSION!r})"
            )
        environment = self.mapping(data.get("environment", {}), "environment")
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
            private=self.boolean(data, "private", "manifest"),
        )


def _utf8(content: bytes, source: str) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise ManifestError(f"{source}: not UTF-8 text") from None


def _decode(text: str, source: str) -> Any:
    """The document as plain data: JSON when it is (the fast path), else any YAML."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "document"
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ManifestError(f"{source}: {where}: {problem}") from None


def loads(text: str, source: str) -> SpyModel:
    """Parse a manifest document; ``source`` names it in error messages.

    Raises :class:`ManifestError` with a one-line message for anything that is not a valid
    manifest of a schema this version understands.
    """
    reader = _Reader(source)
    return reader.model(reader.mapping(_decode(text, source), "document"))


def load_bytes(content: bytes, source: str) -> SpyModel:
    """Parse manifest bytes (UTF-8), naming ``source`` in errors."""
    return loads(_utf8(content, source), source)


_STRUCTURE_KEYS = frozenset({"structure", "variables", "functions", "classes", "all"})

StructureReader = Callable[[str], ModuleStructure]
"""Reads the structure of the module at a wheel path on demand (:func:`load_bytes_deferred`)."""


def load_bytes_deferred(content: bytes, source: str) -> tuple[SpyModel, StructureReader]:
    """Like :func:`load_bytes`, but each module's structure is read only when asked for.

    The model's modules carry empty structures; the returned function reads (and checks, raising
    :class:`ManifestError`) the structure of the module at a wheel path.  ``verify`` needs a
    structure only for a file whose digest differs, and building every structure of a large
    package costs several times the hashing that verifying an unchanged install otherwise is.
    """
    reader = _Reader(source)
    data = reader.mapping(_decode(_utf8(content, source), source), "document")
    modules = data.get("modules", [])
    if not isinstance(modules, list):
        return reader.model(data), lambda path: ModuleStructure()  # model() raised already
    shallow: list[Any] = []
    deferred: dict[str, tuple[Mapping[str, Any], str]] = {}
    for index, item in enumerate(modules):
        if not isinstance(item, Mapping):
            shallow.append(item)  # model() reports it
            continue
        shallow.append({key: value for key, value in item.items() if key not in _STRUCTURE_KEYS})
        if isinstance(item.get("path"), str):
            deferred.setdefault(item["path"], (item, f"manifest.modules[{index}]"))
    model = reader.model({**data, "modules": shallow})

    def structure(path: str) -> ModuleStructure:
        item, where = deferred[path]
        return reader.module_structure(item, where)

    return model, structure
