"""The build hook's configuration: ``[tool.hatch.build.hooks.importspy]`` read and checked.

Everything a user can get wrong in the table is found in one pass and reported together, each
problem naming its full key path (``tool.hatch.build.hooks.importspy.platforms[1]: ...``), so a
build fails once with the whole list rather than once per mistake.  The result is a frozen
:class:`ImportSpyOptions` that the rest of the package trusts without re-checking.

This module depends on neither hatchling nor the project being built: ``importspy embed`` (wheels
from other backends) reads the same table from a ``pyproject.toml`` with
:func:`options_from_pyproject`, and validates it here too.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.facts import normalise_machine
from hatch_importspy.formats.toml import load_toml
from hatch_importspy.model import EnvironmentConstraints

HOOK_TABLE = "tool.hatch.build.hooks.importspy"
"""Where the options live in ``pyproject.toml`` when configured for every target."""

TARGET_HOOK_TABLE = "tool.hatch.build.targets.wheel.hooks.importspy"
"""A wheel-target hook table replaces the global one in hatchling; embed honours that."""

TOOL_TABLE = "tool.importspy"
"""The tool-neutral table, for projects that are not built with hatchling."""

POLICY_KEYS = frozenset({"require-manifest", "allow", "strict", "severities", "accept"})
"""Keys of ``[tool.importspy]`` that belong to the ``verify`` policy, not to the hook."""

OPTION_KEYS = frozenset(
    {
        "python",
        "platforms",
        "machines",
        "implementations",
        "env",
        "include",
        "exclude",
        "private",
        "contracts",
        "infer-expectations",
        "baseline",
        "allow-breaking",
    }
)
"""The keys of the table this package defines (DESIGN section 1), in their TOML spelling."""

HATCHLING_GENERIC_KEYS = frozenset(
    {
        "enable-by-default",
        "dependencies",
        "require-runtime-dependencies",
        "require-runtime-features",
    }
)
"""Keys hatchling reads from every hook table; hatchling validates them, we only let them pass."""

_WRONG_PLATFORM_SPELLINGS = {
    "windows": "win32",
    "win": "win32",
    "win64": "win32",
    "macos": "darwin",
    "macosx": "darwin",
    "osx": "darwin",
    "mac": "darwin",
    "linux2": "linux",
}
"""Common guesses that ``sys.platform`` never returns, with the value that was meant."""


class ConfigError(UnusableInputError):
    """The hook's configuration has one or more problems; ``problems`` lists every one.

    ``str()`` joins them with ``"; "`` so the message stays on one line, as every
    :class:`UnusableInputError` must; the hook prints them one per line as well.
    """

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportSpyOptions:
    """The validated options; defaults are what an empty table means."""

    python: str | None = None
    """PEP 440 specifier set for the Python version; ``None`` = any.

    Defaults to ``[project] requires-python``; ``python = ""`` in the table opts out of that.
    """
    platforms: tuple[str, ...] = ()
    """``sys.platform`` values, sorted and deduplicated; empty = any."""
    machines: tuple[str, ...] = ()
    """Normalised ``platform.machine()`` values, sorted and deduplicated; empty = any."""
    implementations: tuple[str, ...] = ()
    """``sys.implementation.name`` values, sorted and deduplicated; empty = any."""
    env: tuple[str, ...] = ()
    """Names of environment variables that must be set where the package runs."""
    include: tuple[str, ...] = ()
    """Dotted module prefixes to describe; empty = every module in the wheel."""
    exclude: tuple[str, ...] = ()
    """Dotted module prefixes not to describe (their files are still hashed)."""
    private: bool = False
    """Describe ``_private`` names too."""
    contracts: tuple[str, ...] = ()
    """Globs (relative to the project root) of ImportSpy contract files."""
    infer_expectations: bool = True
    """Record which external names the code uses (on by default)."""
    baseline: str | None = None
    """Path of the previous release's manifest to gate breaking changes against."""
    allow_breaking: bool = False
    """Let a build through despite breaking changes against ``baseline``."""

    def environment(self) -> EnvironmentConstraints:
        """The constraints the manifest records for the place the package runs."""
        return EnvironmentConstraints(
            python=self.python,
            platforms=self.platforms,
            machines=self.machines,
            implementations=self.implementations,
            env=self.env,
        )


