"""Spies shared by tests that must prove what verification did not do."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import pytest


def spy_on_parse(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file names handed to :func:`ast.parse` from now on (every parser in hatch-importspy
    goes through it), for as long as ``monkeypatch`` holds."""
    seen: list[str] = []
    original: Callable[..., Any] = ast.parse

    def spy(source: Any, filename: str = "<unknown>", *args: Any, **kwargs: Any) -> Any:
        seen.append(str(filename))
        return original(source, filename, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", spy)
    return seen
