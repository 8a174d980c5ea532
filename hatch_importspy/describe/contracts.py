"""Contracts in the public ImportSpy 0.5 YAML syntax: what this package expects of other modules.

A contract describes one module the package imports but does not ship.  Users who already wrote
ImportSpy contracts reuse them unchanged, with ImportSpy's meaning: the document is read by YAML
1.2 rules (:mod:`hatch_importspy.formats.yaml12`, as ruamel.yaml reads it there) and validated
like ImportSpy's models (unknown keys, required fields, enumerations), every problem listed as
``FILE: key.path: problem`` (:class:`ContractError`).  ``docs/contracts.md`` is the reference:
every feature, and the short list of deliberate differences (all of them stricter).

Which module a contract describes: ImportSpy's ``filename`` is the basename of the checked file
(``transport.py``), which does not say which package it lives in.  Bind it in the hook's entry,
``"contracts/transport.yml:pkg.transport"``; the module's file must then have that basename.
Without a binding, ``filename: transport.py`` is the top-level module ``transport``, and a path
or dotted name (``pkg/transport.py``, ``pkg.transport``, an extension ImportSpy itself never
admits) names the module directly.

The document is read by :mod:`.contract_reader` (structure) and :mod:`.contract_runtime`
(``deployments`` and the admission policy).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from hatch_importspy.describe import contract_schema as schema
from hatch_importspy.describe.contract_runtime import RuntimeReader
from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.record import read_regular_file
from hatch_importspy.formats.yaml12 import CoreSchemaLoader
from hatch_importspy.formats.yaml_safe import load_one
from hatch_importspy.limits import DOCUMENT_BYTES
from hatch_importspy.model import Expectation, module_name

if TYPE_CHECKING:
    import yaml


class ContractError(UnusableInputError):
    """A contract file that cannot be honoured: every problem, on one line, first one first."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = tuple(problems)
        pieces = [f"{where}: {problem}" if where else problem for where, problem in problems]
        super().__init__(f"{source}: " + "; ".join(pieces))


def split_entry(entry: str) -> tuple[str, str | None]:
    """A ``contracts`` entry: ``PATTERN`` or ``PATTERN:module.name`` (the module it describes)."""
    pattern, colon, module = entry.rpartition(":")
    if colon and module and all(part.isidentifier() for part in module.split(".")):
        return pattern, module
    return entry, None


def load_contracts(
    patterns: Sequence[str],
    *,
    root: Path,
    where: str = "contracts",
    distribution_of: Callable[[str], str | None] | None = None,
    owner_of: Callable[[str], str | None] | None = None,
) -> tuple[Expectation, ...]:
    """Every contract matched by the glob ``patterns`` (relative to ``root``), in path order.

    A pattern that matches no file is an error naming ``where`` (the option's key path): a typo
    there would otherwise drop a contract without a word.  A pattern bound to a module
    (``PATTERN:pkg.mod``) must match exactly one file.
    """
    paths: dict[Path, str | None] = {}
    for entry in patterns:
        pattern, module = split_entry(entry)
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise ContractError(where, [("", f"pattern {pattern!r} must stay inside the project")])
        matched = [path for path in root.glob(pattern) if path.is_file()]
        if not matched:
            raise ContractError(where, [("", f"pattern {pattern!r} matches no file")])
        if module is not None and len(matched) > 1:
            raise ContractError(
                where, [("", f"{entry!r} binds {len(matched)} files to one module {module}")]
            )
        for path in matched:
            if paths.get(path) is None:
                paths[path] = module
    expectations: list[Expectation] = []
    for path in sorted(paths, key=lambda p: _relative(p, root)):
        expectations.extend(
            load_contract(
                path,
                root=root,
                distribution_of=distribution_of,
                module=paths[path],
                owner_of=owner_of,
            )
        )
    return tuple(expectations)


