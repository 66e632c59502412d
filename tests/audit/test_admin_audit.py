"""Support staff using the Django admin leave the same audit trail as anyone else: one VIEW event at level
"admin" per change, delete-confirmation or history page opened; CREATE / UPDATE / DELETE events naming the
fields changed (never their values). Approved reports are read-only there, and narrative is never shown."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.forms import MultiWidget
from django.test import Client
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from missing_episodes.models import PossibleDuplicate
from referrals.models import Referral, Service
from rhi.models import ReviewDecision
from tests.factories_domain import ChildFactory, MissingEpisodeFactory, RHIFactory
from tests.rhi.test_frozen_report import WORDS, _report

pytestmark = pytest.mark.django_db


def test_support_staff_opening_case_records_in_the_admin_is_audited(client: Client) -> None:
    support = get_user_model().objects.create_superuser(
        username="support", password="unused-password-1", email="support@example.invalid"
    )
    child = ChildFactory.create()
    episode = MissingEpisodeFactory.create(child=child)
    rhi = RHIFactory.create(child=child)
    referral = Referral.objects.create(rhi=rhi, service=Service.CAMHS, reason="Low mood", created_by=support)
    client.force_login(support)
    records = [
        ("missing_episodes", "child", child),
        ("missing_episodes", "missingepisode", episode),
        ("rhi", "returnhomeinterview", rhi),
        ("referrals", "referral", referral),
    ]
    for app, model, obj in records:
        response = client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk]))
        assert response.status_code == 200, (app, model)
    for app, model, obj in records:
        events = AuditEvent.objects.filter(
            actor=support, object_type=f"{app}.{model}", object_id=str(obj.pk), action=AuditAction.VIEW
        )
        assert list(events.values_list("level", flat=True)) == ["admin"], (app, model)


# --- Support staff changing records: audited with field names; approved reports read-only; no narrative ---


def _support():  # type: ignore[no-untyped-def]
    return get_user_model().objects.create_superuser(
        username="support", password="unused-password-1", email="support@example.invalid"
    )


def _posted_form(response) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The admin form as the browser would post it back unchanged (no inlines)."""
    data: dict[str, object] = {}
    for bound in response.context["adminform"].form:
        value, widget = bound.value(), bound.field.widget
        if isinstance(widget, MultiWidget):
            for index, part in enumerate(widget.decompress(value) or []):
                data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
        else:
            prepared = bound.field.prepare_value(value)
            data[bound.html_name] = "" if prepared is None else prepared
    return data


def _approved_rhi_with_words():  # type: ignore[no-untyped-def]

    return _report(), WORDS


