"""How often the static description agrees with the running code, on the popular-package corpus.

Run from the repository root with the test environment's interpreter:

    .venv-test/bin/python -m benchmarks.fidelity [--examples 3]

The corpus (:mod:`benchmarks.corpus`) is given manifests with ``embed`` and installed into a
virtual environment.  Then, one subprocess of that environment per distribution imports each
module the manifest describes and asks :func:`inspect.signature` about every described function
and method (this benchmark runs the packages' code; ``verify`` never does).  Each described
signature is compared with the one Python reports on what the call shape decides: the parameters'
names, kinds and whether each has a default, in order.  Annotations and default texts are not
compared (at run time they are evaluated objects, in the manifest source text).

Printed: agreement overall and on undecorated code (no decorator other than ``staticmethod``,
``classmethod``, ``property``, ``cached_property`` or ``abstractmethod``, which leave the
signature as written), the kinds of disagreement ranked, with examples, and what could not be
compared (modules that do not import without optional dependencies, objects without a signature).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import corpus
from hatch_importspy.formats.manifest import MANIFEST_FILENAME, load_bytes
from hatch_importspy.model import Class, Function, Parameter

SIGNATURE_KEEPING = frozenset(
    {"staticmethod", "classmethod", "property", "cached_property", "abstractmethod"}
)
"""Decorators that leave a function's signature as written: code with only these is
"undecorated" here."""
CHILD_TIMEOUT = 300

# The child: imports each module, finds each object, and reports its signature as JSON rows.
# Written for the venv's interpreter, standard library only.
CHILD = r"""
import importlib, inspect, json, sys, functools
request = json.load(open(sys.argv[1]))
answers = {}
def unwrap(obj):
    if isinstance(obj, (staticmethod, classmethod)):
        return obj.__func__
    if isinstance(obj, property):
        return obj.fget
    if isinstance(obj, functools.cached_property):
        return obj.func
    return obj
for module_name, targets in request.items():
    try:
        module = importlib.import_module(module_name)
    except BaseException as error:
        answers[module_name] = {"error": "import: " + type(error).__name__}
        continue
    rows = {}
    compiled = not str(getattr(module, "__file__", "") or "").endswith(".py")
    for key, path in targets:
        obj = module
        try:
            for step in path:
                if isinstance(obj, type):
                    obj = obj.__dict__[step] if step in obj.__dict__ else getattr(obj, step)
                else:
                    obj = getattr(obj, step)
            obj = unwrap(obj)
        except BaseException:
            rows[key] = {"error": "missing at run time"}
            continue
        if not callable(obj):
            rows[key] = {"error": "not callable at run time"}
            continue
        try:
            signature = inspect.signature(obj)
        except BaseException:
            rows[key] = {"error": "no signature"}
            continue
        rows[key] = {"parameters": [
            [p.name, p.kind.name.lower().replace("_", "-"), p.default is not p.empty]
            for p in signature.parameters.values()
        ]}
    answers[module_name] = {"rows": rows, "compiled": compiled}