def load_contract(
    path: Path,
    *,
    root: Path,
    distribution_of: Callable[[str], str | None] | None = None,
    module: str | None = None,
    owner_of: Callable[[str], str | None] | None = None,
) -> tuple[Expectation, ...]:
    """The expectation one contract file states (one module per file).

    ``root`` is the project directory: the expectation's ``origin`` is the path relative to it.
    ``distribution_of`` maps the module's top-level name to its distribution, when known;
    ``owner_of``, asked first, maps the dotted module to the distribution that installed its
    own file (:func:`~hatch_importspy.describe.distribution.module_owner_resolver`: right when
    several distributions share a top-level name).
    ``module`` binds the contract to a module (its file's basename must be ``filename``).
    """
    source = _relative(path, root)
    try:
        text = read_regular_file(path, limit=DOCUMENT_BYTES).decode("utf-8")
    except UnusableInputError as error:
        raise ContractError(source, [("", str(error).removeprefix(f"{path}: "))]) from None
    except OSError as error:
        raise ContractError(source, [("", f"cannot be read: {error.strerror or error}")]) from None
    except UnicodeDecodeError:
        raise ContractError(source, [("", "is not UTF-8 text")]) from None
    expectation = read_contract(_parse(text, source), source, module=module)
    distribution = None if owner_of is None else owner_of(expectation.module)
    if distribution is None and distribution_of is not None:
        distribution = distribution_of(expectation.module.partition(".")[0])
    if distribution is not None:
        expectation = _with_distribution(expectation, canonicalize_name(distribution))
    return (expectation,)


def read_contract(data: object, source: str, *, module: str | None = None) -> Expectation:
    """The expectation a parsed contract document states; :class:`ContractError` lists every
    problem of the document."""
    reader = RuntimeReader()
    if data is None:
        raise ContractError(source, [("", "is empty")])
    document = reader.mapping(data, "", schema.DOCUMENT_KEYS)
    if document is None:
        raise ContractError(source, reader.problems)
    filename = reader.string(document, "filename", "")
    reader.filename = filename
    name = _module(reader, filename, module)
    version = reader.string(document, "version", "")
    names = reader.names(document, "")
    deployments = tuple(dict.fromkeys(reader.deployments(document)))
    policy = reader.policy(document)
    if reader.problems or name is None:
        raise ContractError(source, reader.problems or [("filename", "is required")])
    return Expectation(
        module=name,
        origin=source,
        names=names,
        deployments=deployments,
        version=version,
        filename=filename,
        policy=policy,
    )


def _module(reader: RuntimeReader, filename: str | None, bound: str | None) -> str | None:
    """The dotted module the contract describes (see the module docstring)."""
    if bound is not None:
        if filename is not None and filename not in _basenames(bound):
            reader.problem(
                "filename",
                f"{filename!r} is not the file of {bound} ({' or '.join(_basenames(bound))}): "
                "ImportSpy would deny it",
            )
        return bound
    if filename is None:
        reader.problem("filename", "is required unless the hook entry names the module")
        return None
    text = filename.replace("\\", "/").strip("/")
    if text.endswith(".py"):
        name = module_name(text)
    else:
        name = text if all(part.isidentifier() for part in text.split(".")) else None
    if name is None:
        reader.problem(
            "filename", f"{filename!r} names no importable module (write mod.py or pkg.mod)"
        )
    return name


def _basenames(module: str) -> tuple[str, ...]:
    """The basenames a module's file can have: ``mod.py``, or ``__init__.py`` for a package."""
    return (f"{module.rpartition('.')[2]}.py", "__init__.py")


def _with_distribution(expectation: Expectation, distribution: str) -> Expectation:
    from dataclasses import replace

    return replace(expectation, distribution=distribution)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _parse(text: str, source: str) -> Any:
    import yaml

    try:
        _refuse_duplicate_keys(yaml.compose(text, Loader=CoreSchemaLoader), source)
        return load_one(
            text,
            source=source,
            invalid=lambda problem: f"invalid YAML: {problem}",
            loader=CoreSchemaLoader,
        )
    except ContractError:
        raise
    except UnusableInputError as error:  # beyond a limit (see hatch_importspy.limits)
        raise ContractError(source, [("", str(error).removeprefix(f"{source}: "))]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ContractError(source, [(where, f"invalid YAML: {problem}")]) from None
    except RecursionError:
        raise ContractError(source, [("", "nested too deeply to read")]) from None


def _refuse_duplicate_keys(node: yaml.Node | None, source: str) -> None:
    import yaml

    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        line = key.start_mark.line + 1
                        raise ContractError(
                            source, [(f"line {line}", f"duplicate key {key.value!r}")]
                        )
                    seen.add(key.value)
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


__all__ = ["ContractError", "load_contract", "load_contracts", "read_contract"]