class _Collector:
    """Reads one table, remembering every problem instead of stopping at the first."""

    def __init__(self, table: Mapping[str, object], where: str) -> None:
        self.table = table
        self.where = where
        self.problems: list[str] = []

    def path(self, key: str) -> str:
        return f"{self.where}.{key}"

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            self.problem(f"{self.path(key)} must be true or false, not {_describe(value)}")
            return default
        return value

    def optional_string(self, key: str) -> str | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(f"{self.path(key)} must be a string, not {_describe(value)}")
            return None
        return value

    def strings(self, key: str, check: Callable[[str], str] | None = None) -> tuple[str, ...]:
        """A list of strings; ``check`` returns the value to keep or raises :class:`_Invalid`."""
        value = self.table.get(key, [])
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            shown = _describe(value, show_value=key != "env")
            self.problem(f"{self.path(key)} must be a list of strings, not {shown}")
            return ()
        kept: list[str] = []
        for index, item in enumerate(value):
            item_path = f"{self.path(key)}[{index}]"
            if not item.strip():
                self.problem(f"{item_path} must not be empty")
                continue
            try:
                kept.append(item if check is None else check(item))
            except _Invalid as invalid:
                self.problem(f"{item_path}: {invalid}")
        return tuple(kept)


def _describe(value: object, *, show_value: bool = True) -> str:
    """A TOML value's type for messages, with the value unless it may be a secret."""
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    for kind, name in names.items():
        if type(value) is kind:
            return f"{name} ({value!r})" if show_value else name
    if isinstance(value, (list, tuple)):
        return (
            "a list with non-string items"
            if any(not isinstance(v, str) for v in value)
            else "a list"
        )
    if isinstance(value, Mapping):
        return "a table"
    return type(value).__name__


class _Invalid(Exception):
    """Raised by an item check: the message says what is wrong with that one item."""


def _check_platform(value: str) -> str:
    meant = _WRONG_PLATFORM_SPELLINGS.get(value.strip().lower())
    if meant is not None:
        raise _Invalid(f"{value!r} is not a sys.platform value (did you mean {meant!r}?)")
    if value != value.strip() or any(character.isspace() for character in value):
        raise _Invalid(f"{value!r} is not a sys.platform value (it contains white space)")
    return value.lower()


def _check_machine(value: str) -> str:
    if any(character.isspace() for character in value):
        raise _Invalid(f"{value!r} is not a machine name (it contains white space)")
    return normalise_machine(value)


def _check_implementation(value: str) -> str:
    if not value.replace("_", "").isalnum():
        raise _Invalid(f"{value!r} is not a sys.implementation.name value")
    return value.lower()


def _check_env_name(value: str) -> str:
    if "=" in value:
        # A value written here would be embedded in every wheel: refuse rather than leak it.
        raise _Invalid(
            f"{value.split('=', 1)[0]!r}= looks like an assignment: list variable names only, "
            "never values"
        )
    if any(character.isspace() for character in value) or "\0" in value:
        raise _Invalid("not an environment variable name (it contains white space or NUL)")
    return value


def _check_module_prefix(value: str) -> str:
    if not all(part.isidentifier() for part in value.split(".")):
        raise _Invalid(f"{value!r} is not a dotted module name (e.g. 'mypkg' or 'mypkg.sub')")
    return value


def _canonical(values: tuple[str, ...]) -> tuple[str, ...]:
    """Sorted and deduplicated: these are sets, and the manifest must not depend on order."""
    return tuple(sorted(set(values)))


