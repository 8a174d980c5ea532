"""Turn names into URL-friendly slugs."""

from __future__ import annotations

import re

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Lower-case ``text`` and join its words with hyphens."""
    return _NOT_WORD.sub("-", text.lower()).strip("-")
