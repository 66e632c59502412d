"""Referral pages through Django's test client: making a referral from the RHI page, recording its
acknowledgement, the worker's awaiting list, and 404 for anyone who cannot see the RHI."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent, AuditOutcome
from referrals import services
from referrals.models import Referral
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import expect_error_summary_title
from tests.browser.test_deadline_dashboard import sign_in
from tests.casework import (
    build_case,
    refer,
)
from tests.dates import boxes
from tests.factories import member
from tests.factories_domain import ProviderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]


def test_rhi_page_lists_referrals_and_offers_make_a_referral_to_the_worker(client: Client) -> None:
    case = build_case()
    refer(case)
    client.force_login(case.worker)
    html = client.get(reverse("rhi:detail", args=[case.rhi.pk])).content.decode()
    assert "Exploitation team" in html and "Overdue" in html
    assert reverse("referrals:new", args=[case.rhi.pk]) in html


def test_new_referral_form_offers_only_the_risk_indicators_recorded_on_the_rhi(client: Client) -> None:
    case = build_case()
    client.force_login(case.worker)
    response = client.get(reverse("referrals:new", args=[case.rhi.pk]))
    assert response.status_code == 200
    choices = [value for value, _ in response.context["form"].fields["risk_indicators"].choices]
    assert choices == ["cce", "missing_with_others"]
    assert AuditEvent.objects.filter(
        actor=case.worker, action="view", object_id=str(case.rhi.pk), detail__page="referral"
    ).exists()


def test_worker_makes_a_referral_sent_earlier_and_lands_back_on_the_rhi(client: Client) -> None:
    case = build_case()
    client.force_login(case.worker)
    response = client.post(
        reverse("referrals:new", args=[case.rhi.pk]),
        {
            "service": "camhs",
            "recipient_name": "CAMHS north",
            "reason": "Low mood and self-harm talk.",
            "risk_indicators": ["missing_with_others"],
            "sent_when": "earlier",
            **boxes("sent_at", "2026-05-22T15:00"),  # BST
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("rhi:detail", args=[case.rhi.pk])
    referral = Referral.objects.get()
    assert referral.sent_at == datetime(2026, 5, 22, 14, 0, tzinfo=UTC)
    assert referral.acknowledgement_due_at == datetime(2026, 6, 1, 22, 59, 59, 999999, tzinfo=UTC)


def test_bad_referral_input_shows_field_errors_and_saves_nothing(client: Client) -> None:
    case = build_case()
    client.force_login(case.worker)
    response = client.post(
        reverse("referrals:new", args=[case.rhi.pk]),
        {
            "service": "",
            "recipient_name": "",
            "reason": "",
            "risk_indicators": ["fgm"],
            "sent_when": "earlier",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error:" in html and "There is a problem" in html
    errors = response.context["form"].errors
    assert {"service", "recipient_name", "reason", "risk_indicators", "sent_at"} <= set(errors)
    future = client.post(
        reverse("referrals:new", args=[case.rhi.pk]),
        {
            "service": "camhs",
            "recipient_name": "CAMHS",
            "reason": "Low mood",
            "sent_when": "earlier",
            **boxes("sent_at", "2026-07-01T10:00"),
        },
    )
    assert "future" in future.context["form"].errors["sent_at"][0]
    assert not Referral.objects.exists()


def test_another_providers_worker_gets_404_and_a_denied_audit_event(client: Client) -> None:
    case = build_case()
    referral = refer(case)
    stranger = member("stranger", ProviderFactory.create(), "rhi_worker")
    client.force_login(stranger)
    assert client.get(reverse("referrals:new", args=[case.rhi.pk])).status_code == 404
    assert client.get(reverse("referrals:acknowledge", args=[referral.pk])).status_code == 404
    post = client.post(
        reverse("referrals:outcome", args=[referral.pk]), {"outcome": "accepted", "outcome_notes": ""}
    )
    assert post.status_code == 404
    denied = AuditEvent.objects.filter(actor=stranger, outcome=AuditOutcome.DENIED)
    assert set(denied.values_list("object_type", flat=True)) == {
        "rhi.returnhomeinterview",
        "referrals.referral",
    }
    referral.refresh_from_db()
    assert referral.outcome == ""


def test_worker_records_acknowledgement_and_a_second_one_is_refused_with_a_message(client: Client) -> None:
    case = build_case()
    referral = refer(case)
    client.force_login(case.worker)
    url = reverse("referrals:acknowledge", args=[referral.pk])
    assert client.get(url).status_code == 200
    early = client.post(
        url,
        {**boxes("acknowledged_at", "2026-05-22T09:00"), "acknowledged_by_name": "Duty desk"},
    )
    assert "before the referral was sent" in early.context["form"].errors["acknowledged_at"][0]
    done = client.post(
        url,
        {**boxes("acknowledged_at", "2026-05-26T09:00"), "acknowledged_by_name": "Duty desk"},
    )
    assert done.status_code == 302
    again = client.post(
        url,
        {**boxes("acknowledged_at", "2026-05-27T09:00"), "acknowledged_by_name": "Other"},
        follow=True,
    )
    assert "already been recorded" in again.content.decode()
    referral.refresh_from_db()
    assert referral.acknowledged_by_name == "Duty desk"


def test_worker_sees_their_referrals_awaiting_acknowledgement_overdue_first(client: Client) -> None:
    case = build_case()
    overdue = refer(case)
    later = refer(case, service="camhs", sent_at=datetime(2026, 6, 9, 10, 0, tzinfo=UTC))
    acknowledged = refer(case, service="school")
    services.record_acknowledgement(
        referral_id=acknowledged.pk,
        by=case.worker,
        acknowledged_at=datetime(2026, 5, 26, 10, 0, tzinfo=UTC),
        acknowledged_by_name="Head of year",
    )
    client.force_login(case.worker)
    response = client.get(reverse("referrals:awaiting"))
    assert response.status_code == 200
    assert [r.pk for r in response.context["referrals"]] == [overdue.pk, later.pk]
    html = response.content.decode()
    assert "Overdue" in html and "JQ" in html and "Quillfeather" not in html
    assert AuditEvent.objects.filter(actor=case.worker, object_type="referrals.awaiting").exists()

    stranger = member("stranger", ProviderFactory.create(), "rhi_worker")
    client.force_login(stranger)
    assert list(client.get(reverse("referrals:awaiting")).context["referrals"]) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_worker_makes_and_acknowledges_a_referral_in_the_browser_on_axe_clean_pages(page: Any) -> None:
    case = build_case()
    sign_in(page, "worker", password="unused-password-1")
    page.goto(reverse("rhi:detail", args=[case.rhi.pk]))
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Make a referral").click()
    page.get_by_role("heading", name="Make a referral").wait_for()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Record the referral").click()
    page.get_by_text("There is a problem").wait_for()
    expect_error_summary_title(page)
    assert_no_axe_violations(page)

    page.get_by_label("CAMHS").check()
    page.get_by_label("Team or person it is sent to").fill("CAMHS north")
    page.get_by_label("Why are you referring the child?").fill("Low mood.")
    page.get_by_label("Child criminal exploitation / county lines").check()
    page.get_by_label("Sent now").check()
    page.get_by_role("button", name="Record the referral").click()
    page.get_by_text("Referral recorded.").wait_for()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Record acknowledgement").click()
    page.get_by_role("heading", name="Record the acknowledgement").wait_for()
    assert_no_axe_violations(page)

    page.goto(reverse("referrals:awaiting"))
    page.get_by_role("heading", name="Referrals awaiting acknowledgement").wait_for()
    assert "CAMHS north" in page.locator("table").inner_text()
    assert_no_axe_violations(page)
