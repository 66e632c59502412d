"""Opening an RHI when a child returns (or bunching the episode into one), and keeping its deadlines right.

Every function here owns its transaction and takes keyword-only arguments. Deadlines are computed only by
``rhi.clock`` through ``recompute_deadlines``; nothing else writes ``due_at`` and friends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Commission, Organisation, User
from audit.models import AuditAction, AuditEvent
from audit.services import audit_event, record_event
from core import bulk_writes
from missing_episodes.models import MissingEpisode
from rhi.clock import (
    ClockRules,
    bunched_link,
    bunches,
    clock_episode,
    compute_deadlines,
    policy_day,
    policy_on,
)
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


def provider_on(
    local_authority: Organisation, commissions: Iterable[Commission], on: datetime
) -> Organisation:
    """The provider an LA commissions on the UK day of ``on`` (begun by then, not ended before; the latest
    begun, ties to the latest recorded), else the LA itself. The one rule for ``open_rhi_for_returned_episode``
    and the bulk import's ``NewEpisodeRHIs``."""
    day = timezone.localdate(on)
    current = [c for c in commissions if c.starts_on <= day and (c.ends_on is None or c.ends_on >= day)]
    chosen = max(current, key=lambda c: (c.starts_on, c.pk), default=None)
    return chosen.provider if chosen is not None else local_authority


def _provider_for(local_authority: Organisation, on: datetime) -> Organisation:
    day = timezone.localdate(on)
    commissions = Commission.objects.filter(local_authority=local_authority, starts_on__lte=day).exclude(
        ends_on__lt=day
    )
    return provider_on(local_authority, commissions.select_related("provider"), on)


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


@dataclass
class _Opened:
    """An RHI the batch opens (or, ``stored``, one before its interview it found in the database), with its
    episode links in the order made and the episodes the batch bunched into it."""

    rhi: ReturnHomeInterview
    links: list[RHIEpisode]
    bunched: list[MissingEpisode] = field(default_factory=list)
    stored: bool = False


def _missing_order(episode: MissingEpisode) -> tuple[datetime, bool, int]:
    """``_clock_episodes``' order (time missing, then id) for stored and unsaved episodes alike: an unsaved
    one's id will be higher than any stored, and the unsaved keep the batch's order, which is their ids'."""
    return episode.missing_at, episode.pk is None, episode.pk or 0


