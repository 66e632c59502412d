"""Opening an RHI when a child returns (or bunching the episode into one), and keeping its deadlines right.

Every function here owns its transaction and takes keyword-only arguments. Deadlines are computed only by
``rhi.clock`` through ``recompute_deadlines``; nothing else writes ``due_at`` and friends.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Commission, Organisation, User
from audit.models import AuditAction
from audit.services import record_event
from missing_episodes.models import MissingEpisode
from rhi.clock import ClockRules, bunched_link, bunches, clock_episode, compute_deadlines, policy_day
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
from rhi.selectors import clock_rules_for_policy, handling_authority, policy_in_force, rules_without_policy

DEADLINE_FIELDS = ("clock_started_at", "contact_due_at", "due_at", "due_soon_at")


def policy_snapshot(policy: ClockPolicy | None, *, local_authority: Organisation) -> dict[str, Any]:
    """What an RHI of ``local_authority`` keeps of the policy it was created under: the clock rules plus the
    repeat rule. Without a policy, ``rules_without_policy`` (the LA's nation, not England's)."""
    if policy is None:
        return rules_without_policy(local_authority).to_snapshot() | {
            "repeat_rule": RepeatRule.SEPARATE,
            "policy_id": None,
        }
    return clock_rules_for_policy(policy).to_snapshot() | {
        "repeat_rule": policy.repeat_rule,
        "policy_id": policy.pk,
        "effective_from": policy.effective_from.isoformat(),
    }


def _clock_episode(rhi: ReturnHomeInterview) -> MissingEpisode | None:
    return _clock_episodes([rhi]).get(rhi.pk)


def _apply_deadlines(rhi: ReturnHomeInterview, episode: MissingEpisode | None) -> list[str]:
    if rhi.policy_snapshot:
        rules = ClockRules.from_snapshot(rhi.policy_snapshot)
    else:
        rules = rules_without_policy(rhi.local_authority)
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


@transaction.atomic
def open_rhi_for_returned_episode(*, episode: MissingEpisode, by: User | None = None) -> ReturnHomeInterview:
    """Create the RHI for a returned episode, or add the episode to the child's open RHI when the handling
    LA's policy bunches repeat episodes. Idempotent: an episode already addressed returns its RHI.

    A plain (not durable) atomic block: the notification intake and the historic import open the RHI inside
    their own transaction, so it commits or rolls back with the episode that caused it."""
    existing = RHIEpisode.objects.filter(episode=episode).select_related("rhi").first()
    if existing is not None:
        return existing.rhi
    if episode.returned_at is None:
        raise ValueError("An RHI is opened when the child has returned.")
    la = handling_authority(episode)
    policy = policy_in_force(
        local_authority=la, on=policy_day(returned_at=episode.returned_at, missing_at=episode.missing_at)
    )
    snapshot = policy_snapshot(policy, local_authority=la)
    rule = snapshot["repeat_rule"]

    open_rhi = None
    if bunches(rule):
        open_rhi = (
            ReturnHomeInterview.objects.select_for_update()
            .filter(child=episode.child, local_authority=la, state__in=CLOCK_RUNNING_STATES)
            .order_by("-created_at")
            .first()
        )
    now = timezone.now()
    if open_rhi is not None:
        link = bunched_link(rule)  # rhi.clock decides which links count (the demo seed asks it too)
        if not link.earlier_keep_counting:
            RHIEpisode.objects.filter(rhi=open_rhi).update(counts_for_timeliness=False)
        RHIEpisode.objects.create(
            rhi=open_rhi, episode=episode, counts_for_timeliness=link.counts, linked_at=now
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
    locked.policy_snapshot = policy_snapshot(policy, local_authority=locked.local_authority)
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
    """Authorised bulk correction after a policy change: every open RHI of the policy's LA whose episode's
    policy day (``rhi.clock.policy_day``: the return) is on or after the policy's effective date takes the new
    snapshot. Returns how many changed."""
    snapshot = policy_snapshot(policy, local_authority=policy.local_authority)
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
                # The same date that chose the policy when the RHI opened (rhi.clock.policy_day): an RHI
                # governed by an earlier policy keeps it. Without a clock episode there is nothing to keep.
                if (
                    episode is not None
                    and policy_day(returned_at=episode.returned_at, missing_at=episode.missing_at)
                    < policy.effective_from
                ):
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
    """The episode whose timestamps start each RHI's clock, in one query (``rhi.clock.clock_episode`` chooses
    among the counted episodes: the first under bunch_from_first, else the latest)."""
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
        first_or_latest = clock_episode(rules[rhi_id], episodes)
        if first_or_latest is not None:
            chosen[rhi_id] = first_or_latest
    return chosen
