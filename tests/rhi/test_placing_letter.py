"""The notification letter for the placing authority is offered on the RHI page only when there is a placing
authority (issue 14 item 16): the child was looked after when the RHI's episode began."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from missing_episodes.models import CareLegalStatus, CarePeriod, CareSource
from rhi import reports
from tests.casework import Case, build_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]


def rhi_page(client: Client, case: Case) -> str:
    client.force_login(case.manager)
    response = client.get(reverse("rhi:detail", args=[case.rhi.pk]))
    assert response.status_code == 200
    return str(response.content.decode())


def test_manager_of_a_child_living_at_home_is_offered_the_full_report_but_no_placing_authority_letter(
    client: Client,
) -> None:
    case = build_case(approve=True)
    html = rhi_page(client, case)
    assert not reports.has_placing_authority(case.rhi)
    assert "Full RHI report (PDF)" in html
    assert "Notification letter for the placing authority" not in html


def test_manager_of_a_looked_after_child_is_offered_the_letter_to_the_placing_authority(
    client: Client,
) -> None:
    case = build_case(approve=True)
    CarePeriod.objects.create(
        child=case.child,
        start_date=date(2020, 1, 1),
        legal_status=CareLegalStatus.C2,
        source=CareSource.MIGRATION,
    )
    html = rhi_page(client, case)
    assert reports.has_placing_authority(case.rhi)
    letter = reverse("rhi:report_download", args=[case.rhi.pk, "notification_letter"])
    assert f'href="{letter}"' in html and "Notification letter for the placing authority (PDF)" in html
