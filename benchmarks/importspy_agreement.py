"""Hold hatch-importspy's contract check against the real ImportSpy 0.5.0, case by case.

The real library is installed from the package index into its own venv
(``benchmarks/.cache/importspy-0.5.0``, made once); the corpus
(:mod:`importspy_corpus`: provider modules and contracts in ImportSpy's syntax) is written to a
temporary directory, and each case is decided twice:

- ImportSpy: ``importspy check PROVIDER --contract CONTRACT``; exit 0 admit, 1 deny, 2 config
  error (the contract is refused), 3 tool failure;
- ours: the contract read as the hook reads it (bound to the provider module, as a hook entry
  ``CONTRACT:pkg.transport`` binds it), then held against the provider parsed from the same file
  with the same environment facts; ``config`` when the reader refuses it, ``deny`` when a
  finding is an error under ``--strict`` (the default decision is shown beside it: ``ISP411`` is
  a warning without ``--strict``), ``admit`` otherwise.

Dependency versions are those installed beside ImportSpy (it reads its own environment).  Each
disagreement must be listed in ``EXPLAINED`` with its documented reason; the table replaces the
part of ``IMPORTSPY-AGREEMENT.md`` between its ``results`` markers.

Run: ``python -m benchmarks.importspy_agreement`` (needs the package index on the first run).
Not part of the test suite.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import venv
from collections import Counter
from pathlib import Path

from benchmarks.importspy_corpus import CASES, PROVIDERS, Case
from hatch_importspy.compare.expectations import expectation_findings
from hatch_importspy.describe.contracts import ContractError, load_contract
from hatch_importspy.describe.provider_source import directory_lookup
from hatch_importspy.facts import current_environment
from hatch_importspy.findings import CODES, Finding, Severity

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
REPORT = HERE / "IMPORTSPY-AGREEMENT.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
IMPORTSPY = "importspy==0.5.0"

EXPLAINED = {
    "defaults-eq": "stricter: stated positional arguments must keep their relative order here; "
    "ImportSpy matches them by name in any order",
    "filename-other": "stricter: a filename that is not the bound module's file is refused when "
    "the build starts; ImportSpy denies it at every check",
    "dep-declared": "stricter: `declared` needs the provider's project metadata and is refused "
    "when the build starts",
    "evidence": "stricter: `evidence_requirements` name ImportSpy's own evidence kinds and are "
    "refused when the build starts",
}
"""Case -> the documented reason its decisions differ (see docs/contracts.md)."""


def importspy_venv() -> Path:
    """The venv holding the real ImportSpy (created and filled on first use)."""
    target = CACHE / "importspy-0.5.0"
    executable = target / ("Scripts" if os.name == "nt" else "bin") / "importspy"
    if not executable.exists():
        venv.create(target, with_pip=True)
        pip = target / ("Scripts" if os.name == "nt" else "bin") / "pip"
        subprocess.run([str(pip), "install", "-q", IMPORTSPY], check=True)
    return executable


def installed_versions(executable: Path) -> dict[str, str]:
    """Canonical name -> version of every distribution in ImportSpy's venv."""
    python = executable.with_name("python")
    script = (
        "import importlib.metadata as m, json, re;"
        "print(json.dumps({re.sub(r'[-_.]+', '-', d.metadata['Name']).lower(): d.version"
        " for d in m.distributions()}))"
    )
    out = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


def contract_text(case: Case, site: Path, executable: Path) -> str:
    """The case's contract; ``@init`` is the one ``importspy init`` writes for the provider."""
    provider = site / case.provider
    if case.contract == "@init":
        written = provider.with_suffix(".importspy.yml")
        written.unlink(missing_ok=True)
        subprocess.run([str(executable), "init", str(provider)], capture_output=True, check=True)
        return written.read_text(encoding="utf-8")
    text = case.contract.replace("{PY}", platform.python_version())
    if not text.startswith("filename:"):
        text = f"filename: {Path(case.provider).name}\n{text}"
    return text


