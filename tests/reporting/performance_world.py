"""Hand-built data for the performance return tests, shared by the selector and view tests.

North (72 hours from the child's return, bunch from latest) and South (3 working days from the police
notification, separate) in the collection year 1 April 2025 – 31 March 2026, looked at from 1 June 2026.
North's children:
  A  Friday 23 May 2025 return (18:00 BST) before the late-May bank holiday; police notification Saturday
     24 May 09:00 BST; interview Wednesday 28 May 10:00 BST (worked out in the timeliness test).
  B  two episodes bunched into one RHI whose clock restarted at the second return (B1 excluded from timeliness).
  C  offered to a parent, declined by the parent ("parent refused").
  D  went missing 31 March 2026 22:00 BST and returned 2 April: counts in 2025/26, the year it started;
     no police notification recorded, unable to contact.
  E  missing from home in August (interviewed next day), became looked after and went missing from care in
     December: that episode has no RHI record.
  F  looked after, placed out of area in South; absent, not missing; no RHI record, no police notification.
South's child G is placed in North's area: North's "placed in" cohort, outside North's totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypedDict

import pytest

from accounts.models import Nation, Organisation
from missing_episodes.models import EpisodeCategory, MissingEpisode, MissingFrom
from referrals.models import Referral, ReferralOutcome, Service
from rhi.clock import ClockRules
from rhi.models import (
    Associate,
    ClockPolicy,
    DeclinedBy,
    DeclineReason,
    Interview,
    Location,
    OfferedTo,
    Outcome,
    PlaceType,
    RepeatRule,
    RHIEpisode,
    RHIState,
    RiskIndicatorFinding,
)
from tests.factories import UserFactory
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    ProviderFactory,
    RHIFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Period(TypedDict):
    """The period keyword arguments of the figures functions, to pass as ``**YEAR``."""

    date_from: date
    date_to: date


YEAR: Period = {"date_from": date(2025, 4, 1), "date_to": date(2026, 3, 31)}


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


NORTH_RULES = ClockRules(basis="return", complete_unit="hours", complete_length=72)
SOUTH_RULES = ClockRules(basis="police_notification", complete_unit="working_days", complete_length=3)


def snapshot(rules: ClockRules, repeat_rule: str) -> dict:
    return rules.to_snapshot() | {"repeat_rule": repeat_rule}


def interview(rhi: Any, held_at: datetime, independence: str = "independent_provider") -> Interview:
    return Interview.objects.create(
        rhi=rhi,
        held_at=held_at,
        location_type="home",
        interviewer_name="A worker",
        interviewer_independence=independence,
        child_choice_of_interviewer="yes",
    )


def rhi_for(episodes: Any, *, la: Any, provider: Any, snap: Any, counts: Any = None, **fields: Any) -> Any:
    rhi = RHIFactory.create(
        child=episodes[0].child, local_authority=la, provider=provider, policy_snapshot=snap, **fields
    )
    for index, episode in enumerate(episodes):
        RHIEpisode.objects.create(
            rhi=rhi, episode=episode, counts_for_timeliness=True if counts is None else counts[index]
        )
    return rhi


@dataclass(frozen=True)
class PerformanceWorld:
    """Two authorities with different clock policies (North bunches repeats; South counts 3 working days from
    the police notification), a charity, and the episodes the figures tests name: A (a Friday return before
    the bank holiday), B1/B2 (bunched), C, D, E1 and S (South's)."""

    north: Organisation
    south: Organisation
    charity: Organisation
    a: MissingEpisode
    b1: MissingEpisode
    b2: MissingEpisode
    c: MissingEpisode
    d: MissingEpisode
    e1: MissingEpisode
    s: MissingEpisode


def build_world() -> PerformanceWorld:
    north = LocalAuthorityFactory.create(code="801", name="North")
    south = LocalAuthorityFactory.create(code="802", name="South", nation=Nation.ENGLAND)
    ClockPolicy.objects.create(
        local_authority=north, effective_from=date(2020, 1, 1), repeat_rule=RepeatRule.BUNCH_FROM_LATEST
    )
    ClockPolicy.objects.create(
        local_authority=south,
        effective_from=date(2020, 1, 1),
        basis="police_notification",
        complete_unit="working_days",
        complete_length=3,
    )
    charity = ProviderFactory.create(name="Charity")
    n_snap = snapshot(NORTH_RULES, RepeatRule.BUNCH_FROM_LATEST)
    s_snap = snapshot(SOUTH_RULES, RepeatRule.SEPARATE)

    # A: Friday return before the bank holiday weekend.
    a = MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=north),
        missing_at=utc(2025, 5, 23, 8),
        returned_at=utc(2025, 5, 23, 17),
        police_notified_at=utc(2025, 5, 24, 8),
    )
    rhi_a = rhi_for(
        [a],
        la=north,
        provider=charity,
        snap=n_snap,
        state=RHIState.DRAFTING,
        outcome=Outcome.ACCEPTED,
        offered_at=utc(2025, 5, 24, 10),
        offered_to=OfferedTo.CHILD,
    )
    interview(rhi_a, utc(2025, 5, 28, 9))

    # B: two episodes bunched; the clock restarted at the second return.
    child_b = ChildFactory.create(responsible_la=north)
    b1 = MissingEpisodeFactory.create(
        child=child_b,
        missing_at=utc(2025, 6, 2, 10),
        returned_at=utc(2025, 6, 2, 20),
        police_notified_at=None,
    )
    b2 = MissingEpisodeFactory.create(
        child=child_b,
        missing_at=utc(2025, 6, 4, 9),
        returned_at=utc(2025, 6, 4, 18),
        police_notified_at=utc(2025, 6, 4, 19),
    )
    rhi_b = rhi_for(
        [b1, b2],
        la=north,
        provider=charity,
        snap=n_snap,
        counts=[False, True],
        state=RHIState.DRAFTING,
        outcome=Outcome.ACCEPTED,
        offered_at=utc(2025, 6, 4, 20),
        offered_to=OfferedTo.BOTH,
    )
    interview(rhi_b, utc(2025, 6, 5, 12))

    # C: declined by a parent.
    c = MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=north),
        missing_at=utc(2025, 7, 10, 8),
        returned_at=utc(2025, 7, 10, 11),
        police_notified_at=utc(2025, 7, 10, 12),
    )
    rhi_for(
        [c],
        la=north,
        provider=north,
        snap=n_snap,
        state=RHIState.DECLINED,
        outcome=Outcome.DECLINED,
        offered_at=utc(2025, 7, 11, 9),
        offered_to=OfferedTo.PARENT_CARER,
        declined_by=DeclinedBy.PARENT_CARER,
        decline_reason=DeclineReason.PARENT_REFUSED,
    )

    # D: spans the year boundary (31 March 2026 22:00 BST = 21:00 UTC); no police notification.
    d = MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=north),
        missing_at=utc(2026, 3, 31, 21),
        returned_at=utc(2026, 4, 2, 10),
        police_notified_at=None,
    )
    rhi_for(
        [d],
        la=north,
        provider=north,
        snap=n_snap,
        state=RHIState.UNABLE_TO_CONTACT,
        outcome=Outcome.UNABLE_TO_CONTACT,
    )

    # E: from home in August (interviewed by their social worker), from care in December with no RHI record.
    child_e = ChildFactory.create(responsible_la=north)
    e1 = MissingEpisodeFactory.create(
        child=child_e,
        missing_from=MissingFrom.HOME,
        missing_at=utc(2025, 8, 1, 6),
        returned_at=utc(2025, 8, 1, 12),
        police_notified_at=utc(2025, 8, 1, 13),
    )
    rhi_e = rhi_for(
        [e1],
        la=north,
        provider=north,
        snap=n_snap,
        state=RHIState.DRAFTING,
        outcome=Outcome.ACCEPTED,
        offered_at=utc(2025, 8, 1, 15),
        offered_to=OfferedTo.CHILD,
    )
    interview(rhi_e, utc(2025, 8, 2, 12), independence="childs_social_worker")
    MissingEpisodeFactory.create(
        child=child_e,
        missing_from=MissingFrom.CARE,
        host_la=north,
        was_out_of_area=False,
        missing_at=utc(2025, 12, 1, 10),
        returned_at=utc(2025, 12, 1, 22),
        police_notified_at=utc(2025, 12, 2, 9),
    )

    # F: placed out of area in South, absent, no RHI record and no police notification.
    MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=north),
        category=EpisodeCategory.ABSENT,
        missing_from=MissingFrom.CARE,
        host_la=south,
        was_out_of_area=True,
        missing_at=utc(2025, 9, 1, 10),
        returned_at=utc(2025, 9, 1, 14),
        police_notified_at=None,
    )

    # G: South's child placed in North's area.
    MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=south),
        missing_from=MissingFrom.CARE,
        host_la=north,
        was_out_of_area=True,
        missing_at=utc(2025, 10, 1, 10),
        returned_at=utc(2025, 10, 1, 14),
    )

    # S: South's own child with the same Friday-before-the-bank-holiday times as A, under South's policy.
    s = MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=south),
        missing_at=utc(2025, 5, 23, 8),
        returned_at=utc(2025, 5, 23, 17),
        police_notified_at=utc(2025, 5, 24, 8),
    )
    rhi_s = rhi_for(
        [s],
        la=south,
        provider=south,
        snap=s_snap,
        state=RHIState.DRAFTING,
        outcome=Outcome.ACCEPTED,
        offered_at=utc(2025, 5, 24, 10),
        offered_to=OfferedTo.CHILD,
    )
    interview(rhi_s, utc(2025, 5, 28, 9))

    # Findings and referrals.
    RiskIndicatorFinding.objects.create(rhi=rhi_a, indicator="cse")
    RiskIndicatorFinding.objects.create(rhi=rhi_b, indicator="cse")
    RiskIndicatorFinding.objects.create(rhi=rhi_b, indicator="cce")
    for rhi in (rhi_a, rhi_b, rhi_e):
        Location.objects.create(
            rhi=rhi,
            description="Bus station",
            place_type=PlaceType.TRANSPORT,
            town="luton",
            postcode="LU1 2AB",
        )
    Associate.objects.create(rhi=rhi_a, name="Jay")
    Associate.objects.create(rhi=rhi_b, name="  jay ")
    author = UserFactory.create()
    Referral.objects.create(
        rhi=rhi_a,
        service=Service.CAMHS,
        reason="Low mood",
        created_by=author,
        sent_at=utc(2025, 5, 29, 9),
        acknowledged_at=utc(2025, 5, 30, 9),
        outcome=ReferralOutcome.ACCEPTED,
    )
    Referral.objects.create(
        rhi=rhi_b,
        service=Service.EXPLOITATION_TEAM,
        reason="CCE",
        created_by=author,
        sent_at=utc(2025, 6, 6, 9),
    )
    return PerformanceWorld(
        north=north, south=south, charity=charity, a=a, b1=b1, b2=b2, c=c, d=d, e1=e1, s=s
    )
