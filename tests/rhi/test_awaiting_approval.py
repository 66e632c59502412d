"""Back after submitting (issue 14 item 10): a report-writing page opened once the report is submitted says it
is waiting for approval, with a link to the RHI, instead of 403; it stays closed to changes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent, AuditOutcome
from rhi.models import RHIState
from tests.factories import member
from tests.factories_domain import ProviderFactory
from tests.rhi.journey import JourneyCase, current, interview_data, post, to_drafting

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("journey_clock")]


def submitted(client: Client, case: JourneyCase) -> None:
    to_drafting(client, case)
    post(client, "consent", case, {"consent_to_share": "given"})
    post(client, "submit", case, {})
    assert current(case).state == RHIState.SUBMITTED


@pytest.mark.parametrize("step", ["submit", "consent", "findings", "interview"])
def test_worker_who_goes_back_after_submitting_is_told_the_report_waits_for_approval(
    client: Client, allocated: JourneyCase, step: str
) -> None:
    submitted(client, allocated)
    rhi = current(allocated)
    response = client.get(reverse(f"rhi:{step}", args=[rhi.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This report is waiting for approval" in html
    assert f'href="{reverse("rhi:detail", args=[rhi.pk])}"' in html
    # No form but the header's sign-out one: nothing of the report to change.
    assert html.count("<form") == 1 and "rhi-account__signout" in html
    assert AuditEvent.objects.filter(
        actor=allocated.worker, object_id=str(rhi.pk), detail__shown="awaiting_approval"
    ).exists()


def test_worker_cannot_change_a_submitted_report_by_posting(client: Client, allocated: JourneyCase) -> None:
    submitted(client, allocated)
    response = post(client, "interview", allocated, interview_data(allocated))
    assert response.status_code == 403
    assert current(allocated).state == RHIState.SUBMITTED
    assert AuditEvent.objects.filter(actor=allocated.worker, outcome=AuditOutcome.DENIED).exists()


def test_worker_of_the_provider_not_on_the_rhi_still_gets_403(client: Client, allocated: JourneyCase) -> None:
    submitted(client, allocated)
    other = member("other", allocated.provider, Role.RHI_WORKER, allocated.team)
    client.force_login(other)
    response = client.get(reverse("rhi:findings", args=[current(allocated).pk]))
    assert response.status_code in (403, 404)
    assert "waiting for approval" not in response.content.decode()


def test_worker_of_another_provider_gets_404(client: Client, allocated: JourneyCase) -> None:
    submitted(client, allocated)
    stranger = member("stranger", ProviderFactory.create(), Role.RHI_WORKER)
    client.force_login(stranger)
    assert client.get(reverse("rhi:submit", args=[current(allocated).pk])).status_code == 404