def parse_options(
    table: Mapping[str, object], *, where: str = HOOK_TABLE, requires_python: str | None
) -> ImportSpyOptions:
    """Validate the hook's table and return the options it means.

    ``where`` is the table's key path, used as the prefix of every problem.  ``requires_python`` is
    the project's ``[project] requires-python``: the default for ``python``.  Raises
    :class:`ConfigError` listing every problem found.
    """
    read = _Collector(table, where)
    for key in sorted(set(table) - OPTION_KEYS - HATCHLING_GENERIC_KEYS, key=str):
        close = difflib.get_close_matches(str(key), sorted(OPTION_KEYS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        read.problem(f"{read.path(str(key))} is not a known option{hint}")

    python = read.optional_string("python") if "python" in table else requires_python
    if python is not None:
        python = python.strip() or None
    if python is not None:
        try:
            SpecifierSet(python)
        except InvalidSpecifier as error:
            origin = read.path("python") if "python" in table else "project.requires-python"
            read.problem(f"{origin}: invalid version specifier {python!r} ({error})")
            python = None

    baseline = read.optional_string("baseline")
    if baseline is not None and not baseline.strip():
        read.problem(f"{read.path('baseline')} must not be empty")
        baseline = None

    options = ImportSpyOptions(
        python=python,
        platforms=_canonical(read.strings("platforms", _check_platform)),
        machines=_canonical(read.strings("machines", _check_machine)),
        implementations=_canonical(read.strings("implementations", _check_implementation)),
        env=_canonical(read.strings("env", _check_env_name)),
        include=_canonical(read.strings("include", _check_module_prefix)),
        exclude=_canonical(read.strings("exclude", _check_module_prefix)),
        private=read.boolean("private", False),
        contracts=read.strings("contracts"),
        infer_expectations=read.boolean("infer-expectations", True),
        baseline=baseline,
        allow_breaking=read.boolean("allow-breaking", False),
    )
    if read.problems:
        raise ConfigError(tuple(read.problems))
    return options


def options_from_pyproject(
    path: Path, *, overrides: Mapping[str, object] | None = None
) -> ImportSpyOptions:
    """The options a project's ``pyproject.toml`` gives ``embed`` (``path`` may be its directory).

    The table is ``[tool.hatch.build.targets.wheel.hooks.importspy]``, else
    ``[tool.hatch.build.hooks.importspy]``, else ``[tool.importspy]`` (whose ``verify`` policy keys
    are left to the policy); none of them means the defaults.  Hook keys in both a hatch table
    and ``[tool.importspy]`` are refused as ambiguous.  ``overrides`` are command-line values in
    the table's spelling (``{"platforms": ["linux"]}``); they win over the table.  ``python``
    defaults to ``[project] requires-python``.  Raises :class:`ConfigError` (or
    :class:`UnusableInputError` for an unreadable file) naming every problem.
    """
    file = path / "pyproject.toml" if path.is_dir() else path
    document = load_toml(file)

    hook_tables = [
        (where, table)
        for where in (TARGET_HOOK_TABLE, HOOK_TABLE)
        if (table := _table(document, where, file)) is not None
    ]
    tool = _table(document, TOOL_TABLE, file) or {}
    tool_options = {key: value for key, value in tool.items() if key not in POLICY_KEYS}
    if hook_tables and tool_options:
        raise ConfigError(
            (
                f"{file}: both [{hook_tables[0][0]}] and [{TOOL_TABLE}] configure importspy "
                f"({', '.join(sorted(tool_options))}); keep one",
            )
        )
    where, table = hook_tables[0] if hook_tables else (TOOL_TABLE, tool_options)

    project = document.get("project")
    requires_python = project.get("requires-python") if isinstance(project, dict) else None
    if not isinstance(requires_python, str):
        requires_python = None
    if overrides:
        parse_options(overrides, where="command line", requires_python=None)
        table = {**table, **overrides}
    return parse_options(table, where=where, requires_python=requires_python)


def _table(document: Mapping[str, object], where: str, file: Path) -> dict[str, object] | None:
    """The table at the dotted key path ``where``, ``None`` when absent; not a table is an error."""
    value: object = document
    for key in where.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    if not isinstance(value, dict):
        raise ConfigError((f"{file}: {where} must be a table",))
    return value