json.dump(answers, open(sys.argv[2], "w"))
"""

NOT_COMPARED = frozenset({"no signature"})
"""Run-time answers that say nothing about the description (C-implemented callables)."""


@dataclass(frozen=True)
class Target:
    """One described function or method: where it is, how it is described."""

    distribution: str
    module: str
    path: tuple[str, ...]
    function: Function
    conditional: bool
    """The function, or a class it is defined in, is under an ``if``/``try``."""

    @property
    def key(self) -> str:
        return ".".join(self.path)

    @property
    def undecorated(self) -> bool:
        decorators = self.function.decorators
        names = {decorator.split("(")[0].rsplit(".", 1)[-1] for decorator in decorators}
        return names <= SIGNATURE_KEEPING


def _functions(
    functions: Sequence[Function],
    classes: Sequence[Class],
    prefix: tuple[str, ...],
    conditional: bool,
) -> Iterator[tuple[tuple[str, ...], Function, bool]]:
    for function in functions:
        yield (*prefix, function.name), function, conditional or function.conditional
    for cls in classes:
        inner = conditional or cls.conditional
        yield from _functions(cls.methods, cls.classes, (*prefix, cls.name), inner)


def described(site: Path) -> list[Target]:
    """Every function and method the manifests in ``site`` describe."""
    targets: list[Target] = []
    for path in sorted(site.glob(f"*.dist-info/extra_metadata/{MANIFEST_FILENAME}")):
        model = load_bytes(path.read_bytes(), str(path))
        for module in model.modules:
            structure = module.structure
            functions = _functions(structure.functions, structure.classes, (), False)
            for where, function, conditional in functions:
                targets.append(Target(model.name, module.name, where, function, conditional))
    return targets


def observed(python: Path, targets: Sequence[Target]) -> dict[tuple[str, str], dict[str, object]]:
    """What the running code says about each target: ``(module, key) -> answer``."""
    by_distribution: dict[str, dict[str, list[tuple[str, tuple[str, ...]]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for target in targets:
        by_distribution[target.distribution][target.module].append((target.key, target.path))
    answers: dict[tuple[str, str], dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="importspy-fidelity-") as temporary:
        for distribution, request in sorted(by_distribution.items()):
            asked, told = Path(temporary, "request.json"), Path(temporary, "answer.json")
            asked.write_text(json.dumps(request), encoding="utf-8")
            subprocess.run(
                [python, "-c", CHILD, asked, told],
                capture_output=True,
                timeout=CHILD_TIMEOUT,
                check=False,
                cwd=temporary,
            )
            if not told.exists():
                print(f"  {distribution}: the importing process died", file=sys.stderr)
                continue
            for module, answer in json.loads(told.read_text(encoding="utf-8")).items():
                rows = answer.get("rows")
                for key, _ in request[module]:
                    if rows is None:
                        answers[module, key] = {"error": answer["error"]}
                    else:
                        answers[module, key] = {**rows[key], "compiled": answer["compiled"]}
    return answers


def disagreement(target: Target, answer: dict[str, object]) -> str | None:
    """``None`` when the description and the running code agree, else the kind of difference,
    attributed to its cause where that is known without reading the code: the module that runs
    is a compiled extension built from the described ``.py`` (mypyc, Cython), or the definition
    is under an ``if``/``try`` whose branch only running can choose."""
    kind = _difference(target.function, answer)
    if kind is None or kind in NOT_COMPARED or kind == "module not importable":
        return kind
    if answer.get("compiled"):
        return f"compiled module shadows the .py: {kind}"
    if target.conditional:
        return f"conditional definition: {kind}"
    return kind


def _difference(function: Function, answer: dict[str, object]) -> str | None:
    error = answer.get("error")
    if isinstance(error, str):
        return "module not importable" if error.startswith("import: ") else error
    runtime = [tuple(row) for row in answer["parameters"]]  # type: ignore[attr-defined]
    static = [_row(parameter) for parameter in function.parameters]
    if static == runtime:
        return None
    if len(static) != len(runtime):
        return "parameter count differs"
    for (name, kind, default), (r_name, r_kind, r_default) in zip(static, runtime, strict=True):
        if name != r_name:
            return "parameter name differs"
        if kind != r_kind:
            return "parameter kind differs"
        if default != r_default:
            return "default presence differs"
    return "other"  # pragma: no cover - the rows differ, so one of the above holds


def _row(parameter: Parameter) -> tuple[str, str, bool]:
    return parameter.name, parameter.kind.value, parameter.has_default


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=3, help="examples per disagreement kind")
    args = parser.parse_args(argv)
    wheels = corpus.embedded(corpus.download())
    with tempfile.TemporaryDirectory(prefix="importspy-corpus-") as temporary:
        python = corpus.install(Path(temporary, "venv"), wheels, pip=False)
        site = corpus.site_packages(Path(temporary, "venv"))
        targets = described(site)
        answers = observed(python, targets)
    print(f"python {sys.version.split()[0]}; {len(wheels)} distributions, {len(targets)} described")
    kinds: dict[str, Counter[str]] = {"all": Counter(), "undecorated": Counter()}
    examples: dict[tuple[str, bool], list[str]] = defaultdict(list)
    for target in targets:
        answer = answers.get((target.module, target.key), {"error": "module not importable"})
        verdict = disagreement(target, answer) or "agree"
        kinds["all"][verdict] += 1
        if target.undecorated:
            kinds["undecorated"][verdict] += 1
        shown = verdict not in ("agree", "module not importable")
        if shown and len(examples[verdict, target.undecorated]) < args.examples:
            examples[verdict, target.undecorated].append(
                f"{target.module}:{target.key} {list(map(_row, target.function.parameters))} "
                f"vs {answer.get('parameters', answer.get('error'))}"
            )
    skipped = NOT_COMPARED | {"module not importable"}
    for scope, counts in kinds.items():
        compared = sum(n for kind, n in counts.items() if kind not in skipped)
        agreed = counts["agree"]
        print(
            f"\n{scope}: {agreed} of {compared} compared agree ({agreed / max(compared, 1):.2%});"
            f" not compared: {sum(counts[kind] for kind in skipped)}"
            f" ({', '.join(f'{kind} {counts[kind]}' for kind in sorted(skipped))})"
        )
        for kind, number in counts.most_common():
            if kind not in skipped and kind != "agree":
                print(f"  {number:6d}  {kind}")
    print("\nexamples (undecorated first):")
    for (kind, undecorated), lines in sorted(examples.items(), key=lambda item: not item[0][1]):
        print(f"  {kind} ({'undecorated' if undecorated else 'decorated'}):")
        for line in lines:
            print(f"    {line[:300]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
