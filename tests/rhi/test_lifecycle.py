"""The worker's journey through the RHI lifecycle, one service per step: each checks the source state, the
version the user saw and who is acting, and refuses bad input with field-level errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import Organisation, Role, Team, User
from rhi import services
from rhi.models import Outcome, ReturnHomeInterview, ReviewDecision, RHIState, StateTransition
from rhi.services import ActionNotAllowed, StaleVersionError, TransitionError
from tests.factories import member
from tests.factories_domain import ChildFactory, MissingEpisodeFactory, ProviderFactory

pytestmark = pytest.mark.django_db
RETURNED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass(frozen=True)
class LifecycleCase:
    rhi: ReturnHomeInterview
    worker: User
    manager: User
    provider: Organisation


@pytest.fixture
def case() -> LifecycleCase:
    provider = ProviderFactory.create()
    team = Team.objects.create(organisation=provider, name="North")
    child = ChildFactory.create()
    episode = MissingEpisodeFactory.create(
        child=child, missing_at=RETURNED - timedelta(hours=20), returned_at=RETURNED
    )
    rhi = services.open_rhi_for_returned_episode(episode=episode)
    rhi.provider = provider
    rhi.save()
    worker = member("worker", provider, Role.RHI_WORKER, team)
    manager = member("manager", provider, Role.TEAM_MANAGER, team)
    rhi = services.allocate_rhi(rhi_id=rhi.pk, worker=worker, by=manager)
    return LifecycleCase(rhi=rhi, worker=worker, manager=manager, provider=provider)


def contact(case: Any, **kwargs: Any) -> Any:
    defaults: dict[str, Any] = {
        "attempted_at": RETURNED + timedelta(hours=3),
        "method": "phone",
        "contact_with": "child",
        "outcome": "spoke",
    }
    return services.log_contact_attempt(rhi_id=case.rhi.pk, by=case.worker, **(defaults | kwargs))


def offer(case: Any) -> Any:
    return services.record_offer(
        rhi_id=case.rhi.pk,
        by=case.worker,
        offered_at=RETURNED + timedelta(hours=4),
        offered_to="child",
        method="phone",
    )


def interview(case: Any, **kwargs: Any) -> Any:
    data = {
        "held_at": RETURNED + timedelta(hours=30),
        "location_type": "home",
        "interviewer_independence": "independent_provider",
        "child_choice_of_interviewer": "yes",
        "child_words": "I went to my friend's house.",
    } | kwargs
    return services.record_interview(rhi_id=case.rhi.pk, by=case.worker, interview=data)


def test_worker_takes_a_child_from_contact_to_an_approved_report(case: LifecycleCase) -> None:
    contact(case)
    offer(case)
    services.record_acceptance(rhi_id=case.rhi.pk, by=case.worker)
    record = interview(case)
    assert record.interviewer == case.worker
    rhi = case.rhi
    rhi.refresh_from_db()
    rhi.consent_to_share = "given"
    rhi.save()
    services.submit_for_approval(rhi_id=rhi.pk, by=case.worker)
    rhi = services.approve(rhi_id=rhi.pk, by=case.manager)
    assert rhi.state == RHIState.APPROVED and rhi.outcome == Outcome.ACCEPTED
    assert list(StateTransition.objects.filter(rhi=rhi).values_list("to_state", flat=True)) == [
        "unallocated",
        "allocated",
        "contacting",
        "offered",
        "accepted",
        "drafting",
        "submitted",
        "approved",
    ]
    assert ReviewDecision.objects.get(rhi=rhi).decision == "approved"


def test_decline_needs_who_and_a_coded_reason_and_other_needs_words(case: LifecycleCase) -> None:
    contact(case)
    offer(case)
    with pytest.raises(ValidationError) as excinfo:
        services.record_decline(rhi_id=case.rhi.pk, by=case.worker, declined_by="child", reason="other")
    assert "decline_reason_text" in excinfo.value.message_dict
    rhi = services.record_decline(
        rhi_id=case.rhi.pk, by=case.worker, declined_by="parent_carer", reason="parent_refused"
    )
    assert (rhi.state, rhi.outcome, rhi.declined_by) == (RHIState.DECLINED, Outcome.DECLINED, "parent_carer")


def test_interview_before_the_return_or_in_the_future_is_refused(case: LifecycleCase) -> None:
    contact(case)
    offer(case)
    with pytest.raises(ValidationError) as before:
        interview(case, held_at=RETURNED - timedelta(hours=1))
    assert "before the child returned" in before.value.message_dict["held_at"][0]
    with pytest.raises(ValidationError) as future:
        interview(case, held_at=NOW + timedelta(hours=2))
    assert "future" in future.value.message_dict["held_at"][0]
    case.rhi.refresh_from_db()
    assert case.rhi.state == RHIState.OFFERED


def test_author_cannot_approve_their_own_report_and_a_return_needs_comments(case: LifecycleCase) -> None:
    contact(case)
    offer(case)
    interview(case)
    rhi = case.rhi
    rhi.refresh_from_db()
    rhi.consent_to_share = "refused"
    rhi.save()
    services.submit_for_approval(rhi_id=rhi.pk, by=case.manager)
    with pytest.raises(ValidationError):
        services.approve(rhi_id=rhi.pk, by=case.manager)
    with pytest.raises(ValidationError):
        services.return_for_changes(rhi_id=rhi.pk, by=case.manager, comments=" ")
    other_manager = member("other", case.provider, Role.TEAM_MANAGER)
    rhi = services.return_for_changes(
        rhi_id=rhi.pk, by=other_manager, comments="Add the safety advice given."
    )
    assert rhi.state == RHIState.RETURNED
    assert services.submit_for_approval(rhi_id=rhi.pk, by=case.worker).state == RHIState.SUBMITTED


def _worker_submits_after(case: Any, edit: Any) -> None:
    contact(case)
    offer(case)
    interview(case)
    edit()
    rhi = case.rhi
    rhi.refresh_from_db()
    rhi.consent_to_share = "given"
    rhi.save()
    services.submit_for_approval(rhi_id=rhi.pk, by=case.worker)


def test_manager_who_wrote_the_findings_cannot_approve_what_the_worker_submitted(
    case: LifecycleCase,
) -> None:
    _worker_submits_after(
        case,
        lambda: services.save_findings(
            rhi_id=case.rhi.pk,
            by=case.manager,
            findings={"worker_assessment": "Written by the manager."},
            risk_indicators=[],
            locations=[],
            associates=[],
            expected_version=None,
        ),
    )
    with pytest.raises(ValidationError) as refused:
        services.approve(rhi_id=case.rhi.pk, by=case.manager)
    assert "You wrote or changed part of this report" in refused.value.messages[0]
    case.rhi.refresh_from_db()
    assert case.rhi.state == RHIState.SUBMITTED and case.rhi.approved_by is None
    other_manager = member("other", case.provider, Role.TEAM_MANAGER)
    assert services.approve(rhi_id=case.rhi.pk, by=other_manager).state == RHIState.APPROVED


def test_manager_who_corrected_the_interview_details_cannot_approve_it(case: LifecycleCase) -> None:
    _worker_submits_after(
        case,
        lambda: services.update_interview_details(
            rhi_id=case.rhi.pk,
            by=case.manager,
            details={"location_type": "school"},
            expected_version=None,
        ),
    )
    with pytest.raises(ValidationError):
        services.approve(rhi_id=case.rhi.pk, by=case.manager)
    case.rhi.refresh_from_db()
    assert services.approval_refusal(case.rhi, case.manager).startswith("You wrote or changed")
    assert services.approval_refusal(case.rhi, case.worker).startswith("A report cannot be approved")


def test_manager_who_only_allocated_and_reviewed_may_approve(case: LifecycleCase) -> None:
    _worker_submits_after(case, lambda: None)
    assert services.approval_refusal(case.rhi, case.manager) == ""
    assert services.approve(rhi_id=case.rhi.pk, by=case.manager).state == RHIState.APPROVED


def test_steps_out_of_order_are_refused_as_out_of_order_before_their_input_is_checked(
    case: LifecycleCase,
) -> None:
    with pytest.raises(TransitionError):
        services.record_acceptance(rhi_id=case.rhi.pk, by=case.worker)
    # No contact attempt and no interview either, but the state is the first thing refused.
    with pytest.raises(TransitionError):
        services.record_unable_to_contact(rhi_id=case.rhi.pk, by=case.worker)
    with pytest.raises(TransitionError):
        services.submit_for_approval(rhi_id=case.rhi.pk, by=case.worker)


def test_second_save_from_a_stale_page_is_refused(case: LifecycleCase) -> None:
    version = case.rhi.version
    contact(case, expected_version=version)
    with pytest.raises(StaleVersionError):
        contact(case, expected_version=version)


def test_another_teams_worker_cannot_record_steps(case: LifecycleCase) -> None:
    stranger = member("stranger", case.provider, Role.RHI_WORKER)
    with pytest.raises(ActionNotAllowed):
        services.log_contact_attempt(
            rhi_id=case.rhi.pk,
            by=stranger,
            attempted_at=RETURNED + timedelta(hours=1),
            method="phone",
            contact_with="child",
            outcome="no_answer",
        )


def test_not_offered_and_unable_to_contact_close_the_rhi_with_their_outcome(case: LifecycleCase) -> None:
    contact(case, outcome="no_answer")
    rhi = services.record_unable_to_contact(rhi_id=case.rhi.pk, by=case.worker)
    assert (rhi.state, rhi.outcome) == (RHIState.UNABLE_TO_CONTACT, Outcome.UNABLE_TO_CONTACT)
