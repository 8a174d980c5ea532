"""Release packaging end to end: real wheels built by the real hook, real venvs, real setuptools.

Four releases of one fixture project are built with the hook: 1.0.0, a compatible 1.0.1, a
1.1.0 that makes a breaking change of every kind (and some compatible ones), and a 2.0.0 with the
same code as 1.1.0.  The diff is
run on the wheels, on a committed baseline manifest, and on an installed distribution; the
baseline gate is run on the manifest the hook embedded.  ``embed`` rewrites a setuptools wheel,
which is then installed into a fresh venv and verified.

The ``diff``/``embed`` subcommands and the hook's ``baseline`` option are wired later; until then
these tests call the Python entry points those edges will call.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ProjectFactory, RunCli, VenvFactory
from test_embed import build_setuptools_wheel

from hatch_importspy.config import ImportSpyOptions
from hatch_importspy.embed import embed_manifest
from hatch_importspy.environment import current_environment
from hatch_importspy.findings import Severity
from hatch_importspy.manifest import dumps_yaml
from hatch_importspy.release import (
    BreakingChangesError,
    diff_targets,
    enforce_baseline,
    load_release,
)
from hatch_importspy.verify import load_model, verify_installed

INIT_V1 = """\
from .core import Client, fetch

__all__ = ["Client", "fetch", "VERSION"]
VERSION = "1"
"""

CORE_V1 = """\
DEFAULT_TIMEOUT: int = 10
RETRIES = 3


def legacy_fetch(url):
    return url


def encode(data, encoding):
    return data


def configure(name, verbose=False):
    return name


class OldThing:
    pass


def fetch(url, timeout=10, *, retries=0) -> bytes:
    return b""


def parse(data, strict, /):
    return data


def helper(a, b):
    return a


class Base:
    pass


class Mixin:
    pass


class Client(Base, Mixin):
    timeout = 10

    def __init__(self, host, port=80):
        self.host = host

    def get(self, path):
        return path

    def close(self):
        pass

    @property
    def url(self) -> str:
        return self.host


def _private():
    pass
"""

LEGACY = "def old_api():\n    pass\n"

INIT_V1_1 = """\
from .core import Client, fetch

__all__ = ["Client", "VERSION"]
VERSION = "1"
"""

CORE_V1_1 = """\
DEFAULT_TIMEOUT: float = 10.0


def encode(data, *, encoding):
    return data


def configure(name):
    return name


def fetch(url, timeout, *, retries=0, verify=True) -> str:
    return ""


def parse(data, strict):
    return data


def helper(b, a):
    return a


def stream(url):
    return url


class Base:
    pass


class Mixin:
    pass


class Client(Base):
    def __init__(self, host, port=80, *, scheme):
        self.host = host

    def get(self, route):
        return route

    def url(self) -> str:
        return self.host
