"""A page refuses by raising NotVisible or NotAllowed; the middleware answers 404 or 403 and writes exactly one
DENIED event with the context the exception carried (docs/audit.md, "Denials")."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role
from audit.models import AuditAction, AuditEvent, AuditOutcome
from tests.factories import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.audit.denial_urls")]


def test_a_page_raising_not_visible_answers_404_with_one_denied_event_carrying_its_context(
    client: Client,
) -> None:
    worker = user_with_role(Role.RHI_WORKER)
    client.force_login(worker)

    response = client.get("/hidden/42/")

    assert response.status_code == 404
    [event] = AuditEvent.objects.filter(outcome=AuditOutcome.DENIED)
    assert event.actor == worker
    assert event.action == AuditAction.VIEW
    assert (event.object_type, event.object_id) == ("rhi.returnhomeinterview", "42")
    assert event.detail == {"kind": "summary"}
    assert event.path_name == "hidden_record"
    assert event.request_id == response["X-Request-ID"]


def test_a_page_raising_not_allowed_answers_403_with_one_denied_event_naming_the_step(client: Client) -> None:
    manager = user_with_role(Role.TEAM_MANAGER)
    client.force_login(manager)

    response = client.post("/forbidden/7/")

    assert response.status_code == 403
    [event] = AuditEvent.objects.filter(outcome=AuditOutcome.DENIED)
    assert event.actor == manager
    assert event.action == AuditAction.UPDATE
    assert (event.object_type, event.object_id) == ("rhi.returnhomeinterview", "7")
    assert event.detail == {"step": "approve"}
