"""A PyYAML loader that resolves plain scalars by YAML 1.2 core-schema rules.

PyYAML implements YAML 1.1, where ``off``/``yes``/``on`` are booleans, ``1e-3`` is a string (no
dot), ``017`` is octal and ``2001-12-14`` is a date.  ImportSpy reads contracts with ruamel.yaml
in YAML 1.2 mode, so a contract read by 1.1 rules means something else here than there: an
argument named ``on`` became ``True`` and a value ``off`` became ``False``.  This loader keeps
PyYAML's safe constructors and replaces only the implicit resolvers, so a contract has one
meaning in both tools, with no new dependency.

The resolvers follow the core schema of YAML 1.2 plus what ruamel.yaml's safe loader adds on top
of it and ImportSpy therefore sees: ``_`` between digits and ``0b`` binary integers.  Timestamps
are not resolved (they stay strings): no ImportSpy field accepts a date, so ImportSpy refuses
the contract either way.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["CoreSchemaLoader"]

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class CoreSchemaLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with YAML 1.2 core-schema resolution of plain scalars."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012  (own table, not the 1.1 one inherited)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        """Integers of the core schema: ``017`` is seventeen (1.1 read it as octal)."""
        text = str(self.construct_scalar(node)).replace("_", "")
        sign = -1 if text.startswith("-") else 1
        text = text.lstrip("+-")
        for prefix, base in (("0o", 8), ("0x", 16), ("0b", 2)):
            if text.startswith(prefix):
                return sign * int(text[2:], base)
        return sign * int(text, 10)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        """Floats of the core schema, including ``1e-3`` (no dot) and ``1.``."""
        text = str(self.construct_scalar(node)).replace("_", "")
        lowered = text.lower()
        if lowered.endswith(".inf"):
            return float("-inf") if lowered.startswith("-") else float("inf")
        if lowered == ".nan":
            return float("nan")
        return float(text)


CoreSchemaLoader.add_constructor("tag:yaml.org,2002:int", CoreSchemaLoader.construct_yaml_int)
CoreSchemaLoader.add_constructor("tag:yaml.org,2002:float", CoreSchemaLoader.construct_yaml_float)
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", _BOOL, list("tTfF")),
    ("tag:yaml.org,2002:int", _INT, list("-+0123456789")),
    ("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789")),
    ("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"]),
):
    CoreSchemaLoader.add_implicit_resolver(_tag, _pattern, _first)