"""

CORE_V1_0_1 = CORE_V1.replace(
    "def fetch(url, timeout=10, *, retries=0) -> bytes:",
    "def fetch(url, timeout=10, *, retries=0, verify=True) -> bytes:",
).replace("def _private():\n    pass\n", "def added():\n    pass\n")

OPTIONS_V1: dict[str, object] = {}
OPTIONS_V1_1: dict[str, object] = {
    "platforms": ["linux"],
    "machines": ["x86_64"],
    "implementations": ["cpython"],
    "env": ["ACME_TOKEN"],
}

BreakingRow = tuple[str, str | None]

EXPECTED_1_1: list[BreakingRow] = [
    ("ISP520", None),
    ("ISP521", None),
    ("ISP522", None),
    ("ISP523", None),
    ("ISP524", "ACME_TOKEN"),
    ("ISP502", "acme_tools.core:RETRIES"),
    ("ISP502", "acme_tools.core:legacy_fetch"),
    ("ISP502", "acme_tools.core:OldThing"),
    ("ISP502", "acme_tools.core:Client.timeout"),
    ("ISP510", "acme_tools.core:encode"),
    ("ISP505", "acme_tools.core:configure"),
    ("ISP503", "acme_tools:fetch"),
    ("ISP511", "acme_tools.core:Client"),
    ("ISP509", "acme_tools.core:Client.__init__"),
    ("ISP502", "acme_tools.core:Client.close"),
    ("ISP506", "acme_tools.core:Client.get"),
    ("ISP504", "acme_tools.core:Client.url"),
    ("ISP513", "acme_tools.core:DEFAULT_TIMEOUT"),
    ("ISP512", "acme_tools.core:fetch"),
    ("ISP508", "acme_tools.core:fetch"),
    ("ISP541", "acme_tools.core:fetch"),
    ("ISP507", "acme_tools.core:helper"),
    ("ISP541", "acme_tools.core:parse"),
    ("ISP541", "acme_tools.core:parse"),
    ("ISP540", "acme_tools.core:stream"),
    ("ISP540", "acme_tools.extras"),
    ("ISP501", "acme_tools.legacy"),
    ("ISP531", "packaging"),
    ("ISP530", "pyyaml"),
]


@pytest.fixture(scope="module")
def releases(project_factory: ProjectFactory, build_wheel: Callable[..., Path]) -> dict[str, Path]:
    """The four releases' wheels, built with the real hook, by version."""

    def build(
        version: str,
        files: dict[str, str],
        options: dict[str, object],
        requires_python: str,
        dependencies: list[str],
    ) -> Path:
        project = project_factory(
            files,
            name="acme-tools",
            version=version,
            options=options,
            requires_python=requires_python,
            dependencies=dependencies,
        )
        return build_wheel(project)

    v1_files = {
        "acme_tools/__init__.py": INIT_V1,
        "acme_tools/core.py": CORE_V1,
        "acme_tools/legacy.py": LEGACY,
    }
    v1_1_files = {
        "acme_tools/__init__.py": INIT_V1_1,
        "acme_tools/core.py": CORE_V1_1,
        "acme_tools/extras.py": "",
    }
    compatible = {**v1_files, "acme_tools/core.py": CORE_V1_0_1}
    return {
        "1.0.0": build("1.0.0", v1_files, OPTIONS_V1, ">=3.9", ["packaging>=20"]),
        "1.0.1": build("1.0.1", compatible, OPTIONS_V1, ">=3.9", ["packaging>=20"]),
        "1.1.0": build("1.1.0", v1_1_files, OPTIONS_V1_1, ">=3.10", ["packaging>=22", "pyyaml>=6"]),
        "2.0.0": build("2.0.0", v1_1_files, OPTIONS_V1_1, ">=3.10", ["packaging>=22", "pyyaml>=6"]),
    }


def test_every_breaking_kind_between_wheels_built_by_the_hook(releases: dict[str, Path]) -> None:
    result = diff_targets(str(releases["1.0.0"]), str(releases["1.1.0"]))
    found = sorted((f.code, f.object) for f in result.findings())
    assert found == sorted(EXPECTED_1_1)
    every_breaking_code = {f"ISP{n}" for n in [*range(501, 514), *range(520, 525), 530, 531]}
    assert {code for code, _ in EXPECTED_1_1} >= every_breaking_code
    by_code = {f.code: f for f in result.findings()}
    assert (by_code["ISP520"].expected, by_code["ISP520"].found) == (">=3.9", ">=3.10")
    assert (by_code["ISP512"].expected, by_code["ISP512"].found) == ("bytes", "str")
    assert (by_code["ISP513"].expected, by_code["ISP513"].found) == ("int", "float")
    assert by_code["ISP511"].message == "class Client lost base Mixin"
    assert result.notices == ("version 1.0.0 -> 1.1.0: breaking changes are errors",)
    severities = {(f.code, f.effective_severity) for f in result.findings()}
    for code, _ in EXPECTED_1_1:
        expected = Severity.NOTE if code.startswith("ISP54") else Severity.ERROR
        assert (code, expected) in severities


def test_the_same_changes_across_a_major_bump_are_warnings(releases: dict[str, Path]) -> None:
    result = diff_targets(str(releases["1.0.0"]), str(releases["2.0.0"]))
    assert sorted((f.code, f.object) for f in result.findings()) == sorted(EXPECTED_1_1)
    assert {f.effective_severity for f in result.findings() if not f.code.startswith("ISP54")} == {
        Severity.WARNING
    }


