"""Hold ``importspy diff`` against ``griffe check`` on real consecutive releases from PyPI.

For each pair of releases below, the two wheels are downloaded once (``pip download --no-deps``
into ``benchmarks/.cache/``, which ignores itself in git), then:

- ours: each wheel is described from its files exactly as ``embed`` would (the wheels carry no
  manifest) and :func:`hatch_importspy.compare.breaking.release_findings` compares the two models;
- griffe: each wheel is extracted and loaded with ``griffe.load`` using the options ``griffe
  check`` passes (``resolve_aliases=True``, ``resolve_external=None``; inspection disabled so that
  nothing is imported), and ``griffe.find_breaking_changes`` compares them -- the same call
  ``griffe check`` makes after loading its two references.

Findings are compared as ``(object path, category)`` pairs (parameter-level findings at the
level of their function; griffe's alias paths resolved to where the object is defined).  Each
disagreement is attributed to a documented reason where a rule recognises it; the rest are
listed as unexplained.  The result tables replace the part of ``GRIFFE-AGREEMENT.md`` between
its ``results`` markers; the analysis around them is written by hand.

Run: ``python benchmarks/griffe_agreement.py`` (needs griffe and network access to PyPI on the
first run).  Not part of the test suite.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hatch_importspy.compare.breaking import release_findings
from hatch_importspy.findings import Finding
from hatch_importspy.formats.wheel import read_wheel
from hatch_importspy.model import SpyModel
from hatch_importspy.release.diff import DESCRIBE_OPTIONS
from hatch_importspy.release.embed import describe_wheel

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
REPORT = HERE / "GRIFFE-AGREEMENT.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


@dataclass(frozen=True)
class Pair:
    """Two consecutive releases of one distribution, and the import package to load."""

    distribution: str
    package: str
    old: str
    new: str


PAIRS = (
    Pair("packaging", "packaging", "21.3", "22.0"),
    Pair("click", "click", "7.1.2", "8.0.0"),
)

OUR_CATEGORIES = {
    "ISP501": "removed",
    "ISP502": "removed",
    "ISP503": "removed",
    "ISP504": "kind changed",
    "ISP505": "parameter removed or renamed",
    "ISP506": "parameter removed or renamed",
    "ISP507": "parameter moved",
    "ISP508": "parameter made required",
    "ISP509": "required parameter added",
    "ISP510": "parameter kind changed",
    "ISP511": "base removed",
    "ISP512": "return annotation changed",
    "ISP513": "annotation changed",
}
GRIFFE_CATEGORIES = {
    "OBJECT_REMOVED": "removed",
    "OBJECT_CHANGED_KIND": "kind changed",
    "PARAMETER_REMOVED": "parameter removed or renamed",
    "PARAMETER_MOVED": "parameter moved",
    "PARAMETER_CHANGED_REQUIRED": "parameter made required",
    "PARAMETER_ADDED_REQUIRED": "required parameter added",
    "PARAMETER_CHANGED_KIND": "parameter kind changed",
    "CLASS_REMOVED_BASE": "base removed",
    "RETURN_CHANGED_TYPE": "return annotation changed",
    "ATTRIBUTE_CHANGED_TYPE": "annotation changed",
    "PARAMETER_CHANGED_DEFAULT": "default changed",
    "ATTRIBUTE_CHANGED_VALUE": "value changed",
}
DEFAULT_CHANGED = "default changed"

Key = tuple[str, str]
"""``(dotted object path, category)``."""


# --------------------------------------------------------------------------- inputs


def download(distribution: str, version: str) -> Path:
    """The release's wheel, from the cache or downloaded into it with pip."""
    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n", encoding="utf-8")
    wheels = CACHE / "wheels"
    stem = distribution.replace("-", "_")
    found = sorted(wheels.glob(f"{stem}-{version}-*.whl"))
    if not found:
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"),
                *("--disable-pip-version-check", "-q", "--dest", str(wheels)),
                f"{distribution}=={version}",
            ],
            check=True,
        )
        found = sorted(wheels.glob(f"{stem}-{version}-*.whl"))
    if len(found) != 1:
        raise SystemExit(f"expected one wheel of {distribution} {version}, found {found}")
    return found[0]


