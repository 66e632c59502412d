"""England's statutory returns (SSDA903, Annex A) are offered to English authorities only: a Welsh, Scottish or
Northern Irish authority is told why on the returns page, its form, the API and ``export_return``, and gets the
performance return (``reporting.exports.returns_offered`` decides, issue 13 part 8)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import ApiScope, Membership, Nation, Organisation, Role, User
from reporting.exports import RETURNS, not_offered_reason, returns_offered
from reporting.models import ExportJob
from tests.api.conftest import as_client, new_client
from tests.dates import boxes
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cardiff() -> Organisation:
    return LocalAuthorityFactory.create(code="681", name="Cardiff", nation=Nation.WALES)


@pytest.fixture
def cardiff_lead(cardiff: Organisation) -> User:
    return user_with_role(Role.PERFORMANCE_LEAD, organisation=cardiff)


@pytest.mark.parametrize("nation", [Nation.WALES, Nation.SCOTLAND, Nation.NORTHERN_IRELAND])
def test_an_authority_outside_england_is_offered_the_performance_return_only(nation: str) -> None:
    la = LocalAuthorityFactory.create(nation=nation)
    assert returns_offered(la) == ["performance"]
    reason = not_offered_reason("ssda903-missing", la)
    assert reason is not None and "England only" in reason and "performance return" in reason
    assert not_offered_reason("performance", la) is None


def test_an_english_authority_is_offered_every_return() -> None:
    assert returns_offered(LocalAuthorityFactory.create(nation=Nation.ENGLAND)) == list(RETURNS)


def test_returns_page_tells_a_welsh_lead_why_and_offers_the_performance_return(
    client: Client, cardiff: Organisation, cardiff_lead: User
) -> None:
    client.force_login(cardiff_lead)
    page = client.get(reverse("reporting:returns"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Cardiff is in Wales: SSDA903 Missing (DfE) and Ofsted ILACS Annex A list 8" in text
    assert "collected from local authorities in England only" in text
    assert list(page.context["forms"]) == ["performance"]  # one form per return: the performance one only
    assert 'id="ssda903-form"' not in text and 'id="annex-a-form"' not in text


def test_a_lead_of_an_english_and_a_welsh_authority_gets_the_reason_for_the_welsh_one(
    client: Client, cardiff: Organisation, cardiff_lead: User
) -> None:
    camden = LocalAuthorityFactory.create(code="202", name="Camden")
    Membership.objects.create(user=cardiff_lead, organisation=camden, role=Role.PERFORMANCE_LEAD)
    client.force_login(cardiff_lead)
    refused = client.post(
        reverse("reporting:returns"),
        {
            "return_kind": "annex-a-list8",
            "local_authority": cardiff.pk,
            **boxes("as_at", "2026-03-31"),
            "format": "csv",
        },
    )
    assert refused.status_code == 200 and not ExportJob.objects.exists()
    errors = refused.context["posted"].errors["local_authority"]
    assert errors == [
        "Ofsted ILACS Annex A list 8 (missing columns) is collected from local authorities in England only, "
        "and Cardiff is in Wales. Export the RHI performance return instead."
    ]
    started = client.post(
        reverse("reporting:returns"),
        {
            "return_kind": "performance",
            "local_authority": cardiff.pk,
            "period_choice": "other",
            **boxes("date_from", "2025-04-01"),
            **boxes("date_to", "2026-03-31"),
            "format": "csv",
        },
    )
    assert started.status_code == 302 and ExportJob.objects.get().local_authority == cardiff


def test_ssda903_check_refuses_a_welsh_authority_with_the_reason(
    client: Client, cardiff: Organisation, cardiff_lead: User
) -> None:
    client.force_login(cardiff_lead)
    page = client.get(
        reverse("reporting:ssda903_validation"),
        {"local_authority": str(cardiff.pk), "collection_year": "2025"},
    )
    assert page.status_code == 200 and page.context["checked"] is False
    assert "England only" in page.context["form"].errors["local_authority"][0]


def test_api_refuses_an_england_only_return_for_a_welsh_council_with_the_reason(
    cardiff: Organisation,
) -> None:
    api = as_client(new_client(cardiff, [ApiScope.RETURNS_RUN]))
    body = {
        "local_authority": "681",
        "date_from": "2025-04-01",
        "date_to": "2026-03-31",
        "format": "csv",
    }
    refused = api.post(reverse("api:return-start"), body | {"return_kind": "ssda903-missing"})
    assert refused.status_code == 400 and not ExportJob.objects.exists()
    assert "England only" in str(refused.json())
    accepted = api.post(reverse("api:return-start"), body | {"return_kind": "performance"})
    assert accepted.status_code == 202, accepted.json()


def test_export_return_refuses_an_england_only_return_for_a_welsh_authority(
    cardiff: Organisation, tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="collected from local authorities in England only"):
        call_command(
            "export_return",
            "annex-a-list8",
            "--la",
            "681",
            "--from",
            "2026-03-31",
            "--to",
            "2026-03-31",
            "--out",
            str(out),
        )
    assert not out.exists()
    call_command(
        "export_return",
        "performance",
        "--la",
        "681",
        "--from",
        "2025-04-01",
        "--to",
        "2026-03-31",
        "--out",
        str(out),
    )
    assert out.exists()
