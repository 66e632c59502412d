"""Writes to RHIs: opening one when a child returns (or bunching the episode), and keeping its deadlines right.

Every function here owns its transaction and takes keyword-only arguments. Deadlines are computed only by
``rhi.clock`` through ``recompute_deadlines``; nothing else writes ``due_at`` and friends.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Commission, Organisation, User
from audit.models import AuditAction
from audit.services import record_event
from missing_episodes.models import MissingEpisode
from rhi.clock import ClockRules, compute_deadlines
from rhi.models import (
    CLOCK_RUNNING_STATES,
    OPEN_STATES,
    ClockPolicy,
    RepeatRule,
    ReturnHomeInterview,
    RHIEpisode,
    RHIState,
    StateTransition,
)
from rhi.selectors import clock_rules_for_policy, policy_in_force

DEADLINE_FIELDS = ("clock_started_at", "contact_due_at", "due_at", "due_soon_at")
# Used when an LA has no policy recorded yet: the statutory guidance's 72 hours from return.
DEFAULT_RULES = ClockRules()


class TransitionError(Exception):
    """The RHI is not in a state this step can start from."""


class StaleVersionError(Exception):
    """Someone else saved the RHI since this user loaded it: refuse rather than overwrite."""


class ActionNotAllowed(Exception):
    """The user may see the RHI but may not take this step (the view answers 403 or a form error)."""


# docs/rhi-states.md draws these; every state change goes through ``_move``.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    RHIState.UNALLOCATED: frozenset({RHIState.ALLOCATED, RHIState.SUPERSEDED, RHIState.CANCELLED}),
    RHIState.ALLOCATED: frozenset(
        {RHIState.CONTACTING, RHIState.OFFERED, RHIState.NOT_OFFERED, RHIState.SUPERSEDED, RHIState.CANCELLED}
    ),
    RHIState.CONTACTING: frozenset(
        {RHIState.OFFERED, RHIState.UNABLE_TO_CONTACT, RHIState.NOT_OFFERED, RHIState.SUPERSEDED}
    ),
    RHIState.OFFERED: frozenset(
        {RHIState.ACCEPTED, RHIState.DECLINED, RHIState.DRAFTING, RHIState.SUPERSEDED}
    ),
    RHIState.ACCEPTED: frozenset({RHIState.DRAFTING, RHIState.DECLINED}),
    RHIState.DRAFTING: frozenset({RHIState.SUBMITTED}),
    RHIState.SUBMITTED: frozenset({RHIState.APPROVED, RHIState.RETURNED}),
    RHIState.RETURNED: frozenset({RHIState.SUBMITTED}),
}


def _move(rhi: ReturnHomeInterview, *, to: str, by: User | None, now: datetime, note: str = "") -> None:
    if to not in ALLOWED_TRANSITIONS.get(rhi.state, frozenset()):
        raise TransitionError(
            f"An RHI that is {RHIState(rhi.state).label.lower()} cannot move to {RHIState(to).label.lower()}."
        )
    StateTransition.objects.create(rhi=rhi, from_state=rhi.state, to_state=to, at=now, by=by, note=note)
    rhi.state = to
    rhi.state_changed_at = now


def _lock(rhi_id: int, expected_version: int | None) -> ReturnHomeInterview:
    locked = ReturnHomeInterview.objects.select_for_update().select_related("provider").get(pk=rhi_id)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersionError(
            "This RHI was changed by someone else after you opened it. Reload it and try again."
        )
    return locked


@transaction.atomic
def allocate_rhi(
    *, rhi_id: int, worker: User, by: User, expected_version: int | None = None
) -> ReturnHomeInterview:
    """Allocate (or reallocate) an open RHI to an RHI worker of its provider."""
    from sharing.policy import can_allocate

    rhi = _lock(rhi_id, expected_version)
    if not rhi.is_open:
        raise TransitionError("A closed RHI cannot be allocated.")
    if not can_allocate(by, rhi, worker):
        raise ActionNotAllowed("You cannot allocate this RHI to that worker.")
    now = timezone.now()
    if rhi.state == RHIState.UNALLOCATED:
        _move(rhi, to=RHIState.ALLOCATED, by=by, now=now)
    else:
        StateTransition.objects.create(
            rhi=rhi, from_state=rhi.state, to_state=rhi.state, at=now, by=by, note="Reallocated"
        )
    if rhi.team_id is None:
        membership = worker.memberships.filter(organisation_id=rhi.provider_id, team__isnull=False).first()
        rhi.team_id = membership.team_id if membership else None
    rhi.allocated_worker = worker
    rhi.allocated_at = now
    rhi.updated_at = now
    rhi.version += 1
    rhi.save()
    record_event(actor=by, action=AuditAction.UPDATE, obj=rhi, detail={"allocated_to": worker.pk})
    return rhi


def policy_snapshot(policy: ClockPolicy | None) -> dict[str, Any]:
    """What an RHI keeps of the policy it was created under: the clock rules plus the repeat rule."""
    if policy is None:
        return DEFAULT_RULES.to_snapshot() | {"repeat_rule": RepeatRule.SEPARATE, "policy_id": None}
    return clock_rules_for_policy(policy).to_snapshot() | {
        "repeat_rule": policy.repeat_rule,
        "policy_id": policy.pk,
        "effective_from": policy.effective_from.isoformat(),
    }


def _clock_episode(rhi: ReturnHomeInterview) -> MissingEpisode | None:
    return _clock_episodes([rhi]).get(rhi.pk)


def _apply_deadlines(rhi: ReturnHomeInterview, episode: MissingEpisode | None) -> list[str]:
    rules = ClockRules.from_snapshot(rhi.policy_snapshot or DEFAULT_RULES.to_snapshot())
    deadlines = compute_deadlines(
        rules,
        returned_at=episode.returned_at if episode else None,
        police_notified_at=episode.police_notified_at if episode else None,
    )
    rhi.clock_started_at = deadlines.start
    rhi.contact_due_at = deadlines.contact_due
    rhi.due_at = deadlines.due
    rhi.due_soon_at = deadlines.due_soon
    return list(DEADLINE_FIELDS)


def recompute_deadlines(*, rhi: ReturnHomeInterview) -> ReturnHomeInterview:
    """Recompute and store the RHI's deadlines from its snapshot and episodes. Call whenever an input changes:
    a return time corrected, a police notification recorded, an episode bunched, a snapshot replaced."""
    with transaction.atomic():
        locked = ReturnHomeInterview.objects.select_for_update().get(pk=rhi.pk)
        fields = _apply_deadlines(locked, _clock_episode(locked))
        locked.updated_at = timezone.now()
        locked.version += 1
        locked.save(update_fields=[*fields, "updated_at", "version"])
    return locked


def _provider_for(local_authority: Organisation, on: datetime) -> Organisation:
    day = timezone.localdate(on)
    commission = (
        Commission.objects.filter(local_authority=local_authority, starts_on__lte=day)
        .exclude(ends_on__lt=day)
        .select_related("provider")
        .order_by("-starts_on")
        .first()
    )
    return commission.provider if commission else local_authority


def handling_authority(episode: MissingEpisode) -> Organisation:
    """The LA whose RHI service handles the episode: where the child lives (host LA), else the responsible LA.
    The placing LA of an out-of-area child is notified instead (sharing)."""
    return episode.host_la or episode.responsible_la


@transaction.atomic
def open_rhi_for_returned_episode(*, episode: MissingEpisode, by: User | None = None) -> ReturnHomeInterview:
    """Create the RHI for a returned episode, or add the episode to the child's open RHI when the handling
    LA's policy bunches repeat episodes. Idempotent: an episode already addressed returns its RHI."""
    existing = RHIEpisode.objects.filter(episode=episode).select_related("rhi").first()
    if existing is not None:
        return existing.rhi
    if episode.returned_at is None:
        raise ValueError("An RHI is opened when the child has returned.")
    la = handling_authority(episode)
    policy = policy_in_force(local_authority=la, on=timezone.localdate(episode.returned_at))
    snapshot = policy_snapshot(policy)
    rule = snapshot["repeat_rule"]

    open_rhi = None
    if rule != RepeatRule.SEPARATE:
        open_rhi = (
            ReturnHomeInterview.objects.select_for_update()
            .filter(child=episode.child, local_authority=la, state__in=CLOCK_RUNNING_STATES)
            .order_by("-created_at")
            .first()
        )
    now = timezone.now()
    if open_rhi is not None:
        if rule == RepeatRule.BUNCH_FROM_LATEST:
            # The clock restarts at the latest return; earlier episodes are addressed but not timed.
            RHIEpisode.objects.filter(rhi=open_rhi).update(counts_for_timeliness=False)
        RHIEpisode.objects.create(
            rhi=open_rhi,
            episode=episode,
            counts_for_timeliness=rule == RepeatRule.BUNCH_FROM_LATEST,
            linked_at=now,
        )
        fields = _apply_deadlines(open_rhi, _clock_episode(open_rhi))
        open_rhi.updated_at = now
        open_rhi.version += 1
        open_rhi.save(update_fields=[*fields, "updated_at", "version"])
        record_event(
            actor=by, action=AuditAction.UPDATE, obj=open_rhi, detail={"bunched_episode": episode.pk}
        )
        return open_rhi

    rhi = ReturnHomeInterview(
        child=episode.child,
        local_authority=la,
        provider=_provider_for(la, episode.returned_at),
        policy=policy,
        policy_snapshot=snapshot,
        state=RHIState.UNALLOCATED,
        state_changed_at=now,
        created_at=now,
        updated_at=now,
    )
    _apply_deadlines(rhi, episode)
    rhi.save()
    RHIEpisode.objects.create(rhi=rhi, episode=episode, counts_for_timeliness=True, linked_at=now)
    StateTransition.objects.create(rhi=rhi, from_state="", to_state=RHIState.UNALLOCATED, at=now, by=by)
    record_event(actor=by, action=AuditAction.CREATE, obj=rhi, detail={"episode": episode.pk})
    return rhi


