"""Support staff reading a case record through the Django admin leave the same audit trail as anyone else:
one VIEW event at level "admin" per change page opened."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from referrals.models import Referral, Service
from tests.factories_domain import ChildFactory, MissingEpisodeFactory, RHIFactory

pytestmark = pytest.mark.django_db


def test_support_staff_opening_case_records_in_the_admin_is_audited(client):
    support = get_user_model().objects.create_superuser(
        username="support", password="unused-password-1", email="support@example.invalid"
    )
    child = ChildFactory()
    episode = MissingEpisodeFactory(child=child)
    rhi = RHIFactory(child=child)
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
