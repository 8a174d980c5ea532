"""Plain helpers shared by the test modules (no fixtures: those stay in ``tests/conftest.py``).

- ``builds``: fixture-project TOML, real builds with the real hook, wheels repacked from the
  running environment;
- ``venvs``: virtual-environment and CLI types the fixtures return;
- ``fakedist``: hand-made installed distributions and wheels for fast unit tests;
- ``report_samples``: sample findings for the report renderers.
"""
