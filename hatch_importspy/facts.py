"""Facts about the place a distribution runs: the right-hand side of every ISP1xx comparison.

The facts are plain strings so that they can come from the running interpreter
(:func:`current_environment`) or from another interpreter that was asked for them and answered
with plain data (``--python``, see :mod:`.interpreter`; read by
:meth:`EnvironmentFacts.from_mapping`).  Only the *names* of environment variables are ever
collected: their values are none of our business and must never reach a report.  A contract may
still state a value a variable must have; that comparison is made where the values live (see
:class:`EnvironmentValues`), and only the names that differ come back.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

from hatch_importspy.errors import UnusableInputError

_MACHINE_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        # 64-bit x86: Windows reports AMD64, some BSDs amd64, a few tools x64 / x86-64.
        "amd64": "x86_64",
        "x64": "x86_64",
        "x86-64": "x86_64",
        "em64t": "x86_64",
        # 64-bit Arm, little-endian: macOS and Windows say arm64, Linux aarch64.  The big-endian
        # aarch64_be is a different ABI and deliberately stays distinct.
        "arm64": "aarch64",
        "armv8l": "aarch64",
        # 32-bit x86: every i?86 spelling and Windows' x86 are one instruction set for wheels.
        "i386": "x86",
        "i486": "x86",
        "i586": "x86",
        "i686": "x86",
        "x86": "x86",
        "ia32": "x86",
        # 64-bit POWER, little-endian.
        "powerpc64le": "ppc64le",
    }
)


def normalise_machine(machine: str) -> str:
    """The canonical spelling of a ``platform.machine()`` value, so that manifests compare.

    Lower-cased, then: ``amd64``/``x64``/``x86-64``/``em64t`` are ``x86_64``; ``arm64``/``armv8l``
    are ``aarch64`` (``aarch64_be`` stays itself: big-endian is another ABI); ``i386``..``i686``,
    ``x86`` and ``ia32`` are ``x86``; ``powerpc64le`` is ``ppc64le``.  Anything else is returned
    lower-cased and stripped, unchanged otherwise.
    """
    lowered = machine.strip().lower()
    return _MACHINE_ALIASES.get(lowered, lowered)


class EnvironmentValues(Protocol):
    """Compares stated values with the environment variables of the interpreter the facts
    describe, in that interpreter's own environment: the values never leave it, the stated ones
    go to it.  Asked only for the names a contract states a value for."""

    def differing(self, wanted: Mapping[str, str]) -> frozenset[str]:
        """The names of ``wanted`` that are unset there, or set to another value."""
        ...


@dataclass(frozen=True)
class ProcessValues:
    """The running interpreter's values: its own ``os.environ``, read when asked."""

    def differing(self, wanted: Mapping[str, str]) -> frozenset[str]:
        return frozenset(name for name, value in wanted.items() if os.environ.get(name) != value)


@dataclass(frozen=True)
class EnvironmentFacts:
    """What the target interpreter is: version, platform, machine, implementation, env names."""

    python_version: str
    """``platform.python_version()``, e.g. ``3.11.7`` or ``3.13.0rc1``."""
    platform: str
    """``sys.platform``, e.g. ``linux``, ``darwin``, ``win32``."""
    machine: str
    """``platform.machine()`` passed through :func:`normalise_machine`."""
    implementation: str
    """``sys.implementation.name``, e.g. ``cpython``, ``pypy``."""
    env_names: frozenset[str] = frozenset()
    """Names of the environment variables that are set (never their values)."""
    markers: Mapping[str, str] = field(default_factory=dict, hash=False)
    """The PEP 508 marker environment, for evaluating ``Requires-Dist`` markers."""
    values: EnvironmentValues | None = field(default=None, compare=False, repr=False)
    """Where stated values are compared (:class:`EnvironmentValues`); ``None`` when no one can
    be asked (facts read from plain data): every stated value then counts as not met, since a
    value that cannot be compared in the right environment must not pass."""

    def differing_values(self, wanted: Mapping[str, str]) -> frozenset[str]:
        """The names of ``wanted`` whose value is not the stated one in this environment (all of
        them when :attr:`values` is unknown)."""
        if not wanted:
            return frozenset()
        if self.values is None:
            return frozenset(wanted)
        return self.values.differing(wanted)

    def __post_init__(self) -> None:
        # A frozen fact must not change because a caller kept and mutated the dict it passed in.
        object.__setattr__(self, "markers", MappingProxyType(dict(self.markers)))
        object.__setattr__(self, "machine", normalise_machine(self.machine))
        object.__setattr__(self, "env_names", frozenset(self.env_names))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], *, source: str) -> EnvironmentFacts:
        """Build facts from plain data (e.g. JSON printed by another interpreter).

        ``source`` names where the data came from in the one-line error raised when a key is
        missing or of the wrong type.
        """

        def text(key: str) -> str:
            value = data.get(key)
            if not isinstance(value, str):
                raise UnusableInputError(f"{source}: {key} must be a string")
            return value

        names = data.get("env_names", [])
        if not isinstance(names, (list, tuple, frozenset, set)) or not all(
            isinstance(name, str) for name in names
        ):
            raise UnusableInputError(f"{source}: env_names must be a list of strings")
        markers = data.get("markers", {})
        if not isinstance(markers, Mapping) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in markers.items()
        ):
            raise UnusableInputError(f"{source}: markers must be a mapping of strings to strings")
        return cls(
            python_version=text("python_version"),
            platform=text("platform"),
            machine=text("machine"),
            implementation=text("implementation"),
            env_names=frozenset(names),
            markers=dict(markers),
        )

    def to_mapping(self) -> dict[str, object]:
        """Plain data that :meth:`from_mapping` reads back to equal facts."""
        return {
            "python_version": self.python_version,
            "platform": self.platform,
            "machine": self.machine,
            "implementation": self.implementation,
            "env_names": sorted(self.env_names),
            "markers": dict(self.markers),
        }


def current_environment() -> EnvironmentFacts:
    """The facts of the running interpreter."""
    # packaging.markers (and the tag machinery it loads) only when facts are wanted: ``--path``
    # runs and the build hook never ask.
    from packaging.markers import default_environment

    return EnvironmentFacts(
        python_version=platform.python_version(),
        platform=sys.platform,
        machine=platform.machine(),
        implementation=sys.implementation.name,
        env_names=frozenset(os.environ),
        markers={key: str(value) for key, value in default_environment().items()},
        values=ProcessValues(),
    )
