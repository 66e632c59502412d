"""Opening RHIs when children return, bunching repeat episodes by policy, and keeping stored deadlines right."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from accounts.models import Commission, User
from audit.models import AuditEvent
from rhi.clock import LONDON, ClockRules, compute_deadlines
from rhi.models import ClockPolicy, RepeatRule, RHIState, StateTransition
from rhi.services import (
    apply_policy_to_open_rhis,
    correct_policy_snapshot,
    open_rhi_for_returned_episode,
    recompute_deadlines,
)
from tests.factories_domain import (
    ChildFactory,
    ClockPolicyFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

RETURNED = datetime(2026, 5, 1, 17, 0, tzinfo=LONDON)


def episode_for(
    child: Any, *, missing_hours_before_return: int = 10, returned_at: datetime = RETURNED, **kwargs: Any
) -> Any:
    return MissingEpisodeFactory.create(
        child=child,
        missing_at=returned_at - timedelta(hours=missing_hours_before_return),
        returned_at=returned_at,
        **kwargs,
    )


def test_return_opens_an_unallocated_rhi_with_the_las_policy_snapshot_and_deadlines() -> None:
    la = LocalAuthorityFactory.create(code="333")
    policy = ClockPolicyFactory.create(local_authority=la, complete_unit="working_days", complete_length=3)
    provider = ProviderFactory.create(name="Safe Return Partnership")
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2024, 4, 1))
    episode = episode_for(ChildFactory.create(responsible_la=la))

    rhi = open_rhi_for_returned_episode(episode=episode)

    assert rhi.state == RHIState.UNALLOCATED
    assert (rhi.local_authority, rhi.provider, rhi.policy) == (la, provider, policy)
    assert rhi.policy_snapshot["complete_unit"] == "working_days"
    assert rhi.policy_snapshot["repeat_rule"] == RepeatRule.SEPARATE
    # Friday 1 May 2026 17:00 + 3 working days: Mon 4 May is the Early May bank holiday.
    assert rhi.due_at is not None and rhi.due_at.astimezone(LONDON).date() == date(2026, 5, 7)
    assert StateTransition.objects.filter(rhi=rhi, to_state=RHIState.UNALLOCATED).count() == 1
    assert (
        AuditEvent.objects.filter(object_type="rhi.returnhomeinterview", object_id=str(rhi.pk)).count() == 1
    )


def test_opening_is_idempotent_for_the_same_episode() -> None:
    episode = episode_for(ChildFactory.create())
    assert open_rhi_for_returned_episode(episode=episode) == open_rhi_for_returned_episode(episode=episode)


def test_la_without_policy_or_commission_uses_72_hours_from_return_in_house() -> None:
    episode = episode_for(ChildFactory.create())
    rhi = open_rhi_for_returned_episode(episode=episode)
    assert rhi.provider == rhi.local_authority
    assert rhi.due_at == RETURNED.astimezone(UTC) + timedelta(hours=72)


def test_police_notification_basis_without_notification_leaves_clock_not_started_until_recorded() -> None:
    la = LocalAuthorityFactory.create()
    ClockPolicyFactory.create(local_authority=la, basis="police_notification")
    episode = episode_for(ChildFactory.create(responsible_la=la), police_notified_at=None)
    rhi = open_rhi_for_returned_episode(episode=episode)
    assert (rhi.clock_started_at, rhi.due_at, rhi.due_soon_at) == (None, None, None)

    episode.police_notified_at = RETURNED + timedelta(hours=5)
    episode.save()
    rhi = recompute_deadlines(rhi=rhi)
    assert rhi.clock_started_at == RETURNED + timedelta(hours=5)
    assert rhi.due_at == RETURNED + timedelta(hours=77)


def test_out_of_area_episode_is_handled_by_the_host_authority_under_its_policy() -> None:
    placing, host = LocalAuthorityFactory.create(code="860"), LocalAuthorityFactory.create(code="335")
    ClockPolicyFactory.create(local_authority=host, complete_unit="calendar_days", complete_length=3)
    episode = episode_for(ChildFactory.create(responsible_la=placing), host_la=host, was_out_of_area=True)
    rhi = open_rhi_for_returned_episode(episode=episode)
    assert rhi.local_authority == host
    assert rhi.due_at is not None and rhi.due_at.astimezone(LONDON).date() == date(2026, 5, 4)


@pytest.mark.parametrize(
    ("rule", "expected_rhis", "clock_from_second"),
    [
        (RepeatRule.SEPARATE, 2, True),
        (RepeatRule.BUNCH_FROM_LATEST, 1, True),
        (RepeatRule.BUNCH_FROM_FIRST, 1, False),
    ],
)
def test_repeat_episode_follows_the_policys_rule(
    rule: Any, expected_rhis: int, clock_from_second: bool
) -> None:
    la = LocalAuthorityFactory.create()
    ClockPolicyFactory.create(local_authority=la, repeat_rule=rule)
    child = ChildFactory.create(responsible_la=la)
    first = open_rhi_for_returned_episode(episode=episode_for(child))
    second_return = RETURNED + timedelta(days=2)
    second = open_rhi_for_returned_episode(episode=episode_for(child, returned_at=second_return))

    assert len({first.pk, second.pk}) == expected_rhis
    expected_start = second_return if clock_from_second else RETURNED
    assert second.clock_started_at == expected_start
    assert second.due_at == expected_start.astimezone(UTC) + timedelta(hours=72)
    counted = list(
        second.episode_links.filter(counts_for_timeliness=True).values_list("episode__returned_at", flat=True)
    )
    assert counted == [expected_start]


def test_bunching_only_joins_an_rhi_whose_interview_has_not_happened() -> None:
    la = LocalAuthorityFactory.create()
    ClockPolicyFactory.create(local_authority=la, repeat_rule=RepeatRule.BUNCH_FROM_LATEST)
    child = ChildFactory.create(responsible_la=la)
    first = open_rhi_for_returned_episode(episode=episode_for(child))
    first.state = RHIState.DRAFTING
    first.save()
    second = open_rhi_for_returned_episode(
        episode=episode_for(child, returned_at=RETURNED + timedelta(days=3))
    )
    assert second.pk != first.pk


def test_authorised_policy_correction_replaces_snapshot_recomputes_and_is_audited() -> None:
    la = LocalAuthorityFactory.create()
    ClockPolicyFactory.create(local_authority=la)
    rhi = open_rhi_for_returned_episode(episode=episode_for(ChildFactory.create(responsible_la=la)))
    manager = User.objects.create_user(username="m", password="unused-password-1")
    corrected = ClockPolicy.objects.create(
        local_authority=la, effective_from=date(2026, 4, 1), complete_unit="calendar_days", complete_length=3
    )
    before = AuditEvent.objects.count()

    rhi = correct_policy_snapshot(rhi=rhi, policy=corrected, by=manager, reason="Wrong policy applied")

    assert rhi.policy_snapshot["complete_unit"] == "calendar_days"
    assert rhi.due_at is not None and rhi.due_at.astimezone(LONDON).date() == date(2026, 5, 4)
    assert AuditEvent.objects.count() == before + 1
    with pytest.raises(ValueError, match="needs a reason"):
        correct_policy_snapshot(rhi=rhi, policy=corrected, by=manager, reason="  ")


def test_applying_a_new_policy_recomputes_open_rhis_since_its_effective_date_only() -> None:
    la = LocalAuthorityFactory.create()
    ClockPolicyFactory.create(local_authority=la)
    old = open_rhi_for_returned_episode(
        episode=episode_for(ChildFactory.create(responsible_la=la), returned_at=RETURNED - timedelta(days=40))
    )
    recent = open_rhi_for_returned_episode(episode=episode_for(ChildFactory.create(responsible_la=la)))
    manager = User.objects.create_user(username="m", password="unused-password-1")
    new_policy = ClockPolicy.objects.create(
        local_authority=la, effective_from=date(2026, 4, 15), complete_unit="working_days", complete_length=3
    )

    assert apply_policy_to_open_rhis(policy=new_policy, by=manager) == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.policy_snapshot["complete_unit"] == "hours"
    assert recent.policy_snapshot["complete_unit"] == "working_days"
    expected = compute_deadlines(
        ClockRules(complete_unit="working_days", complete_length=3),
        returned_at=RETURNED,
        police_notified_at=None,
    )
    assert recent.due_at == expected.due
