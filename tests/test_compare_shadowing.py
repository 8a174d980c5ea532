"""ISP313-ISP315 from plain data: the comparisons of compare/shadowing.py."""

from __future__ import annotations

from hatch_importspy.compare.shadowing import (
    ModuleLoad,
    TopLevelModule,
    duplicate_findings,
    shadow_findings,
    unowned_module_findings,
)
from hatch_importspy.pyrules.finder import EntryKind

SITE = "/venv/site"


def test_a_vouched_winner_is_no_finding_and_a_foreign_one_is() -> None:
    loads = [
        ModuleLoad("x", "x.py", f"{SITE}/x.py", EntryKind.SOURCE),
        ModuleLoad("y", "y.py", f"{SITE}/y/__init__.py", EntryKind.PACKAGE),
        ModuleLoad("z", "z.py", None),  # missing: ISP302's business
    ]
    findings = shadow_findings("demo", SITE, loads, {f"{SITE}/x.py", f"{SITE}/y.py"})
    assert [(f.code, f.module, f.file, f.found) for f in findings] == [
        ("ISP313", "y", "y.py", "y/__init__.py")
    ]
    assert "package" in findings[0].message


def test_one_finding_per_module_and_winner() -> None:
    loads = [
        ModuleLoad("x", "x.py", "/other/x.so", EntryKind.EXTENSION),
        ModuleLoad("x", "x.pyi", "/other/x.so", EntryKind.EXTENSION),
    ]
    findings = shadow_findings("demo", SITE, loads, set())
    assert [(f.code, f.found) for f in findings] == [("ISP313", "/other/x.so")]


def test_unowned_top_level_modules() -> None:
    modules = [
        TopLevelModule(SITE, "evil", "evil/__init__.py", EntryKind.PACKAGE),
        TopLevelModule(SITE, "pip", "pip/__init__.py", EntryKind.PACKAGE),
    ]
    findings = unowned_module_findings(modules, {f"{SITE}/pip/__init__.py"})
    assert [(f.code, f.distribution, f.file) for f in findings] == [
        ("ISP314", "", "evil/__init__.py")
    ]


def test_two_metadata_directories_in_one_site_directory() -> None:
    copies = {
        (SITE, "acme-inventory"): [
            ("Acme_Inventory", "Acme_Inventory-1.0.0.dist-info"),
            ("acme-inventory", "acme_inventory-1.0.0.dist-info"),
        ],
        (SITE, "pip"): [("pip", "pip-23.2.1.dist-info")],
        ("/system/site", "pip"): [("pip", "pip-23.2.1.dist-info")],
    }
    findings = duplicate_findings(copies)
    assert [(f.code, f.file) for f in findings] == [("ISP315", "Acme_Inventory-1.0.0.dist-info")]
    assert "acme_inventory-1.0.0.dist-info" in findings[0].message
