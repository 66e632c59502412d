"""Issue 14 item 11: an identical open referral is refused (also when three are saved at once), and a
referral made in error is withdrawn with a reason: kept, audited, shown as withdrawn with who and when, and no
longer counted in the awaiting list, the acknowledgement alerts or the performance figures."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from alerts.models import AlertKind
from alerts.sweep import run_deadline_sweep
from audit.models import AuditEvent
from referrals import selectors, services
from referrals.models import Referral, in_force
from reporting.performance.findings import referral_counts
from tests.browser.axe import assert_no_axe_violations
from tests.browser.helpers import expect_error_summary_title
from tests.browser.test_deadline_dashboard import sign_in
from tests.casework import NOW, build_case, refer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]


def test_worker_making_the_same_open_referral_twice_is_refused_with_a_field_error() -> None:
    case = build_case()
    first = refer(case)
    with pytest.raises(ValidationError) as excinfo:
        refer(case, recipient_name="  exploitation HUB ", reason="Clicked twice.")
    assert "already open on this RHI" in excinfo.value.message_dict["service"][0]
    assert list(Referral.objects.values_list("pk", flat=True)) == [first.pk]


def test_worker_may_refer_to_another_recipient_or_again_once_the_first_has_an_outcome() -> None:
    case = build_case()
    first = refer(case)
    refer(case, recipient_name="Exploitation hub south")
    services.record_outcome(referral_id=first.pk, by=case.worker, outcome="declined_by_service")
    refer(case, reason="Re-referred after new information.")
    assert Referral.objects.count() == 3


def test_worker_withdraws_a_referral_made_in_error_which_is_kept_audited_and_no_longer_counted() -> None:
    case = build_case()
    mistaken = refer(case)
    kept = refer(case, service="camhs", recipient_name="CAMHS north")
    assert len(selectors.awaiting_acknowledgement_for(case.worker)) == 2

    withdrawn = services.withdraw_referral(
        referral_id=mistaken.pk, by=case.worker, reason=" Sent to the wrong hub. "
    )

    assert (withdrawn.withdrawn_at, withdrawn.withdrawn_by, withdrawn.withdrawal_reason) == (
        NOW,
        case.worker,
        "Sent to the wrong hub.",
    )
    assert Referral.objects.filter(pk=mistaken.pk).exists()  # kept, never deleted
    event = AuditEvent.objects.get(
        object_type="referrals.referral", object_id=str(mistaken.pk), action="update"
    )
    assert event.detail["step"] == "withdrawn"
    assert [r.pk for r in selectors.awaiting_acknowledgement_for(case.worker)] == [kept.pk]
    assert [r.pk for r in selectors.referrals_for_rhi(case.rhi)] == [kept.pk]
    assert len(selectors.referrals_for_rhi(case.rhi, include_withdrawn=True)) == 2
    totals, by_service, _ = referral_counts([case.rhi.pk])
    assert totals["made"] == 1 and [row[0] for row in by_service] == ["camhs"]
    # Withdrawn, the identical referral may be made again (the right way this time).
    assert refer(case).pk != mistaken.pk


def test_withdrawn_referral_raises_no_acknowledgement_alert() -> None:
    case = build_case()
    stays, goes = refer(case), refer(case, service="camhs")
    services.withdraw_referral(referral_id=goes.pk, by=case.worker, reason="Duplicate.")
    result = run_deadline_sweep(now=datetime(2026, 6, 3, 9, 0, tzinfo=UTC))
    assert result.recorded[AlertKind.REFERRAL_UNACKNOWLEDGED] == 1
    assert set(Referral.objects.filter(alerts__isnull=False).values_list("pk", flat=True)) == {stays.pk}


def test_withdrawing_without_a_reason_twice_or_after_an_outcome_is_refused_and_changes_nothing() -> None:
    case = build_case()
    referral = refer(case)
    with pytest.raises(ValidationError) as excinfo:
        services.withdraw_referral(referral_id=referral.pk, by=case.worker, reason="   ")
    assert "withdrawal_reason" in excinfo.value.message_dict
    assert Referral.objects.filter(in_force()).count() == 1
    services.withdraw_referral(referral_id=referral.pk, by=case.worker, reason="Duplicate.")
    with pytest.raises(services.TransitionError):
        services.withdraw_referral(referral_id=referral.pk, by=case.worker, reason="Again.")
    with pytest.raises(services.TransitionError):
        services.record_outcome(referral_id=referral.pk, by=case.worker, outcome="accepted")
    answered = refer(case, service="camhs")
    services.record_outcome(referral_id=answered.pk, by=case.worker, outcome="accepted")
    with pytest.raises(services.TransitionError):
        services.withdraw_referral(referral_id=answered.pk, by=case.worker, reason="Changed my mind.")


def test_worker_withdraws_on_the_page_and_the_rhi_shows_withdrawn_with_reason_who_and_when(
    client: Client,
) -> None:
    case = build_case()
    referral = refer(case)
    client.force_login(case.worker)
    url = reverse("referrals:withdraw", args=[referral.pk])
    empty = client.post(url, {"withdrawal_reason": ""})
    assert empty.status_code == 200
    assert "Say why the referral is being withdrawn." in empty.content.decode()
    response = client.post(url, {"withdrawal_reason": "Made twice by mistake."})
    assert response.status_code == 302
    html = client.get(reverse("rhi:detail", args=[case.rhi.pk])).content.decode()
    assert "Withdrawn" in html and "Reason: Made twice by mistake." in html
    assert reverse("referrals:withdraw", args=[referral.pk]) not in html
    assert reverse("referrals:acknowledge", args=[referral.pk]) not in html


def test_duplicate_posted_on_the_form_shows_the_error_and_saves_nothing(client: Client) -> None:
    case = build_case()
    refer(case, service="camhs", recipient_name="CAMHS north", sent_at=None)
    client.force_login(case.worker)
    response = client.post(
        reverse("referrals:new", args=[case.rhi.pk]),
        {
            "service": "camhs",
            "recipient_name": "CAMHS north",
            "reason": "Low mood.",
            "sent_when": "not_yet",
        },
    )
    assert response.status_code == 200
    assert "already open on this RHI" in response.content.decode()
    assert Referral.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_three_identical_referrals_saved_at_once_make_one() -> None:
    case = build_case()
    barrier = threading.Barrier(3)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def make() -> None:
        try:
            barrier.wait()
            refer(case)
            outcomes.append("made")
        except ValidationError:
            outcomes.append("refused")
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=make) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(outcomes) == ["made", "refused", "refused"]
    assert Referral.objects.count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_worker_withdraws_a_referral_in_the_browser_on_axe_clean_pages(page: Any) -> None:
    case = build_case()
    refer(case, service="camhs", recipient_name="CAMHS north")
    sign_in(page, "worker", password="unused-password-1")
    page.goto(reverse("rhi:detail", args=[case.rhi.pk]))
    page.get_by_role("link", name="Withdraw the referral to CAMHS").click()
    page.get_by_role("heading", name="Withdraw the referral").wait_for()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Withdraw referral").click()
    page.get_by_text("There is a problem").wait_for()
    expect_error_summary_title(page)
    assert_no_axe_violations(page)

    page.get_by_label("Why are you withdrawing this referral?").fill("Sent to the wrong team.")
    page.get_by_role("button", name="Withdraw referral").click()
    page.get_by_text("Referral withdrawn.").wait_for()
    panel = page.locator("table", has_text="CAMHS north").inner_text()
    assert "Withdrawn" in panel and "Sent to the wrong team." in panel
    assert_no_axe_violations(page)
