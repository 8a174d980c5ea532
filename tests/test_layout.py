"""The interpreter layout reader and its comparison with an interpreter's answer (ISP319)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hatch_importspy.compare.layout import layout_findings
from hatch_importspy.verify.layout import parse_pyvenv_cfg, read_layout


def fake_venv(root: Path, cfg: str, version: str = "3.11") -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "lib" / f"python{version}" / "site-packages").mkdir(parents=True)
    (root / "pyvenv.cfg").write_text(cfg)
    python = root / "bin" / "python"
    python.write_text("")
    return python


def test_pyvenv_cfg_is_read_as_site_reads_it() -> None:
    text = "home = /usr/bin\nInclude-System-Site-Packages = False\nversion = 3.11.7\nnoise\n"
    assert parse_pyvenv_cfg(text) == {
        "home": "/usr/bin",
        "include-system-site-packages": "False",
        "version": "3.11.7",
    }


def test_the_layout_names_the_venv_and_its_site_packages(tmp_path: Path) -> None:
    python = fake_venv(tmp_path / "v", "include-system-site-packages = true\nversion = 3.11.7\n")
    layout = read_layout(python)
    assert layout.venv_prefix == tmp_path / "v"
    assert layout.version == "3.11"
    assert layout.includes_system_site
    assert layout.site_dirs == (tmp_path / "v" / "lib" / "python3.11" / "site-packages",)


def test_no_pyvenv_cfg_is_no_venv(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    layout = read_layout(tmp_path / "bin" / "python")
    assert layout.venv_prefix is None
    assert layout.site_dirs == ()


def test_a_pyvenv_cfg_that_is_a_fifo_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    os.mkfifo(tmp_path / "pyvenv.cfg")
    layout = read_layout(tmp_path / "bin" / "python")
    # is_file() is false for a FIFO: site skips it too, so there is no venv to speak of.
    assert layout.venv_prefix is None


def answer_of(prefix: Path, site_dirs: list[Path], *, in_venv: bool = True) -> dict[str, object]:
    return {
        "answered_prefix": prefix,
        "answered_in_venv": in_venv,
        "answered_version": f"{sys.version_info[0]}.{sys.version_info[1]}.0",
        "answered_site_dirs": site_dirs,
    }


def test_agreement_gives_nothing_and_each_disagreement_a_finding(tmp_path: Path) -> None:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    site = tmp_path / "lib" / f"python{version}" / "site-packages"
    layout = {
        "layout_prefix": tmp_path,
        "layout_version": version,
        "layout_site_dirs": [site],
        "layout_problem": None,
    }
    assert layout_findings("py", **layout, **answer_of(tmp_path, [site])) == []  # type: ignore[arg-type]

    hidden = layout_findings("py", **layout, **answer_of(tmp_path, [tmp_path / "decoy"]))  # type: ignore[arg-type]
    assert [f.code for f in hidden] == ["ISP319"]
    assert str(site) in hidden[0].message

    elsewhere = layout_findings("py", **layout, **answer_of(tmp_path / "other", [site]))  # type: ignore[arg-type]
    assert [f.code for f in elsewhere] == ["ISP319"]

    older = {**layout, "layout_version": "2.7"}
    assert [f.code for f in layout_findings("py", **older, **answer_of(tmp_path, [site]))] == [  # type: ignore[arg-type]
        "ISP319"
    ]


def test_an_answer_claiming_a_venv_without_pyvenv_cfg_is_reported(tmp_path: Path) -> None:
    findings = layout_findings(
        "py",
        layout_prefix=None,
        layout_version=None,
        layout_site_dirs=[],
        layout_problem=None,
        answered_prefix=tmp_path,
        answered_in_venv=True,
        answered_version="3.11.7",
        answered_site_dirs=[],
    )
    assert [f.code for f in findings] == ["ISP319"]
