"""Read installed provider modules from source, as their importers see them.

A :class:`~hatch_importspy.model.ModuleStructure` lists what a module *defines*; an importer also
sees the names it binds by import (``requests.get`` is ``requests.api.get``), star-imports and
namespace writes.  This module reads those facts from the same parsed tree, never by importing the
module, into the plain :class:`~hatch_importspy.compare.provided.ProvidedModule` that the
expectation checks (:mod:`hatch_importspy.compare.expectations`) take.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from pathlib import Path

from hatch_importspy.compare.provided import ProvidedModule
from hatch_importspy.describe.bindings import module_bindings
from hatch_importspy.describe.extract import ExtractionError, parse, structure_of
from hatch_importspy.describe.provider_files import (
    COMPILED,
    NAMESPACE,
    DirectoryNames,
    Located,
    SourceFile,
    locate,
)
from hatch_importspy.model import ModuleStructure


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
    names = DirectoryNames()

    def lookup(name: str) -> ProvidedModule | None:
        if name not in cache:
            cache[name] = _find(directories, name, names)
        return cache[name]

    return lookup


def without_source(name: str, located: Located) -> ProvidedModule | None:
    """The module when it has no source to read: compiled (every name "cannot tell"), a
    namespace package (nothing but its submodules), or absent (``None``)."""
    if located == COMPILED:
        return ProvidedModule.from_structure(name, ModuleStructure(), private=True)
    if located == NAMESPACE:
        return ProvidedModule(name=name, structure=ModuleStructure())
    return None


def read_source(name: str, found: SourceFile) -> ProvidedModule:
    """Parse and describe a located module; raises ``ExtractionError`` when it cannot."""
    try:
        source = (found.directory / found.relative).read_bytes()
    except OSError as error:
        problem = error.strerror or str(error)
        raise ExtractionError(f"{found.relative}: cannot read: {problem}") from None
    return describe_provider(
        source, filename=found.relative, name=name, is_package=found.is_package
    )


def _find(directories: Sequence[Path], name: str, names: DirectoryNames) -> ProvidedModule | None:
    located = locate(directories, name, names)
    if isinstance(located, SourceFile):
        return read_source(name, located)
    return without_source(name, located)


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
        return provided_module(tree, name=name, is_package=is_package, source=source)
    except RecursionError:
        raise ExtractionError(f"{filename}: nested too deeply to describe") from None


def provided_module(
    tree: ast.Module,
    *,
    name: str,
    is_package: bool,
    private: bool = True,
    source: bytes | None = None,
) -> ProvidedModule:
    """Describe an already parsed module as its importers see it (``source``, the bytes it was
    parsed from, spares the namespace-write walk where it cannot find anything)."""
    return ProvidedModule.from_bindings(
        name,
        structure_of(tree, private=private),
        module_bindings(tree, name=name, is_package=is_package, source=source),
        private=private,
    )
