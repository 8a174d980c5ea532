"""The deploy-gate policy: reading it strictly, and applying it to verification results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hatch_importspy.facts import current_environment
from hatch_importspy.findings import Finding, Severity
from hatch_importspy.report.summary import summarize
from hatch_importspy.results import DistributionResult, VerifyResult
from hatch_importspy.verify.installed import find_distributions
from hatch_importspy.verify.policy import (
    AcceptedFile,
    Policy,
    PolicyError,
    add_manifestless,
    apply_policy,
    load_policy,
    loads_policy,
    loads_pyproject_policy,
)
from hatch_importspy.verify.verifier import verify_installed
from tests.helpers.builds import ProjectFactory
from tests.helpers.venvs import Venv, VenvFactory

FULL_POLICY = """\
require-manifest: true
allow: [Pip, setuptools, "Types_*"]
strict: true
severities:
  ISP202: error
  ISP301: warning
accept:
  - distribution: Certifi
    path: certifi/*.pem
    reason: replaced by the system CA bundle at image build
"""


def test_full_policy_is_read_with_names_canonicalised() -> None:
    policy = loads_policy(FULL_POLICY, source="gate.yaml")
    assert policy.require_manifest is True
    assert policy.strict is True
    assert policy.allow == ("pip", "setuptools", "types-*")
    assert dict(policy.severities) == {"ISP202": Severity.ERROR, "ISP301": Severity.WARNING}
    assert policy.accept == (
        AcceptedFile("certifi", "certifi/*.pem", "replaced by the system CA bundle at image build"),
    )
    assert policy.source == "gate.yaml"


def test_pyproject_table_holds_the_same_keys(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "app"\n\n[tool.importspy]\nrequire-manifest = true\n'
        'allow = ["pip"]\n\n[[tool.importspy.accept]]\ndistribution = "certifi"\n'
        'path = "certifi/cacert.pem"\nreason = "system bundle"\n',
        encoding="utf-8",
    )
    policy = load_policy(pyproject)
    assert policy.require_manifest and policy.allow == ("pip",)
    assert policy.accept == (AcceptedFile("certifi", "certifi/cacert.pem", "system bundle"),)


def test_yaml_policy_file(tmp_path: Path) -> None:
    gate = tmp_path / "gate.yml"
    gate.write_text(FULL_POLICY, encoding="utf-8")
    assert load_policy(gate) == loads_policy(FULL_POLICY, source="other")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("require-manifest: yes please\n", "gate.yaml: require-manifest must be true or false"),
        ("allow: pip\n", "gate.yaml: allow must be a list of distribution names or globs"),
        (
            "require_manifest: true\n",
            "gate.yaml: require_manifest is not a policy key (did you mean 'require-manifest'?)",
        ),
        (
            "colour: blue\n",
            "gate.yaml: colour is not a policy key "
            "(known: accept, allow, require-manifest, severities, strict)",
        ),
        (
            "accept: [{distribution: a, path: a/b.py, reason: ok, reasons: x}]\n",
            "gate.yaml: accept[0].reasons is not a key of an accepted file "
            "(did you mean 'reason'?)",
        ),
        ("severities: {ISP999: error}\n", "gate.yaml: severities.ISP999 is not a finding code"),
        (
            "severities: {ISP202: fatal}\n",
            "gate.yaml: severities.ISP202 must be one of error, warning, note",
        ),
        (
            "accept: [{distribution: certifi, path: x.pem}]\n",
            "gate.yaml: accept[0].reason must be a non-empty string",
        ),
        (
            "accept: [{distribution: certifi, path: x.pem, reason: ok, why: no}]\n",
            "gate.yaml: accept[0].why is not a key of an accepted file",
        ),
        ("- just a list\n", "gate.yaml: the document must be a mapping"),
        ("", "gate.yaml: the policy is empty"),
        ("allow: [\n", "gate.yaml: line 2: expected the node content, but found '<stream end>'"),
        ("allow: " + "[" * 5_000 + "]" * 5_000, "gate.yaml: nested too deeply to read"),
    ],
)
def test_invalid_policies_fail_with_one_line_naming_file_and_key(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as raised:
        loads_policy(text, source="gate.yaml")
    assert str(raised.value) == message


def test_every_problem_is_listed_on_one_line() -> None:
    with pytest.raises(PolicyError) as raised:
        loads_policy("strict: 1\nallow: [1]\n", source="gate.yaml")
    assert str(raised.value) == (
        "gate.yaml: strict must be true or false; "
        "allow must be a list of distribution names or globs"
    )
    assert "\n" not in str(raised.value)


def test_pyproject_errors_name_the_table_path() -> None:
    with pytest.raises(PolicyError) as raised:
        loads_pyproject_policy("[tool.importspy]\nstrict = 'no'\n", source="pyproject.toml")
    assert str(raised.value) == "pyproject.toml: tool.importspy.strict must be true or false"
    with pytest.raises(PolicyError) as raised:
        loads_pyproject_policy("[tool.other]\n", source="pyproject.toml")
    assert str(raised.value) == "pyproject.toml: has no [tool.importspy] table"
    with pytest.raises(PolicyError) as raised:
        loads_pyproject_policy("[tool.importspy\n", source="pyproject.toml")
    assert str(raised.value).startswith("pyproject.toml: not valid TOML: ")
    with pytest.raises(PolicyError) as raised:
        loads_pyproject_policy("a = " + "[" * 5_000 + "]" * 5_000, source="pyproject.toml")
    assert str(raised.value) == "pyproject.toml: nested too deeply to read"


def test_unreadable_policy_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as raised:
        load_policy(tmp_path / "missing.yaml")
    assert (
        str(raised.value) == f"{tmp_path / 'missing.yaml'}: cannot read: No such file or directory"
    )


def test_command_line_options_only_tighten_or_extend() -> None:
    policy = loads_policy("allow: [pip]\n", source="gate.yaml")
    merged = policy.with_command_line(require_manifest=True, allow=["Wheel"], strict=True)
    assert merged.require_manifest and merged.strict
    assert merged.allow == ("pip", "wheel")
    relaxed = loads_policy(FULL_POLICY, source="gate.yaml").with_command_line()
    assert relaxed.require_manifest and relaxed.strict


# --------------------------------------------------------------------------- applying


def dist(
    name: str, *findings: Finding, manifest: bool = True, version: str = "1.0"
) -> DistributionResult:
    return DistributionResult(
        name=name,
        version=version,
        source=f"/site/{name}-{version}.dist-info",
        has_manifest=manifest,
        findings=findings,
        checks=("integrity",),
    )


def modified(distribution: str, file: str) -> Finding:
    return Finding(
        code="ISP301",
        distribution=distribution,
        message=f"{file} modified",
        file=file,
        expected="sha256 aaaa",
        found="sha256 bbbb",
    )


def test_accepted_modification_becomes_a_visible_note() -> None:
    policy = loads_policy(FULL_POLICY, source="gate.yaml")
    result = VerifyResult(
        distributions=(
            dist(
                "certifi",
                modified("certifi", "certifi/cacert.pem"),
                modified("certifi", "certifi/core.py"),
            ),
            dist("other", modified("other", "certifi/cacert.pem")),
        ),
        environment_findings=(),
        notices=(),
    )
    applied = apply_policy(result, policy)
    certifi, other = applied.distributions
    accepted, kept = certifi.findings
    assert accepted.code == "ISP321"
    assert accepted.effective_severity is Severity.NOTE
    assert accepted.message == (
        "modified file accepted by policy: replaced by the system CA bundle at image build"
    )
    assert (accepted.file, accepted.expected, accepted.found) == (
        "certifi/cacert.pem",
        "sha256 aaaa",
        "sha256 bbbb",
    )
    # The path glob did not match core.py; the override makes ISP301 a warning in this policy.
    assert (kept.code, kept.effective_severity) == ("ISP301", Severity.WARNING)
    # Another distribution's file of the same path is not covered.
    assert [f.code for f in other.findings] == ["ISP301"]


def test_severity_overrides_apply_to_every_finding() -> None:
    added = Finding(code="ISP202", distribution="app", message="added", file="app/x.py")
    unowned = Finding(code="ISP307", distribution="", message="unowned", file="x.pth")
    policy = Policy(severities={"ISP202": Severity.ERROR, "ISP307": Severity.NOTE})
    applied = apply_policy(
        VerifyResult(
            distributions=(dist("app", added),), environment_findings=(unowned,), notices=()
        ),
        policy,
    )
    assert applied.distributions[0].findings[0].effective_severity is Severity.ERROR
    assert applied.environment_findings[0].effective_severity is Severity.NOTE
    assert summarize(applied).errors == 1


def test_require_manifest_flags_each_distribution_without_one_unless_allowed() -> None:
    verify_no_manifest = Finding(
        code="ISP309", distribution="named-lib", message="named-lib carries no importspy manifest"
    )
    result = VerifyResult(
        distributions=(
            dist("app"),
            dist("pip", manifest=False),
            dist("types-requests", manifest=False),
            dist("Named_Lib", verify_no_manifest, manifest=False),
            dist("left-pad", manifest=False),
        ),
        environment_findings=(),
        notices=(),
    )
    policy = Policy(require_manifest=True, allow=("PIP", "types_*"))
    applied = apply_policy(result, policy)
    codes = {d.name: [f.code for f in d.findings] for d in applied.distributions}
    assert codes == {
        "app": [],
        "pip": [],
        "types-requests": [],
        "Named_Lib": ["ISP320"],
        "left-pad": ["ISP320"],
    }
    assert all("policy" in d.checks for d in applied.distributions)
    [finding] = applied.distributions[4].findings
    assert finding.message == "left-pad 1.0 carries no manifest and is not allowed without one"
    assert summarize(applied).errors == 2
    # Without require-manifest nothing is added, and verify's own finding stays.
    untouched = apply_policy(result, Policy())
    assert untouched == result


# --------------------------------------------------------------------------- a real environment


@pytest.fixture(scope="module")
def gate_venv(
    project_factory: ProjectFactory,
    build_wheel: Callable[..., Path],
    venv_factory: VenvFactory,
) -> Venv:
    """A venv with one distribution carrying a manifest and two carrying none."""
    app = project_factory(
        {"gated_app/__init__.py": "def run() -> int:\n    return 1\n"}, name="gated-app", options={}
    )
    plain = project_factory({"plain_lib/__init__.py": "X = 1\n"}, name="plain-lib", options=None)
    bundle = project_factory(
        {"ca_bundle/__init__.py": "", "ca_bundle/cacert.pem": "-----CERT-----\n"},
        name="ca-bundle",
        options={},
    )
    venv = venv_factory("policy-venv", importspy=False)
    venv.install(build_wheel(app), build_wheel(plain), build_wheel(bundle))
    return venv


def verify_with(venv: Venv, policy: Policy) -> VerifyResult:
    result = verify_installed([venv.site_packages], [], current_environment())
    if policy.require_manifest:
        result = add_manifestless(result, find_distributions([venv.site_packages]))
    return apply_policy(result, policy)


@pytest.mark.e2e
def test_real_environment_require_manifest_and_allow(gate_venv: Venv) -> None:
    clean = verify_with(gate_venv, Policy())
    assert summarize(clean).compliant
    assert {d.name for d in clean.distributions} == {"gated-app", "ca-bundle"}

    gated = verify_with(gate_venv, Policy(require_manifest=True))
    findings = {d.name: [f.code for f in d.findings] for d in gated.distributions}
    assert findings == {"gated-app": [], "ca-bundle": [], "plain-lib": ["ISP320"]}
    assert not summarize(gated).compliant

    allowed = verify_with(gate_venv, Policy(require_manifest=True, allow=("Plain_*",)))
    assert summarize(allowed).compliant


@pytest.mark.e2e
def test_real_environment_accepts_a_patched_file_with_its_reason(
    gate_venv: Venv, tmp_path: Path
) -> None:
    pem = gate_venv.site_packages / "ca_bundle" / "cacert.pem"
    original = pem.read_bytes()
    pem.write_bytes(b"-----SYSTEM CERT-----\n")
    try:
        strict = verify_with(gate_venv, Policy())
        assert [f.code for f in strict.findings()] == ["ISP301"]
        gate = tmp_path / "gate.yaml"
        gate.write_text(
            "accept:\n  - distribution: CA_Bundle\n    path: ca_bundle/*.pem\n"
            "    reason: the image's CA bundle\n",
            encoding="utf-8",
        )
        accepted = verify_with(gate_venv, load_policy(gate))
        [note] = accepted.findings()
        assert (note.code, note.file) == ("ISP321", "ca_bundle/cacert.pem")
        assert note.message.endswith("the image's CA bundle")
        assert summarize(accepted, strict=True).compliant
    finally:
        pem.write_bytes(original)
