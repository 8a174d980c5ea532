"""The exact executable lines of the known-harmless start-up ``.pth`` files, as regular
expressions: what :data:`~hatch_importspy.compare.startup.ALLOWED_STARTUP` holds a file's content
to.  Each shape is written from the files the tools themselves write (read from installed copies
of setuptools 47, 58, 65 and 84, and hatchling's and virtualenv's outputs); a file whose lines do
not have one of these shapes is judged as any other start-up code.
"""

from __future__ import annotations

import re

_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED = rf"{_IDENTIFIER}(?:\.{_IDENTIFIER})*"

DISTUTILS_PRECEDENCE = (
    r"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; "
    r"enabled = os\.environ\.get\(var, '(?:local|stdlib)'\) == 'local'; "
    r"enabled and __import__\('_distutils_hack'\)\.add_shim\(\);"
)
"""setuptools' ``distutils-precedence.pth`` (the default was ``'stdlib'`` before setuptools 60)."""

SETUPTOOLS_EDITABLE_FINDER = r"import (__editable___\w+_finder); \1\.install\(\)"
"""setuptools' PEP 660 ``__editable__.<name>.pth``: import the generated finder, install it."""

HATCH_EDITABLE = r"import _editable_impl_\w+"
"""hatchling/editables redirectors."""

VIRTUALENV = r"import _virtualenv"
"""virtualenv's and uv's ``_virtualenv.pth``."""

PYWIN32 = r"import pywin32_bootstrap"
"""pywin32's ``pywin32.pth`` (its other lines are path lines)."""

_NSPKG_CURRENT = (
    "import sys, types, os",
    "p = os.path.join(%(root)s, *%(pth)s)",
    "importlib = __import__('importlib.util')",
    "__import__('importlib.machinery')",
    "m = sys.modules.setdefault(%(pkg)s, importlib.util.module_from_spec("
    "importlib.machinery.PathFinder.find_spec(%(pkg)s, [os.path.dirname(p)])))",
    "m = m or sys.modules.setdefault(%(pkg)s, types.ModuleType(%(pkg)s))",
    "mp = (m or []) and m.__dict__.setdefault('__path__',[])",
    "(p not in mp) and mp.append(p)",
)
"""setuptools' namespace-package shim since it dropped Python < 3.5 (``namespaces.py``)."""

_NSPKG_HAS_MFS = (
    "import sys, types, os",
    "has_mfs = sys.version_info > (3, 5)",
    "p = os.path.join(%(root)s, *%(pth)s)",
    "importlib = has_mfs and __import__('importlib.util')",
    "has_mfs and __import__('importlib.machinery')",
    "m = has_mfs and sys.modules.setdefault(%(pkg)s, importlib.util.module_from_spec("
    "importlib.machinery.PathFinder.find_spec(%(pkg)s, [os.path.dirname(p)])))",
    "m = m or sys.modules.setdefault(%(pkg)s, types.ModuleType(%(pkg)s))",
    "mp = (m or []) and m.__dict__.setdefault('__path__',[])",
    "(p not in mp) and mp.append(p)",
)
"""The same shim as setuptools 31-59 wrote it, still found in wheels built back then."""

_NSPKG_PARENT = "m and setattr(sys.modules[%(parent)s], %(child)s, m)"
"""Added for a nested namespace package (``a.b``): bind it in its parent."""


def _nspkg_shape(template: tuple[str, ...]) -> str:
    """A template of setuptools' shim as a regular expression: the root is the site directory
    from ``site``'s frame or a string literal (editable installs), the package a dotted name."""
    fields = {
        "root": r"(?:sys\._getframe\(1\)\.f_locals\['sitedir'\]|'(?:[^'\\]|\\\\)*')",
        "pth": rf"\('{_IDENTIFIER}',\)|\('{_IDENTIFIER}'(?:, '{_IDENTIFIER}')+\)",
        "pkg": rf"'{_DOTTED}'",
        "parent": rf"'{_DOTTED}'",
        "child": rf"'{_IDENTIFIER}'",
    }
    escaped = [re.escape(line).replace(r"%\(", "%(").replace(r"\)s", ")s") for line in template]
    body = ";".join(escaped)
    parent = re.escape(_NSPKG_PARENT).replace(r"%\(", "%(").replace(r"\)s", ")s")
    wrapped = {key: f"(?:{value})" for key, value in fields.items()}
    return f"{body % wrapped}(?:;{parent % wrapped})?"


SETUPTOOLS_NSPKG = tuple(_nspkg_shape(template) for template in (_NSPKG_CURRENT, _NSPKG_HAS_MFS))
"""setuptools' ``*-nspkg.pth`` lines, one per namespace package."""