def test_support_staff_changing_a_referral_in_the_admin_is_an_update_event_naming_the_fields(
    client: Client,
) -> None:
    support = _support()
    rhi = RHIFactory.create()
    referral = Referral.objects.create(rhi=rhi, service=Service.CAMHS, reason="Low mood", created_by=support)
    client.force_login(support)
    url = reverse("admin:referrals_referral_change", args=[referral.pk])
    data = _posted_form(client.get(url)) | {"service": Service.EARLY_HELP}

    response = client.post(url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    [event] = AuditEvent.objects.filter(actor=support, action=AuditAction.UPDATE)
    assert (event.object_type, event.object_id, event.level) == (
        "referrals.referral",
        str(referral.pk),
        "admin",
    )
    [change] = event.detail["changes"]
    assert event.detail["admin"] is True and "Service" in change["changed"]["fields"]
    assert "Low mood" not in str(event.detail)


def test_support_staff_deleting_a_referral_in_the_admin_is_a_delete_event(client: Client) -> None:
    support = _support()
    referral = Referral.objects.create(
        rhi=RHIFactory.create(), service=Service.CAMHS, reason="Low mood", created_by=support
    )
    client.force_login(support)

    response = client.post(reverse("admin:referrals_referral_delete", args=[referral.pk]), {"post": "yes"})

    assert response.status_code == 302 and not Referral.objects.filter(pk=referral.pk).exists()
    [event] = AuditEvent.objects.filter(actor=support, action=AuditAction.DELETE)
    assert (event.object_type, event.object_id) == ("referrals.referral", str(referral.pk))


def test_support_staff_adding_a_possible_duplicate_in_the_admin_is_a_create_event(client: Client) -> None:
    support = _support()
    first, second = sorted([ChildFactory.create(), ChildFactory.create()], key=lambda child: child.pk)
    client.force_login(support)
    url = reverse("admin:missing_episodes_possibleduplicate_add")
    data = _posted_form(client.get(url)) | {
        "child_a": first.pk,
        "child_b": second.pk,
        "reason": "name_and_dob",
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    [event] = AuditEvent.objects.filter(actor=support, action=AuditAction.CREATE)
    assert event.object_type == "missing_episodes.possibleduplicate" and event.detail["admin"] is True


def test_support_staff_opening_review_decisions_duplicates_and_history_pages_is_audited(
    client: Client,
) -> None:
    support = _support()
    rhi, _ = _approved_rhi_with_words()
    decision = ReviewDecision.objects.create(rhi=rhi, reviewer=rhi.approved_by, decision="approved")
    first, second = sorted([ChildFactory.create(), ChildFactory.create()], key=lambda child: child.pk)
    duplicate = PossibleDuplicate.objects.create(child_a=first, child_b=second, reason="name_and_dob")
    client.force_login(support)
    pages = [
        ("rhi.reviewdecision", decision.pk, reverse("admin:rhi_reviewdecision_change", args=[decision.pk])),
        (
            "missing_episodes.possibleduplicate",
            duplicate.pk,
            reverse("admin:missing_episodes_possibleduplicate_change", args=[duplicate.pk]),
        ),
        ("rhi.returnhomeinterview", rhi.pk, reverse("admin:rhi_returnhomeinterview_history", args=[rhi.pk])),
    ]

    for object_type, pk, url in pages:
        assert client.get(url).status_code == 200, url
        assert (
            AuditEvent.objects.filter(
                actor=support,
                action=AuditAction.VIEW,
                object_type=object_type,
                object_id=str(pk),
                level="admin",
            ).count()
            == 1
        ), url


def test_support_staff_see_an_approved_report_read_only_and_cannot_change_it(client: Client) -> None:
    support = _support()
    rhi, _ = _approved_rhi_with_words()
    client.force_login(support)
    url = reverse("admin:rhi_returnhomeinterview_change", args=[rhi.pk])

    page = client.get(url)
    posted = client.post(url, {"outcome": "declined", "state": "drafting"})
    deleted = client.post(reverse("admin:rhi_returnhomeinterview_delete", args=[rhi.pk]), {"post": "yes"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False and page.context["has_delete_permission"] is False
    assert 'name="outcome"' not in page.content.decode()
    assert posted.status_code == 403 and deleted.status_code == 403
    rhi.refresh_from_db()
    assert (rhi.state, rhi.outcome) == ("approved", "accepted")
    assert not AuditEvent.objects.filter(actor=support, action__in=[AuditAction.UPDATE, AuditAction.DELETE])


def test_support_staff_cannot_change_the_interview_of_an_approved_report_in_the_admin(client: Client) -> None:
    support = _support()
    rhi, _ = _approved_rhi_with_words()
    client.force_login(support)
    url = reverse("admin:rhi_interview_change", args=[rhi.interview.pk])

    assert client.get(url).context["has_change_permission"] is False
    assert client.post(url, {"location_type": "school"}).status_code == 403


def test_support_staff_never_see_the_childs_words_or_findings_in_the_admin(client: Client) -> None:
    support = _support()
    rhi, words = _approved_rhi_with_words()
    client.force_login(support)

    pages = [
        client.get(reverse("admin:rhi_returnhomeinterview_change", args=[rhi.pk])),
        client.get(reverse("admin:rhi_interview_change", args=[rhi.interview.pk])),
    ]

    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        for narrative in (words, "Big T", "Flat above the chip shop", "Asked to carry a bag."):
            assert narrative not in html
