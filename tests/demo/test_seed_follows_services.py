"""The demo seed follows the services' rules: recomputing its RHIs through the services changes nothing.

Every seeded episode with an RHI is replayed through the service that opens RHIs
(``rhi.services.open_rhi_for_returned_episode``) at the moment the seed says its return was recorded, with every
RHI of the child still running its clock then or not, as the seed's own state history says. The service must build
the same RHIs: the same episodes in each, the same links counting for timeliness, the same policy and snapshot and
the same deadlines. Two seeds and anchors, so the check does not rest on one draw.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import pytest
import time_machine

from demo.generator import SeedResult, seed_demo
from demo.reference import DEMO_POLICIES, SANDWELL, WALSALL
from referrals.models import Referral
from referrals.services import referral_acknowledgement_due
from rhi.models import (
    CLOCK_RUNNING_STATES,
    ClockPolicy,
    RepeatRule,
    ReturnHomeInterview,
    RHIEpisode,
    RHIState,
    StateTransition,
)
from rhi.services import open_rhi_for_returned_episode, recompute_deadlines
from sharing.models import Disclosure
from sharing.services import disclosure_acknowledgement_due

# (seed, anchor, bunch from first): the fixed demo seed with an anchor in March; and another seed and a November
# anchor where Sandwell and Walsall bunch repeat episodes from the first return, a rule the small demo's own
# policies do not use (the large data set does).
SEEDED_WORLDS = [(7, date(2026, 3, 18), False), (3, date(2025, 11, 20), True)]
# Open, but past the interview: the service never bunches into it. (Approved RHIs are frozen by a trigger,
# and are never running anyway, so only running ones are hidden.)
HIDDEN = RHIState.DRAFTING


# Seeded inside each test's own transaction, not once per module: replaying deletes and rewrites rows, and
# inside the savepoint of a module-wide seeded transaction PostgreSQL crawls through the seed's pending deferred
# foreign-key checks on every statement (minutes instead of seconds). A small seed takes about a second.
@pytest.fixture(params=SEEDED_WORLDS, ids=lambda case: f"seed{case[0]}-{case[1]}{'-first' * case[2]}")
def demo(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, db: None) -> SeedResult:
    seed, anchor, bunch_from_first = request.param
    if bunch_from_first:
        for code in (SANDWELL, WALSALL):
            policy = replace(DEMO_POLICIES[code], repeat_rule=RepeatRule.BUNCH_FROM_FIRST)
            monkeypatch.setitem(DEMO_POLICIES, code, policy)
    return seed_demo(size="small", seed=seed, anchor=anchor)


@dataclass(frozen=True)
class Built:
    """What the test compares of one RHI: its episodes (and which count), its policy, snapshot and deadlines."""

    links: dict[int, bool]
    local_authority_id: int
    policy_id: int | None
    snapshot: dict[str, Any]
    deadlines: tuple[datetime | None, ...]


def _built(rhi: ReturnHomeInterview) -> Built:
    return Built(
        links=dict(RHIEpisode.objects.filter(rhi=rhi).values_list("episode_id", "counts_for_timeliness")),
        local_authority_id=rhi.local_authority_id,
        policy_id=rhi.policy_id,
        snapshot=rhi.policy_snapshot,
        deadlines=(rhi.clock_started_at, rhi.contact_due_at, rhi.due_at, rhi.due_soon_at),
    )


def _running_at(steps: list[tuple[datetime, str]], moment: datetime) -> bool:
    """Whether the seeded RHI's clock was running at ``moment``, from its state history (ordered)."""
    state = ""
    for at, to_state in steps:
        if at > moment:
            break
        state = to_state
    return state in CLOCK_RUNNING_STATES


