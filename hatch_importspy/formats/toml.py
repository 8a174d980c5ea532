"""Reading TOML documents (``pyproject.toml``, policy files) into plain dicts.

Every reader of TOML turns a bad document into the same one-line
:class:`~hatch_importspy.errors.UnusableInputError` naming the file, so the wording lives here once.

On Python 3.10 TOML is read with ``tomli``, the backport of :mod:`tomllib` that hatchling itself
requires there (so it is always installed alongside hatch-importspy).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.formats.record import read_regular_file
from hatch_importspy.limits import DOCUMENT_BYTES

if sys.version_info >= (3, 11):
    import tomllib
else:  # hatchling requires tomli on Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]


def loads_toml(
    text: str, *, source: str, error: type[UnusableInputError] = UnusableInputError
) -> dict[str, Any]:
    """The document in ``text``; a problem raises ``error`` with one line naming ``source``.

    ``error`` lets a caller keep its own subclass (a policy raises ``PolicyError``).
    """
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{source}: not valid TOML: {problem}") from None
    except RecursionError:
        raise error(f"{source}: nested too deeply to read") from None
    return document


def load_toml(path: Path) -> dict[str, Any]:
    """The document in the file at ``path``; an unreadable or invalid file is one-line unusable."""
    try:
        text = read_regular_file(path, limit=DOCUMENT_BYTES).decode("utf-8")
    except OSError as problem:
        raise UnusableInputError(f"{path}: cannot read: {problem.strerror or problem}") from None
    except UnicodeDecodeError:
        raise UnusableInputError(f"{path}: not UTF-8 text") from None
    return loads_toml(text, source=str(path))
