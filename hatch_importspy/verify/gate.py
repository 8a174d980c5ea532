"""The deploy gate: the team's approval lock and policy applied to what ``verify`` found.

``verify`` holds each distribution against its own manifest, which whoever publishes the
distribution also wrote.  The gate adds what only the deploying team decides, from files kept in
its own repository: which builds were approved (:mod:`.lock`) and what the environment must hold
or may deviate in (:mod:`.policy`).  The command line and the pytest plugin both gate through
:func:`apply_gate`, so the two can never judge the same environment differently.

The order is fixed: the lock's findings are added first and ``require-manifest`` adds the
distributions that carry no manifest, so that the policy, applied last, sets the severity of
every finding, the lock's included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hatch_importspy.verify.policy import Policy, add_manifestless, apply_policy

if TYPE_CHECKING:
    from hatch_importspy.results import VerifyResult
    from hatch_importspy.verify.installed import InstalledDistribution
    from hatch_importspy.verify.lock import Lock, LockEntry


def apply_gate(
    result: VerifyResult,
    policy: Policy,
    *,
    installed: Sequence[InstalledDistribution] | None,
    lock: Lock | None = None,
    lock_entries: Sequence[LockEntry] | None = None,
) -> VerifyResult:
    """``result`` judged by ``lock`` (when given) and ``policy``.

    ``installed`` is every distribution of the environment checked, in site-directory order
    (:func:`~hatch_importspy.verify.installed.find_distributions`): the lock and
    ``require-manifest``
    judge the whole environment, not only the distributions ``result`` holds.  ``None`` means no
    installed environment was checked (wheel targets only); a lock then has nothing to hold
    against and is refused.  ``lock_entries``: ``installed``'s lock entries
    (:func:`~hatch_importspy.verify.lock.installed_entries`) when the caller has read them already.
    """
    if installed is None:
        if lock is not None:
            raise ValueError("a lock can only be applied to an installed environment")
        return apply_policy(result, policy)
    if lock is not None:
        from hatch_importspy.verify.lock import apply_lock, installed_entries  # a lock was given

        entries = installed_entries(installed) if lock_entries is None else lock_entries
        result = apply_lock(result, lock, entries)
    if policy.require_manifest:
        result = add_manifestless(result, installed)
    return apply_policy(result, policy)
