"""Attacks on bytecode under the approval lock: the lock vouches for the bytes it approved, and
for nothing else.

A byte-compiled clean install is locked (``lock --python``: every cache file Python would load is
proven, then recorded by its sha256).  A forged ``__pycache__`` file -- the source's own
timestamp header, other code, a payload that really runs on import -- has other bytes than the
approved ones, so ``verify --lock`` proves it and reports it (``ISP311``), while the clean install
costs no proof at all: every cache file is accepted by its hash (the prover is spied on).  A
distribution without a manifest is held to the RECORD the lock pins: a file changed after
``lock`` is ``ISP317``, and its forged bytecode ``ISP311``.
"""

from __future__ import annotations

import importlib.util
import json
import marshal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hatch_importspy.cli import main
from hatch_importspy.formats.manifest import load_bytes
from hatch_importspy.pyrules.bytecode import code_digest
from hatch_importspy.verify import bytecode as prover
from hatch_importspy.verify import hashing
from hatch_importspy.verify.installed import find_distributions
from hatch_importspy.verify.lock import load_lock
from tests.attacks.test_bytecode import CORE, FILES, MODULES, forge, runs_payload, tag_of
from tests.helpers.builds import ProjectFactory, record_hash
from tests.helpers.venvs import Venv, VenvFactory
from tests.test_e2e import copy_venv

pytestmark = pytest.mark.e2e

PLAIN = "plain_lib/__init__.py"


@pytest.fixture(scope="module")
def wheels(project_factory: ProjectFactory, build_wheel: Callable[..., Path]) -> list[Path]:
    """``spybyte`` (a manifest) and ``plain-lib`` (built without the hook: RECORD only)."""
    plain = project_factory({PLAIN: "VALUE = 1\n"}, name="plain-lib", options=None)
    return [build_wheel(project_factory(FILES, name="spybyte")), build_wheel(plain)]


@pytest.fixture(scope="module")
def compiled(venv_factory: VenvFactory, wheels: list[Path]) -> Venv:
    """Both installed by pip with its default byte-compilation; never changed."""
    return venv_factory("lock-bytecode-app", wheels=wheels, importspy=False)


@pytest.fixture
def app(compiled: Venv, tmp_path: Path) -> Venv:
    return copy_venv(compiled, tmp_path)


@pytest.fixture
def proofs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The full path of every cache file a prover is asked to prove."""
    asked: list[str] = []
    real = prover.run_provers

    def spied(python: str, jobs: list[prover.Job], **options: bool) -> list[tuple[str, str]]:
        asked.extend(job[1] for job in jobs)
        return real(python, jobs, **options)

    monkeypatch.setattr(prover, "run_provers", spied)
    yield asked


@pytest.fixture(params=["here", "shared"])
def sharing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Hashing in the verifier's process alone, or shared file by file with the helper process
    (the sources, RECORD rows and approved cache files all go through it)."""
    if request.param == "shared":
        monkeypatch.setattr(hashing, "SHARED_FROM", 0)
        monkeypatch.setattr(hashing, "PART", 1)
        helped: list[bool] = []
        real_start = hashing.VouchedDigests._start

        def start(self: hashing.VouchedDigests) -> None:
            real_start(self)
            helped.append(self.helped)

        monkeypatch.setattr(hashing.VouchedDigests, "_start", start)
        yield request.param
        assert helped and all(helped), "no helper shared the hashing"
    else:
        monkeypatch.setattr(hashing, "SHARED_FROM", 1 << 30)
        yield request.param


