"""Follow-up referrals through their services: who may make them, when, with which risk indicators, and when
the acknowledgement is due (5 working days, skipping the RHI nation's bank holidays)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import Membership, Role, Team, User
from audit.models import AuditEvent
from referrals import selectors, services
from referrals.models import Referral
from rhi import services as rhi_services
from rhi.models import Associate, Interview, Location, RHIState, RiskIndicatorFinding
from tests.factories_domain import ChildFactory, MissingEpisodeFactory, ProviderFactory, RHIFactory

pytestmark = pytest.mark.django_db
# Thursday 21 May 2026; Monday 25 May 2026 is the Spring bank holiday in England.
RETURNED = datetime(2026, 5, 21, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
CHILD_WORDS = "I went to see my cousin because home was too loud."
WHERE_WENT = "Stayed at a flat near Luton station."
ASSESSMENT = "Risk of criminal exploitation is rising."


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def member(username: str, org: Any, role: str, team: Any = None) -> User:
    user = User.objects.create_user(
        username=username,
        password="unused-password-1",
        organisation=org,
        first_name=username.title(),
        last_name="Demo",
    )
    Membership.objects.create(user=user, organisation=org, team=team, role=role)
    return user


def build_case(*, approve: bool = False, consent: str = "given", prefix: str = "") -> dict[str, Any]:
    """An RHI taken through the lifecycle services to drafting (findings written with the ORM), or approved."""
    provider = ProviderFactory(name=f"{prefix}Safe Return Partnership")
    team = Team.objects.create(organisation=provider, name="North")
    child = ChildFactory(first_name="Jordan", last_name="Quillfeather")
    episode = MissingEpisodeFactory(
        child=child, missing_at=RETURNED - timedelta(hours=20), returned_at=RETURNED
    )
    rhi = rhi_services.open_rhi_for_returned_episode(episode=episode)
    rhi.provider = provider
    rhi.save()
    worker = member(f"{prefix}worker", provider, Role.RHI_WORKER, team)
    manager = member(f"{prefix}manager", provider, Role.TEAM_MANAGER, team)
    rhi_services.allocate_rhi(rhi_id=rhi.pk, worker=worker, by=manager)
    rhi_services.record_offer(
        rhi_id=rhi.pk, by=worker, offered_at=RETURNED + timedelta(hours=4), offered_to="child", method="phone"
    )
    rhi_services.record_acceptance(rhi_id=rhi.pk, by=worker)
    rhi_services.record_interview(
        rhi_id=rhi.pk,
        by=worker,
        interview={
            "held_at": RETURNED + timedelta(hours=26),
            "location_type": "home",
            "interviewer_independence": "independent_provider",
            "child_choice_of_interviewer": "yes",
        },
    )
    Interview.objects.filter(rhi=rhi).update(
        child_words=CHILD_WORDS,
        where_went=WHERE_WENT,
        worker_assessment=ASSESSMENT,
        push_factors=["conflict_at_home"],
        wishes_and_feelings="Wants more time with her cousin.",
    )
    RiskIndicatorFinding.objects.create(rhi=rhi, indicator="cce", notes="Asked to carry a bag.")
    RiskIndicatorFinding.objects.create(rhi=rhi, indicator="missing_with_others")
    Location.objects.create(rhi=rhi, description="Flat above the chip shop", town="Luton", postcode="LU1 2AB")
    Associate.objects.create(rhi=rhi, name="Big T", approximate_age=24, is_adult=True)
    rhi.refresh_from_db()
    rhi.consent_to_share = consent
    rhi.save()
    if approve:
        rhi_services.submit_for_approval(rhi_id=rhi.pk, by=worker)
        rhi_services.approve(rhi_id=rhi.pk, by=manager)
    rhi.refresh_from_db()
    return {
        "rhi": rhi,
        "worker": worker,
        "manager": manager,
        "provider": provider,
        "team": team,
        "child": child,
    }


def refer(case: dict[str, Any], **kwargs: Any) -> Referral:
    by = kwargs.pop("by", case["worker"])
    data: dict[str, Any] = {
        "service": "exploitation_team",
        "recipient_name": "Exploitation hub",
        "reason": "Signs of county lines involvement.",
        "risk_indicators": ["cce"],
        "sent_at": datetime(2026, 5, 22, 14, 0, tzinfo=UTC),
    } | kwargs
    return services.make_referral(rhi_id=case["rhi"].pk, by=by, **data)


def test_referral_acknowledgement_due_skips_the_spring_bank_holiday_weekend():
    # Friday 22 May: Sat, Sun, bank holiday Monday do not count; Tue–Fri are 4, Monday 1 June is the 5th.
    rhi = RHIFactory()  # no policy: the LA's nation (England) counts
    due = services.referral_acknowledgement_due(sent_at=datetime(2026, 5, 22, 14, 0, tzinfo=UTC), rhi=rhi)
    assert due == datetime(2026, 6, 1, 22, 59, 59, 999999, tzinfo=UTC)  # end of Monday 1 June, BST
    ordinary = services.referral_acknowledgement_due(sent_at=datetime(2026, 6, 5, 14, 0, tzinfo=UTC), rhi=rhi)
    assert ordinary == datetime(2026, 6, 12, 22, 59, 59, 999999, tzinfo=UTC)


def test_worker_refers_from_a_drafting_rhi_and_the_due_date_uses_the_snapshot_nation():
    case = build_case()
    version = case["rhi"].version
    referral = refer(case)
    assert referral.acknowledgement_due_at == datetime(2026, 6, 1, 22, 59, 59, 999999, tzinfo=UTC)
    assert referral.risk_indicators == ["cce"] and referral.created_by == case["worker"]
    assert AuditEvent.objects.filter(
        object_type="referrals.referral", object_id=str(referral.pk), action="create"
    ).exists()
    case["rhi"].refresh_from_db()
    assert case["rhi"].version == version  # making a referral never changes the RHI's version


def test_manager_can_still_refer_from_an_approved_rhi():
    case = build_case(approve=True)
    assert case["rhi"].state == RHIState.APPROVED
    referral = refer(case, by=case["manager"], service="camhs", risk_indicators=[])
    assert referral.service == "camhs"


def test_referral_with_an_unknown_risk_indicator_code_is_refused_and_nothing_saved():
    case = build_case()
    with pytest.raises(ValidationError) as excinfo:
        refer(case, risk_indicators=["cce", "not_a_code"])
    assert "risk_indicators" in excinfo.value.message_dict
    assert not Referral.objects.exists()


def test_referral_before_the_interview_is_refused():
    case = build_case()
    rhi = case["rhi"]
    rhi.state = RHIState.ACCEPTED
    rhi.save()
    with pytest.raises(services.TransitionError):
        refer(case)


def test_another_providers_worker_cannot_refer():
    case = build_case()
    stranger = member("stranger", ProviderFactory(), Role.RHI_WORKER)
    with pytest.raises(services.ActionNotAllowed):
        refer(case, by=stranger)


def test_acknowledgement_before_sending_or_before_the_sent_time_or_in_the_future_is_refused():
    case = build_case()
    unsent = refer(case, sent_at=None)
    assert unsent.acknowledgement_due_at is None
    with pytest.raises(ValidationError) as not_sent:
        services.record_acknowledgement(
            referral_id=unsent.pk,
            by=case["worker"],
            acknowledged_at=NOW - timedelta(days=1),
            acknowledged_by_name="Duty desk",
        )
    assert "sent" in not_sent.value.message_dict["acknowledged_at"][0]
    sent = refer(case)
    with pytest.raises(ValidationError) as early:
        services.record_acknowledgement(
            referral_id=sent.pk,
            by=case["worker"],
            acknowledged_at=sent.sent_at - timedelta(hours=1),
            acknowledged_by_name="Duty desk",
        )
    assert "before the referral was sent" in early.value.message_dict["acknowledged_at"][0]
    with pytest.raises(ValidationError) as future:
        services.record_acknowledgement(
            referral_id=sent.pk,
            by=case["worker"],
            acknowledged_at=NOW + timedelta(hours=2),
            acknowledged_by_name="Duty desk",
        )
    assert "future" in future.value.message_dict["acknowledged_at"][0]
    sent.refresh_from_db()
    assert sent.acknowledged_at is None


def test_worker_marks_sent_then_records_acknowledgement_and_outcome_once():
    case = build_case()
    referral = refer(case, sent_at=None)
    referral = services.mark_sent(
        referral_id=referral.pk, by=case["worker"], sent_at=datetime(2026, 6, 5, 14, 0, tzinfo=UTC)
    )
    assert referral.acknowledgement_due_at == datetime(2026, 6, 12, 22, 59, 59, 999999, tzinfo=UTC)
    referral = services.record_acknowledgement(
        referral_id=referral.pk,
        by=case["worker"],
        acknowledged_at=datetime(2026, 6, 8, 9, 0, tzinfo=UTC),
        acknowledged_by_name=" Duty desk ",
    )
    assert referral.acknowledged_by_name == "Duty desk"
    with pytest.raises(services.TransitionError):
        services.record_acknowledgement(
            referral_id=referral.pk,
            by=case["worker"],
            acknowledged_at=datetime(2026, 6, 9, 9, 0, tzinfo=UTC),
            acknowledged_by_name="Someone else",
        )
    with pytest.raises(ValidationError):
        services.record_outcome(referral_id=referral.pk, by=case["worker"], outcome="maybe")
    referral = services.record_outcome(referral_id=referral.pk, by=case["worker"], outcome="accepted")
    assert referral.outcome == "accepted"
    with pytest.raises(services.TransitionError):
        services.record_outcome(referral_id=referral.pk, by=case["worker"], outcome="no_further_action")


def test_workers_awaiting_list_has_only_their_sent_unacknowledged_referrals_soonest_first():
    case = build_case()
    later = refer(case, sent_at=datetime(2026, 6, 9, 10, 0, tzinfo=UTC), service="camhs")
    overdue = refer(case)
    refer(case, sent_at=None, service="school")
    acknowledged = refer(case, service="youth_service")
    services.record_acknowledgement(
        referral_id=acknowledged.pk,
        by=case["worker"],
        acknowledged_at=datetime(2026, 5, 26, 10, 0, tzinfo=UTC),
        acknowledged_by_name="Youth hub",
    )
    other = build_case(prefix="other-")
    refer(other, by=other["worker"])

    rows = list(selectors.awaiting_acknowledgement_for(case["worker"]))
    assert [(r.pk, r.overdue) for r in rows] == [(overdue.pk, True), (later.pk, False)]
    assert overdue.pk not in [r.pk for r in selectors.awaiting_acknowledgement_for(other["worker"])]
    colleague = member("colleague", case["provider"], Role.RHI_WORKER, case["team"])
    assert list(selectors.awaiting_acknowledgement_for(colleague)) == []  # sees the RHI, does not work on it
    assert len(selectors.awaiting_acknowledgement_for(case["manager"])) == 2