def extract(wheel: Path) -> Path:
    """The wheel unpacked under the cache (member names are checked by ``read_wheel`` first)."""
    read_wheel(wheel, hash_members=False)  # refuses absolute or '..' member names
    target = CACHE / "unpacked" / wheel.stem
    if not target.is_dir():
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(target)
    return target


# --------------------------------------------------------------------------- the two tools


@dataclass(frozen=True)
class Side:
    """What one tool reported for a pair: keys, with a one-line text for each."""

    keys: dict[Key, list[str]]
    seconds: float
    texts: dict[str, list[str]]
    """Every finding's text by object path, notes included (for the reasons)."""


def ours(old_wheel: Path, new_wheel: Path) -> tuple[Side, list[Finding], SpyModel, SpyModel]:
    started = time.perf_counter()
    old = describe_wheel(old_wheel, options=DESCRIBE_OPTIONS)
    new = describe_wheel(new_wheel, options=DESCRIBE_OPTIONS)
    findings = release_findings(old, new)
    elapsed = time.perf_counter() - started
    keys: dict[Key, list[str]] = {}
    texts: dict[str, list[str]] = {}
    for finding in findings:
        if finding.object is not None:
            path = finding.object.replace(":", ".")
            texts.setdefault(path, []).append(f"{finding.code} {finding.message}")
        category = OUR_CATEGORIES.get(finding.code)
        if category is None and finding.code == "ISP549" and "default of" in finding.message:
            category = DEFAULT_CHANGED
        if category is None or finding.object is None:
            continue
        path = finding.object.replace(":", ".")
        keys.setdefault((path, category), []).append(f"{finding.code} {finding.message}")
    return Side(keys, elapsed, texts), findings, old, new


def griffe_side(package: str, old_root: Path, new_root: Path) -> tuple[Side, list[Any], Any]:
    try:
        import griffe  # type: ignore[import-not-found, unused-ignore]  # this script's only
    except ImportError:
        raise SystemExit("griffe_agreement.py needs griffe: pip install griffe") from None

    started = time.perf_counter()
    loaded = [
        griffe.load(
            package,
            search_paths=[str(root)],
            resolve_aliases=True,
            resolve_external=None,
            allow_inspection=False,
        )
        for root in (old_root, new_root)
    ]
    breakages = list(griffe.find_breaking_changes(loaded[0], loaded[1]))
    elapsed = time.perf_counter() - started
    keys: dict[Key, list[str]] = {}
    for breakage in breakages:
        category = GRIFFE_CATEGORIES[breakage.kind.name]
        keys.setdefault((_griffe_path(breakage.obj), category), []).append(
            f"{breakage.kind.name} {_plain(breakage.explain())}"
        )
    return Side(keys, elapsed, {}), breakages, loaded[0]


def _griffe_path(obj: Any) -> str:
    """Where the object is defined (griffe reports re-exported objects under the alias path)."""
    try:
        return str(obj.canonical_path)
    except Exception:
        return str(obj.path)


# --------------------------------------------------------------------------- reasons