@transaction.atomic
def correct_policy_snapshot(
    *, rhi: ReturnHomeInterview, policy: ClockPolicy, by: User, reason: str
) -> ReturnHomeInterview:
    """An authorised correction: replace the RHI's policy snapshot (audited with the reason's length only,
    since the reason may name the child) and recompute its deadlines."""
    if not reason.strip():
        raise ValueError("A policy correction needs a reason.")
    locked = ReturnHomeInterview.objects.select_for_update().get(pk=rhi.pk)
    old_policy_id = locked.policy_snapshot.get("policy_id")
    locked.policy = policy
    locked.policy_snapshot = policy_snapshot(policy)
    fields = _apply_deadlines(locked, _clock_episode(locked))
    locked.updated_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["policy", "policy_snapshot", *fields, "updated_at", "version"])
    StateTransition.objects.create(
        rhi=locked,
        from_state=locked.state,
        to_state=locked.state,
        by=by,
        note=f"Clock policy corrected: {reason}",
    )
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=locked,
        detail={"policy_corrected_from": old_policy_id, "policy_corrected_to": policy.pk},
    )
    return locked


def apply_policy_to_open_rhis(*, policy: ClockPolicy, by: User, batch_size: int = 2000) -> int:
    """Authorised bulk correction after a policy change: every open RHI of the policy's LA whose clock
    started on or after the policy's effective date takes the new snapshot. Returns how many changed."""
    snapshot = policy_snapshot(policy)
    changed = 0
    with transaction.atomic():
        queryset = (
            ReturnHomeInterview.objects.select_for_update()
            .filter(local_authority=policy.local_authority, state__in=OPEN_STATES)
            .order_by("pk")
        )
        rhis = list(queryset)
        episodes = _clock_episodes(rhis)
        for start in range(0, len(rhis), batch_size):
            batch = rhis[start : start + batch_size]
            for rhi in batch:
                episode = episodes.get(rhi.pk)
                returned = episode.returned_at if episode is not None else None
                if returned is not None and timezone.localdate(returned) < policy.effective_from:
                    continue
                rhi.policy = policy
                rhi.policy_snapshot = snapshot
                _apply_deadlines(rhi, episode)
                rhi.version += 1
                rhi.updated_at = timezone.now()
                changed += 1
            ReturnHomeInterview.objects.bulk_update(
                batch,
                [*DEADLINE_FIELDS, "policy", "policy_snapshot", "version", "updated_at"],
            )
        record_event(
            actor=by,
            action=AuditAction.UPDATE,
            obj=policy,
            detail={"applied_to_open_rhis": changed},
        )
    return changed


