"""ISP106 and ISP403-ISP408: does the installed provider still offer what the package expects?

An :class:`~hatch_importspy.model.Expectation` says which names of one external module a package
uses (inferred from its code, or stated by an ImportSpy contract) and, for a contract, where it may
run.  :func:`expectation_findings` holds it against the installed modules, reached through a
``lookup`` callable (dotted name -> :class:`~hatch_importspy.compare.provided.ProvidedModule` or
``None``) so that this package stays a pure comparison: the caller decides where modules come from
(parsed from site-packages, or a provider's own manifest) and caches them.

How a dotted name is looked up (``Session().get`` in ``requests``):

- In a module: its functions, classes and variables; then a name bound by an import there
  (followed to the module it names, so ``requests.get`` is checked as ``requests.api.get``); then
  a submodule (``x.sub``); then the modules it star-imports.
- In a class: its methods, attributes (class and instance) and nested classes; then its base
  classes when they resolve to classes the lookup can describe.
- ``()`` after a class is an instance of it: methods are then called with ``self`` bound.

"Cannot tell" is never reported.  A name is missing (ISP404) only when every place it could come
from was seen: not when the module defines ``__getattr__``, writes ``globals()``, star-imports
something unknown, lists the name in ``__all__``, or was described without the import facts or
without private names; not when a class has a base outside what the lookup describes, a
metaclass, ``__getattr__`` or ``__slots__``; never for a dunder.  Past a function, variable or
attribute, or past ``()`` on anything but a class, a path is not followed.

One job per module:

- :mod:`.check`: the entry point, and the module-level findings (ISP403, ISP408);
- :mod:`.lookup`: the lookup callable's type and the per-expectation cache of its answers;
- :mod:`.resolve`: following a dotted path to found, missing or "cannot tell";
- :mod:`.names`: each expected name (ISP404, ISP405, and ISP406 for its kind);
- :mod:`.calls`: binding a call to a signature (which signatures are what callers get);
- :mod:`.details`: what a contract states beyond names (ISP404, ISP406, ISP407), compared by
  :mod:`.equivalence`;
- :mod:`.deployments`: a contract's deployments against the environment (ISP106);
- :mod:`.collector` and :mod:`.wording`: how findings are recorded and worded, and one finding
  per missing name however many ways the package uses it.
"""

from __future__ import annotations

from hatch_importspy.compare.expectations.calls import SIGNATURE_KEEPING_DECORATORS, call_problems
from hatch_importspy.compare.expectations.check import expectation_collector, expectation_findings
from hatch_importspy.compare.expectations.collector import one_per_cause
from hatch_importspy.compare.expectations.deployments import python_version_matches
from hatch_importspy.compare.expectations.lookup import ModuleLookup

__all__ = [
    "SIGNATURE_KEEPING_DECORATORS",
    "ModuleLookup",
    "call_problems",
    "expectation_collector",
    "expectation_findings",
    "one_per_cause",
    "python_version_matches",
]
