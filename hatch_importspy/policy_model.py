"""The admission-policy part of an ImportSpy 0.5 contract, as the manifest records it.

ImportSpy 0.5 contracts carry, beside the module structure, a policy about where the module may
run (``runtime``) and what it may import (``dependencies``, ``dependency_options``).  A contract
reused here keeps that meaning: :mod:`hatch_importspy.compare.expectations.policy` holds these
against the environment under check and the provider module's imports.  Kept apart from
:mod:`hatch_importspy.model` so that the model module stays one screenful of core types.
"""

from __future__ import annotations

from dataclasses import dataclass

# ImportSpy 0.5's own vocabulary, shared by the contract reader (build time) and the policy
# check (verify time): the interpreter names it accepts, and its ``os`` names.
IMPLEMENTATIONS = (
    "CPython",
    "PyPy",
    "Jython",
    "IronPython",
    "MicroPython",
    "Brython",
    "Pyston",
    "GraalPython",
    "RustPython",
    "Nuitka",
    "Transcrypt",
)
OS_PLATFORM = {"windows": "win32", "linux": "linux", "darwin": "darwin"}
"""ImportSpy ``os`` name -> ``sys.platform`` prefix."""


@dataclass(frozen=True)
class EnvironmentRequirement:
    """An environment variable that must be set, and equal ``value`` when one is stated.

    The value is compared, never printed (ImportSpy redacts it too).
    """

    name: str
    value: str | None = None


@dataclass(frozen=True)
class DependencyRule:
    """One ``dependencies`` entry: ``name`` is a distribution name or ``import:module``."""

    name: str
    allowed: bool = True
    required: bool = False
    version: str | None = None


@dataclass(frozen=True)
class AdmissionPolicy:
    """``runtime``, ``dependencies`` and ``dependency_options`` of one contract."""

    policy_id: str | None = None
    python: str | None = None
    """A version specifier (``>=3.10``) the interpreter must satisfy."""
    platforms: tuple[str, ...] = ()
    """ImportSpy ``os`` names (``linux``, ``windows``, ``darwin``), compared exactly."""
    machines: tuple[str, ...] = ()
    """ImportSpy architecture names, compared exactly with the normalised machine."""
    implementations: tuple[str, ...] = ()
    """``CPython``, ``PyPy``...: compared case-sensitively, as ImportSpy does."""
    environment: tuple[EnvironmentRequirement, ...] = ()
    dependencies: tuple[DependencyRule, ...] = ()
    unresolved: str = "deny"
    undeclared: str = "allow"
    unlisted: str = "allow"
