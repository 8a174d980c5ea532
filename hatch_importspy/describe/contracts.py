"""Contracts in the public ImportSpy YAML syntax: structure this package expects of other modules.

A contract describes one module the package imports but does not ship.  Users who already wrote
ImportSpy contracts reuse them unchanged; whatever this reader cannot honour stops the build with
``FILE: path.inside.document: problem`` (:class:`ContractError`), never silently weakening the
contract.  Every problem in a file is listed, not only the first.

The document (``yaml.safe_load``; duplicate keys are refused, since one of them would be dropped)::

    filename: requests/api.py          # or requests.api; plugin.py is the module plugin
    variables:   [{name, annotation}]
    functions:   [{name, arguments: [{name, annotation, value, kind}], return_annotation}]
    classes:     [{name, attributes: [{type: class|instance, name, annotation}],
                   methods: [<function>], superclasses: [Name | {name: Name}]}]
    deployments: [{arch, systems: [{os, environment|envs: {variables: [{name}], secrets: [name]},
                                    pythons: [{version, interpreter, modules: [{filename}]}]}]}]

Meaning, and where it deliberately differs from the reference implementation:

- ``filename`` names the module: a path relative to site-packages (``requests/api.py``,
  ``pkg/__init__.py`` is ``pkg``) or a dotted name (``requests.api``).  A bare ``plugin.py`` is
  the top-level module ``plugin``.
- Arguments are requirements, in order: each stated argument must exist; stated arguments that are
  positional must keep their relative order; ``annotation`` and ``return_annotation`` must match
  when stated (as code: spacing and quotes do not count).  Only a stated ``value`` means "must
  have a default" (and the default must equal it; ``value: null`` means a default of ``None``):
  an argument without ``value`` says nothing about defaults.  ``kind`` (an extension:
  ``positional-only``, ``keyword-only``, ``var-positional``, ``var-keyword``) or a name written
  ``*args`` / ``**kwargs`` states the kind, which must then match; an unstated kind accepts any
  named parameter (``positional-or-keyword`` therefore cannot be insisted on).
- A ``superclasses`` entry must still be a base, by its written or final dotted name.
- Each combination ``arch`` x ``systems[]`` x ``pythons[]`` is one acceptable place to run; the
  contract holds if ANY of them matches (ISP106 otherwise).  ``os`` is ``linux``, ``windows``
  (``sys.platform`` ``win32``), ``darwin``/``macos``, or a ``sys.platform`` prefix; ``arch`` is
  normalised like ``machines``; ``interpreter`` compares case-insensitively with
  ``sys.implementation.name``; ``version: "3.11"`` matches every 3.11.x (release-segment
  prefix).  Environment variables and secrets are checked by name only and their values are
  never stored, so a ``value`` (or ``annotation``) on one is refused.  ``modules`` entries name
  modules that must be installed for that combination.
- Refused, with the reason: a module ``version`` or a variable/attribute ``value`` (values cannot
  be known without running the module; pin the providing distribution in your dependencies
  instead), per-deployment module structure (state it at the top level), and ImportSpy 0.5's
  ``runtime``/``dependencies``/``evidence_requirements`` sections (use the hook's ``python``,
  ``platforms``, ``machines``, ``implementations`` and ``env`` options and ``[project]
  dependencies``).  ``schema_version: 1`` and ``policy_id`` are accepted.
- A YAML number as a Python version is accepted only when it cannot have lost a trailing zero:
  ``3.12`` is fine, ``3.1`` (perhaps ``3.10``) must be quoted.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.facts import normalise_machine
from hatch_importspy.formats.record import read_regular_file
from hatch_importspy.formats.yaml_safe import load_one
from hatch_importspy.limits import DOCUMENT_BYTES
from hatch_importspy.model import (
    Attribute,
    AttributeScope,
    Class,
    Deployment,
    Expectation,
    ExpectedName,
    Function,
    FunctionKind,
    Parameter,
    ParameterKind,
    Variable,
    module_name,
)

if TYPE_CHECKING:
    import yaml

_OPERATING_SYSTEMS = {
    "linux": "linux",
    "windows": "win32",
    "win32": "win32",
    "darwin": "darwin",
    "macos": "darwin",
    "macosx": "darwin",
    "osx": "darwin",
}
_UNSUPPORTED_SECTIONS = {
    "runtime": "use the hook's python, platforms, machines, implementations and env options",
    "dependencies": "declare dependencies in [project] dependencies",
    "dependency_options": "declare dependencies in [project] dependencies",
    "evidence_requirements": "evidence providers are not supported",
}
_VALUE_REFUSED = (
    "values cannot be known without running the module, so they are not checked: remove it "
    "(the name and annotation are checked)"
)


class ContractError(UnusableInputError):
    """A contract file that cannot be honoured: every problem, on one line, first one first."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = tuple(problems)
        pieces = [f"{where}: {problem}" if where else problem for where, problem in problems]
        super().__init__(f"{source}: " + "; ".join(pieces))


