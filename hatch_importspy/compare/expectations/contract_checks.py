"""What an ImportSpy 0.5 contract states beyond names and signatures: literal values, the module
``version``, and shapes static reading cannot establish (``ISP411``).

ImportSpy compares a stated ``value`` with ``==`` after ``ast.literal_eval`` of the assigned
expression, infers an unannotated variable's annotation from its literal (``X = 8`` is ``int``),
reads the module ``version`` from a literal ``__version__``, and denies what it cannot read
statically (S103): a value that is not a literal, and anything the checked file does not itself
declare unconditionally and undecorated (:func:`check_vouched`).  The same decisions here: each is
``ISP411``, never a pass.
"""

from __future__ import annotations

from hatch_importspy.compare.expectations.calls import SIGNATURE_KEEPING_DECORATORS
from hatch_importspy.compare.expectations.collector import FindingCollector
from hatch_importspy.compare.expectations.equivalence import literal
from hatch_importspy.compare.provided import ProvidedModule
from hatch_importspy.model import (
    Attribute,
    AttributeScope,
    Class,
    Function,
    Variable,
    decorator_name,
)


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


def declared_reasons(obj: object) -> list[str]:
    """Why ImportSpy 0.5 would not vouch for ``obj`` although the file declares it (its S103):
    an instance attribute (it exists only once a method has run), a definition under control
    flow, a decorator (any: ImportSpy proves none of them), a class with a metaclass or other
    class keywords.  Empty when ImportSpy reads it as declared."""
    reasons: list[str] = []
    if isinstance(obj, Attribute) and obj.scope is AttributeScope.INSTANCE:
        reasons.append("an instance attribute, assigned on self only when a method runs")
    if isinstance(obj, (Function, Class, Variable, Attribute)) and obj.conditional:
        reasons.append("defined under control flow (if, try, with, a loop)")
    if isinstance(obj, (Function, Class)) and obj.decorators:
        reasons.append("decorated with " + ", ".join(f"@{d}" for d in obj.decorators))
    if isinstance(obj, Class) and any("=" in base for base in obj.bases):
        reasons.append("a class with a metaclass or class keywords")
    return reasons


def signature_readable(found: Function) -> bool:
    """Whether every decorator of ``found`` is known to keep its signature, so the contract's
    arguments can still be held against what static reading sees."""
    return all(decorator_name(d) in SIGNATURE_KEEPING_DECORATORS for d in found.decorators)


def check_vouched(
    collector: FindingCollector, name: str, obj: object, context: tuple[str, ...] = ()
) -> None:
    """``ISP411`` when ImportSpy 0.5 fails closed on what the contract names (S103): ``context``
    says how static reading reached it when that is the reason (inherited from a base, imported
    from another module), :func:`declared_reasons` what the object itself is.

    ImportSpy vouches only for what the checked file itself declares, unconditionally and
    undecorated, in a class without a metaclass.  Static reading here often sees further (an
    attribute assigned on ``self``, a method of a base class read from source), and what it sees
    is still checked; but a contract written in ImportSpy's syntax must not pass here where
    ImportSpy denies it, so this is a finding (an error under ``--strict``), never a silent pass.
    """
    reasons = [*context, *declared_reasons(obj)]
    if not reasons:
        return
    if isinstance(obj, Function) and not signature_readable(obj):
        reasons.append("a decorator may replace its signature, so it is not checked")
    collector.add(
        "ISP411",
        name,
        f"{name} is {'; '.join(reasons)}: ImportSpy denies what a module or class does not "
        "declare itself, unconditionally and undecorated (S103)",
        expected="declared by the module or class itself, unconditionally and undecorated",
        found=reasons[0],
    )
