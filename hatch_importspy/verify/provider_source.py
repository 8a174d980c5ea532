"""Read installed provider modules from source, as their importers see them.

A :class:`~hatch_importspy.model.ModuleStructure` lists what a module *defines*; an importer also
sees the names it binds by import (``requests.get`` is ``requests.api.get``), star-imports and
namespace writes.  This module reads those facts from the same parsed tree, never by importing the
module, into the plain :class:`~hatch_importspy.compare.provided.ProvidedModule` that the
expectation checks (:mod:`hatch_importspy.compare.expectations`) take.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from hatch_importspy.compare.provided import ImportBinding, ProvidedModule
from hatch_importspy.describe.extract import ExtractionError, known_at_run_time, parse, structure_of
from hatch_importspy.model import ModuleStructure
from hatch_importspy.pyrules.extensions import extensions_by_stem


def directory_lookup(directories: Sequence[Path]) -> Callable[[str], ProvidedModule | None]:
    """Find modules in site-packages-like ``directories`` by reading files, never importing.

    The first directory that has the package ``a/b/`` or the module ``a/b`` wins, and in it the
    file the path finder takes: an extension module (``.so``/``.pyd``, also when a ``.py`` sits
    beside it, as mypyc-compiled wheels ship them), then source, then sourceless ``.pyc``.
    Compiled modules cannot be read: every name in them is "cannot tell"; a directory ``a/b``
    without ``__init__.py`` anywhere is a namespace package, which offers nothing but its
    submodules.  Answers are cached for the lookup's lifetime; a
    module that does not parse, or cannot be read, raises ``ExtractionError`` each time it is
    asked for.
    """
    cache: dict[str, ProvidedModule | None] = {}

    def lookup(name: str) -> ProvidedModule | None:
        if name not in cache:
            cache[name] = _find(directories, name)
        return cache[name]

    return lookup


def _find(directories: Sequence[Path], name: str) -> ProvidedModule | None:
    parts = name.split(".")
    if not all(part.isidentifier() for part in parts):
        return None
    namespace = False
    for directory in directories:
        base = directory.joinpath(*parts)
        for path, is_package in (
            (base / "__init__.py", True),
            (base.with_name(f"{parts[-1]}.py"), False),
        ):
            if _extension_beside(path):
                return ProvidedModule.from_structure(name, ModuleStructure(), private=True)
            if path.is_file():
                relative = "/".join(
                    [*parts, "__init__.py"] if is_package else [*parts[:-1], path.name]
                )
                try:
                    source = path.read_bytes()
                except OSError as error:
                    problem = error.strerror or str(error)
                    raise ExtractionError(f"{relative}: cannot read: {problem}") from None
                return describe_provider(
                    source, filename=relative, name=name, is_package=is_package
                )
        if base.parent.is_dir() and any(
            candidate.suffix in (".so", ".pyd", ".pyc")
            for candidate in base.parent.glob(f"{parts[-1]}.*")
        ):
            return ProvidedModule.from_structure(name, ModuleStructure(), private=True)
        namespace = namespace or base.is_dir()
    if namespace:
        return ProvidedModule(name=name, structure=ModuleStructure())
    return None


def _extension_beside(source: Path) -> bool:
    """Whether an extension module of the source's stem sits in its directory: the finder tries
    extension suffixes first, so that is what an import loads (the ``.py`` never runs)."""
    stem = source.name[: -len(".py")]
    if not source.parent.is_dir():
        return False
    names = [candidate.name for candidate in source.parent.glob(f"{stem}.*")]
    return stem in extensions_by_stem(names)


def describe_provider(
    source: bytes, *, filename: str, name: str, is_package: bool
) -> ProvidedModule:
    """Parse and describe one installed module; raises ``ExtractionError`` when it does not parse
    (or is nested too deeply to describe).

    ``is_package`` is true for a package's ``__init__.py``: relative imports resolve against the
    package itself rather than its parent.
    """
    tree = parse(source, filename)
    try:
        return provided_module(tree, name=name, is_package=is_package)
    except RecursionError:
        raise ExtractionError(f"{filename}: nested too deeply to describe") from None


def provided_module(
    tree: ast.Module, *, name: str, is_package: bool, private: bool = True
) -> ProvidedModule:
    """Describe an already parsed module as its importers see it."""
    package = name if is_package else name.rpartition(".")[0]
    imports: dict[str, ImportBinding] = {}
    stars: list[str | None] = []
    for statement in _module_level(tree.body):
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname is not None:
                    imports.setdefault(alias.asname, ImportBinding(alias.name))
                else:
                    first = alias.name.partition(".")[0]
                    imports.setdefault(first, ImportBinding(first))
        elif isinstance(statement, ast.ImportFrom):
            module = _absolute(statement, package)
            for alias in statement.names:
                if alias.name == "*":
                    stars.append(module)
                else:
                    imports.setdefault(
                        alias.asname or alias.name, ImportBinding(module, alias.name)
                    )
    return ProvidedModule(
        name=name,
        structure=structure_of(tree, private=private),
        imports=imports,
        star_imports=tuple(stars),
        dynamic=_writes_namespace(tree),
        private=private,
    )


def _absolute(node: ast.ImportFrom, package: str) -> str | None:
    if not node.level:
        return node.module
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts) or (node.level - 1 == len(parts) and not node.module):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    if node.module:
        base.append(node.module)
    return ".".join(base) if base else None


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at import time, through control flow; not ``if TYPE_CHECKING:``.

    A branch known never to run (the body of ``if TYPE_CHECKING:``, the ``else`` of ``if not
    TYPE_CHECKING:``) is skipped, as the extractor skips it.
    """
    for statement in body:
        yield statement
        if isinstance(statement, ast.If):
            known = known_at_run_time(statement.test)
            if known is not False:
                yield from _module_level(statement.body)
            if known is not True:
                yield from _module_level(statement.orelse)
        elif isinstance(statement, (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)):
            yield from _module_level(statement.body)
            yield from _module_level(getattr(statement, "orelse", []))
        elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            yield from _module_level(statement.body)  # type: ignore[attr-defined]
            for handler in statement.handlers:  # type: ignore[attr-defined]
                yield from _module_level(handler.body)
            yield from _module_level(statement.orelse)  # type: ignore[attr-defined]
            yield from _module_level(statement.finalbody)  # type: ignore[attr-defined]
        elif isinstance(statement, ast.Match):
            for case in statement.cases:
                yield from _module_level(case.body)


def _writes_namespace(tree: ast.Module) -> bool:
    """``globals()`` anywhere, or an assignment to ``sys.modules[...]``: names we cannot list."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "globals"
        ):
            return True
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "modules"
        ):
            return True
    return False