def load_contracts(
    patterns: Sequence[str],
    *,
    root: Path,
    where: str = "contracts",
    distribution_of: Callable[[str], str | None] | None = None,
) -> tuple[Expectation, ...]:
    """Every contract matched by the glob ``patterns`` (relative to ``root``), in path order.

    A pattern that matches no file is an error naming ``where`` (the option's key path): a typo
    there would otherwise drop a contract without a word.
    """
    paths: set[Path] = set()
    for pattern in patterns:
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise ContractError(where, [("", f"pattern {pattern!r} must stay inside the project")])
        matched = [path for path in root.glob(pattern) if path.is_file()]
        if not matched:
            raise ContractError(where, [("", f"pattern {pattern!r} matches no file")])
        paths.update(matched)
    expectations: list[Expectation] = []
    for path in sorted(paths, key=lambda p: _relative(p, root)):
        expectations.extend(load_contract(path, root=root, distribution_of=distribution_of))
    return tuple(expectations)


def load_contract(
    path: Path,
    *,
    root: Path,
    distribution_of: Callable[[str], str | None] | None = None,
) -> tuple[Expectation, ...]:
    """The expectation one contract file states (one module per file).

    ``root`` is the project directory: the expectation's ``origin`` is the path relative to it.
    ``distribution_of`` maps the module's top-level name to its distribution, when known.
    """
    source = _relative(path, root)
    try:
        text = read_regular_file(path, limit=DOCUMENT_BYTES).decode("utf-8")
    except UnusableInputError as error:
        raise ContractError(source, [("", str(error).removeprefix(f"{path}: "))]) from None
    except OSError as error:
        raise ContractError(source, [("", f"cannot be read: {error.strerror or error}")]) from None
    except UnicodeDecodeError:
        raise ContractError(source, [("", "is not UTF-8 text")]) from None
    data = _parse(text, source)
    reader = _Reader()
    expectation = reader.contract(data, source)
    if reader.problems or expectation is None:
        raise ContractError(source, reader.problems or [("", "is empty")])
    if distribution_of is not None:
        distribution = distribution_of(expectation.module.partition(".")[0])
        if distribution is not None:
            expectation = Expectation(
                module=expectation.module,
                distribution=canonicalize_name(distribution),
                origin=expectation.origin,
                names=expectation.names,
                deployments=expectation.deployments,
            )
    return (expectation,)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _parse(text: str, source: str) -> Any:
    import yaml

    try:
        _refuse_duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader), source)
        return load_one(text, source=source, invalid=lambda problem: f"invalid YAML: {problem}")
    except ContractError:
        raise
    except UnusableInputError as error:  # beyond a limit (see hatch_importspy.limits)
        raise ContractError(source, [("", str(error).removeprefix(f"{source}: "))]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ContractError(source, [(where, f"invalid YAML: {problem}")]) from None
    except RecursionError:
        raise ContractError(source, [("", "nested too deeply to read")]) from None


def _refuse_duplicate_keys(node: yaml.Node | None, source: str) -> None:
    import yaml

    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        line = key.start_mark.line + 1
                        raise ContractError(
                            source, [(f"line {line}", f"duplicate key {key.value!r}")]
                        )
                    seen.add(key.value)
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _join(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


class _Reader:
    """Reads one contract document, collecting every problem with its place in the document."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def problem(self, where: str, text: str) -> None:
        self.problems.append((where, text))

    # -- shapes

    def mapping(
        self, value: object, where: str, allowed: Sequence[str], required: Sequence[str] = ()
    ) -> Mapping[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(where, "must be a mapping")
            return None
        for key in value:
            if not isinstance(key, str):
                self.problem(where, f"key {key!r} must be a string")
            elif key not in allowed:
                self.problem(
                    _join(where, key), f"unknown key (expected one of: {', '.join(allowed)})"
                )
        for key in required:
            if value.get(key) is None:
                self.problem(_join(where, key), "is required")
        return value

    def items(self, data: Mapping[str, Any], key: str, where: str) -> Iterator[tuple[object, str]]:
        value = data.get(key)
        if value is None:
            return
        if not isinstance(value, list):
            self.problem(_join(where, key), "must be a list")
            return
        for index, item in enumerate(value):
            yield item, _join(_join(where, key), index)

    def string(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(_join(where, key), "must be a non-empty string")
            return None
        return value.strip()

    def identifier(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        value = self.string(data, key, where)
        if value is not None and not value.isidentifier():
            self.problem(_join(where, key), f"{value!r} is not a Python identifier")
            return None
        return value

    def annotation(self, data: Mapping[str, Any], key: str, where: str) -> str | None:
        value = self.string(data, key, where)
        if value is None:
            return None
        try:
            return ast.unparse(ast.parse(value, mode="eval"))
        except SyntaxError:
            self.problem(_join(where, key), f"{value!r} is not a Python expression")
            return None

    def refuse(self, data: Mapping[str, Any], key: str, where: str, reason: str) -> None:
        if key in data:
            self.problem(_join(where, key), reason)

    # -- the document

    def contract(self, data: object, source: str) -> Expectation | None:
        if data is None:
            return None
        allowed = (
            "filename",
            "version",
            "variables",
            "functions",
            "classes",
            "deployments",
            "schema_version",
            "policy_id",
            *_UNSUPPORTED_SECTIONS,
        )
        document = self.mapping(data, "", allowed, required=("filename",))
        if document is None:
            return None
        module = self.module_name(document, "")
        if document.get("version") is not None:
            self.problem(
                "version",
                "module version pins are not supported: pin the distribution that provides the "
                "module in your dependencies instead",
            )
        for key, reason in _UNSUPPORTED_SECTIONS.items():
            self.refuse(document, key, "", f"is not supported: {reason}")
        if document.get("schema_version") not in (None, 1):
            self.problem("schema_version", "only schema_version 1 is supported")
        if document.get("policy_id") is not None and not isinstance(document["policy_id"], str):
            self.problem("policy_id", "must be a string")
        names = [
            *self.variables(document, ""),
            *self.functions(document, ""),
            *self.classes(document, ""),
        ]
        seen: set[str] = set()
        for name in names:
            if name.name in seen:
                self.problem("", f"{name.name} is declared more than once")
            seen.add(name.name)
        deployments = list(self.deployments(document))
        if module is None:
            return None
        unique_deployments = tuple(dict.fromkeys(deployments))
        return Expectation(
            module=module,
            origin=source,
            names=tuple(sorted(names, key=lambda n: n.name)),
            deployments=unique_deployments,
        )

    def module_name(self, data: Mapping[str, Any], where: str) -> str | None:
        filename = self.string(data, "filename", where)
        if filename is None:
            return None
        text = filename.replace("\\", "/").strip("/")
        if text.endswith(".py"):
            name = module_name(text)
        else:
            name = text if all(part.isidentifier() for part in text.split(".")) else None
        if name is None:
            self.problem(
                _join(where, "filename"),
                f"{filename!r} names no importable module (write pkg/mod.py or pkg.mod)",
            )
        return name

    def variables(self, data: Mapping[str, Any], where: str) -> Iterator[ExpectedName]:
        for item, place in self.items(data, "variables", where):
            entry = self.mapping(item, place, ("name", "value", "annotation"), ("name",))
            if entry is None:
                continue
            self.refuse(entry, "value", place, _VALUE_REFUSED)
            name = self.identifier(entry, "name", place)
            annotation = self.annotation(entry, "annotation", place)
            if name is not None:
                yield ExpectedName(
                    name=name, kind="variable", variable=Variable(name, annotation=annotation)
                )

    def functions(self, data: Mapping[str, Any], where: str) -> Iterator[ExpectedName]:
        for function in self.function_list(data, "functions", where, FunctionKind.FUNCTION):
            yield ExpectedName(name=function.name, kind="function", function=function)

    def function_list(
        self, data: Mapping[str, Any], key: str, where: str, kind: FunctionKind
    ) -> Iterator[Function]:
        for item, place in self.items(data, key, where):
            entry = self.mapping(item, place, ("name", "arguments", "return_annotation"), ("name",))
            if entry is None:
                continue
            name = self.identifier(entry, "name", place)
            parameters = tuple(self.arguments(entry, place))
            returns = self.annotation(entry, "return_annotation", place)
            if name is not None:
                yield Function(name=name, parameters=parameters, returns=returns, kind=kind)

    def arguments(self, data: Mapping[str, Any], where: str) -> Iterator[Parameter]:
        seen: set[str] = set()
        for item, place in self.items(data, "arguments", where):
            entry = self.mapping(item, place, ("name", "annotation", "value", "kind"), ("name",))
            if entry is None:
                continue
            raw = self.string(entry, "name", place)
            if raw is None:
                continue
            stars = len(raw) - len(raw.lstrip("*"))
            name = raw.lstrip("*")
            if stars > 2 or not name.isidentifier():
                self.problem(_join(place, "name"), f"{raw!r} is not a parameter name")
                continue
            kind = {
                1: ParameterKind.VAR_POSITIONAL,
                2: ParameterKind.VAR_KEYWORD,
            }.get(stars, ParameterKind.POSITIONAL_OR_KEYWORD)
            stated_kind = self.kind(entry, place)
            if stated_kind is not None:
                if stars and stated_kind is not kind:
                    self.problem(_join(place, "kind"), f"contradicts the name {raw!r}")
                kind = stated_kind
            if name in seen:
                self.problem(_join(place, "name"), f"parameter {name} is listed twice")
            seen.add(name)
            has_default = "value" in entry
            default = None
            if has_default:
                if kind in (ParameterKind.VAR_POSITIONAL, ParameterKind.VAR_KEYWORD):
                    self.problem(_join(place, "value"), "a variadic parameter has no default")
                default = self.literal(entry["value"], _join(place, "value"))
            yield Parameter(
                name=name,
                kind=kind,
                annotation=self.annotation(entry, "annotation", place),
                has_default=has_default,
                default=default,
            )

    def kind(self, data: Mapping[str, Any], where: str) -> ParameterKind | None:
        value = self.string(data, "kind", where)
        if value is None:
            return None
        try:
            return ParameterKind(value.lower().replace("_", "-"))
        except ValueError:
            choices = ", ".join(kind.value for kind in ParameterKind)
            self.problem(_join(where, "kind"), f"{value!r} is not one of: {choices}")
            return None

    def literal(self, value: object, where: str) -> str | None:
        if value is None or isinstance(value, (str, bool, int, float)):
            return ast.unparse(ast.Constant(value))
        self.problem(where, "must be a string, number, boolean or null")
        return None

    def classes(self, data: Mapping[str, Any], where: str) -> Iterator[ExpectedName]:
        for item, place in self.items(data, "classes", where):
            entry = self.mapping(
                item, place, ("name", "attributes", "methods", "superclasses"), ("name",)
            )
            if entry is None:
                continue
            name = self.identifier(entry, "name", place)
            attributes = tuple(self.attributes(entry, place))
            methods = tuple(self.function_list(entry, "methods", place, FunctionKind.METHOD))
            bases = tuple(self.superclasses(entry, place))
            members = [a.name for a in attributes] + [m.name for m in methods]
            for member in {m for m in members if members.count(m) > 1}:
                self.problem(place, f"{member} is declared more than once")
            if name is not None:
                cls = Class(name=name, bases=bases, methods=methods, attributes=attributes)
                yield ExpectedName(name=name, kind="class", cls=cls)

    def attributes(self, data: Mapping[str, Any], where: str) -> Iterator[Attribute]:
        for item, place in self.items(data, "attributes", where):
            entry = self.mapping(
                item, place, ("type", "name", "value", "annotation"), ("type", "name")
            )
            if entry is None:
                continue
            self.refuse(entry, "value", place, _VALUE_REFUSED)
            name = self.identifier(entry, "name", place)
            scope_text = entry.get("type")
            scope = None
            if scope_text is not None:
                try:
                    scope = AttributeScope(scope_text)
                except ValueError:
                    self.problem(_join(place, "type"), "must be class or instance")
            annotation = self.annotation(entry, "annotation", place)
            if name is not None and scope is not None:
                yield Attribute(name, scope, annotation)

    def superclasses(self, data: Mapping[str, Any], where: str) -> Iterator[str]:
        for item, place in self.items(data, "superclasses", where):
            if isinstance(item, dict):
                entry = self.mapping(item, place, ("name",), ("name",))
                text = None if entry is None else self.annotation(entry, "name", place)
            elif isinstance(item, str):
                text = self.annotation({"name": item}, "name", place)
            else:
                self.problem(place, "must be a class name or a mapping with a name")
                text = None
            if text is not None:
                yield text

    # -- deployments

    def deployments(self, data: Mapping[str, Any]) -> Iterator[Deployment]:
        for item, place in self.items(data, "deployments", ""):
            entry = self.mapping(item, place, ("arch", "systems"), ("arch", "systems"))
            if entry is None:
                continue
            arch = self.string(entry, "arch", place)
            machine = None if arch is None else normalise_machine(arch)
            for system, system_place in self.items(entry, "systems", place):
                yield from self.system(system, system_place, machine)

    def system(self, item: object, where: str, machine: str | None) -> Iterator[Deployment]:
        entry = self.mapping(item, where, ("os", "environment", "envs", "pythons"), ("os",))
        if entry is None:
            return
        os_name = self.string(entry, "os", where)
        platform = None if os_name is None else _OPERATING_SYSTEMS.get(os_name.lower())
        if os_name is not None and platform is None:
            if os_name.isidentifier():
                platform = os_name.lower()
            else:
                self.problem(_join(where, "os"), f"{os_name!r} is not an operating system name")
        if "environment" in entry and "envs" in entry:
            self.problem(where, "give environment or envs, not both")
        env_key = "envs" if "envs" in entry else "environment"
        env = tuple(sorted(set(self.environment(entry.get(env_key), _join(where, env_key)))))
        pythons = list(self.items(entry, "pythons", where))
        if not pythons:
            yield Deployment(machine=machine, platform=platform, env=env)
        for python, python_place in pythons:
            spec = self.mapping(python, python_place, ("version", "interpreter", "modules"))
            if spec is None:
                continue
            version = self.python_version(spec.get("version"), _join(python_place, "version"))
            interpreter = self.string(spec, "interpreter", python_place)
            modules = tuple(sorted(set(self.deployment_modules(spec, python_place))))
            yield Deployment(
                machine=machine,
                platform=platform,
                env=env,
                pythons=(version,) if version else (),
                interpreters=(interpreter.lower(),) if interpreter else (),
                modules=modules,
            )

    def environment(self, value: object, where: str) -> Iterator[str]:
        if value is None:
            return
        entry = self.mapping(value, where, ("variables", "secrets"))
        if entry is None:
            return
        for item, place in self.items(entry, "variables", where):
            variable = self.mapping(item, place, ("name", "value", "annotation"), ("name",))
            if variable is None:
                continue
            for key in ("value", "annotation"):
                self.refuse(
                    variable,
                    key,
                    place,
                    "environment variables are checked by name only and their values are never "
                    "stored: remove it",
                )
            name = self.string(variable, "name", place)
            if name is not None:
                yield name
        for item, place in self.items(entry, "secrets", where):
            if isinstance(item, str) and item.strip():
                yield item.strip()
            elif isinstance(item, dict):
                secret = self.mapping(item, place, ("name",), ("name",))
                name = None if secret is None else self.string(secret, "name", place)
                if name is not None:
                    yield name
            else:
                self.problem(place, "must be a variable name")

    def python_version(self, value: object, where: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            self.problem(where, "must be a version such as '3.11'")
            return None
        if isinstance(value, float):
            text = repr(value)
            if len(text.partition(".")[2]) < 2:
                self.problem(
                    where,
                    f"write the version as a quoted string: YAML reads {text} as a number, "
                    f"which may have lost a trailing zero ({text}0?)",
                )
                return None
            value = text
        if isinstance(value, int):
            value = str(value)
        if not isinstance(value, str):
            self.problem(where, "must be a version such as '3.11'")
            return None
        try:
            Version(value)
        except InvalidVersion:
            self.problem(where, f"{value!r} is not a Python version")
            return None
        return value.strip()

    def deployment_modules(self, data: Mapping[str, Any], where: str) -> Iterator[str]:
        for item, place in self.items(data, "modules", where):
            entry = self.mapping(
                item,
                place,
                ("filename", "version", "variables", "functions", "classes"),
                ("filename",),
            )
            if entry is None:
                continue
            if entry.get("version") is not None:
                self.problem(
                    _join(place, "version"),
                    "module version pins are not supported: pin the providing distribution in "
                    "your dependencies instead",
                )
            for key in ("variables", "functions", "classes"):
                if entry.get(key):
                    self.problem(
                        _join(place, key),
                        "per-deployment module structure is not supported: state it at the top "
                        "level of the contract",
                    )
            name = self.module_name(entry, place)
            if name is not None:
                yield name
