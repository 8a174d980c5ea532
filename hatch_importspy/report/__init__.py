"""Reporters: a :class:`~hatch_importspy.results.VerifyResult` in, a document out.

Reporters are pure functions of the result (and of ``--strict``, which decides what counts as a
failure); they never look at the environment themselves, so the same result always renders to
the same bytes.
"""

from __future__ import annotations

from hatch_importspy.report.json import render_json
from hatch_importspy.report.summary import Summary, summarize
from hatch_importspy.report.text import render_text

__all__ = ["Summary", "render_json", "render_text", "summarize"]
