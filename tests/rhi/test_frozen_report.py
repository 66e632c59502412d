"""Frozen means frozen: once a report is approved in the service, nobody — not support staff in the admin, not
a shell, not a future bug — can change what it says or delete it. PostgreSQL refuses it (migration
rhi/0005_approved_report_frozen, the rule in rhi/frozen.py)."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F

from accounts.models import Role
from rhi import frozen
from rhi.models import (
    Associate,
    ContactAttempt,
    Interview,
    Location,
    RecordSource,
    ReturnHomeInterview,
    RHIState,
    RiskIndicatorFinding,
)
from tests.factories import user_with_role
from tests.factories_domain import RHIFactory

pytestmark = pytest.mark.django_db
WORDS = "I stayed at my cousin's flat and nobody asked."
HELD = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _report(state: str = RHIState.APPROVED, **kwargs: object) -> ReturnHomeInterview:
    worker = user_with_role(Role.RHI_WORKER)
    manager = user_with_role(Role.TEAM_MANAGER, organisation=worker.organisation)
    rhi = RHIFactory.create(
        state=state,
        outcome="accepted",
        consent_to_share="given",
        submitted_by=worker,
        submitted_at=HELD + timedelta(hours=2),
        approved_by=manager if state == RHIState.APPROVED else None,
        approved_at=HELD + timedelta(hours=3) if state == RHIState.APPROVED else None,
        **kwargs,
    )
    Interview.objects.create(
        rhi=rhi,
        held_at=HELD,
        location_type="home",
        interviewer=worker,
        interviewer_independence="independent_provider",
        child_choice_of_interviewer="yes",
        child_words=WORDS,
    )
    RiskIndicatorFinding.objects.create(rhi=rhi, indicator="cce", notes="Asked to carry a bag.")
    Location.objects.create(rhi=rhi, description="Flat above the chip shop", postcode="LU1 2AB")
    Associate.objects.create(rhi=rhi, name="Big T", approximate_age=24, is_adult=True)
    ContactAttempt.objects.create(
        rhi=rhi, attempted_at=HELD, method="phone", contact_with="child", outcome="spoke", recorded_by=worker
    )
    return rhi


def _refused(write) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic():
        write()


def test_nobody_can_change_the_childs_own_words_on_an_approved_report_even_in_the_database() -> None:
    rhi = _report()

    _refused(lambda: Interview.objects.filter(rhi=rhi).update(child_words="Altered by support."))

    def raw_sql() -> None:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE rhi_interview SET child_words = 'Altered.' WHERE rhi_id = %s", [rhi.pk])

    _refused(raw_sql)
    assert Interview.objects.get(rhi=rhi).child_words == WORDS


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("state", RHIState.DRAFTING),
        ("outcome", "declined"),
        ("consent_to_share", "refused"),
        ("decline_reason_text", "Rewritten."),
        ("approved_at", HELD + timedelta(days=9)),
        ("source", RecordSource.IMPORT),
    ],
)
def test_nobody_can_change_what_an_approved_report_says_or_who_signed_it_off(
    column: str, value: object
) -> None:
    rhi = _report()
    before = ReturnHomeInterview.objects.values_list(column, flat=True).get(pk=rhi.pk)

    _refused(lambda: ReturnHomeInterview.objects.filter(pk=rhi.pk).update(**{column: value}))

    assert ReturnHomeInterview.objects.values_list(column, flat=True).get(pk=rhi.pk) == before


@pytest.mark.parametrize("model", [Interview, RiskIndicatorFinding, Location, Associate, ContactAttempt])
def test_nobody_can_change_or_delete_the_findings_of_an_approved_report(model: type) -> None:
    rhi = _report()
    rows = model.objects.filter(rhi=rhi)  # type: ignore[attr-defined]

    _refused(lambda: rows.update(rhi=RHIFactory.create()))
    _refused(lambda: rows.delete())

    assert rows.count() == 1


def test_nobody_can_delete_an_approved_report() -> None:
    rhi = _report()

    def raw_sql() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM rhi_returnhomeinterview WHERE id = %s", [rhi.pk])

    _refused(raw_sql)
    assert ReturnHomeInterview.objects.filter(pk=rhi.pk).exists()


def test_the_bookkeeping_of_an_approved_report_still_moves() -> None:
    """Deadlines are corrected when an episode's return time is, and the version counts every write: neither
    is what the report says."""
    rhi = _report()

    ReturnHomeInterview.objects.filter(pk=rhi.pk).update(version=F("version") + 1, updated_at=HELD)

    assert ReturnHomeInterview.objects.get(pk=rhi.pk).version == rhi.version + 1


def test_a_report_in_draft_can_still_be_written() -> None:
    rhi = _report(state=RHIState.DRAFTING)

    Interview.objects.filter(rhi=rhi).update(child_words="Second thoughts.")
    Associate.objects.filter(rhi=rhi).delete()
    ReturnHomeInterview.objects.filter(pk=rhi.pk).update(consent_to_share="refused")

    assert Interview.objects.get(rhi=rhi).child_words == "Second thoughts."


def test_imported_history_can_be_corrected_by_importing_it_again() -> None:
    rhi = _report(source=RecordSource.IMPORT)

    ReturnHomeInterview.objects.filter(pk=rhi.pk).update(
        outcome="declined", declined_by="child", decline_reason="not_wanted"
    )

    assert ReturnHomeInterview.objects.get(pk=rhi.pk).outcome == "declined"


def test_the_database_rule_names_the_same_columns_and_tables_as_the_code() -> None:
    migration = importlib.import_module("rhi.migrations.0005_approved_report_frozen")
    assert migration.FROZEN_RHI_COLUMNS == frozen.FROZEN_RHI_COLUMNS
    assert migration.FROZEN_TABLES == frozen.FROZEN_TABLES
    model_tables = {
        m._meta.db_table for m in (Interview, RiskIndicatorFinding, Location, Associate, ContactAttempt)
    }
    assert set(frozen.FROZEN_TABLES) == model_tables
    columns = {f.column for f in ReturnHomeInterview._meta.concrete_fields}
    assert set(frozen.FROZEN_RHI_COLUMNS) <= columns