def our_reason(key: Key, mine: Side, old: SpyModel, new: SpyModel, old_griffe: Any) -> str:
    """Why griffe does not report one of our findings, when a rule recognises it."""
    path, category = key
    texts = mine.keys[key]
    notes = mine.texts.get(path, [])
    if category in ("annotation changed", "return annotation changed"):
        return "griffe does not compare annotations (it only flags a removed return annotation)"
    if category == "base removed":
        before, after = _class(old, path), _class(new, path)
        if before is not None and after is not None and len(after.bases) >= len(before.bases):
            return "a base replaced: griffe flags bases only when their number shrinks"
    if category == "parameter moved" and any("instead of *" in text for text in texts):
        return (
            "ours: positional arguments that *args collected now bind to new named parameters; "
            "griffe has no such rule"
        )
    if any("is now inherited from" in note or "is now defined on" in note for note in notes):
        return (
            "ours compares a method that moved into (or out of) a base class with the inherited "
            "one; griffe does not compare it"
        )
    if category == "parameter removed or renamed" and any("renamed" in t for t in texts):
        return "a rename: griffe sees a removal only when no **kwargs/*args takes the old name"
    if category == "parameter removed or renamed":
        function = _function(new, path)
        if function is not None and any(
            p.kind.value.startswith("var-") for p in function.parameters
        ):
            return "griffe calls an argument that **kwargs/*args now swallows compatible"
    if category == "removed" and any(t.startswith("ISP503") for t in texts):
        return "a name dropped from __all__: griffe follows the definition, not the export"
    if category == "removed" and _is_griffe_alias(old_griffe, path):
        return (
            "a name imported, then rebound by an assignment: griffe counts it as imported, "
            "hence not public; ours describes the assignment"
        )
    return "unexplained"


def griffe_reason(key: Key, mine: Side) -> str:
    """Why we do not report one of griffe's findings, when a rule recognises it."""
    path, category = key
    notes = mine.texts.get(path, [])
    if category == DEFAULT_CHANGED:
        return "reported by ours as a note (ISP549): the call shape is unchanged"
    if category == "value changed":
        return "values are not recorded in the manifest"
    if category == "parameter removed or renamed" and any(
        note.startswith("ISP549") and "was renamed" in note for note in notes
    ):
        return "a **kwargs/*args renamed: no caller can name it, ours reports a note (ISP549)"
    if category == "kind changed" and any(
        note.startswith("ISP549") and "decorators of" in note for note in notes
    ):
        return (
            "a property spelled another way (`@abc.abstractproperty` -> `@property` + "
            "`@abc.abstractmethod`): griffe reads the old one as a function, ours as a property"
        )
    if category == "base removed" and any("no longer names object" in n for n in notes):
        return "an explicit `object` base dropped: every class derives from object anyway"
    if any(part.startswith("_") for part in path.split(".")[:-1]):
        return "defined in a private module or class: ours does not follow re-exports"
    if category == "parameter moved" and any(
        (path, other) in mine.keys
        for other in (
            "parameter removed or renamed",
            "required parameter added",
            "parameter kind changed",
            "kind changed",
        )
    ):
        return "a shift that follows from a change ours reports once (removal, rename, kind)"
    return "unexplained"


def _is_griffe_alias(package: Any, path: str) -> bool:
    """Whether griffe sees the old object as an import (an alias, or a name also imported)."""
    relative = path.split(".", 1)[1] if "." in path else ""
    try:
        member = package[relative]
        return bool(member.is_alias or getattr(member, "is_imported", False))
    except Exception:
        return False


