"""Full reports go only where they belong (issue 11 item 8): to the child's responsible (placing), handling or
host authority, and the levels below also to police forces with a relation to the child. Anything else waits,
unseen by the recipient, for another manager of the provider to approve it with the sharer's reason; the
request, the approval and the refusal are audited. One rule (access.disclosures.related_recipient_ids) for the share
form, the service and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from access.disclosures import received_disclosures, related_recipient_ids
from access.levels import Level, rhi_level
from accounts.models import ApiScope, Organisation, Role, User
from audit.models import AuditEvent, AuditOutcome
from missing_episodes.models import Placement
from rhi.services import ActionNotAllowed
from sharing import services
from sharing.models import Disclosure, DisclosureLevel, DisclosureStatus
from tests.api.conftest import as_client, new_client
from tests.casework import (
    ACK_DUE,
    NOW,
    SharingCase,
    share,
    sharing_case,
)
from tests.factories import member
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]
REASON = "The child is moving to Cardiff next week and their new social worker needs the history."


@dataclass(frozen=True)
class CardiffCase(SharingCase):
    """The sharing case, an unrelated council (Cardiff) with a partner viewer, and a second manager of the
    provider's team (the four-eyes approver)."""

    cardiff: Organisation
    cardiff_viewer: User
    deputy: User


@pytest.fixture
def case() -> CardiffCase:
    case = sharing_case()
    cardiff = LocalAuthorityFactory.create(name="Cardiff")
    return CardiffCase(
        **case.as_kwargs(),
        cardiff=cardiff,
        cardiff_viewer=member("cardiff-viewer", cardiff, Role.PARTNER_VIEWER),
        deputy=member("deputy", case.provider, Role.TEAM_MANAGER, case.team),
    )


def share_with_cardiff(case: CardiffCase, **kwargs: Any) -> Disclosure:
    data = {
        "by": case.worker,
        "recipient_organisation_id": case.cardiff.pk,
        "level": DisclosureLevel.FULL_REPORT,
    } | kwargs
    return share(case, **data)


def test_worker_cannot_share_the_full_report_with_an_unrelated_council_without_a_reason(
    case: CardiffCase,
) -> None:
    with pytest.raises(ValidationError) as refused:
        share_with_cardiff(case)
    assert "approval_reason" in refused.value.message_dict
    assert not Disclosure.objects.exists()


def test_worker_sharing_with_an_unrelated_council_waits_unseen_for_a_managers_approval(
    case: CardiffCase,
) -> None:
    disclosure = share_with_cardiff(case, approval_reason=REASON)
    assert disclosure.status == DisclosureStatus.AWAITING_APPROVAL
    assert disclosure.acknowledgement_due_at is None
    viewer = case.cardiff_viewer
    assert rhi_level(viewer, case.rhi) == Level.NONE
    assert not received_disclosures(viewer).exists()
    client = Client()
    client.force_login(viewer)
    assert client.get(reverse("sharing:detail", args=[disclosure.pk])).status_code == 404
    assert client.get(reverse("rhi:report_download", args=[case.rhi.pk, "full_report"])).status_code == 404
    api = as_client(new_client(case.cardiff, [ApiScope.DISCLOSURES_READ.value]))
    assert api.get(reverse("api:disclosure-list")).json()["results"] == []
    assert api.get(reverse("api:disclosure-detail", args=[disclosure.pk])).status_code == 404
    event = AuditEvent.objects.get(
        object_type="sharing.disclosure", object_id=str(disclosure.pk), action="share"
    )
    assert (event.actor, event.detail["status"]) == (case.worker, "awaiting_approval")


def test_another_manager_approves_the_share_and_only_then_the_council_sees_the_full_report(
    case: CardiffCase,
) -> None:
    disclosure = share_with_cardiff(case, approval_reason=REASON)
    approved = services.approve_share(disclosure_id=disclosure.pk, by=case.deputy, note="Agreed.")
    assert (approved.status, approved.decided_by, approved.shared_at) == (
        DisclosureStatus.ACTIVE,
        case.deputy,
        NOW,
    )
    assert approved.acknowledgement_due_at == ACK_DUE
    assert rhi_level(case.cardiff_viewer, case.rhi) == Level.FULL
    event = AuditEvent.objects.get(actor=case.deputy, object_id=str(disclosure.pk))
    assert (event.action, event.detail["step"]) == ("share", "share_approved")


