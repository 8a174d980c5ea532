"""What an ImportSpy 0.5 contract states beyond names and signatures: literal values, the module
``version``, and shapes static reading cannot establish (``ISP411``).

ImportSpy compares a stated ``value`` with ``==`` after ``ast.literal_eval`` of the assigned
expression, infers an unannotated variable's annotation from its literal (``X = 8`` is ``int``),
reads the module ``version`` from a literal ``__version__``, and denies what it cannot read
statically (a decorated function, a value that is not a literal).  The same decisions here: a
value that is not a literal is ``ISP411``, never a pass.
"""

from __future__ import annotations

from hatch_importspy.compare.expectations.calls import SIGNATURE_KEEPING_DECORATORS
from hatch_importspy.compare.expectations.collector import FindingCollector
from hatch_importspy.compare.expectations.equivalence import literal
from hatch_importspy.compare.provided import ProvidedModule
from hatch_importspy.model import Attribute, Function, Variable, decorator_name


def check_value(
    collector: FindingCollector, name: str, wanted: str | None, found: Variable | Attribute
) -> None:
    """A stated ``value`` against the provider's literal (ISP406 differs, ISP411 unknown)."""
    if wanted is None:
        return
    _, expected = literal(wanted)
    known, actual = literal(found.value)
    if not known:
        collector.add(
            "ISP411",
            name,
            f"{name}: the value is not a literal static reading can know, so value "
            f"{wanted} cannot be checked",
            expected=wanted,
            found="not a literal",
        )
    elif expected != actual:  # ImportSpy's == (10 == 10.0)
        collector.add(
            "ISP406",
            name,
            f"{name} is {found.value}, not {wanted}",
            expected=wanted,
            found=found.value,
        )


def check_version(collector: FindingCollector, wanted: str | None, module: ProvidedModule) -> None:
    """A contract's module ``version`` against the literal ``__version__`` of the module."""
    if wanted is None:
        return
    variable = next((v for v in module.structure.variables if v.name == "__version__"), None)
    known, actual = literal(None if variable is None else variable.value)
    if variable is None:
        collector.add(
            "ISP404",
            "__version__",
            f"module {module.name} assigns no __version__, so version {wanted} is not met",
            expected=f"__version__ = {wanted!r}",
            found="missing",
        )
    elif not known or not isinstance(actual, str):
        collector.add(
            "ISP411",
            "__version__",
            f"module {module.name}: __version__ is not a string literal, so version {wanted} "
            "cannot be checked",
            expected=repr(wanted),
            found="not a literal",
        )
    elif actual != wanted:
        collector.add(
            "ISP406",
            "__version__",
            f"module {module.name} is version {actual}, not {wanted}",
            expected=wanted,
            found=actual,
        )


def check_decorated(collector: FindingCollector, name: str, found: Function) -> bool:
    """``ISP411`` when a decorator may have replaced what a contract states of ``found``;
    whether the shape is readable."""
    unknown = [d for d in found.decorators if decorator_name(d) not in SIGNATURE_KEEPING_DECORATORS]
    if not unknown:
        return True
    collector.add(
        "ISP411",
        name,
        f"{name} is decorated with {', '.join(unknown)}, which may replace its signature: "
        "the contract's shape cannot be checked statically",
        expected="an undecorated function",
        found=f"@{unknown[0]}",
    )
    return False
