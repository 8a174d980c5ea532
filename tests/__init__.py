"""hatch-importspy's test suite, a package so its helpers import as ``tests.helpers.*``.

A package path (rather than pytest putting ``tests/`` on ``sys.path``) keeps those imports
working under ``--import-mode=importlib`` as well as the default mode.
"""