def _clock_episodes(rhis: Iterable[ReturnHomeInterview]) -> dict[int, MissingEpisode]:
    """The episode whose timestamps start each RHI's clock, in one query: the first counted episode under
    bunch_from_first, else the latest counted one (under bunch_from_latest earlier ones no longer count)."""
    by_rhi: dict[int, list[MissingEpisode]] = {}
    rules = {rhi.pk: rhi.policy_snapshot.get("repeat_rule") for rhi in rhis}
    links = RHIEpisode.objects.filter(rhi_id__in=list(rules), counts_for_timeliness=True).select_related(
        "episode"
    )
    for link in links:
        by_rhi.setdefault(link.rhi_id, []).append(link.episode)
    chosen: dict[int, MissingEpisode] = {}
    for rhi_id, episodes in by_rhi.items():
        episodes.sort(key=lambda e: (e.missing_at, e.pk))
        chosen[rhi_id] = episodes[0] if rules[rhi_id] == RepeatRule.BUNCH_FROM_FIRST else episodes[-1]
    return chosen


POLICY_FIELDS = (
    "basis",
    "complete_unit",
    "complete_length",
    "contact_unit",
    "contact_length",
    "nation",
    "due_soon_hours",
    "repeat_rule",
    "closure_days",
)


def save_clock_policy(
    *,
    local_authority: Organisation,
    by: User,
    effective_from: date,
    apply_to_open: bool = False,
    **fields: Any,
) -> tuple[ClockPolicy, int]:
    """Record a version of an LA's clock policy from ``effective_from``. A version that starts on the same
    future date and no RHI uses yet is replaced; history is never rewritten. Returns (policy, RHIs corrected)."""
    from sharing.policy import can_manage_policies

    if not can_manage_policies(by, local_authority.pk):
        raise ActionNotAllowed("Only the local authority's administrators can change its clock policy.")
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown policy fields: {sorted(unknown)}")
    with transaction.atomic():
        policy = (
            ClockPolicy.objects.select_for_update()
            .filter(local_authority=local_authority, effective_from=effective_from)
            .first()
        )
        if policy is not None and policy.rhis.exists():
            raise ValidationError(
                {"effective_from": "A policy already in use starts on this date. Choose a later date."}
            )
        policy = policy or ClockPolicy(local_authority=local_authority, effective_from=effective_from)
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.created_by = by
        policy.created_at = timezone.now()
        policy.full_clean()
        policy.save()
        record_event(
            actor=by, action=AuditAction.UPDATE, obj=policy, detail={"effective_from": str(effective_from)}
        )
    corrected = apply_policy_to_open_rhis(policy=policy, by=by) if apply_to_open else 0
    return policy, corrected
