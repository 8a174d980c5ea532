"""Sample findings shared by the report tests (text, JSON, JUnit, SARIF, GitHub)."""

from __future__ import annotations

from hatch_importspy.findings import Finding

CHECKS = ("environment", "integrity", "structure", "dependencies")

MISSING = Finding(
    code="ISP201",
    distribution="demo",
    message="function greet is missing",
    module="demo.core",
    file="demo/core.py",
    object="demo.core:greet",
    expected="function greet(name: str) -> str",
    found="nothing",
)
MODIFIED = Finding(
    code="ISP301",
    distribution="demo",
    message="file modified",
    module="demo.core",
    file="demo/core.py",
    expected="sha256 aaaa",
    found="sha256 bbbb",
)
ADDED = Finding(
    code="ISP202",
    distribution="demo",
    message="function extra is not in the manifest",
    module="demo.core",
    file="demo/core.py",
    object="demo.core:extra",
    line=12,
)
UNOWNED_PTH = Finding(
    code="ISP307",
    distribution="",
    message="executable .pth line owned by no distribution",
    file="evil.pth",
    line=1,
    found="import os",
)
