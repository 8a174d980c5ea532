"""The cyclic garbage collector is paused for a run and restored as it was found."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from hatch_importspy import cli
from hatch_importspy.collection import collection_paused
from hatch_importspy.verify import verifier
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.fakedist import LINUX_FACTS, install, model_for


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_paused_for_the_block_and_running_again_after() -> None:
    gc.enable()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_running_again_after_a_failure() -> None:
    gc.enable()
    with pytest.raises(ValueError, match="boom"), collection_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_nested_pauses_leave_it_to_the_outermost() -> None:
    gc.enable()
    with collection_paused():
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused() -> None:
    gc.disable()
    with collection_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_verify_runs_with_the_collector_paused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"demo/__init__.py": b"x = 1\n"}
    install(tmp_path, "demo", "1.0", files, manifest=model_for("demo", "1.0", files))
    seen: list[bool] = []
    real = verifier._verify_distribution

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(verifier, "_verify_distribution", spy)
    gc.enable()
    result = verify_installed([tmp_path], [], LINUX_FACTS)
    assert result.findings() == ()
    assert seen == [False]
    assert gc.isenabled()


def test_the_command_runs_with_the_collector_paused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []

    def spy(args: object) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(cli, "_show_command", spy)
    gc.enable()
    assert cli.main(["show", str(tmp_path)]) == 0
    assert seen == [False]
    assert gc.isenabled()
