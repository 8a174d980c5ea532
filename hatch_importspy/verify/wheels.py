"""``verify`` of wheel files: each held against the manifest it carries, before release.

Nothing is installed, so there is no environment to walk, no bytecode and no dependency to
check: each member's digest against the manifest's and the wheel's RECORD, the files the RECORD
lists that no manifest vouches for, the environment constraints against the facts given, and the
structure of every module that changed.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hatch_importspy.collection import collection_paused
from hatch_importspy.compare.integrity import added_file_findings, file_findings, record_findings
from hatch_importspy.errors import ManifestError
from hatch_importspy.facts import EnvironmentFacts
from hatch_importspy.formats.manifest import load_bytes_deferred
from hatch_importspy.formats.record import stated_digests
from hatch_importspy.results import (
    CHECK_INTEGRITY,
    CHECK_STRUCTURE,
    NOTICE_NO_FACTS,
    NOTICE_WHEEL_DEPENDENCIES,
    DistributionResult,
    VerifyResult,
)
from hatch_importspy.verify.manifest_checks import (
    changed_structures,
    environment_check,
    identity_findings,
    manifest_file,
    no_manifest,
    stopped_result,
    unusable,
)

if TYPE_CHECKING:
    from hatch_importspy.formats.wheel import WheelContents


@collection_paused()
def verify_wheels(wheels: Sequence[Path], facts: EnvironmentFacts | None) -> VerifyResult:
    """Verify wheel files against the manifests they carry.

    Dependencies are not checked (nothing is installed); a notice says so.  A file that is not a
    readable wheel raises :class:`UnusableInputError` naming it.
    """
    from hatch_importspy.formats.wheel import read_wheel

    results = tuple(_verify_wheel(read_wheel(wheel), facts) for wheel in wheels)
    notices = [NOTICE_WHEEL_DEPENDENCIES] if wheels else []
    if facts is None:
        notices.append(NOTICE_NO_FACTS)
    return VerifyResult(results, (), tuple(notices))


def _verify_wheel(contents: WheelContents, facts: EnvironmentFacts | None) -> DistributionResult:
    from hatch_importspy.formats.wheel import read_member

    name, version, source = contents.name, contents.version, str(contents.path)
    if contents.manifest is None:
        return stopped_result(name, version, source, False, (no_manifest(name),))
    try:
        model, structures = load_bytes_deferred(contents.manifest, contents.manifest_source)
    except ManifestError as error:
        finding = unusable(name, str(error), manifest_file(contents.metadata_dir))
        return stopped_result(name, version, source, True, (finding,))
    mismatch = identity_findings(name, version, model)
    if mismatch:
        return stopped_result(name, version, source, True, mismatch)

    checks, findings = environment_check(name, model, facts)

    checks.append(CHECK_INTEGRITY)
    expected = {path: digest.lower() for path, digest in model.file_digests().items()}
    modules = model.module_by_path()
    found = {path: contents.digests.get(path) for path in expected}
    findings.extend(
        file_findings(name, expected, found, modules={p: m.name for p, m in modules.items()})
    )
    stated = stated_digests(contents.record)
    findings.extend(record_findings(name, expected, stated, metadata_dir=contents.metadata_dir))
    members = [m for m in contents.digests if not m.startswith(f"{contents.metadata_dir}/")]
    findings.extend(
        added_file_findings(name, members, owned=stated, vouched=expected, in_wheel=True)
    )

    checks.append(CHECK_STRUCTURE)
    read = functools.partial(read_member, contents.path)
    findings.extend(changed_structures(name, model, structures, modules, found, read))
    return DistributionResult(name, version, source, True, tuple(findings), tuple(checks))
