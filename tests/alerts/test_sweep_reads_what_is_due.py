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


# Each claim and the one partial index over the running clocks that serves it in (deadline, id) order.
_CLAIM_INDEX = [
    (AlertKind.OVERDUE, "rhi_running_due_idx", "(due_at <"),
    (AlertKind.DUE_SOON, "rhi_running_due_soon_idx", "(due_soon_at <="),
    (AlertKind.CONTACT_OVERDUE, "rhi_awaiting_contact_due_idx", "(contact_due_at <"),
]


@pytest.mark.parametrize(("kind", "index", "deadline"), _CLAIM_INDEX)
def test_each_rhi_claim_can_be_read_through_its_deadline_index_alone(
    teams: ProviderTeams, kind: str, index: str, deadline: str
) -> None:
    teams.rhi_due(due_in=-timedelta(hours=1), contact_due_in=-timedelta(hours=30))
    with CaptureQueriesContext(connection) as ctx:
        list(sweep._claim_rhis(kind, NOW).rows)
    sql = ctx.captured_queries[0]["sql"]
    # On a handful of rows the planner's pick among indexes follows whatever statistics the table last had, so
    # asking which one it picks here proves nothing. Asking whether the claim *can* be served by its index does:
    # inside this test's transaction (rolled back after it) every other secondary index of the table is dropped
    # and sequential scans are priced out. If the claim's condition did not imply the index's predicate, or the
    # deadline were not a range on its first column, the plan would fall back to a scan with a filter.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'rhi_returnhomeinterview' "
            "AND indexname <> %s AND indexname NOT LIKE '%%_pkey'",
            [index],
        )
        for (other,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{other}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    assert any(index in line for line in plan), plan
    assert any("Index Cond" in line and deadline in line for line in plan), plan


@pytest.mark.parametrize("kind", [AlertKind.OVERDUE, AlertKind.DUE_SOON, AlertKind.CONTACT_OVERDUE])
def test_each_claim_of_clocks_written_since_the_watermark_can_be_read_through_its_index_alone(
    teams: ProviderTeams, kind: str
) -> None:
    teams.rhi_due(due_in=-timedelta(hours=1), contact_due_in=-timedelta(hours=30))
    with CaptureQueriesContext(connection) as ctx:
        list(sweep._claim_written_rhis(kind, NOW, changes_from=1).rows)
    sql = ctx.captured_queries[0]["sql"]
    # As above: every other index dropped in a rolled-back transaction, sequential scans priced out.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'rhi_returnhomeinterview' "
            "AND indexname <> 'rhi_running_written_idx' AND indexname NOT LIKE '%%_pkey'"
        )
        for (other,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{other}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    assert any("rhi_running_written_idx" in line for line in plan), plan
    assert any("Index Cond" in line and "(last_write_xid >=" in line for line in plan), plan
