"""Real wheels from the package index, given manifests with ``embed``: clean verifies clean, and a
body edit in any of them is caught.

The subset is requests' whole dependency closure (requests, urllib3, idna, charset-normalizer,
certifi), so cross-distribution expectations are checked against real providers; six, whose
``six.moves`` and namespace tricks are the classic trap for static readers; click, a large
annotated pure-Python API; and markupsafe and pyyaml, which ship compiled extensions next to
their ``.py`` sources.  Three of the nine are binary; all are small, so downloading (once, into
``benchmarks/.cache/corpus``), describing and installing them takes seconds.  The full corpus of
37 distributions is the benchmarks' (``python -m benchmarks.appscale``).

On the clean install ``verify`` reports no finding at all: no error, and no warning or note
either (the expectation checks among these nine find every name they look for).
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from benchmarks.corpus import CORPUS, IndexUnreachable, download, embedded
from hatch_importspy.formats.manifest import MANIFEST_FILENAME, load_bytes
from tests.helpers.venvs import RunCli, Venv, VenvFactory

pytestmark = pytest.mark.e2e

SUBSET = (
    "requests",
    "urllib3",
    "idna",
    "charset-normalizer",
    "certifi",
    "six",
    "click",
    "markupsafe",
    "pyyaml",
)
INJECTED = '__import__("os").getpid()  # tampered\n'


@pytest.fixture(scope="module")
def corpus_wheels(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The subset's wheels with manifests embedded; the test is skipped without the index."""
    pinned = [(name, version) for name, version in CORPUS if name in SUBSET]
    assert len(pinned) == len(SUBSET)
    try:
        raw = download(pinned)
    except IndexUnreachable as error:
        pytest.skip(f"the package index is unreachable, so no corpus wheels: {error}")
    return embedded(raw, cache=tmp_path_factory.mktemp("corpus"))


def verify_json(run_cli: RunCli, venv: Venv) -> dict[str, object]:
    """``verify --python`` from the test interpreter: the environment holds the corpus alone
    (hatch-importspy's own pyyaml would otherwise stand in for the corpus's)."""
    completed = run_cli(sys.executable, "verify", "--python", str(venv.python), "--format", "json")
    report: dict[str, object] = json.loads(completed.stdout)
    summary = report["summary"]
    assert isinstance(summary, dict)
    assert completed.returncode == summary["exit_code"], completed.stderr
    return report


def test_the_clean_install_verifies_with_no_finding(
    corpus_wheels: Sequence[Path], venv_factory: VenvFactory, run_cli: RunCli
) -> None:
    venv = venv_factory("corpus-clean", wheels=corpus_wheels, importspy=False)
    report = verify_json(run_cli, venv)
    summary = report["summary"]
    assert isinstance(summary, dict)
    assert summary["with_manifest"] == len(SUBSET)
    everything = [
        finding
        for distribution in report["distributions"]  # type: ignore[attr-defined]
        for finding in distribution["findings"]
    ]
    assert everything == []
    assert report["environment_findings"] == []
    assert (summary["errors"], summary["exit_code"]) == (0, 0)


def first_function_body(site: Path, manifest: Path) -> tuple[str, int, int]:
    """The first described module (by path) with a function: ``(path, line, indent)`` of the
    first statement of that function's body."""
    model = load_bytes(manifest.read_bytes(), str(manifest))
    for module in sorted(model.modules, key=lambda module: module.path):
        tree = ast.parse((site / module.path).read_bytes())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = node.body[0]
                return module.path, first.lineno, first.col_offset
    raise AssertionError(f"{manifest}: no module with a function")  # pragma: no cover


def inject(path: Path, line: int, indent: int) -> None:
    """Insert one statement before line ``line`` of ``path``: the body changes, the API not."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(line - 1, " " * indent + INJECTED)
    path.write_text("".join(lines), encoding="utf-8")


def test_a_body_edit_in_each_package_is_isp301(
    corpus_wheels: Sequence[Path], venv_factory: VenvFactory, run_cli: RunCli
) -> None:
    venv = venv_factory("corpus-tampered", wheels=corpus_wheels, importspy=False)
    site = venv.site_packages
    tampered: dict[str, str] = {}
    for manifest in sorted(site.glob(f"*.dist-info/extra_metadata/{MANIFEST_FILENAME}")):
        name = load_bytes(manifest.read_bytes(), str(manifest)).name
        path, line, indent = first_function_body(site, manifest)
        inject(site / path, line, indent)
        tampered[name] = path
    assert len(tampered) == len(SUBSET)
    report = verify_json(run_cli, venv)
    assert report["summary"]["exit_code"] == 1  # type: ignore[index]
    for distribution in report["distributions"]:  # type: ignore[attr-defined]
        findings = distribution["findings"]
        codes = {(finding["code"], finding["file"]) for finding in findings}
        assert ("ISP301", tampered[distribution["name"]]) in codes, findings
        assert {finding["code"] for finding in findings} == {"ISP301"}, findings