def theirs(executable: Path, provider: Path, contract: Path, env: dict[str, str]) -> str:
    """ImportSpy's decision (and its violation codes)."""
    done = subprocess.run(
        [str(executable), "check", str(provider), "--contract", str(contract), "-f", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    decision = {0: "admit", 1: "deny", 2: "config"}.get(done.returncode, "failure")
    try:
        codes = sorted({v["code"] for v in json.loads(done.stdout)["violations"]})
    except (ValueError, KeyError):
        codes = []
    return f"{decision} {' '.join(c.removeprefix('ISPY-') for c in codes)}".strip()


def environment_site(executable: Path) -> Path:
    """The site-packages of ImportSpy's venv: the environment both tools resolve imports in."""
    completed = subprocess.run(
        [
            str(executable.parent / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(completed.stdout.strip())


def ours(
    contract: Path,
    root: Path,
    sites: list[Path],
    case: Case,
    installed: dict[str, str],
) -> tuple[str, str]:
    """Our decision under ``--strict``, and without it; ``sites`` are where imports resolve (the
    providers' directory, then the environment ImportSpy itself runs in)."""
    module = case.provider.removesuffix(".py").replace("/", ".")
    try:
        (expectation,) = load_contract(contract, root=root, module=module)
    except ContractError as error:
        return f"config ({len(error.problems)})", "config"
    saved = dict(os.environ)
    os.environ.update(case.env)
    try:
        findings = expectation_findings(
            expectation,
            directory_lookup(sites),
            distribution="consumer",
            provider_version="1.0",
            facts=current_environment(),
            installed=installed,
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return _decision(findings, strict=True), _decision(findings, strict=False)


def _decision(findings: list[Finding], *, strict: bool) -> str:
    def severity(finding: Finding) -> Severity:
        code = CODES[finding.code]
        return (code.strict or code.severity) if strict else code.severity

    errors = sorted({f.code for f in findings if severity(f) is Severity.ERROR})
    if errors:
        return f"deny {' '.join(errors)}"
    warnings = sorted({f.code for f in findings if severity(f) is Severity.WARNING})
    return f"admit, warns {' '.join(warnings)}" if warnings else "admit"


def main() -> int:
    executable = importspy_venv()
    installed = installed_versions(executable)
    environment = environment_site(executable)
    rows: list[tuple[Case, str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        site = root / "site"
        for path, source in PROVIDERS.items():
            (site / path).parent.mkdir(parents=True, exist_ok=True)
            (site / path).write_text(source, encoding="utf-8")
        for case in CASES:
            contract = root / f"{case.name}.yml"
            contract.write_text(contract_text(case, site, executable), encoding="utf-8")
            real = theirs(executable, site / case.provider, contract, case.env)
            strict, default = ours(contract, root, [site, environment], case, installed)
            same = real.split()[0] == strict.split()[0]
            verdict = (
                "agree" if same else ("explained" if case.name in EXPLAINED else "UNEXPLAINED")
            )
            rows.append((case, real, strict, default, verdict))
    table = _table(rows)
    text = REPORT.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    REPORT.write_text(f"{head}{START}\n{table}{END}{rest.partition(END)[2]}", encoding="utf-8")
    counts = Counter(row[4] for row in rows)
    print(f"{len(rows)} cases: " + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())))
    return 1 if counts["UNEXPLAINED"] else 0


def _table(rows: list[tuple[Case, str, str, str, str]]) -> str:
    counts = Counter(row[4] for row in rows)
    denied = [(strict, default) for _, real, strict, default, _ in rows if real.startswith("deny")]
    strict_admits = sum(1 for strict, _ in denied if strict.startswith("admit"))
    silent = sum(1 for _, default in denied if default == "admit")
    warned = sum(1 for _, default in denied if default.startswith("admit, warns"))
    lines = [
        f"{len(rows)} cases; "
        + ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
        + f"; ImportSpy denies and we admit: {strict_admits} under `--strict`, "
        f"{silent} silently by default ({warned} more admitted by default with a warning, "
        "denied under `--strict`).",
        "",
        "| case | feature | ImportSpy 0.5.0 | ours (`--strict`) | ours (default) | verdict |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for case, real, strict, default, verdict in rows:
        reason = f" ({EXPLAINED[case.name]})" if verdict == "explained" else ""
        lines.append(
            f"| {case.name} | {case.feature} | {real} | {strict} | {default} | {verdict}{reason} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