def _replay_child(child_id: int) -> tuple[dict[int, Built], dict[int, Built]]:
    """The child's RHIs as seeded, and as the service builds them from the same episodes; keyed by the first
    episode each addresses."""
    links = list(
        RHIEpisode.objects.filter(rhi__child_id=child_id)
        .select_related("rhi", "episode")
        .order_by("linked_at", "episode__missing_at", "pk")
    )
    seeded_rhis = {link.rhi_id: link.rhi for link in links}
    first_episode: dict[int, int] = {}
    for link in links:
        first_episode.setdefault(link.rhi_id, link.episode_id)
    steps: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for rhi_id, at, to_state in (
        StateTransition.objects.filter(rhi_id__in=list(seeded_rhis))
        .order_by("at", "pk")
        .values_list("rhi_id", "at", "to_state")
    ):
        steps[rhi_id].append((at, to_state))
    seeded = {first_episode[pk]: _built(rhi) for pk, rhi in seeded_rhis.items()}

    # Hide the seeded RHIs from the service, then let it open (or bunch) each episode in turn.
    RHIEpisode.objects.filter(rhi__child_id=child_id).delete()
    ReturnHomeInterview.objects.filter(pk__in=list(seeded_rhis), state__in=CLOCK_RUNNING_STATES).update(
        state=HIDDEN
    )
    replayed: dict[int, int | None] = {}  # replayed RHI -> the seeded RHI it stands for (None: no such RHI)
    for link in links:
        moment = link.linked_at
        for replayed_id, seeded_id in replayed.items():
            running = seeded_id is not None and _running_at(steps[seeded_id], moment)
            ReturnHomeInterview.objects.filter(pk=replayed_id).update(
                state=RHIState.UNALLOCATED if running else HIDDEN
            )
        with time_machine.travel(moment, tick=False):
            rhi = open_rhi_for_returned_episode(episode=link.episode)
        if rhi.pk not in replayed:
            replayed[rhi.pk] = link.rhi_id if first_episode[link.rhi_id] == link.episode_id else None
    rebuilt = {}
    for rhi in ReturnHomeInterview.objects.filter(pk__in=list(replayed)):
        built = _built(rhi)
        rebuilt[min(built.links, key=lambda e: (e not in seeded, e))] = built
    return seeded, rebuilt


def test_every_seeded_rhi_is_what_the_service_builds_from_the_same_episodes(demo: SeedResult) -> None:
    child_ids = sorted(set(RHIEpisode.objects.values_list("rhi__child_id", flat=True)))
    differences = []
    bunched: Counter[str] = Counter()
    not_one_timed = 0
    for child_id in child_ids:
        seeded, rebuilt = _replay_child(child_id)
        if seeded != rebuilt:
            differences.append((child_id, seeded, rebuilt))
        for built in seeded.values():
            if len(built.links) > 1:
                bunched[built.snapshot["repeat_rule"]] += 1
            not_one_timed += sum(built.links.values()) != 1
    assert differences[:3] == []
    # The replay covered bunching under each rule the world uses; under every rule exactly one episode is timed.
    assert bunched[RepeatRule.BUNCH_FROM_LATEST] >= 5 and not_one_timed == 0
    if ClockPolicy.objects.filter(repeat_rule=RepeatRule.BUNCH_FROM_FIRST).exists():
        assert bunched[RepeatRule.BUNCH_FROM_FIRST] >= 5


def test_recomputing_every_seeded_rhis_deadlines_through_the_service_changes_nothing(
    demo: SeedResult,
) -> None:
    fields = ("clock_started_at", "contact_due_at", "due_at", "due_soon_at")
    changed = []
    for rhi in ReturnHomeInterview.objects.order_by("pk"):
        before = tuple(getattr(rhi, f) for f in fields)
        after = recompute_deadlines(rhi=rhi)
        if tuple(getattr(after, f) for f in fields) != before:
            changed.append(rhi.pk)
    assert changed == []


def test_every_seeded_snapshot_names_its_policy_and_repeat_rule(demo: SeedResult) -> None:
    for rhi in ReturnHomeInterview.objects.select_related("policy"):
        assert rhi.policy is not None
        assert rhi.policy_snapshot["policy_id"] == rhi.policy_id
        assert rhi.policy_snapshot["repeat_rule"] == rhi.policy.repeat_rule


def test_every_seeded_acknowledgement_is_due_when_the_services_rule_says(demo: SeedResult) -> None:
    """Referrals: the end of the fifth working day after sending; disclosures (to the police, to the placing
    authority, of an episode or an RHI): the end of the second working day after sharing — each on the RHI's
    (or, for an episode, the placing authority's) working-day calendar, as the services compute them."""
    referrals = list(Referral.objects.exclude(sent_at=None).select_related("rhi", "rhi__local_authority"))
    wrong = [
        r.pk
        for r in referrals
        if r.sent_at is None
        or r.acknowledgement_due_at != referral_acknowledgement_due(sent_at=r.sent_at, rhi=r.rhi)
    ]
    disclosures = list(
        Disclosure.objects.exclude(acknowledgement_due_at=None).select_related(
            "rhi", "rhi__local_authority", "episode__responsible_la"
        )
    )
    wrong += [
        d.pk
        for d in disclosures
        if d.acknowledgement_due_at
        != disclosure_acknowledgement_due(shared_at=d.shared_at, rhi=d.rhi, episode=d.episode)
    ]
    assert wrong[:5] == []
    # Both kinds, and disclosures both of an RHI and of an episode alone, were seeded and checked.
    assert len(referrals) >= 20 and {d.rhi_id is None for d in disclosures} == {True, False}
