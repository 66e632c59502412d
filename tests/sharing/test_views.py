"""The sharing pages: share from an approved RHI, the recipients' list, opening (audited once, at its level),
acknowledging, revoking (the recipient's next request answers 404), unrelated users (404, audited denied),
the police episode list, the report downloads by level, and the home page counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent, AuditOutcome
from sharing.models import Disclosure, DisclosureLevel
from tests.casework import (
    CHILD_WORDS,
    share,
    sharing_case,
)
from tests.factories import member
from tests.factories_domain import LocalAuthorityFactory, MissingEpisodeFactory, PoliceForceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events(**filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters))


def test_manager_sees_share_this_report_on_the_approved_rhi_and_shares_the_intelligence_summary() -> None:
    case = sharing_case()
    client = signed_in(case.manager)
    detail = client.get(reverse("rhi:detail", args=[case.rhi.pk])).content.decode()
    share_url = reverse("sharing:share", args=[case.rhi.pk])
    assert share_url in detail and "Share this report" in detail
    form = client.get(share_url).content.decode()
    assert "Leaves out the child&#x27;s own words" in form or "Leaves out the child's own words" in form
    response = client.post(
        share_url,
        {
            "recipient_organisation": case.force.pk,
            "level": "intelligence_summary",
            "lawful_basis": "public_task",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("rhi:detail", args=[case.rhi.pk])
    disclosure = Disclosure.objects.get()
    assert (disclosure.level, disclosure.recipient_organisation, disclosure.shared_by) == (
        "intelligence_summary",
        case.force,
        case.manager,
    )
    detail = client.get(reverse("rhi:detail", args=[case.rhi.pk])).content.decode()
    assert reverse("sharing:detail", args=[disclosure.pk]) in detail and "Awaiting acknowledgement" in detail


def test_sharing_the_full_report_with_the_police_is_a_field_error_and_nothing_is_saved() -> None:
    case = sharing_case()
    response = signed_in(case.manager).post(
        reverse("sharing:share", args=[case.rhi.pk]),
        {"recipient_organisation": case.force.pk, "level": "full_report", "lawful_basis": "public_task"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in body
    assert "never the full report" in body
    assert not Disclosure.objects.exists()


def test_consent_refused_without_a_justification_is_an_error_on_that_field() -> None:
    case = sharing_case(consent="refused")
    response = signed_in(case.manager).post(
        reverse("sharing:share", args=[case.rhi.pk]),
        {"recipient_organisation": case.la.pk, "level": "full_report", "lawful_basis": "public_task"},
    )
    body = response.content.decode()
    assert "<title>Error: " in body and 'href="#id_override_justification"' in body
    assert not Disclosure.objects.exists()


def test_share_page_for_an_rhi_from_another_provider_is_404_and_audited_denied() -> None:
    case = sharing_case()
    other = sharing_case(prefix="other")
    response = signed_in(other.manager).get(reverse("sharing:share", args=[case.rhi.pk]))
    assert response.status_code == 404
    assert len(events(actor=other.manager, outcome=AuditOutcome.DENIED, object_id=str(case.rhi.pk))) == 1


def test_police_list_shows_initials_level_and_acknowledgement_not_the_name() -> None:
    case = sharing_case()
    disclosure = share(case)
    body = signed_in(case.police).get(reverse("sharing:shared")).content.decode()
    assert "JQ" in body and "Quillfeather" not in body
    assert "Police intelligence summary" in body and "Not yet" in body
    assert reverse("sharing:detail", args=[disclosure.pk]) in body


def test_opening_is_audited_once_at_its_level_and_the_recipient_acknowledges() -> None:
    case = sharing_case()
    disclosure = share(case)
    client = signed_in(case.police)
    url = reverse("sharing:detail", args=[disclosure.pk])
    body = client.get(url).content.decode()
    assert CHILD_WORDS not in body and "Acknowledge" in body
    viewed = events(actor=case.police, action="view")
    assert len(viewed) == 1
    assert (viewed[0].object_type, viewed[0].object_id, viewed[0].level) == (
        "sharing.disclosure",
        str(disclosure.pk),
        "intelligence_summary",
    )
    response = client.post(reverse("sharing:acknowledge", args=[disclosure.pk]))
    assert response.status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.acknowledged_by == case.police
    assert "Acknowledge</button>" not in client.get(url).content.decode()


def test_the_sharer_cannot_acknowledge_for_the_recipient() -> None:
    case = sharing_case()
    disclosure = share(case)
    response = signed_in(case.manager).post(reverse("sharing:acknowledge", args=[disclosure.pk]))
    assert response.status_code == 403
    disclosure.refresh_from_db()
    assert disclosure.acknowledged_at is None
    assert len(events(actor=case.manager, outcome=AuditOutcome.DENIED)) == 1


def test_an_unrelated_force_gets_404_and_one_denied_audit_event_for_page_pdf_and_acknowledge() -> None:
    case = sharing_case()
    disclosure = share(case)
    stranger = member("stranger", PoliceForceFactory.create(), Role.POLICE)
    client = signed_in(stranger)
    for method, name in (("get", "sharing:detail"), ("get", "sharing:pdf"), ("post", "sharing:acknowledge")):
        response = getattr(client, method)(reverse(name, args=[disclosure.pk]))
        assert response.status_code == 404, name
    denied = events(actor=stranger, outcome=AuditOutcome.DENIED, object_type="sharing.disclosure")
    assert len(denied) == 3 and {e.object_id for e in denied} == {str(disclosure.pk)}
    assert not events(actor=stranger, outcome=AuditOutcome.ALLOWED, action="view")


def test_revoking_removes_the_recipients_access_at_once() -> None:
    case = sharing_case()
    disclosure = share(case, level=DisclosureLevel.FULL_REPORT, recipient_organisation_id=case.la.pk)
    partner = signed_in(case.partner)
    url = reverse("sharing:detail", args=[disclosure.pk])
    assert partner.get(url).status_code == 200
    report = reverse("rhi:report_download", args=[case.rhi.pk, "full_report"])
    assert partner.get(report).status_code == 200
    assert f'href="{url}"' in partner.get(reverse("sharing:shared")).content.decode()

    manager = signed_in(case.manager)
    revoke_url = reverse("sharing:revoke", args=[disclosure.pk])
    assert "Revoke" in manager.get(revoke_url).content.decode()
    blank = manager.post(revoke_url, {"reason": ""})
    assert "<title>Error: " in blank.content.decode()
    response = manager.post(revoke_url, {"reason": "Shared with the wrong authority."})
    assert response.status_code == 302

    assert partner.get(url).status_code == 404
    assert partner.get(report).status_code == 404
    # Its row is gone from the recipient's list (the link, not the initials: a random token may spell them).
    assert f'href="{url}"' not in partner.get(reverse("sharing:shared")).content.decode()
    # The sharer keeps the record, marked revoked.
    assert "Revoked" in manager.get(url).content.decode()


def test_report_downloads_follow_the_level_shared() -> None:
    case = sharing_case()
    share(case, level=DisclosureLevel.NOTIFICATION, recipient_organisation_id=case.la.pk)
    partner = signed_in(case.partner)
    letter = reverse("rhi:report_download", args=[case.rhi.pk, "notification_letter"])
    full = reverse("rhi:report_download", args=[case.rhi.pk, "full_report"])
    assert partner.get(letter).status_code == 200
    assert partner.get(full).status_code == 404
    denied = events(actor=case.partner, outcome=AuditOutcome.DENIED, object_id=str(case.rhi.pk))
    assert len(denied) == 1
    viewed = events(actor=case.partner, action="view", object_type="rhi.returnhomeinterview")
    assert sorted((e.outcome, e.level) for e in viewed) == [("allowed", "notification"), ("denied", "")]


def test_performance_lead_and_org_admin_of_the_receiving_authority_see_no_case_content() -> None:
    case = sharing_case()
    disclosure = share(case, level=DisclosureLevel.FULL_REPORT, recipient_organisation_id=case.la.pk)
    for role in (Role.PERFORMANCE_LEAD, Role.ORG_ADMIN):
        user = member(f"la-{role}", case.la, role)
        client = signed_in(user)
        assert client.get(reverse("sharing:detail", args=[disclosure.pk])).status_code == 404
        assert (
            client.get(reverse("rhi:report_download", args=[case.rhi.pk, "full_report"])).status_code == 404
        )
        assert client.get(reverse("sharing:shared")).status_code == 403


def test_police_episode_list_shows_their_force_area_with_initials_only() -> None:
    case = sharing_case()
    elsewhere = MissingEpisodeFactory.create(police_force=PoliceForceFactory.create())
    client = signed_in(case.police)
    body = client.get(reverse("sharing:police_episodes")).content.decode()
    assert case.episode.police_reference in body and "JQ" in body and "Quillfeather" not in body
    assert "Accepted" in body  # the RHI outcome
    assert elsewhere.police_reference not in body
    viewed = events(actor=case.police, action="view", detail__page="police_episodes")
    assert len(viewed) == 1
    assert signed_in(case.partner).get(reverse("sharing:police_episodes")).status_code == 403


def test_home_and_navigation_show_what_was_shared_with_the_police_and_the_placing_authority() -> None:
    case = sharing_case()
    share(case)
    share(case, level=DisclosureLevel.NOTIFICATION, recipient_organisation_id=case.la.pk)
    police_home = signed_in(case.police).get(reverse("home")).content.decode()
    assert "Shared with your force</a>: 1 item" in police_home
    assert reverse("sharing:police_episodes") in police_home and "Shared with you" in police_home
    partner_home = signed_in(case.partner).get(reverse("home")).content.decode()
    assert "Shared with your authority</a>: 1 item" in partner_home
    unrelated = member("unrelated", LocalAuthorityFactory.create(code="996"), Role.PARTNER_VIEWER)
    assert (
        "Shared with your authority</a>: 0 items"
        in signed_in(unrelated).get(reverse("home")).content.decode()
    )
