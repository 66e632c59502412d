"""The audit table refuses UPDATE and DELETE in the database itself (PostgreSQL in CI, SQLite locally)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditAction, AuditEvent, AuditOutcome
from audit.services import record_event

pytestmark = pytest.mark.django_db


def test_record_event_appends_one_row_with_codes_only() -> None:
    event = record_event(
        actor=None, action=AuditAction.VIEW, object_type="rhi.returnhomeinterview", object_id="7"
    )
    assert AuditEvent.objects.count() == 1
    assert (event.action, event.outcome, event.object_id, event.actor_id) == ("view", "allowed", "7", None)


def test_update_of_an_audit_event_is_refused_by_the_database() -> None:
    event = record_event(actor=None, action=AuditAction.VIEW, object_type="x.y", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(outcome=AuditOutcome.DENIED)
    assert AuditEvent.objects.get(pk=event.pk).outcome == AuditOutcome.ALLOWED


def test_delete_of_an_audit_event_is_refused_by_the_database_even_in_raw_sql() -> None:
    event = record_event(actor=None, action=AuditAction.VIEW, object_type="x.y", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()