def verify(app: Venv, lock: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    capsys.readouterr()
    code = main(["verify", "--python", str(app.python), "--lock", str(lock), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def findings(report: Any) -> list[tuple[str, str, str | None]]:
    every = [
        (finding["code"], distribution["name"], finding["file"])
        for distribution in report["distributions"]
        for finding in distribution["findings"]
    ]
    every += [(f["code"], f["distribution"], f["file"]) for f in report["environment_findings"]]
    return sorted(every)


def test_locked_bytecode_is_hashed_and_forged_bytecode_proven(
    app: Venv,
    tmp_path: Path,
    proofs: list[str],
    sharing: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    marker, lock = tmp_path / "payload-ran", tmp_path / "importspy.lock"
    tag = tag_of(app.python)
    assert main(["lock", "--python", str(app.python), "-o", str(lock)]) == 0
    approved = {entry.name: dict(entry.bytecode) for entry in load_lock(lock).entries}
    assert sorted(approved["spybyte"]) == [
        f"__pycache__/solo_module.{tag}.pyc",
        f"spybyte/__pycache__/__init__.{tag}.pyc",
        f"spybyte/__pycache__/core.{tag}.pyc",
    ]
    assert list(approved["plain-lib"]) == [f"plain_lib/__pycache__/__init__.{tag}.pyc"]
    assert proofs, "lock proved what it approved"

    proofs.clear()
    code, report = verify(app, lock, capsys)
    assert (code, findings(report)) == (0, [])
    assert proofs == [], "a clean install under --lock proved something"

    cache = forge(app, CORE, "timestamp", marker)
    assert runs_payload(app, MODULES[CORE], marker), "the forged bytecode did not run"
    marker.unlink()
    code, report = verify(app, lock, capsys)
    assert (code, findings(report)) == (1, [("ISP311", "spybyte", cache)])
    assert proofs == [str(app.site_packages / cache)]  # proven because its digest differs
    assert not marker.exists(), "verify ran the payload"
    # And an environment holding it is not approved.
    capsys.readouterr()
    assert main(["lock", "--python", str(app.python), "-o", str(tmp_path / "again.lock")]) == 1
    assert "lock refused: not approved: " in capsys.readouterr().err


def test_a_distribution_without_a_manifest_is_held_to_the_locked_record(
    app: Venv, tmp_path: Path, sharing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    marker, lock = tmp_path / "payload-ran", tmp_path / "importspy.lock"
    assert main(["lock", "--python", str(app.python), "-o", str(lock)]) == 0
    cache = forge(app, PLAIN, "unchecked-hash", marker)
    assert runs_payload(app, "plain_lib", marker), "the forged bytecode did not run"
    code, report = verify(app, lock, capsys)
    assert (code, findings(report)) == (1, [("ISP311", "plain-lib", cache)])

    source = app.site_packages / PLAIN
    source.write_text("VALUE = 2\n")  # changed after lock: RECORD, pinned by the lock, says no
    code, report = verify(app, lock, capsys)
    assert (code, findings(report)) == (1, [("ISP317", "plain-lib", PLAIN)])


def test_a_recorded_digest_rewritten_to_the_payloads_is_caught_by_the_lock(
    app: Venv, tmp_path: Path, proofs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The attacker forges the bytecode, then rewrites the manifest's recorded compilation of
    the module (``code``) to the payload's digest and RECORD to match: the proof by digest now
    agrees with the forgery, but the manifest is no longer the one the lock approved: that is
    ``ISP333``, and its recorded compilations are not trusted, so the forgery is compiled and
    compared (``ISP311``)."""
    marker, lock = tmp_path / "payload-ran", tmp_path / "importspy.lock"
    assert main(["lock", "--python", str(app.python), "-o", str(lock)]) == 0
    cache = forge(app, CORE, "timestamp", marker)
    assert runs_payload(app, MODULES[CORE], marker), "the forged bytecode did not run"
    marker.unlink()

    forged = marshal.loads((app.site_packages / cache).read_bytes()[16:])
    payload_code = f"{importlib.util.MAGIC_NUMBER.hex()}:{code_digest(forged)}"
    (installed,) = [d for d in find_distributions([app.site_packages]) if d.name == "spybyte"]
    info, manifest = installed.metadata_dir, installed.manifest_path
    model = load_bytes(manifest.read_bytes(), str(manifest))
    (vouched,) = [module.code for module in model.modules if module.path == CORE]
    assert vouched and vouched != payload_code
    text = manifest.read_bytes()
    assert text.count(vouched.encode()) == 1
    manifest.write_bytes(text.replace(vouched.encode(), payload_code.encode()))
    record = info / "RECORD"
    rows = record.read_text().splitlines()
    name = manifest.relative_to(app.site_packages).as_posix()
    record.write_text(
        "\n".join(
            f"{name},{record_hash(manifest.read_bytes())},{manifest.stat().st_size}"
            if row.startswith(f"{name},")
            else row
            for row in rows
        )
        + "\n"
    )

    code, report = verify(app, lock, capsys)
    assert code == 1
    assert findings(report) == [("ISP311", "spybyte", cache), ("ISP333", "spybyte", None)]
    assert str(app.site_packages / cache) in proofs  # compiled: the manifest is not approved
    assert not marker.exists(), "verify ran the payload"
