"""The notification list page: a user sees only their own notifications and marks them read."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from alerts.models import AlertKind, DeadlineAlert, Notification
from alerts.selectors import unread_count
from tests.alerts.world import ProviderTeams


@pytest.mark.django_db
def test_a_worker_sees_only_their_notifications_and_marking_them_read_leaves_the_managers_unread(
    client: Client, teams: ProviderTeams
) -> None:
    rhi = teams.rhi_due(due_in=timedelta(hours=-1))
    assert rhi.due_at is not None
    alert = DeadlineAlert.objects.create(
        rhi=rhi, kind=AlertKind.OVERDUE, deadline=rhi.due_at, sweep_id=uuid.uuid4()
    )
    Notification.objects.create(recipient=teams.worker, alert=alert, kind=alert.kind, rhi=rhi)
    Notification.objects.create(recipient=teams.manager, alert=alert, kind=alert.kind, rhi=rhi)
    client.force_login(teams.worker)

    response = client.get(reverse("alerts:notifications"))
    assert len(response.context["notifications"]) == 1
    assert "Interview overdue" in response.content.decode()
    assert response.context["unread_notifications"] == 1  # the header's count

    marked = client.post(reverse("alerts:notifications_mark_read"))
    assert marked.status_code == 302 and marked["Location"] == reverse("alerts:notifications")
    assert unread_count(user=teams.worker) == 0
    assert unread_count(user=teams.manager) == 1


@pytest.mark.django_db
def test_marking_notifications_read_needs_a_post(client: Client, teams: ProviderTeams) -> None:
    client.force_login(teams.worker)
    assert client.get(reverse("alerts:notifications_mark_read")).status_code == 405
