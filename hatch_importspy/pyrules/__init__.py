"""CPython's own rules, written down as pure functions: what the interpreter decides, not ours.

Each module states one of the interpreter's rules that ``verify`` must follow exactly to answer
"what would this interpreter execute from this environment?" -- checked against CPython's
importlib, not guessed.  They import nothing from the rest of hatch-importspy, so that a rule can
also be run by the interpreter under check itself (see :mod:`.bytecode`).
"""
