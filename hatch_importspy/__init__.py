"""hatch-importspy: embed a SpyModel manifest at build time, verify installs against it."""

from __future__ import annotations

__version__ = "0.1.0"

GENERATOR = f"hatch-importspy {__version__}"
"""The ``generator`` field of the manifests this release writes.  ``verify`` trusts a check
recorded at build time (an expectation's ``met_at_build``) only from its own release."""
