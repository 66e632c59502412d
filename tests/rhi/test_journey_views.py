"""The worker's and manager's journey pages on an RHI through Django's test client: every state reachable in
the UI, bad input kept on screen with field errors, stale pages refused, and unrelated users refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from access.actions import available_actions
from accounts.models import Role
from audit.models import AuditEvent, AuditOutcome
from rhi.models import Associate, Interview, Location, ReviewDecision, RHIState, RiskIndicatorFinding
from rhi.transitions import RHIAction
from tests.factories import member
from tests.factories_domain import ProviderFactory
from tests.rhi.journey import (
    CONTACT,
    NOW,
    OFFER,
    RETURNED,
    JourneyCase,
    current,
    findings_data,
    interview_data,
    local,
    post,
    to_drafting,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("journey_clock")]
# ---------------------------------------------------------------------------------------------------------
# The journeys
# ---------------------------------------------------------------------------------------------------------


def test_worker_logs_contact_offers_and_records_a_decline_with_who_and_reason(
    client: Client, allocated: JourneyCase
) -> None:
    case = allocated
    client.force_login(case.worker)
    assert client.get(reverse("rhi:contact", args=[case.rhi.pk])).status_code == 200
    response = post(client, "contact", case, CONTACT)
    assert response.status_code == 302 and current(case).state == RHIState.CONTACTING
    post(client, "offer", case, OFFER)
    assert current(case).state == RHIState.OFFERED
    response = post(
        client,
        "outcome",
        case,
        {
            "outcome": "declined",
            "declined_by": "child",
            "decline_reason": "already_spoke",
            "decline_reason_text": "",
        },
        follow=True,
    )
    rhi = current(case)
    assert (
        rhi.state == RHIState.DECLINED
        and rhi.declined_by == "child"
        and rhi.decline_reason == "already_spoke"
    )
    html = response.content.decode()
    assert "Already spoke to a trusted professional" in html and "This RHI is closed" in html


def test_decline_without_who_or_reason_shows_field_errors_and_saves_nothing(
    client: Client, allocated: JourneyCase
) -> None:
    case = allocated
    client.force_login(case.worker)
    post(client, "offer", case, OFFER)
    response = post(
        client, "outcome", case, {"outcome": "declined", "decline_reason_text": "She said no thanks"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "Choose who declined the interview." in html and "Choose why the interview was declined." in html
    assert "She said no thanks" in html
    assert current(case).state == RHIState.OFFERED


def test_decline_for_other_reason_needs_words(client: Client, allocated: JourneyCase) -> None:
    case = allocated
    client.force_login(case.worker)
    post(client, "offer", case, OFFER)
    response = post(
        client, "outcome", case, {"outcome": "declined", "declined_by": "child", "decline_reason": "other"}
    )
    assert "Say why the interview was declined." in response.content.decode()
    assert current(case).state == RHIState.OFFERED


def test_worker_records_not_offered_with_a_coded_reason(client: Client, allocated: JourneyCase) -> None:
    case = allocated
    client.force_login(case.worker)
    response = post(client, "outcome", case, {"outcome": "not_offered"})
    assert "Choose why the interview was not offered." in response.content.decode()
    post(client, "outcome", case, {"outcome": "not_offered", "not_offered_reason": "in_custody"})
    rhi = current(case)
    assert rhi.state == RHIState.NOT_OFFERED and rhi.not_offered_reason == "in_custody"


def test_worker_closes_as_unable_to_contact_after_logging_attempts(
    client: Client, allocated: JourneyCase
) -> None:
    case = allocated
    client.force_login(case.worker)
    page = client.get(reverse("rhi:outcome", args=[case.rhi.pk]))
    assert page.status_code == 200
    assert "Unable to contact" not in page.content.decode()  # no attempt logged yet: not offered only
    post(client, "contact", case, CONTACT | {"outcome": "no_answer"})
    post(client, "outcome", case, {"outcome": "unable_to_contact"})
    assert current(case).state == RHIState.UNABLE_TO_CONTACT


def test_full_journey_offer_accept_interview_findings_consent_submit_return_resubmit_approve(
    client: Client, allocated: JourneyCase
) -> None:
    case = allocated
    client.force_login(case.worker)
    post(client, "offer", case, OFFER)
    post(client, "outcome", case, {"outcome": "accepted"})
    assert current(case).state == RHIState.ACCEPTED
    response = post(client, "interview", case, interview_data(case))
    assert response.status_code == 302 and response["Location"] == reverse("rhi:findings", args=[case.rhi.pk])
    assert current(case).state == RHIState.DRAFTING

    # Add another place: re-rendered with one more row and everything typed kept; nothing saved.
    response = post(client, "findings", case, findings_data(add_location="1"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="locations-2-description"' in html and "Flat above the chip shop" in html
    assert "I just needed to get away." in html and not Location.objects.exists()

    response = post(client, "findings", case, findings_data(save_draft="1"), follow=True)
    assert "Draft saved" in response.content.decode()
    rhi = current(case)
    assert rhi.state == RHIState.DRAFTING
    assert Location.objects.filter(rhi=rhi).count() == 2
    assert Location.objects.get(rhi=rhi, place_type="address").postcode == "LU1 1AA"
    assert list(Associate.objects.filter(rhi=rhi).values_list("name", "approximate_age", "is_adult")) == [
        ("Jay", 19, True)
    ]
    assert RiskIndicatorFinding.objects.get(rhi=rhi).notes == "Asked to carry a bag."
    interview = Interview.objects.get(rhi=rhi)
    assert interview.fears_anyone is True and interview.harm_experienced is False
    assert interview.pull_factors == ["exploitation", "friends"]

    # The saved draft is shown again on the findings page.
    html = client.get(reverse("rhi:findings", args=[rhi.pk])).content.decode()
    assert "Bus station" in html and "Black Audi" in html

    response = post(client, "consent", case, {"consent_to_share": "given"})
    assert response["Location"] == reverse("rhi:submit", args=[rhi.pk])
    assert client.get(reverse("rhi:submit", args=[rhi.pk])).status_code == 200
    post(client, "submit", case, {})
    assert current(case).state == RHIState.SUBMITTED
    # Submitted: the findings page says it waits for approval (no form), and a change is refused.
    assert (
        "This report is waiting for approval"
        in client.get(reverse("rhi:findings", args=[rhi.pk])).content.decode()
    )
    assert post(client, "findings", case, findings_data()).status_code == 403

    client.force_login(case.manager)
    review = client.get(reverse("rhi:review", args=[rhi.pk]))
    html = review.content.decode()
    assert "I just needed to get away." in html and "Flat above the chip shop" in html
    assert 'name="child_words"' not in html  # the reviewer cannot edit the worker's words
    response = post(client, "review", case, {"decision": "return", "comments": ""})
    assert "Say what needs to change." in response.content.decode()
    post(client, "review", case, {"decision": "return", "comments": "Add where the bus station is."})
    assert current(case).state == RHIState.RETURNED

    client.force_login(case.worker)
    detail = client.get(reverse("rhi:detail", args=[rhi.pk])).content.decode()
    assert "Add where the bus station is." in detail and "Write the findings" in detail
    post(client, "findings", case, findings_data(**{"locations-1-town": "Luton town centre"}))
    post(client, "submit", case, {})
    assert current(case).state == RHIState.SUBMITTED

    client.force_login(case.manager2)
    response = post(client, "review", case, {"decision": "approve", "comments": ""}, follow=True)
    rhi = current(case)
    assert rhi.state == RHIState.APPROVED and rhi.approved_by == case.manager2
    assert [r.decision for r in ReviewDecision.objects.filter(rhi=rhi)] == ["returned", "approved"]
    assert "Report approved." in response.content.decode()

    # Approval freezes the report: no page offers a change and a direct post is refused.
    client.force_login(case.worker)
    assert available_actions(case.worker, rhi) == []
    assert post(client, "findings", case, findings_data()).status_code == 403


def test_worker_takes_an_unallocated_rhi_from_the_panel(client: Client, case: JourneyCase) -> None:
    client.force_login(case.worker)
    html = client.get(reverse("rhi:detail", args=[case.rhi.pk])).content.decode()
    assert "What to do next" in html and "Take this RHI" in html
    response = post(client, "take", case, {}, follow=True)
    assert "now allocated to you" in response.content.decode()
    rhi = current(case)
    assert rhi.allocated_worker == case.worker and rhi.state == RHIState.ALLOCATED


def test_panel_lists_only_what_this_user_may_do_now(client: Client, allocated: JourneyCase) -> None:
    case = allocated
    client.force_login(case.worker)
    html = client.get(reverse("rhi:detail", args=[case.rhi.pk])).content.decode()
    for link in ("Log a contact attempt", "Record the offer", "Record the outcome"):
        assert link in html
    assert "Write the findings" not in html and "Take this RHI" not in html
    colleague = member("colleague", case.provider, Role.RHI_WORKER, case.team)
    client.force_login(colleague)
    html = client.get(reverse("rhi:detail", args=[case.rhi.pk])).content.decode()
    assert "Nothing for you to do on this RHI just now." in html


# ---------------------------------------------------------------------------------------------------------
# Bad input, stale pages and refusals
# ---------------------------------------------------------------------------------------------------------


def test_interview_before_the_return_or_in_the_future_is_refused_and_typed_data_kept(
    client: Client, allocated: JourneyCase
) -> None:
    case = allocated
    client.force_login(case.worker)
    post(client, "offer", case, OFFER)
    response = post(
        client,
        "interview",
        case,
        interview_data(case, held_at=local(RETURNED - timedelta(hours=1)), others_present="Nan"),
    )
    html = response.content.decode()
    assert "The time of the interview cannot be before the child returned." in html and 'value="Nan"' in html
    response = post(client, "interview", case, interview_data(case, held_at=local(NOW + timedelta(days=1))))
    assert "The time of the interview cannot be in the future." in response.content.decode()
    assert current(case).state == RHIState.OFFERED and not Interview.objects.exists()


def test_interview_details_are_corrected_while_drafting(client: Client, allocated: JourneyCase) -> None:
    case = allocated
    to_drafting(client, case)
    page = client.get(reverse("rhi:interview", args=[case.rhi.pk])).content.decode()
    assert "Correct the interview details" in page
    post(client, "interview", case, interview_data(case, location_type="school", others_present="Teacher"))
    interview = Interview.objects.get(rhi=case.rhi)
    assert interview.location_type == "school" and interview.others_present == "Teacher"
    assert current(case).state == RHIState.DRAFTING


def test_consent_override_without_justification_is_refused(client: Client, allocated: JourneyCase) -> None:
    case = allocated
    to_drafting(client, case)
    response = post(client, "consent", case, {"consent_to_share": "refused", "share_without_consent": "on"})
    assert "Explain why information is shared without consent." in response.content.decode()
    assert current(case).consent_to_share == ""
    post(
        client,
        "consent",
        case,
        {
            "consent_to_share": "refused",
            "share_without_consent": "on",
            "consent_override_justification": "Risk of serious harm.",
        },
    )
    rhi = current(case)
    assert rhi.share_without_consent and rhi.consent_override_by == case.worker


def test_submit_without_consent_shows_the_error(client: Client, allocated: JourneyCase) -> None:
    case = allocated
    to_drafting(client, case)
    response = post(client, "submit", case, {})
    assert "Record whether the child consents" in response.content.decode()
    assert current(case).state == RHIState.DRAFTING


def test_manager_who_submitted_cannot_approve_their_own_report(
    client: Client, allocated: JourneyCase
) -> None:
    case = allocated
    client.force_login(case.manager)
    post(client, "offer", case, OFFER)
    post(client, "interview", case, interview_data(case, interviewer=case.manager.pk))
    post(client, "consent", case, {"consent_to_share": "given"})
    post(client, "submit", case, {})
    assert current(case).state == RHIState.SUBMITTED
    response = post(client, "review", case, {"decision": "approve", "comments": ""})
    assert response.status_code == 200
    assert "A report cannot be approved by the person who submitted it." in response.content.decode()
    assert current(case).state == RHIState.SUBMITTED


def test_manager_who_wrote_the_findings_is_told_on_the_review_page_why_they_cannot_approve(
    client: Client, allocated: JourneyCase
) -> None:
    case = allocated
    client.force_login(case.worker)
    post(client, "offer", case, OFFER)
    post(client, "interview", case, interview_data(case))
    client.force_login(case.manager)
    post(client, "findings", case, findings_data(save_draft="1"))
    assert Associate.objects.filter(rhi=case.rhi).exists()  # the manager's findings were saved
    client.force_login(case.worker)
    post(client, "consent", case, {"consent_to_share": "given"})
    post(client, "submit", case, {})
    assert current(case).state == RHIState.SUBMITTED

    client.force_login(case.manager)
    html = client.get(reverse("rhi:review", args=[case.rhi.pk])).content.decode()
    assert "You wrote or changed part of this report" in html
    assert 'value="approve"' not in html and 'value="return"' in html
    response = post(client, "review", case, {"decision": "approve", "comments": ""})
    assert response.status_code == 200
    assert "You wrote or changed part of this report" in response.content.decode()
    assert current(case).state == RHIState.SUBMITTED

    client.force_login(case.manager2)
    assert 'value="approve"' in client.get(reverse("rhi:review", args=[case.rhi.pk])).content.decode()
    post(client, "review", case, {"decision": "approve", "comments": ""})
    assert current(case).state == RHIState.APPROVED


def test_stale_findings_show_the_message_and_keep_what_was_typed(
    client: Client, allocated: JourneyCase
) -> None:
    case = allocated
    to_drafting(client, case)
    stale = current(case).version
    post(client, "findings", case, findings_data())  # someone saves first
    response = post(
        client, "findings", case, findings_data(child_words="My version of events."), version=stale
    )
    html = response.content.decode()
    assert "This RHI was changed by someone else" in html and "My version of events." in html
    assert Interview.objects.get(rhi=case.rhi).child_words == "I just needed to get away."


def test_stale_page_after_the_state_moved_on_goes_back_with_the_message(
    client: Client, allocated: JourneyCase
) -> None:
    case = allocated
    client.force_login(case.worker)
    stale = current(case).version
    post(client, "outcome", case, {"outcome": "not_offered", "not_offered_reason": "over_18"})
    response = post(client, "offer", case, OFFER, version=stale, follow=True)
    assert "This RHI was changed by someone else" in response.content.decode()
    assert current(case).state == RHIState.NOT_OFFERED


def test_bad_place_and_person_rows_are_errors_and_nothing_is_saved(
    client: Client, allocated: JourneyCase
) -> None:
    case = allocated
    to_drafting(client, case)
    response = post(
        client,
        "findings",
        case,
        findings_data(**{"locations-1-description": "", "associates-0-approximate_age": "about twenty"}),
    )
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "Place 2: Describe the place, or leave the whole row blank." in html
    assert "Person 1: Enter the age as a number, like 19." in html
    assert "I just needed to get away." in html
    assert not Location.objects.exists() and not Associate.objects.exists()


def test_colleague_who_is_not_allocated_is_refused_the_pages_and_the_denial_is_audited(
    client: Client, allocated: JourneyCase
) -> None:
    case = allocated
    colleague = member("colleague", case.provider, Role.RHI_WORKER, case.team)
    client.force_login(colleague)
    assert client.get(reverse("rhi:contact", args=[case.rhi.pk])).status_code == 403
    assert post(client, "contact", case, CONTACT).status_code == 403
    assert current(case).state == RHIState.ALLOCATED
    assert AuditEvent.objects.filter(actor=colleague, outcome=AuditOutcome.DENIED).count() == 2


@pytest.mark.parametrize(
    "name", ["take", "contact", "offer", "outcome", "interview", "findings", "consent", "submit", "review"]
)
def test_worker_of_another_provider_gets_404_and_the_denial_is_audited(
    client: Client, allocated: JourneyCase, name: str
) -> None:
    case = allocated
    stranger = member("stranger", ProviderFactory.create(), Role.RHI_WORKER)
    client.force_login(stranger)
    url = reverse(f"rhi:{name}", args=[case.rhi.pk])
    response = client.post(url, {"version": current(case).version}) if name == "take" else client.get(url)
    assert response.status_code == 404 and "Jordan" not in response.content.decode()
    assert AuditEvent.objects.filter(actor=stranger, object_id=str(case.rhi.pk), outcome="denied").exists()


def test_each_journey_page_view_is_audited(client: Client, allocated: JourneyCase) -> None:
    case = allocated
    client.force_login(case.worker)
    client.get(reverse("rhi:offer", args=[case.rhi.pk]))
    assert AuditEvent.objects.filter(
        actor=case.worker, action="view", object_id=str(case.rhi.pk), path_name="rhi:offer"
    ).exists()


def test_available_actions_follow_the_state(allocated: JourneyCase) -> None:
    case = allocated
    assert RHIAction.OFFER in available_actions(case.worker, current(case))
    assert available_actions(case.manager2, current(case))  # managers of the provider may work on it
    stranger = member("stranger", ProviderFactory.create(), Role.TEAM_MANAGER)
    assert available_actions(stranger, current(case)) == []


@pytest.mark.parametrize(("name", "method"), [("contact", "put"), ("review", "delete"), ("take", "get")])
def test_a_method_a_step_page_does_not_take_answers_405_before_the_rhi_is_looked_up(
    client: Client, allocated: JourneyCase, name: str, method: str
) -> None:
    case = allocated
    stranger = member("stranger", ProviderFactory.create(), Role.RHI_WORKER)
    client.force_login(stranger)  # would be a 404 for this RHI, but the method is refused first
    response = getattr(client, method)(reverse(f"rhi:{name}", args=[case.rhi.pk]))
    assert response.status_code == 405


def test_a_worker_refused_the_review_page_is_audited_with_the_pages_step(
    client: Client, allocated: JourneyCase
) -> None:
    case = allocated
    client.force_login(case.worker)
    assert client.get(reverse("rhi:review", args=[case.rhi.pk])).status_code == 403
    event = AuditEvent.objects.get(actor=case.worker, outcome=AuditOutcome.DENIED, object_id=str(case.rhi.pk))
    assert event.detail == {"step": "review"}
