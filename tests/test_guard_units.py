"""The import guard's parts, one situation each: the table, the verdicts, the command line.

The end-to-end proofs (a payload that runs without the guard and does not with it) are in
``tests/attacks/test_guard.py``; these pin each rule in milliseconds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from hatch_importspy.errors import UnusableInputError
from hatch_importspy.findings import Severity
from hatch_importspy.guard import options_from
from hatch_importspy.guard.boot import (
    ENFORCE,
    REFUSED,
    TRUSTED,
    UNCHECKED,
    VOUCHED,
    WARN,
    Guard,
    GuardError,
    Table,
    stdlib_directories,
)
from hatch_importspy.guard.launch import Target, environment_flags, payload
from hatch_importspy.guard.table import GuardOptions, build_table
from hatch_importspy.pyrules.finder import LoaderSuffixes
from hatch_importspy.verify.installed import find_distributions
from hatch_importspy.verify.lock import make_lock
from hatch_importspy.verify.policy import Policy
from tests.helpers.fakedist import install, model_for

FILES = {
    "pkg/__init__.py": b"",
    "pkg/core.py": b"def run() -> int:\n    return 1\n",
    "single.py": b"X = 1\n",
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def table_for(site: Path, options: GuardOptions | None = None) -> dict[str, Any]:
    return build_table([site], options or GuardOptions(), LoaderSuffixes.running())


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site-packages"
    site.mkdir()
    install(site, "demo", "1.0", FILES, manifest=model_for("demo", "1.0", FILES))
    install(site, "plain", "2.0", {"plainmod.py": b"Y = 2\n"})
    return site


# --------------------------------------------------------------------------- the table


def test_manifest_vouches_for_its_files_and_claims_their_names(site: Path) -> None:
    table = table_for(site)
    assert table["files"][str(site / "pkg/core.py")] == sha(FILES["pkg/core.py"])
    assert table["modules"]["pkg.core"] == "demo"
    assert table["modules"]["single"] == "demo"
    assert table["packages"] == {"pkg": "demo"}
    assert str(site / "plainmod.py") not in table["files"]  # no manifest, no lock: unchecked
    assert table["strict"] is False
    assert table["refused"] == {}


def test_require_manifest_refuses_a_distribution_without_one(site: Path) -> None:
    table = table_for(site, GuardOptions(policy=Policy(require_manifest=True)))
    assert table["refused"][str(site / "plainmod.py")][0] == "ISP320"
    assert table["strict"] is True
    allowed = GuardOptions(policy=Policy(require_manifest=True, allow=("plain",)))
    assert str(site / "plainmod.py") not in table_for(site, allowed)["refused"]


def test_lock_vouches_for_recorded_files_and_refuses_what_it_does_not_approve(
    site: Path,
) -> None:
    lock = make_lock(find_distributions([site]), {})
    table = table_for(site, GuardOptions(lock=lock))
    assert table["files"][str(site / "plainmod.py")] == sha(b"Y = 2\n")
    assert table["strict"] is True
    install(site, "extra", "1.0", {"extramod.py": b"Z = 3\n"})
    (site / "plain-2.0.dist-info/RECORD").write_text(
        (site / "plain-2.0.dist-info/RECORD").read_text() + "plainmod2.py,,\n"
    )
    table = table_for(site, GuardOptions(lock=lock))
    assert table["refused"][str(site / "extramod.py")][0] == "ISP330"
    assert table["refused"][str(site / "plainmod.py")][0] == "ISP333"


def test_two_copies_in_one_directory_are_refused(site: Path) -> None:
    install(site, "Demo", "1.0.0", {"pkg/core.py": FILES["pkg/core.py"]})
    table = table_for(site)
    assert table["refused"][str(site / "pkg/core.py")][0] == "ISP315"


def test_startup_files(site: Path) -> None:
    (site / "paths.pth").write_text("/nowhere\n")
    (site / "evil.pth").write_text("import os\n")
    install(
        site,
        "setuptools",
        "70.0",
        {
            "distutils-precedence.pth": b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; "
            b"enabled = os.environ.get(var, 'local') == 'local'; "
            b"enabled and __import__('_distutils_hack').add_shim(); \n"
        },
    )
    table = table_for(site)
    assert table["startup"][str(site / "paths.pth")] == sha(b"/nowhere\n")
    assert table["refused"][str(site / "evil.pth")][0] == "ISP307"
    assert str(site / "distutils-precedence.pth") in table["startup"]


def test_policy_lowered_codes_warn_instead_of_refusing(site: Path) -> None:
    table = table_for(site)
    assert "ISP308" in table["lenient"]  # a warning by default
    assert "ISP313" not in table["lenient"]
    strict = table_for(site, GuardOptions(policy=Policy(strict=True)))
    assert "ISP308" not in strict["lenient"]
    lowered = table_for(site, GuardOptions(policy=Policy(severities={"ISP313": Severity.NOTE})))
    assert "ISP313" in lowered["lenient"]


# --------------------------------------------------------------------------- verdicts


def guard_for(site: Path, options: GuardOptions | None = None) -> Guard:
    return Guard(Table(table_for(site, options)), stdlib_directories())


def test_verdicts(site: Path, tmp_path: Path) -> None:
    guard = guard_for(site)
    assert guard.judge("pkg.core", str(site / "pkg/core.py"))[0] == VOUCHED
    assert guard.judge("pkg", str(site / "pkg/__init__.py"))[3] == sha(b"")
    verdict, code, _, _ = guard.judge("single", str(site / "single/__init__.py"))
    assert (verdict, code) == (REFUSED, "ISP313")
    assert guard.judge("pkg.extra", str(site / "pkg/extra.py"))[:2] == (REFUSED, "ISP303")
    assert guard.judge("sitecustomize", str(site / "sitecustomize.py"))[:2] == (REFUSED, "ISP307")
    assert guard.judge("plainmod", str(site / "plainmod.py"))[0] == UNCHECKED
    assert (
        guard.judge("json", str(Path(stdlib_directories()[0], "json", "__init__.py")))[0] == TRUSTED
    )
    assert guard.judge("app", str(tmp_path / "app.py"))[0] == TRUSTED
    # The application's directory cannot stand in for a vouched module either.
    assert guard.judge("single", str(tmp_path / "single.py"))[:2] == (REFUSED, "ISP313")


def test_strict_refuses_what_nobody_vouches_for(site: Path) -> None:
    guard = guard_for(site, GuardOptions(policy=Policy(require_manifest=True, allow=("plain",))))
    assert guard.judge("stray", str(site / "stray.py"))[:2] == (REFUSED, "ISP314")


def test_directories_a_pth_file_adds_are_the_environment(site: Path, tmp_path: Path) -> None:
    guard = guard_for(site, GuardOptions(policy=Policy(require_manifest=True)))
    added = tmp_path / "added"
    assert guard.judge("stray", str(added / "stray.py"))[0] == TRUSTED
    guard.add_environment([str(added)])
    assert guard.judge("stray", str(added / "stray.py"))[:2] == (REFUSED, "ISP314")


def test_modes(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    enforce = guard_for(site, GuardOptions(mode=ENFORCE))
    with pytest.raises(GuardError) as raised:
        enforce.check_bytes("pkg.core", "/x/core.py", b"changed", "0" * 64)
    assert isinstance(raised.value, ImportError)
    assert raised.value.code == "ISP301"
    assert str(raised.value).startswith("importspy: ISP301 /x/core.py: ")
    warn = guard_for(site, GuardOptions(mode=WARN))
    assert warn.check_bytes("pkg.core", "/x/core.py", b"changed", "0" * 64) is False
    assert "importspy: warning: ISP301 /x/core.py" in capsys.readouterr().err
    assert warn.check_bytes("pkg.core", "/x/core.py", b"same", sha(b"same")) is True


# --------------------------------------------------------------------------- the command line


def test_target_parse() -> None:
    assert Target.parse(["--", "app.py", "-x"]) == Target("script", "app.py", ("-x",))
    assert Target.parse(["-m", "http.server", "8000"]) == Target("module", "http.server", ("8000",))
    assert Target.parse(["-c", "pass"]) == Target("code", "pass")
    for words, problem in (([], "nothing to run"), (["-m"], "needs an argument"), (["-X"], "only")):
        with pytest.raises(UnusableInputError, match=problem):
            Target.parse(words)


def test_environment_flags() -> None:
    assert environment_flags({}) == []
    assert environment_flags(
        {
            "PYTHONUNBUFFERED": "1",
            "PYTHONOPTIMIZE": "2",
            "PYTHONWARNINGS": "error,ignore::DeprecationWarning",
            "PYTHONUTF8": "1",
            "PYTHONPATH": "/ignored",
        }
    ) == ["-u", "-O", "-O", "-W", "error", "-W", "ignore::DeprecationWarning", "-X", "utf8=1"]


def test_payload_carries_this_installations_guard(site: Path) -> None:
    import json

    document = json.loads(payload(table_for(site), Target("code", "pass")))
    assert "class GuardFinder" in document["boot"]
    assert document["target"] == {"kind": "code", "value": "pass", "arguments": []}


def test_the_launcher_and_the_guard_agree_on_the_modes() -> None:
    from hatch_importspy.guard import boot, table

    assert table.MODES == boot.MODES


def test_options_from_rejects_unknown_mode() -> None:
    with pytest.raises(UnusableInputError, match="unknown guard mode"):
        options_from(mode="loose")
    assert options_from(strict=True).policy.strict


def test_a_path_two_distributions_ship_accepts_either_copy(site: Path) -> None:
    shared = {
        "nspkg/__init__.py": b"__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n"
    }
    other = {"nspkg/__init__.py": b"# the other distribution's copy\n"}
    install(site, "ns-a", "1.0", shared, manifest=model_for("ns-a", "1.0", shared))
    install(site, "ns-b", "1.0", other, manifest=model_for("ns-b", "1.0", other))
    guard = guard_for(site)
    path = str(site / "nspkg/__init__.py")
    verdict, _, _, digest = guard.judge("nspkg", path)
    assert verdict == VOUCHED and digest is not None
    for content in (shared["nspkg/__init__.py"], other["nspkg/__init__.py"]):
        assert guard.check_bytes("nspkg", path, content, digest) is True
    with pytest.raises(GuardError):
        guard.check_bytes("nspkg", path, b"neither\n", digest)
