"""Which clock policy governs an episode, and the rules when there is none: decided once (rhi.clock.policy_on,
rhi.clock.policy_day, rhi.selectors.rules_without_policy) and the same for an RHI, its referrals and
disclosures, and the performance return (issue 12, disagreements 1 and 2; docs/clock.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from accounts.models import Nation, Organisation
from missing_episodes.models import MissingEpisode
from referrals.services import referral_acknowledgement_due
from reporting.performance import figure_records, performance_figures, published_cells
from reporting.performance.rows import Scope, fetch_rows
from reporting.performance.timeliness import policies_of, rules_without_rhi
from rhi.clock import LONDON, ClockRules, Unit, policy_day, policy_on
from rhi.models import ClockPolicy
from rhi.selectors import clock_rules_for_policy, rules_without_policy, working_day_calendar
from rhi.services import open_rhi_for_returned_episode
from sharing.services import disclosure_acknowledgement_due
from tests.factories_domain import (
    ChildFactory,
    ClockPolicyFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
)


@dataclass(frozen=True)
class Version:
    name: str
    effective_from: date


VERSIONS = [
    Version("2024", date(2024, 4, 1)),
    Version("2020", date(2020, 1, 1)),
    Version("2026", date(2026, 4, 1)),
]


def london(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_policy_on_is_the_latest_version_effective_on_or_before_the_day_in_any_order() -> None:
    assert policy_on(VERSIONS, date(2019, 12, 31)) is None
    assert policy_on(VERSIONS, date(2020, 1, 1)) == VERSIONS[1]
    assert policy_on(VERSIONS, date(2026, 3, 31)) == VERSIONS[0]
    assert policy_on(VERSIONS, date(2026, 4, 1)) == VERSIONS[2]


def test_policy_day_is_the_uk_date_of_the_return_and_the_missing_date_only_while_there_is_none() -> None:
    # 31 March 23:30 UTC is already 1 April in the UK (BST).
    missing, returned = london(2026, 3, 31, 20, 0), datetime.fromisoformat("2026-03-31T23:30:00+00:00")
    assert policy_day(returned_at=returned, missing_at=missing) == date(2026, 4, 1)
    assert policy_day(returned_at=None, missing_at=missing) == date(2026, 3, 31)


def test_rules_without_policy_are_72_hours_from_return_counted_on_the_las_own_nation() -> None:
    wales = Organisation(name="Welsh council", nation=Nation.WALES)
    assert rules_without_policy(wales) == ClockRules(nation="WLS")
    assert rules_without_policy(wales).complete_unit == Unit.HOURS
    assert rules_without_policy(None).nation == "ENG"


def _la(code: str, nation: str = Nation.ENGLAND) -> Organisation:
    la = LocalAuthorityFactory.create(code=code, nation=nation)
    assert isinstance(la, Organisation)
    return la


def _policy(la: Organisation, effective_from: date, **rules: object) -> ClockPolicy:
    policy = ClockPolicyFactory.create(local_authority=la, effective_from=effective_from, **rules)
    assert isinstance(policy, ClockPolicy)
    return policy


def _episode(la: Organisation, *, missing_at: datetime, returned_at: datetime | None) -> MissingEpisode:
    episode = MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=la), missing_at=missing_at, returned_at=returned_at
    )
    assert isinstance(episode, MissingEpisode)
    return episode


@pytest.mark.django_db
def test_an_episode_straddling_a_policy_change_is_timed_under_the_same_policy_with_or_without_an_rhi() -> (
    None
):
    la = _la("951")
    _policy(la, date(2020, 1, 1))  # 72 hours from return
    new = _policy(la, date(2026, 4, 1), complete_unit="calendar_days", complete_length=1)
    # Missing the evening before the change, back the morning after it.
    times = {"missing_at": london(2026, 3, 31, 20, 0), "returned_at": london(2026, 4, 1, 9, 0)}
    with_rhi, without_rhi = _episode(la, **times), _episode(la, **times)

    rhi = open_rhi_for_returned_episode(episode=with_rhi)

    assert rhi.policy == new
    assert ClockRules.from_snapshot(rhi.policy_snapshot) == clock_rules_for_policy(new)
    rows = {row.episode_id: row for row in fetch_rows(Scope(date(2026, 3, 1), date(2026, 4, 30), la))}
    fallback = rules_without_rhi(la, policies_of(la))
    assert fallback(rows[without_rhi.pk]) == clock_rules_for_policy(new)
    # 3 April noon: past the new policy's deadline (end of 2 April), before the old one's (4 April 09:00).
    # Both episodes count as "not done" under their own policy; neither as "not yet due".
    start, end, now = date(2026, 3, 1), date(2026, 4, 30), london(2026, 4, 3, 12, 0)
    not_done = figure_records("own__not_done", local_authority=la, date_from=start, date_to=end, now=now)
    assert not_done == sorted([with_rhi.pk, without_rhi.pk])
    assert figure_records("own__not_yet_due", local_authority=la, date_from=start, date_to=end, now=now) == []


@pytest.mark.django_db
def test_an_la_without_a_policy_counts_its_own_nations_bank_holidays_everywhere() -> None:
    # Wales shares England's bank holidays, so the difference shows with Northern Ireland: St Patrick's Day,
    # Tuesday 17 March 2026, is a holiday there and not in England.
    ni = _la("952", Nation.NORTHERN_IRELAND)
    wales = _la("953", Nation.WALES)
    returned = london(2026, 3, 16, 10, 0)  # Monday
    episode = _episode(ni, missing_at=london(2026, 3, 15, 22, 0), returned_at=returned)
    rhi = open_rhi_for_returned_episode(episode=episode)
    welsh_rhi = open_rhi_for_returned_episode(
        episode=_episode(wales, missing_at=london(2026, 3, 15, 22, 0), returned_at=returned)
    )

    assert (rhi.policy, rhi.policy_snapshot["nation"]) == (None, "NIR")
    assert working_day_calendar(rhi=welsh_rhi) == ("WLS", frozenset())
    sent = london(2026, 3, 16, 12, 0)
    # Referral: fifth working day after Monday, skipping the 17th → Tuesday 24 March (England: Monday 23).
    assert referral_acknowledgement_due(sent_at=sent, rhi=rhi).astimezone(LONDON).date() == date(2026, 3, 24)
    # Disclosure: second working day → Thursday 19 March (England: Wednesday 18), with or without an RHI.
    for about in (rhi, None):
        due = disclosure_acknowledgement_due(shared_at=sent, rhi=about, episode=episode)
        assert due.astimezone(LONDON).date() == date(2026, 3, 19)

    # The performance return counts the same calendar: 3 working days from Monday's return end on Friday 20
    # (England: Thursday 19), so at Friday noon the episode is not yet due rather than not done.
    start, end, now = date(2026, 3, 1), date(2026, 3, 31), london(2026, 3, 20, 12, 0)
    key = "return_3_working_days__not_yet_due"
    assert figure_records(key, local_authority=ni, date_from=start, date_to=end, now=now) == [episode.pk]
    ni_return = performance_figures(local_authority=ni, date_from=start, date_to=end, now=now)
    assert "Northern Ireland bank holidays" in published_cells(ni_return).method
    welsh_return = performance_figures(local_authority=wales, date_from=start, date_to=end, now=now)
    assert "Wales bank holidays" in published_cells(welsh_return).method


@pytest.mark.django_db
def test_an_rhi_opened_without_a_policy_before_the_fix_counts_its_las_nation_not_the_stored_england() -> None:
    ni = _la("954", Nation.NORTHERN_IRELAND)
    returned = london(2026, 3, 16, 10, 0)
    rhi = open_rhi_for_returned_episode(
        episode=_episode(ni, missing_at=london(2026, 3, 15, 22, 0), returned_at=returned)
    )
    # What RHIs opened before issue 12 kept: England's calendar and no policy.
    rhi.policy_snapshot = rhi.policy_snapshot | {"nation": "ENG"}
    rhi.save(update_fields=["policy_snapshot"])
    rhi.refresh_from_db()

    assert working_day_calendar(rhi=rhi) == ("NIR", frozenset())
    sent = london(2026, 3, 16, 12, 0)
    assert referral_acknowledgement_due(sent_at=sent, rhi=rhi).astimezone(LONDON).date() == date(2026, 3, 24)
