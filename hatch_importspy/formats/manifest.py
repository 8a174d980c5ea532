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
from typing import Any

from hatch_importspy.errors import ManifestError, UnusableInputError
from hatch_importspy.formats import entry_points as entry_points_format
from hatch_importspy.formats.bindings import BINDINGS_KEY, bindings_to_data
from hatch_importspy.formats.manifest_reader import ManifestReader
from hatch_importspy.formats.policy_data import policy_to_data
from hatch_importspy.formats.structure_lines import StructureLines, line_index
from hatch_importspy.limits import MANIFEST_BYTES
from hatch_importspy.model import (
    Attribute,
    CallShape,
    Class,
    Deployment,
    Expectation,
    ExpectedName,
    FileEntry,
    Function,
    FunctionKind,
    Module,
    ModuleBindings,
    ModuleStructure,
    Parameter,
    SpyModel,
    Variable,
)

MANIFEST_FILENAME = "importspy.yaml"
"""The file name inside ``<dist-info>/extra_metadata/``."""

MANIFEST_LOCATION = f"extra_metadata/{MANIFEST_FILENAME}"
"""Where the manifest sits inside a ``.dist-info`` directory."""

Data = dict[str, Any]


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
    reader: ManifestReader,
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


def _with_structures(reader: ManifestReader, documents: _Documents) -> Mapping[str, Any]:
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
    reader = ManifestReader(source)
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
    reader = ManifestReader(source)
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
