"""One module's entry of a manifest's structures document, decoded without decoding the others.

The embedded manifest's second document maps each module's path to its structure and ``binds``,
one module per line (:func:`~hatch_importspy.formats.manifest.dumps`)::

    {
    "pkg/__init__.py": {...},
    "pkg/core.py": {...}
    }

``verify`` reads a provider's entries to check another package's expectations, usually a few
modules of a large document: decoding all of sqlalchemy's 2.5 MB (or pygments' 1.9 MB) to read
two entries cost more than hashing every file of the application benchmark, mostly in the
garbage collections that millions of new objects set off.  :func:`line_index` instead reads the
key of every line (cheap: a string scan) and keeps the rest of each line as text, so only the
entries asked for are decoded, each with the same strict JSON decoder.

What is read is what the whole document says whenever it is in that form: every line between
``{`` and ``}`` is ``"key": value`` with a comma after every value but the last, and the value
asked for decodes as one JSON value that ends where its line does.  Anything else -- another
layout, a key that is not a plain JSON string, a value that does not end at its line's end --
gives ``None`` here, and the caller decodes the whole document as before (reporting whatever is
wrong with it).  A later line with the same key wins, as it does in ``json.loads``.

Lines not asked for are not decoded, so damage in them goes unnoticed here (as it does when
``verify`` checks an unchanged install, which never reads this document).  One case reads
differently from ``json.loads`` of the whole: a line that smuggles a second pair after its value
(``"a.py": {...}, "b.py": {...},``, which no writer of this form produces) is decoded whole only
if ``a.py`` is asked for; ``b.py`` is answered by its own line even when ``json.loads`` would
take the smuggled one.  Both are the same manifest's word about the same file, whose digest
matched, and ``verify`` takes that word as given either way: nothing is vouched for that the
manifest did not state.
"""

from __future__ import annotations

import json
from typing import Any

_MISSING = object()


class StructureLines:
    """The entries of one structures document, by module path, each decoded when first asked."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values
        self._decoded: dict[str, Any] = {}

    def __contains__(self, path: object) -> bool:
        return path in self._values

    def entry(self, path: str) -> Any:
        """The entry of ``path`` (it must be listed); ``ValueError`` when its text is not one
        JSON value (the caller then decodes the whole document, which says what is wrong)."""
        found = self._decoded.get(path, _MISSING)
        if found is _MISSING:
            found = self._decoded[path] = json.loads(self._values[path])
        return found


def line_index(document: bytes) -> StructureLines | None:
    """The entries of a structures document written one module per line; ``None`` when it is
    not in that form (see the module docstring)."""
    text = document[:-1] if document.endswith(b"\n") else document
    if text == b"{}":
        return StructureLines({})
    if not (text.startswith(b"{\n") and text.endswith(b"\n}")):
        return None
    try:
        lines = text[2:-2].decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    values: dict[str, str] = {}
    decoder = json.JSONDecoder()  # strict, as json.loads
    last = len(lines) - 1
    for number, line in enumerate(lines):
        if not line.startswith('"'):
            return None
        try:
            key, end = decoder.raw_decode(line)  # the key alone: a JSON string ends at its quote
        except ValueError:
            return None
        if not isinstance(key, str) or line[end : end + 2] != ": ":
            return None
        value = line[end + 2 :]
        if number < last:
            if not value.endswith(","):
                return None
            value = value[:-1]
        values[key] = value
    return StructureLines(values)