def test_the_person_who_asked_cannot_approve_their_own_share_outside_the_relations(case: CardiffCase) -> None:
    disclosure = share_with_cardiff(case, by=case.manager, approval_reason=REASON)
    assert disclosure.status == DisclosureStatus.AWAITING_APPROVAL  # a manager's own share waits too
    with pytest.raises(ActionNotAllowed):
        services.approve_share(disclosure_id=disclosure.pk, by=case.manager)
    with pytest.raises(ActionNotAllowed):
        services.approve_share(disclosure_id=disclosure.pk, by=case.worker)
    assert services.approve_share(disclosure_id=disclosure.pk, by=case.deputy).status == "active"


def test_a_manager_refuses_with_a_reason_and_the_council_never_sees_it(case: CardiffCase) -> None:
    disclosure = share_with_cardiff(case, approval_reason=REASON)
    with pytest.raises(ValidationError):
        services.refuse_share(disclosure_id=disclosure.pk, by=case.manager, note=" ")
    refused = services.refuse_share(disclosure_id=disclosure.pk, by=case.manager, note="Not needed yet.")
    assert refused.status == DisclosureStatus.REFUSED
    assert rhi_level(case.cardiff_viewer, case.rhi) == Level.NONE
    assert AuditEvent.objects.filter(actor=case.manager, detail__step="share_refused").exists()


def test_related_organisations_receive_at_once_and_the_rule_follows_the_level(case: CardiffCase) -> None:
    rhi = case.rhi
    full = related_recipient_ids(rhi=rhi, episode=None, level=DisclosureLevel.FULL_REPORT)
    below = related_recipient_ids(rhi=rhi, episode=None, level=DisclosureLevel.INTELLIGENCE_SUMMARY)
    assert case.la.pk in full and case.force.pk not in full and case.force.pk in below
    assert case.cardiff.pk not in below
    # A host authority and the police force of the child's current placement have a relation.
    host_force = PoliceForceFactory.create(name="South Wales Police")
    Placement.objects.create(
        child=case.child,
        placement_type="foster_care",
        host_la=case.cardiff,
        police_force_area=host_force,
        start_date=NOW.date(),
    )
    assert case.cardiff.pk in related_recipient_ids(rhi=rhi, episode=None, level="full_report")
    assert share_with_cardiff(case).status == DisclosureStatus.ACTIVE
    summary = share(case, recipient_organisation_id=host_force.pk)
    assert summary.status == DisclosureStatus.ACTIVE
    # An unrelated force gets the intelligence summary only through a manager's approval.
    other_force = PoliceForceFactory.create(name="Unrelated Constabulary")
    with pytest.raises(ValidationError):
        share(case, recipient_organisation_id=other_force.pk)


def test_share_form_marks_unrelated_recipients_and_the_manager_approves_on_the_approval_page(
    case: CardiffCase,
) -> None:
    worker = Client()
    worker.force_login(case.worker)
    share_url = reverse("sharing:share", args=[case.rhi.pk])
    form = worker.get(share_url).content.decode()
    assert "Cardiff (local authority) – no relation to this child: needs a manager&#x27;s approval" in form
    data = {
        "recipient_organisation": case.cardiff.pk,
        "level": "full_report",
        "lawful_basis": "public_task",
    }
    missing_reason = worker.post(share_url, data)
    assert (
        missing_reason.status_code == 200
        and "has no relation to this child" in missing_reason.content.decode()
    )
    response = worker.post(share_url, data | {"approval_reason": REASON}, follow=True)
    assert "waiting for a manager&#x27;s approval" in response.content.decode()
    disclosure = Disclosure.objects.get()
    assert disclosure.status == DisclosureStatus.AWAITING_APPROVAL

    # The worker cannot open the decision page: 404, audited as denied.
    decide_url = reverse("sharing:decide", args=[disclosure.pk])
    assert worker.get(decide_url).status_code == 404
    assert AuditEvent.objects.filter(
        actor=case.worker, outcome=AuditOutcome.DENIED, object_id=str(disclosure.pk)
    ).exists()

    manager = Client()
    manager.force_login(case.deputy)
    queue = manager.get(reverse("sharing:approvals")).content.decode()
    assert decide_url in queue and "Cardiff" in queue
    page = manager.get(decide_url).content.decode()
    assert REASON in page
    response = manager.post(decide_url, {"decision": "approve", "decision_note": ""})
    assert response.status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.status == DisclosureStatus.ACTIVE and disclosure.decided_by == case.deputy
    assert AuditEvent.objects.filter(actor=case.deputy, detail__page="share_decide").exists()
