"""Reporters: a :class:`~hatch_importspy.verify.VerifyResult` in, a document out.

Reporters are pure functions of the result (and of ``--strict``, which decides what counts as a
failure); they never look at the environment themselves, so the same result always renders to
the same bytes.
"""

from __future__ import annotations

from .json import render_json
from .summary import Summary, summarize
from .text import render_text

__all__ = ["Summary", "render_json", "render_text", "summarize"]
