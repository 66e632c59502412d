"""The sweep's claims walk the running clocks' deadline indexes in (deadline, id) order, and each batch carries on
after the last: every alert is still recorded once, however many batches it takes (docs/benchmarks.md, "Pages
within budget (issue 18)")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from alerts import sweep
from alerts.models import AlertKind, DeadlineAlert
from tests.alerts.world import NOW, ProviderTeams

pytestmark = pytest.mark.django_db


def test_a_sweep_in_batches_of_two_records_every_due_clock_once_in_deadline_order(
    teams: ProviderTeams, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep, "BATCH_SIZE", 2)
    # Five breaches, two of them at the same instant (the id breaks the tie), created out of deadline order.
    overdue = [teams.rhi_due(due_in=-timedelta(hours=hours)) for hours in (3, 9, 1, 9, 5)]
    due_soon = [teams.rhi_due(due_in=timedelta(hours=hours)) for hours in (20, 2, 7)]
    on_track = teams.rhi_due(due_in=timedelta(hours=30))

    first = sweep.run_deadline_sweep(now=NOW)
    second = sweep.run_deadline_sweep(now=NOW)

    assert first.recorded[AlertKind.OVERDUE] == 5 and first.recorded[AlertKind.DUE_SOON] == 3
    assert second.total_recorded == 0
    assert set(DeadlineAlert.objects.filter(kind=AlertKind.OVERDUE).values_list("rhi_id", flat=True)) == {
        rhi.pk for rhi in overdue
    }
    assert set(DeadlineAlert.objects.filter(kind=AlertKind.DUE_SOON).values_list("rhi_id", flat=True)) == {
        rhi.pk for rhi in due_soon
    }
    assert not DeadlineAlert.objects.filter(rhi=on_track).exists()


def test_each_batch_claims_only_after_the_last_one_so_the_claim_count_follows_what_is_due(
    teams: ProviderTeams, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep, "BATCH_SIZE", 2)
    for hours in (1, 2, 3, 4, 5):
        teams.rhi_due(due_in=-timedelta(hours=hours))
    with CaptureQueriesContext(connection) as ctx:
        sweep.run_deadline_sweep(now=NOW)
    # The overdue claims (the only ones comparing due_at with "<"): batches of 2, 2 and 1, the later two
    # starting after the last deadline claimed.
    claims = [
        q["sql"]
        for q in ctx.captured_queries
        if "FOR UPDATE" in q["sql"] and '"rhi_returnhomeinterview"."due_at" <' in q["sql"]
    ]
    assert len(claims) == 3
    assert all('"rhi_returnhomeinterview"."due_at" >' in sql for sql in claims[1:])


@pytest.mark.parametrize(
    ("kind", "deadline"),
    [
        (AlertKind.OVERDUE, "(due_at <"),
        (AlertKind.DUE_SOON, "(due_soon_at <="),
        (AlertKind.CONTACT_OVERDUE, "(contact_due_at <"),
    ],
)
def test_each_rhi_claim_reads_the_running_clocks_through_a_deadline_index(
    teams: ProviderTeams, kind: str, deadline: str
) -> None:
    teams.rhi_due(due_in=-timedelta(hours=1), contact_due_in=-timedelta(hours=30))
    with CaptureQueriesContext(connection) as ctx:
        sweep._claim_rhis(kind, NOW)
    sql = ctx.captured_queries[0]["sql"]
    # Few rows here, so a sequential scan would win on cost: turn it off to see which index the claim can use.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    # Which of the open set's deadline indexes the planner takes on a handful of rows varies; what matters is
    # that the deadline is an index condition (the range due), never a filter over every RHI.
    assert not any("Seq Scan on rhi_returnhomeinterview " in line for line in plan), plan
    assert any("Index Cond" in line and deadline in line for line in plan), plan
