"""The release edges: loading the two sides of a diff, the diff result, and the baseline gate."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from hatch_importspy.describe.extract import extract_structure
from hatch_importspy.errors import ManifestError, UnusableInputError
from hatch_importspy.findings import Severity
from hatch_importspy.formats.manifest import dumps, dumps_yaml
from hatch_importspy.model import Module, SpyModel
from hatch_importspy.release.diff import (
    BreakingChangesError,
    Release,
    breaking_changes_against_baseline,
    diff_releases,
    diff_targets,
    enforce_baseline,
    gate_against_baseline,
    gate_message,
    load_release,
    version_notice,
)
from hatch_importspy.report.json import render_json
from hatch_importspy.report.text import render_text
from hatch_importspy.results import CHECK_RELEASE


def release(
    version: str, source: str, *, name: str = "acme", python: str | None = None
) -> SpyModel:
    structure = extract_structure(source.encode(), filename="acme/api.py")
    return SpyModel(
        name=name,
        version=version,
        modules=(Module("acme.api", "acme/api.py", "0" * 64, structure),),
    )


V1 = release("1.0.0", "def fetch(url, timeout=10): ...\ndef close(): ...")
V1_1 = release("1.1.0", "def fetch(url, timeout): ...\ndef open(): ...")
V2 = release("2.0.0", "def fetch(url, timeout): ...\ndef open(): ...")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the gate


@pytest.mark.parametrize("form", [dumps_yaml, dumps], ids=["block-yaml", "json-form"])
def test_a_breaking_change_stops_the_build(tmp_path: Path, form: Callable[[SpyModel], str]) -> None:
    baseline = write(tmp_path / "1.0.0.yaml", form(V1))
    gate = gate_against_baseline(baseline, V1_1, allow_breaking=False, shown_as="base.yaml")
    assert gate.stops_build
    assert [(f.code, f.object) for f in gate.breaking] == [
        ("ISP502", "acme.api:close"),
        ("ISP508", "acme.api:fetch"),
    ]
    assert all(f.severity is Severity.ERROR for f in gate.breaking)
    assert (gate.baseline, gate.old_version, gate.new_version) == ("base.yaml", "1.0.0", "1.1.0")
    with pytest.raises(BreakingChangesError) as raised:
        enforce_baseline(baseline, V1_1, allow_breaking=False)
    assert raised.value.gate.breaking == gate.breaking
    assert breaking_changes_against_baseline(baseline, V1_1, allow_breaking=False) == list(
        gate.breaking
    )


def test_the_stop_message_lists_every_breaking_change_and_what_to_do(tmp_path: Path) -> None:
    baseline = write(tmp_path / "1.0.0.yaml", dumps_yaml(V1))
    gate = gate_against_baseline(
        baseline, V1_1, allow_breaking=False, shown_as="manifests/1.0.0.yaml"
    )
    lines = gate_message(gate).splitlines()
    assert lines[0] == (
        "importspy: 2 breaking changes against the baseline manifests/1.0.0.yaml "
        "(1.0.0 -> 1.1.0); the build was stopped:"
    )
    assert lines[1] == (
        "  ISP502 error acme.api:close: function close was removed (expected def close())"
    )
    assert lines[2] == (
        "  ISP508 error acme.api:fetch: parameter 'timeout' of fetch lost its default "
        "(expected timeout=10, found timeout)"
    )
    assert "allow-breaking = true" in lines[3]
    assert len(lines) == 4


def test_allow_breaking_lets_the_build_through_and_still_lists_the_changes(tmp_path: Path) -> None:
    baseline = write(tmp_path / "1.0.0.yaml", dumps_yaml(V1))
    gate = enforce_baseline(baseline, V2, allow_breaking=True)
    assert not gate.stops_build
    assert [f.severity for f in gate.breaking] == [Severity.WARNING, Severity.WARNING]
    assert "allowed by allow-breaking" in gate_message(gate).splitlines()[0]
    assert breaking_changes_against_baseline(baseline, V2, allow_breaking=True) == []


def test_a_major_bump_still_needs_allow_breaking(tmp_path: Path) -> None:
    baseline = write(tmp_path / "1.0.0.yaml", dumps_yaml(V1))
    with pytest.raises(BreakingChangesError):
        enforce_baseline(baseline, V2, allow_breaking=False)


def test_no_breaking_change_passes(tmp_path: Path) -> None:
    baseline = write(tmp_path / "1.0.0.yaml", dumps_yaml(V1))
    compatible = release(
        "1.0.1", "def fetch(url, timeout=10, retries=0): ...\ndef close(): ...\ndef new(): ..."
    )
    gate = enforce_baseline(baseline, compatible, allow_breaking=False)
    assert gate.breaking == ()
    assert gate_message(gate) == (
        f"importspy: no breaking changes against the baseline {baseline} (1.0.0 -> 1.0.1)"
    )


def test_a_missing_baseline_is_unusable_input_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "manifests" / "0.9.yaml"
    with pytest.raises(UnusableInputError) as raised:
        gate_against_baseline(missing, V1, allow_breaking=False)
    message = str(raised.value)
    assert message.startswith(f"{missing}: cannot read the baseline manifest: ")
    assert "\n" not in message


def test_a_corrupt_baseline_is_unusable_input(tmp_path: Path) -> None:
    corrupt = write(tmp_path / "bad.yaml", "schema: '1'\nname: [unclosed\n")
    with pytest.raises(ManifestError) as raised:
        gate_against_baseline(corrupt, V1, allow_breaking=False)
    assert str(raised.value).startswith(f"{corrupt}: ")


def test_a_baseline_of_another_distribution_is_refused(tmp_path: Path) -> None:
    other = write(tmp_path / "other.yaml", dumps_yaml(release("1.0.0", "", name="other")))
    with pytest.raises(UnusableInputError) as raised:
        gate_against_baseline(other, V1, allow_breaking=False)
    assert str(raised.value) == f"{other}: the baseline describes distribution 'other', not 'acme'"


# --------------------------------------------------------------------------- diff


def test_diff_of_two_manifest_files(tmp_path: Path) -> None:
    old = write(tmp_path / "old.yaml", dumps_yaml(V1))
    new = write(tmp_path / "new.json", dumps(V1_1))
    result = diff_targets(str(old), str(new))
    (distribution,) = result.distributions
    assert (distribution.name, distribution.version) == ("acme", "1.1.0")
    assert distribution.source == f"{old} -> {new}"
    assert distribution.checks == (CHECK_RELEASE,)
    assert [(f.code, f.object) for f in result.findings()] == [
        ("ISP502", "acme.api:close"),
        ("ISP508", "acme.api:fetch"),
        ("ISP540", "acme.api:open"),
    ]
    assert result.notices == ("version 1.0.0 -> 1.1.0: breaking changes are errors",)


def test_the_diff_result_renders_with_the_verify_reporters() -> None:
    result = diff_releases(Release(V1, "old.yaml"), Release(V2, "new.yaml"))
    text = render_text(result)
    assert "ISP502 warning acme.api:close: function close was removed" in text
    document = json.loads(render_json(result))
    (distribution,) = document["distributions"]
    assert distribution["checks"] == ["release"]
    codes = [(finding["code"], finding["severity"]) for finding in distribution["findings"]]
    assert codes == [("ISP502", "warning"), ("ISP508", "warning"), ("ISP540", "note")]
    assert document["summary"]["exit_code"] == 0  # warnings: the version announces the break


def test_diff_notes_described_wheels() -> None:
    result = diff_releases(Release(V1, "a.whl", described=True), Release(V1, "b.yaml"))
    assert result.notices == (
        "version 1.0.0 -> 1.0.0: breaking changes are errors",
        "a.whl carries no manifest: described from its files",
    )


def test_diff_of_two_different_distributions_is_unusable_input() -> None:
    other = release("1.1.0", "", name="renamed")
    with pytest.raises(UnusableInputError) as raised:
        diff_releases(Release(V1, "a.whl", described=True), Release(other, "b.yaml"))
    assert str(raised.value) == (
        "b.yaml: describes distribution 'renamed', and a.whl describes 'acme': "
        "diff compares two releases of one distribution"
    )
    same = release("1.1.0", "", name="ACME")  # another spelling of the same name is the same
    assert diff_releases(Release(V1, "a.whl"), Release(same, "b.yaml")).distributions


def test_version_notice() -> None:
    assert version_notice("1.0", "2.0") == (
        "version 1.0 -> 2.0: breaking changes are warnings (the version announces them)"
    )


def test_load_release_refuses_a_missing_manifest_file(tmp_path: Path) -> None:
    for target in (str(tmp_path / "nope.yaml"), "manifests/1.0.yaml"):
        with pytest.raises(UnusableInputError) as raised:
            load_release(target, ())
        assert str(raised.value) == f"{target}: no such file"


def test_load_release_of_an_unknown_installed_name(tmp_path: Path) -> None:
    with pytest.raises(UnusableInputError) as raised:
        load_release("surely-not-installed-anywhere", [tmp_path])
    assert str(raised.value).startswith("surely-not-installed-anywhere: ")


def test_load_release_of_a_file_that_is_not_a_wheel(tmp_path: Path) -> None:
    fake = tmp_path / "fake-1.0-py3-none-any.whl"
    fake.write_bytes(b"not a zip")
    with pytest.raises(UnusableInputError) as raised:
        load_release(str(fake), ())
    assert str(raised.value).startswith(f"{fake}: not a valid wheel")
