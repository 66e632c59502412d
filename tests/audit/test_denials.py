"""Refusals no view sees are audited like every other denial, and the audit's request id is the server's own
(docs/audit.md, "Denials" and "Request ids")."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditAction, AuditEvent, AuditOutcome
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def _denials(**filters: object) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(outcome=AuditOutcome.DENIED, **filters))


def test_a_manager_posting_a_page_form_without_its_csrf_token_is_refused_and_audited() -> None:
    manager = user_with_role(Role.TEAM_MANAGER)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(manager)

    response = browser.post(reverse("alerts:notifications_mark_read"))

    assert response.status_code == 403
    [event] = _denials(actor=manager)
    assert event.detail == {"reason": "csrf_failed", "method": "POST"}
    assert event.action == AuditAction.UPDATE
    assert event.path_name == "alerts:notifications_mark_read"


def test_a_worker_who_is_not_staff_opening_the_admin_is_sent_away_and_audited(client: Client) -> None:
    worker = user_with_role(Role.RHI_WORKER)
    client.force_login(worker)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    [event] = _denials(actor=worker)
    assert event.detail == {"reason": "not_staff", "method": "GET"}
    assert event.path_name == "admin:index"


def test_a_worker_who_is_not_staff_signing_in_on_the_admins_own_form_is_refused_and_audited(
    client: Client,
) -> None:
    worker = user_with_role(Role.RHI_WORKER)

    response = client.post(
        reverse("admin:login"), {"username": worker.username, "password": "correct-horse-battery"}
    )

    assert response.status_code == 200  # the form again, with Django's "staff account" error
    assert "_auth_user_id" not in client.session
    [event] = _denials(actor=worker)
    assert event.detail == {"reason": "not_staff", "method": "POST"}
    assert event.path_name == "admin:login"


def test_a_worker_who_is_not_staff_opening_an_admin_change_page_is_audited(client: Client) -> None:
    worker = user_with_role(Role.RHI_WORKER)
    client.force_login(worker)

    response = client.get(reverse("admin:rhi_returnhomeinterview_change", args=[1]))

    assert response.status_code == 302
    assert [e.detail["reason"] for e in _denials(actor=worker)] == ["not_staff"]


def test_staff_opening_the_admin_index_writes_no_denial(client: Client) -> None:
    support = user_with_role(Role.RHI_WORKER, is_staff=True, is_superuser=True)
    client.force_login(support)

    assert client.get(reverse("admin:index")).status_code == 200
    assert _denials() == []


def test_a_manager_sending_delete_to_a_page_gets_405_and_it_is_audited(client: Client) -> None:
    manager = user_with_role(Role.TEAM_MANAGER)
    client.force_login(manager)

    response = client.delete(reverse("rhi:dashboard"))

    assert response.status_code == 405
    [event] = _denials(actor=manager)
    assert event.action == AuditAction.DELETE
    assert event.detail == {"reason": "method_not_allowed", "method": "DELETE"}
    assert event.path_name == "rhi:dashboard"


def test_a_manager_sending_delete_to_an_api_list_gets_405_and_it_is_audited(client: Client) -> None:
    manager = user_with_role(Role.TEAM_MANAGER)
    client.force_login(manager)

    response = client.delete(reverse("api:rhi-list"))

    assert response.status_code == 405
    assert [e.detail["reason"] for e in _denials(actor=manager)] == ["method_not_allowed"]


def test_a_client_supplied_request_id_is_kept_apart_and_the_audit_records_the_servers_own(
    client: Client,
) -> None:
    manager = user_with_role(Role.TEAM_MANAGER)
    client.force_login(manager)
    forged = "someone-elses-request-0001"

    response = client.delete(reverse("rhi:dashboard"), headers={"X-Request-ID": forged})

    [event] = _denials(actor=manager)
    assert response["X-Request-ID"] != forged
    assert event.request_id == response["X-Request-ID"]
    assert event.client_request_id == forged


def test_a_client_request_id_that_is_not_a_plain_token_is_not_stored(client: Client) -> None:
    manager = user_with_role(Role.TEAM_MANAGER)
    client.force_login(manager)

    client.delete(reverse("rhi:dashboard"), headers={"X-Request-ID": "<script>alert(1)</script>"})

    [event] = _denials(actor=manager)
    assert event.client_request_id == "" and len(event.request_id) == 32
