"""Structural rules on RHIs and policies hold in the database as well as in clean()."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from rhi.clock import ClockRules, compute_deadlines
from rhi.models import (
    CLOSED_STATES,
    OPEN_STATES,
    ClockPolicy,
    Outcome,
    ReturnHomeInterview,
    RHIEpisode,
    RHIState,
)
from rhi.selectors import clock_rules_for_policy, policy_in_force
from tests.db import assert_refused_by_database
from tests.factories_domain import ClockPolicyFactory, MissingEpisodeFactory, RHIEpisodeFactory, RHIFactory

pytestmark = pytest.mark.django_db


def make_user(username: str) -> User:
    return User.objects.create_user(username=username, password="x-unused-password-123")


def test_every_state_is_open_or_closed_never_both() -> None:
    assert OPEN_STATES.isdisjoint(CLOSED_STATES)
    assert set(RHIState.values) == OPEN_STATES | CLOSED_STATES


def test_decline_without_reason_or_who_is_refused() -> None:
    assert_refused_by_database(RHIFactory, outcome=Outcome.DECLINED, state=RHIState.DECLINED)
    assert_refused_by_database(
        RHIFactory, outcome=Outcome.DECLINED, state=RHIState.DECLINED, decline_reason="not_wanted"
    )
    rhi = RHIFactory.create(
        outcome=Outcome.DECLINED, state=RHIState.DECLINED, decline_reason="not_wanted", declined_by="child"
    )
    assert rhi.pk


def test_decline_without_reason_gives_field_errors_from_clean() -> None:
    rhi = RHIFactory.build(outcome=Outcome.DECLINED)
    with pytest.raises(ValidationError) as excinfo:
        rhi.clean()
    assert set(excinfo.value.message_dict) == {"decline_reason", "declined_by"}


def test_not_offered_needs_a_reason_and_superseded_needs_a_successor() -> None:
    assert_refused_by_database(RHIFactory, outcome=Outcome.NOT_OFFERED, state=RHIState.NOT_OFFERED)
    assert_refused_by_database(RHIFactory, outcome=Outcome.SUPERSEDED, state=RHIState.SUPERSEDED)


def test_sharing_without_consent_needs_a_justification() -> None:
    assert_refused_by_database(RHIFactory, share_without_consent=True)
    assert RHIFactory.create(
        share_without_consent=True, consent_override_justification="Immediate risk of harm"
    ).pk


def test_author_cannot_approve_their_own_report() -> None:
    author = make_user("author")
    assert_refused_by_database(
        RHIFactory,
        state=RHIState.APPROVED,
        submitted_by=author,
        approved_by=author,
        approved_at=datetime(2026, 5, 3, tzinfo=UTC),
        allocated_worker=author,
    )
    with pytest.raises(ValidationError):
        RHIFactory.build(submitted_by=author, approved_by=author).clean()


def test_approved_rhi_must_name_its_approver() -> None:
    assert_refused_by_database(RHIFactory, state=RHIState.APPROVED)


def test_unallocated_rhi_cannot_have_a_worker() -> None:
    assert_refused_by_database(RHIFactory, state=RHIState.UNALLOCATED, allocated_worker=make_user("w"))


def test_deadline_before_clock_start_is_refused() -> None:
    start = datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert_refused_by_database(RHIFactory, clock_started_at=start, due_at=start - timedelta(hours=1))


def test_an_episode_is_addressed_by_one_rhi_only() -> None:
    link = RHIEpisodeFactory.create()
    other = RHIFactory.create(child=link.rhi.child)
    assert_refused_by_database(RHIEpisode.objects.create, rhi=other, episode=link.episode)


def test_rhi_can_address_several_episodes_of_one_child() -> None:
    rhi = RHIFactory.create()
    for hours in (0, 48):
        episode = MissingEpisodeFactory.create(
            child=rhi.child, missing_at=datetime(2026, 5, 1, tzinfo=UTC) + timedelta(hours=hours)
        )
        RHIEpisode.objects.create(rhi=rhi, episode=episode)
    assert ReturnHomeInterview.objects.get(pk=rhi.pk).episodes.count() == 2


def test_policy_contact_deadline_needs_unit_and_length_together() -> None:
    assert_refused_by_database(ClockPolicyFactory, contact_unit="hours")
    assert_refused_by_database(ClockPolicyFactory, contact_length=24)
    with pytest.raises(ValidationError):
        ClockPolicyFactory.build(contact_unit="hours").clean()


def test_policy_closure_days_must_be_dates() -> None:
    policy = ClockPolicyFactory.build(closure_days=["2026-12-24", "Christmas Eve"])
    with pytest.raises(ValidationError) as excinfo:
        policy.clean()
    assert "closure_days" in excinfo.value.message_dict


def test_policy_in_force_is_the_latest_effective_on_the_date_and_translates_to_clock_rules() -> None:
    old = ClockPolicyFactory.create()
    new = ClockPolicyFactory.create(
        local_authority=old.local_authority,
        effective_from=date(2026, 4, 1),
        basis="police_notification",
        complete_unit="working_days",
        complete_length=3,
        nation="WLS",
        closure_days=["2026-12-24"],
    )
    assert policy_in_force(local_authority=old.local_authority, on=date(2026, 3, 31)) == old
    assert policy_in_force(local_authority=old.local_authority, on=date(2026, 4, 1)) == new
    rules = clock_rules_for_policy(new)
    assert rules == ClockRules(
        basis="police_notification",
        complete_unit="working_days",
        complete_length=3,
        nation="WLS",
        closure_days=frozenset({date(2026, 12, 24)}),
    )
    # The snapshot an RHI keeps is enough to recompute the same deadlines later.
    when = datetime(2026, 12, 23, 16, tzinfo=UTC)
    assert compute_deadlines(
        ClockRules.from_snapshot(rules.to_snapshot()), returned_at=None, police_notified_at=when
    ) == (compute_deadlines(rules, returned_at=None, police_notified_at=when))
    assert ClockPolicy.objects.count() == 2