def test_a_compatible_release_has_only_notes(releases: dict[str, Path]) -> None:
    result = diff_targets(str(releases["1.0.0"]), str(releases["1.0.1"]))
    assert [(f.code, f.object, f.message) for f in result.findings()] == [
        ("ISP540", "acme_tools.core:added", "function added was added"),
        ("ISP541", "acme_tools.core:fetch", "parameter 'verify' was added to fetch"),
    ]


def test_diff_against_a_committed_manifest_and_an_installed_release(
    releases: dict[str, Path], tmp_path: Path, venv_factory: VenvFactory
) -> None:
    baseline = tmp_path / "manifests" / "1.0.0.yaml"
    baseline.parent.mkdir()
    baseline.write_text(dumps_yaml(load_model(str(releases["1.0.0"]), ())), encoding="utf-8")
    from_wheels = diff_targets(str(releases["1.0.0"]), str(releases["1.1.0"])).findings()
    from_manifest = diff_targets(str(baseline), str(releases["1.1.0"])).findings()
    assert from_manifest == from_wheels

    venv = venv_factory("release-installed", wheels=[releases["1.1.0"]], importspy=False)
    installed = load_release("acme-tools", [venv.site_packages])
    assert installed.source == "installed acme-tools"
    from_installed = diff_targets(
        str(baseline), "acme_tools", site_dirs=[venv.site_packages]
    ).findings()
    assert from_installed == from_wheels


def test_the_baseline_gate_on_the_manifest_the_hook_embedded(
    releases: dict[str, Path], tmp_path: Path
) -> None:
    baseline = tmp_path / "1.0.0.yaml"
    baseline.write_text(dumps_yaml(load_model(str(releases["1.0.0"]), ())), encoding="utf-8")
    built = load_model(str(releases["1.1.0"]), ())
    with pytest.raises(BreakingChangesError) as raised:
        enforce_baseline(baseline, built, allow_breaking=False, shown_as="manifests/1.0.0.yaml")
    message = str(raised.value)
    breaking = [row for row in EXPECTED_1_1 if not row[0].startswith("ISP54")]
    assert message.splitlines()[0] == (
        f"importspy: {len(breaking)} breaking changes against the baseline "
        "manifests/1.0.0.yaml (1.0.0 -> 1.1.0); the build was stopped:"
    )
    assert len(message.splitlines()) == len(breaking) + 2
    allowed = enforce_baseline(baseline, built, allow_breaking=True)
    assert len(allowed.breaking) == len(breaking)
    compatible = load_model(str(releases["1.0.1"]), ())
    assert enforce_baseline(baseline, compatible, allow_breaking=False).breaking == ()


# --------------------------------------------------------------------------- embed


@pytest.fixture(scope="module")
def setuptools_wheels(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A setuptools wheel as built, and the copy ``embed`` gave a manifest."""
    wheel = build_setuptools_wheel(
        tmp_path_factory.mktemp("st-project"), tmp_path_factory.mktemp("st-dist")
    )
    embedded = embed_manifest(
        wheel, options=ImportSpyOptions(), output=tmp_path_factory.mktemp("st-embedded")
    )
    return wheel, embedded


def test_an_embedded_setuptools_wheel_installs_and_verifies_clean(
    setuptools_wheels: tuple[Path, Path], venv_factory: VenvFactory, run_cli: RunCli
) -> None:
    venv = venv_factory("embedded", wheels=[setuptools_wheels[1]])
    result = verify_installed([venv.site_packages], ["tiny-st"], current_environment())
    assert result.findings() == ()
    (distribution,) = result.distributions
    assert distribution.has_manifest
    assert distribution.checks == ("environment", "integrity", "structure", "dependencies")

    completed = run_cli(venv.python, "verify", "tiny-st")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_diff_of_a_wheel_without_a_manifest_describes_it(
    setuptools_wheels: tuple[Path, Path],
) -> None:
    plain, embedded = setuptools_wheels
    result = diff_targets(str(plain), str(embedded))
    assert result.findings() == ()  # private names are described for the diff, never compared
    assert f"{plain} carries no manifest: described from its files" in result.notices
