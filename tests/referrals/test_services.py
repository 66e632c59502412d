"""Follow-up referrals through their services: who may make them, when, with which risk indicators, and when
the acknowledgement is due (5 working days, skipping the RHI nation's bank holidays)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from audit.models import AuditEvent
from referrals import selectors, services
from referrals.models import Referral
from rhi.models import RHIState
from tests.casework import NOW, build_case, refer
from tests.factories import member
from tests.factories_domain import ProviderFactory, RHIFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]


def test_referral_acknowledgement_due_skips_the_spring_bank_holiday_weekend() -> None:
    # Friday 22 May: Sat, Sun, bank holiday Monday do not count; Tue–Fri are 4, Monday 1 June is the 5th.
    rhi = RHIFactory.create()  # no policy: the LA's nation (England) counts
    due = services.referral_acknowledgement_due(sent_at=datetime(2026, 5, 22, 14, 0, tzinfo=UTC), rhi=rhi)
    assert due == datetime(2026, 6, 1, 22, 59, 59, 999999, tzinfo=UTC)  # end of Monday 1 June, BST
    ordinary = services.referral_acknowledgement_due(sent_at=datetime(2026, 6, 5, 14, 0, tzinfo=UTC), rhi=rhi)
    assert ordinary == datetime(2026, 6, 12, 22, 59, 59, 999999, tzinfo=UTC)


def test_worker_refers_from_a_drafting_rhi_and_the_due_date_uses_the_snapshot_nation() -> None:
    case = build_case()
    version = case.rhi.version
    referral = refer(case)
    assert referral.acknowledgement_due_at == datetime(2026, 6, 1, 22, 59, 59, 999999, tzinfo=UTC)
    assert referral.risk_indicators == ["cce"] and referral.created_by == case.worker
    assert AuditEvent.objects.filter(
        object_type="referrals.referral", object_id=str(referral.pk), action="create"
    ).exists()
    case.rhi.refresh_from_db()
    assert case.rhi.version == version  # making a referral never changes the RHI's version


def test_manager_can_still_refer_from_an_approved_rhi() -> None:
    case = build_case(approve=True)
    assert case.rhi.state == RHIState.APPROVED
    referral = refer(case, by=case.manager, service="camhs", risk_indicators=[])
    assert referral.service == "camhs"


def test_referral_with_an_unknown_risk_indicator_code_is_refused_and_nothing_saved() -> None:
    case = build_case()
    with pytest.raises(ValidationError) as excinfo:
        refer(case, risk_indicators=["cce", "not_a_code"])
    assert "risk_indicators" in excinfo.value.message_dict
    assert not Referral.objects.exists()


def test_referral_before_the_interview_is_refused() -> None:
    case = build_case()
    rhi = case.rhi
    rhi.state = RHIState.ACCEPTED
    rhi.save()
    with pytest.raises(services.TransitionError):
        refer(case)


def test_another_providers_worker_cannot_refer() -> None:
    case = build_case()
    stranger = member("stranger", ProviderFactory.create(), Role.RHI_WORKER)
    with pytest.raises(services.ActionNotAllowed):
        refer(case, by=stranger)


def test_acknowledgement_before_sending_or_before_the_sent_time_or_in_the_future_is_refused() -> None:
    case = build_case()
    unsent = refer(case, sent_at=None)
    assert unsent.acknowledgement_due_at is None
    with pytest.raises(ValidationError) as not_sent:
        services.record_acknowledgement(
            referral_id=unsent.pk,
            by=case.worker,
            acknowledged_at=NOW - timedelta(days=1),
            acknowledged_by_name="Duty desk",
        )
    assert "sent" in not_sent.value.message_dict["acknowledged_at"][0]
    sent = refer(case, service="camhs")  # an identical open referral would be refused
    assert sent.sent_at is not None
    with pytest.raises(ValidationError) as early:
        services.record_acknowledgement(
            referral_id=sent.pk,
            by=case.worker,
            acknowledged_at=sent.sent_at - timedelta(hours=1),
            acknowledged_by_name="Duty desk",
        )
    assert "before the referral was sent" in early.value.message_dict["acknowledged_at"][0]
    with pytest.raises(ValidationError) as future:
        services.record_acknowledgement(
            referral_id=sent.pk,
            by=case.worker,
            acknowledged_at=NOW + timedelta(hours=2),
            acknowledged_by_name="Duty desk",
        )
    assert "future" in future.value.message_dict["acknowledged_at"][0]
    sent.refresh_from_db()
    assert sent.acknowledged_at is None


def test_worker_marks_sent_then_records_acknowledgement_and_outcome_once() -> None:
    case = build_case()
    referral = refer(case, sent_at=None)
    referral = services.mark_sent(
        referral_id=referral.pk, by=case.worker, sent_at=datetime(2026, 6, 5, 14, 0, tzinfo=UTC)
    )
    assert referral.acknowledgement_due_at == datetime(2026, 6, 12, 22, 59, 59, 999999, tzinfo=UTC)
    referral = services.record_acknowledgement(
        referral_id=referral.pk,
        by=case.worker,
        acknowledged_at=datetime(2026, 6, 8, 9, 0, tzinfo=UTC),
        acknowledged_by_name=" Duty desk ",
    )
    assert referral.acknowledged_by_name == "Duty desk"
    with pytest.raises(services.TransitionError):
        services.record_acknowledgement(
            referral_id=referral.pk,
            by=case.worker,
            acknowledged_at=datetime(2026, 6, 9, 9, 0, tzinfo=UTC),
            acknowledged_by_name="Someone else",
        )
    with pytest.raises(ValidationError):
        services.record_outcome(referral_id=referral.pk, by=case.worker, outcome="maybe")
    referral = services.record_outcome(referral_id=referral.pk, by=case.worker, outcome="accepted")
    assert referral.outcome == "accepted"
    with pytest.raises(services.TransitionError):
        services.record_outcome(referral_id=referral.pk, by=case.worker, outcome="no_further_action")


def test_workers_awaiting_list_has_only_their_sent_unacknowledged_referrals_soonest_first() -> None:
    case = build_case()
    later = refer(case, sent_at=datetime(2026, 6, 9, 10, 0, tzinfo=UTC), service="camhs")
    overdue = refer(case)
    refer(case, sent_at=None, service="school")
    acknowledged = refer(case, service="youth_service")
    services.record_acknowledgement(
        referral_id=acknowledged.pk,
        by=case.worker,
        acknowledged_at=datetime(2026, 5, 26, 10, 0, tzinfo=UTC),
        acknowledged_by_name="Youth hub",
    )
    other = build_case(prefix="other-")
    refer(other, by=other.worker)

    rows = list(selectors.awaiting_acknowledgement_for(case.worker))
    # awaiting_acknowledgement_for annotates ``overdue`` in SQL, which the model's type does not declare.
    assert [(r.pk, r.overdue) for r in rows] == [(overdue.pk, True), (later.pk, False)]  # type: ignore[attr-defined]
    assert overdue.pk not in [r.pk for r in selectors.awaiting_acknowledgement_for(other.worker)]
    colleague = member("colleague", case.provider, Role.RHI_WORKER, case.team)
    assert list(selectors.awaiting_acknowledgement_for(colleague)) == []  # sees the RHI, does not work on it
    assert len(selectors.awaiting_acknowledgement_for(case.manager)) == 2