class NewEpisodeRHIs:
    """``open_rhi_for_returned_episode`` for a batch of new returned episodes of known children (the bulk
    import, ``missing_episodes.bulk_intake``): the same rules (``policy_day``, ``policy_on``,
    ``policy_snapshot``, ``bunches``/``bunched_link``, ``clock_episode`` and ``_apply_deadlines``,
    ``provider_on``), decided in memory, in the batch's order, over what is read once for the batch (the
    children's RHIs before their interview locked, as the per-row path locks the one it joins), then written
    with one statement per table (``save``)."""

    def __init__(
        self, *, child_ids: Iterable[int], local_authority_ids: Iterable[int], now: datetime
    ) -> None:
        la_ids = set(local_authority_ids)
        self._now = now
        self._policies: dict[int, list[ClockPolicy]] = {}
        for policy in ClockPolicy.objects.filter(local_authority_id__in=la_ids):
            self._policies.setdefault(policy.local_authority_id, []).append(policy)
        self._commissions: dict[int, list[Commission]] = {}
        for commission in Commission.objects.filter(local_authority_id__in=la_ids).select_related("provider"):
            self._commissions.setdefault(commission.local_authority_id, []).append(commission)
        self._latest: dict[tuple[int, int], _Opened] = {}
        self._opened: list[_Opened] = []
        self._stored: list[_Opened] = []
        running = (
            ReturnHomeInterview.objects.select_for_update(of=("self",))
            .filter(child_id__in=set(child_ids), state__in=CLOCK_RUNNING_STATES)
            .select_related("local_authority")
            .order_by("created_at", "pk")
        )
        for rhi in running:  # the latest created last: it is the one a repeat episode joins
            self._latest[(rhi.child_id, rhi.local_authority_id)] = _Opened(rhi, [], stored=True)
        stored = {opened.rhi.pk: opened for opened in self._latest.values()}
        for link in RHIEpisode.objects.filter(rhi_id__in=stored).select_related("episode").order_by("pk"):
            stored[link.rhi_id].links.append(link)

    def _rules(self, episode: MissingEpisode) -> tuple[Organisation, ClockPolicy | None, dict[str, Any]]:
        assert episode.returned_at is not None
        la = handling_authority(episode)
        day = policy_day(returned_at=episode.returned_at, missing_at=episode.missing_at)
        policy = policy_on(self._policies.get(la.pk, []), day)
        return la, policy, policy_snapshot(policy, local_authority=la)

    def take(self, episode: MissingEpisode) -> None:
        """Open the episode's RHI, or bunch it into the child's latest RHI before its interview (in memory)."""
        la, policy, snapshot = self._rules(episode)
        assert episode.returned_at is not None
        rule = snapshot["repeat_rule"]
        now = self._now
        opened = self._latest.get((episode.child_id, la.pk)) if bunches(rule) else None
        if opened is not None:
            link = bunched_link(rule)
            if not link.earlier_keep_counting:
                for earlier in opened.links:
                    earlier.counts_for_timeliness = False
            opened.links.append(
                RHIEpisode(rhi=opened.rhi, episode=episode, counts_for_timeliness=link.counts, linked_at=now)
            )
            counted = sorted(
                (link.episode for link in opened.links if link.counts_for_timeliness), key=_missing_order
            )
            _apply_deadlines(
                opened.rhi, clock_episode(opened.rhi.policy_snapshot.get("repeat_rule"), counted)
            )
            opened.rhi.updated_at = now
            opened.rhi.version += 1
            if opened.stored and not opened.bunched:
                self._stored.append(opened)
            opened.bunched.append(episode)
            return
        rhi = ReturnHomeInterview(
            child=episode.child,
            local_authority=la,
            provider=provider_on(la, self._commissions.get(la.pk, []), episode.returned_at),
            policy=policy,
            policy_snapshot=snapshot,
            state=RHIState.UNALLOCATED,
            state_changed_at=now,
            created_at=now,
            updated_at=now,
        )
        _apply_deadlines(rhi, episode)
        opened = _Opened(
            rhi, [RHIEpisode(rhi=rhi, episode=episode, counts_for_timeliness=True, linked_at=now)]
        )
        self._latest[(episode.child_id, la.pk)] = opened
        self._opened.append(opened)

    def save(self, *, by: User | None) -> list[AuditEvent]:
        """Write the RHIs, their links and first transitions, and the joined RHIs' new deadlines (the episodes
        are saved already); return the audit events ``open_rhi_for_returned_episode`` records, for the caller
        to append with the batch's others."""
        bulk_writes.insert([opened.rhi for opened in self._opened])
        bulk_writes.update(
            [opened.rhi for opened in self._stored], [*DEADLINE_FIELDS, "updated_at", "version"]
        )
        every = [*self._opened, *self._stored]
        # Links only ever stop counting (bunch_from_latest): the stored ones that did, in one statement.
        stopped = [
            link.pk
            for opened in self._stored
            for link in opened.links
            if link.pk and not link.counts_for_timeliness
        ]
        if stopped:
            RHIEpisode.objects.filter(pk__in=stopped, counts_for_timeliness=True).update(
                counts_for_timeliness=False
            )
        bulk_writes.insert([link for opened in every for link in opened.links if link.pk is None])
        bulk_writes.insert(
            [
                StateTransition(
                    rhi=opened.rhi, from_state="", to_state=RHIState.UNALLOCATED, at=self._now, by=by
                )
                for opened in self._opened
            ]
        )
        events = [
            audit_event(
                actor=by,
                action=AuditAction.CREATE,
                obj=opened.rhi,
                detail={"episode": opened.links[0].episode.pk},
            )
            for opened in self._opened
        ]
        events += [
            audit_event(
                actor=by, action=AuditAction.UPDATE, obj=opened.rhi, detail={"bunched_episode": episode.pk}
            )
            for opened in every
            for episode in opened.bunched
        ]
        return events