def _plain(text: str) -> str:
    """griffe's explanation without terminal colours or the absolute cache path."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return re.sub(r"\S*/unpacked/[^/]+/", "", text).strip()


def _class(model: SpyModel, path: str) -> Any:
    for module in model.modules:
        if path.startswith(f"{module.name}."):
            names = path[len(module.name) + 1 :].split(".")
            scope: Any = module.structure.classes
            found: Any = None
            for name in names:
                found = next((c for c in scope if c.name == name), None)
                if found is None:
                    break
                scope = found.classes
            if found is not None:
                return found
    return None


def _function(model: SpyModel, path: str) -> Any:
    owner, _, name = path.rpartition(".")
    cls = _class(model, owner)
    if cls is not None:
        return next((m for m in cls.methods if m.name == name), None)
    for module in model.modules:
        if module.name == owner:
            return next((f for f in module.structure.functions if f.name == name), None)
    return None


# --------------------------------------------------------------------------- report


def compare(pair: Pair) -> str:
    old_wheel, new_wheel = (
        download(pair.distribution, pair.old),
        download(pair.distribution, pair.new),
    )
    mine, findings, old_model, new_model = ours(old_wheel, new_wheel)
    theirs, breakages, old_griffe = griffe_side(
        pair.package, extract(old_wheel), extract(new_wheel)
    )
    both = sorted(set(mine.keys) & set(theirs.keys))
    agreed = [k for k in both if k[1] != DEFAULT_CHANGED]
    verdict = [k for k in both if k[1] == DEFAULT_CHANGED]
    only_ours = sorted(k for k in set(mine.keys) - set(theirs.keys) if k[1] != DEFAULT_CHANGED)
    only_griffe = sorted(set(theirs.keys) - set(mine.keys))
    breaking_ours = [k for k in mine.keys if k[1] != DEFAULT_CHANGED]
    outside = Counter(f.code for f in findings if f.object is None or f.code[3:5] in ("52", "53"))

    lines = [
        f"### {pair.distribution} {pair.old} -> {pair.new}",
        "",
        f"- ours: {len(findings)} findings ({_counts(findings)}) in {mine.seconds:.2f} s "
        "(describe both wheels + compare)",
        f"- griffe: {len(breakages)} breakages ({_kinds(breakages)}) in {theirs.seconds:.2f} s "
        "(load both trees + compare)",
        f"- compared as (object, category) pairs: ours {len(breaking_ours)} breaking, griffe "
        f"{len([k for k in theirs.keys if k[1] != DEFAULT_CHANGED])} breaking; "
        f"**{len(agreed)} agreed**, {len(only_ours)} only ours, {len(only_griffe)} only griffe, "
        f"{len(verdict)} default changes that griffe calls breaking and ours a note",
        f"- outside griffe's scope (environment and dependencies, ours only): "
        f"{', '.join(f'{code} x{count}' for code, count in sorted(outside.items())) or 'none'}",
        "",
    ]
    reasons: Counter[str] = Counter()
    rows = []
    for key in only_ours:
        reason = our_reason(key, mine, old_model, new_model, old_griffe)
        reasons[f"only ours: {reason}"] += 1
        rows.append((key, "ours", reason, mine.keys[key][0]))
    for key in only_griffe:
        reason = griffe_reason(key, mine)
        reasons[f"only griffe: {reason}"] += 1
        rows.append((key, "griffe", reason, theirs.keys[key][0]))
    if verdict:
        reasons["both, different verdict: default value changed"] += len(verdict)
    lines += ["| disagreement | count |", "| --- | --- |"]
    lines += [f"| {reason} | {count} |" for reason, count in sorted(reasons.items())]
    lines += [
        "",
        "<details><summary>every disagreement</summary>",
        "",
        "| object | category | reported by | reason | text |",
        "| --- | --- | --- | --- | --- |",
    ]
    for (path, category), who, reason, text in rows:
        lines.append(f"| `{path}` | {category} | {who} | {reason} | {_cell(text)} |")
    lines += ["", "</details>", ""]
    lines += [
        "<details><summary>agreed</summary>",
        "",
        *(f"- `{path}`: {category}" for path, category in agreed),
        "",
        "</details>",
        "",
    ]
    return "\n".join(lines)


def _counts(findings: list[Finding]) -> str:
    counts = Counter(finding.code for finding in findings)
    return ", ".join(f"{code} x{count}" for code, count in sorted(counts.items()))


def _kinds(breakages: list[Any]) -> str:
    counts = Counter(breakage.kind.name for breakage in breakages)
    return ", ".join(f"{kind} x{count}" for kind, count in sorted(counts.items()))


def _cell(text: str) -> str:
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= 160 else flat[:157] + "..."


def main() -> int:
    sections = [compare(pair) for pair in PAIRS]
    results = "\n".join([START, "", *sections, END])
    if REPORT.is_file():
        text = REPORT.read_text(encoding="utf-8")
        if START in text and END in text:
            before, _, rest = text.partition(START)
            _, _, after = rest.partition(END)
            REPORT.write_text(before + results + after, encoding="utf-8")
        else:
            REPORT.write_text(text.rstrip() + "\n\n" + results + "\n", encoding="utf-8")
    else:
        REPORT.write_text("# diff against griffe check\n\n" + results + "\n", encoding="utf-8")
    print(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
