"""hatch-importspy: embed a SpyModel manifest at build time, verify installs against it."""

from __future__ import annotations

__version__ = "0.1.0"
