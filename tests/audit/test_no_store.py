"""Every response the app makes (pages, the API, downloads, refusals) carries ``Cache-Control: no-store,
private``: no browser, proxy or shared cache keeps children's data (docs/audit.md, "No personal data in ...")."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from django.http import HttpResponseBase
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from tests.factories import user_with_role
from tests.factories_domain import LocalAuthorityFactory

pytestmark = pytest.mark.django_db


def _directives(response: HttpResponseBase) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def _assert_no_store(responses: Mapping[str, HttpResponseBase]) -> None:
    missing = {
        name: response.get("Cache-Control", "")
        for name, response in responses.items()
        if not {"no-store", "private"} <= _directives(response)
    }
    assert not missing, missing


def test_a_manager_never_gets_a_cacheable_page_or_api_answer(client: Client) -> None:
    manager = user_with_role(Role.TEAM_MANAGER)
    client.force_login(manager)

    responses = {
        "dashboard": client.get(reverse("rhi:dashboard")),
        "notifications": client.get(reverse("alerts:notifications")),
        "unrelated rhi (404)": client.get(reverse("rhi:detail", args=[999_999])),
        "api list": client.get(reverse("api:rhi-list")),
        "api unrelated (404)": client.get(reverse("api:rhi-detail", args=[999_999])),
        "405": client.delete(reverse("rhi:dashboard")),
    }

    assert responses["dashboard"].status_code == 200
    assert responses["api list"].status_code == 200
    _assert_no_store(responses)


def test_a_performance_lead_never_gets_a_cacheable_download(client: Client) -> None:
    lead = user_with_role(Role.PERFORMANCE_LEAD, organisation=LocalAuthorityFactory.create())
    client.force_login(lead)

    responses = {fmt: client.get(reverse("performance:download", args=[fmt])) for fmt in ("pdf", "xlsx")} | {
        "page": client.get(reverse("performance:return"))
    }

    assert [r.status_code for r in responses.values()] == [200, 200, 200]
    _assert_no_store(responses)


def test_nobody_signed_out_gets_a_cacheable_answer_either() -> None:
    anonymous = Client()
    responses = {
        "sign-in": anonymous.get(reverse("accounts:login")),
        "page redirect": anonymous.get(reverse("rhi:dashboard")),
        "api 401": anonymous.get(reverse("api:rhi-list")),
    }
    assert responses["api 401"].status_code == 401
    _assert_no_store(responses)
