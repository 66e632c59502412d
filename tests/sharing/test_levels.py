"""Each level exposes exactly its fields: the disclosure page and its PDF (read back with pdftotext) show what
the level holds and never what it leaves out. And rhi_level answers for every relation to the record."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from access.levels import Level, rhi_level
from accounts.models import Role
from sharing.models import DisclosureLevel, RHIUserObjectPermission
from sharing.selectors import disclosure_content
from tests.casework import (
    ASSESSMENT,
    CHILD_WORDS,
    HEALTH_NEEDS,
    REASONS,
    VEHICLE,
    WHERE_WENT,
    share,
    sharing_case,
)
from tests.factories import member
from tests.factories_domain import LocalAuthorityFactory, PoliceForceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]

WISHES = "Wants more time with her cousin."
# Never below the full level: the child's words, wishes and feelings, health needs, why they went missing
# (the push/pull narrative) and the free-text account of where they went.
NARRATIVE = [CHILD_WORDS, WISHES, HEALTH_NEEDS, REASONS, WHERE_WENT]
INTELLIGENCE = [
    "Flat above the chip shop",
    "LU1 2AB",
    "20 May 2026 23:00",  # when the child was at the place (22:00 UTC)
    "Big T",
    VEHICLE,
    "Child criminal exploitation / county lines",
    "Asked to carry a bag.",
    ASSESSMENT,
    "Train to Luton",
]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def page_text(client: Client, disclosure_id: int) -> str:
    response = client.get(reverse("sharing:detail", args=[disclosure_id]))
    assert response.status_code == 200
    return squash(response.content.decode())


def pdf_text(client: Client, disclosure_id: int, tmp_path: Path) -> str:
    response = client.get(reverse("sharing:pdf", args=[disclosure_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / f"disclosure-{disclosure_id}.pdf"
    path.write_bytes(response.content)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return squash(out.stdout)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_intelligence_summary_page_and_pdf_hold_the_intelligence_and_none_of_the_childs_narrative(
    tmp_path: Path,
) -> None:
    case = sharing_case()
    disclosure = share(case)
    client = signed_in(case.police)
    for text in (page_text(client, disclosure.pk), pdf_text(client, disclosure.pk, tmp_path)):
        for wanted in [*INTELLIGENCE, "Jordan Quillfeather", case.episode.police_reference]:
            assert wanted in text, wanted
        for forbidden in NARRATIVE:
            assert forbidden not in text, forbidden


def test_notification_page_and_pdf_say_an_episode_happened_and_the_outcome_only(tmp_path: Path) -> None:
    case = sharing_case()
    disclosure = share(case, level=DisclosureLevel.NOTIFICATION, recipient_organisation_id=case.la.pk)
    client = signed_in(case.partner)
    for text in (page_text(client, disclosure.pk), pdf_text(client, disclosure.pk, tmp_path)):
        assert "Accepted" in text and "Notification only" in text
        assert "21 May 2026 10:00" in text  # the return, UK time
        assert case.episode.police_reference in text
        for forbidden in NARRATIVE + INTELLIGENCE:
            assert forbidden not in text, forbidden


def test_full_report_page_holds_everything_including_the_childs_words() -> None:
    case = sharing_case()
    disclosure = share(case, level=DisclosureLevel.FULL_REPORT, recipient_organisation_id=case.la.pk)
    text = page_text(signed_in(case.partner), disclosure.pk)
    # The RHI page's summary (place times are in the full report PDF, linked from the page).
    for wanted in [*NARRATIVE, *INTELLIGENCE[:2], *INTELLIGENCE[3:]]:
        assert wanted in text, wanted
    assert reverse("rhi:report_download", args=[case.rhi.pk, "full_report"]) in text


def test_the_selector_copies_only_allowed_facts_below_the_full_level() -> None:
    case = sharing_case()
    summary = disclosure_content(share(case))
    assert summary.level == Level.INTELLIGENCE_SUMMARY and summary.full is None
    assert [a.vehicle for a in summary.associates] == [VEHICLE]
    assert not any(hasattr(summary, name) for name in ("child_words", "wishes_and_feelings", "health_needs"))
    note = disclosure_content(
        share(case, level=DisclosureLevel.NOTIFICATION, recipient_organisation_id=case.la.pk)
    )
    assert (note.places, note.associates, note.risk_indicators, note.risk_assessment) == ([], [], [], "")


def test_rhi_level_for_every_relation_to_the_record() -> None:
    case = sharing_case()
    rhi, la = case.rhi, case.la
    performance = member("performance", la, Role.PERFORMANCE_LEAD)
    admin = member("admin", la, Role.ORG_ADMIN)
    other_police = member("otherpolice", PoliceForceFactory.create(), Role.POLICE)
    other_la = member("otherla", LocalAuthorityFactory.create(code="998"), Role.PARTNER_VIEWER)
    everyone = [case.worker, case.manager, case.police, case.partner, performance, admin]
    everyone += [other_police, other_la]

    def levels() -> list[Level]:
        return [rhi_level(user, rhi) for user in everyone]

    full, none = Level.FULL, Level.NONE
    assert levels() == [full, full, none, none, none, none, none, none]
    share(case, level=DisclosureLevel.NOTIFICATION, recipient_organisation_id=la.pk)
    assert levels() == [full, full, none, Level.NOTIFICATION, none, none, none, none]
    share(case)  # intelligence summary to the force
    assert levels() == [full, full, Level.INTELLIGENCE_SUMMARY, Level.NOTIFICATION, none, none, none, none]
    share(case, level=DisclosureLevel.FULL_REPORT, recipient_organisation_id=la.pk)
    # Performance leads and org admins of the receiving LA still see no case content.
    assert levels() == [full, full, Level.INTELLIGENCE_SUMMARY, full, none, none, none, none]


def test_an_explicit_one_off_grant_gives_the_full_level() -> None:
    case = sharing_case()
    outsider = member("outsider", LocalAuthorityFactory.create(code="997"), Role.PARTNER_VIEWER)
    assert rhi_level(outsider, case.rhi) == Level.NONE
    RHIUserObjectPermission.objects.create(
        user=outsider,
        content_object=case.rhi,
        permission=Permission.objects.get(codename="view_returnhomeinterview"),
    )
    assert rhi_level(outsider, case.rhi) == Level.FULL
