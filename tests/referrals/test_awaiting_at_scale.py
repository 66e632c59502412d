"""The worker's home reads the referrals awaiting acknowledgement once, through the awaiting set's own index: the
panel agrees with the full list, its query count does not grow with the worker's history, and PostgreSQL can
answer it from the partial index (docs/benchmarks.md, "Pages within budget (issue 18)")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from referrals import selectors
from referrals.models import Referral
from rhi.models import ReturnHomeInterview, RHIState
from tests.casework import NOW, Case, build_case, refer
from tests.factories_domain import RHIFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("casework_clock")]


def history(case: Case, *, rhis: int) -> None:
    """Closed RHIs of the worker, each with one acknowledged and one awaiting referral (one of them overdue)."""
    sent = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    for number in range(rhis):
        rhi = RHIFactory.create(
            child=case.child,
            provider=case.provider,
            team=case.team,
            allocated_worker=case.worker,
            state=RHIState.CANCELLED,
        )
        for acknowledged in (True, False):
            Referral.objects.create(
                rhi=rhi,
                service="camhs",
                reason="Low mood.",
                created_by=case.worker,
                sent_at=sent,
                acknowledgement_due_at=sent + timedelta(days=number % 60),
                acknowledged_at=sent + timedelta(days=1) if acknowledged else None,
            )


def test_the_home_panel_shows_the_first_five_of_the_full_list_with_its_total_and_overdue_counts() -> None:
    case = build_case()
    refer(case, sent_at=datetime(2026, 6, 9, 10, 0, tzinfo=UTC))  # due after NOW: not overdue
    history(case, rhis=7)
    other = build_case(prefix="other-")
    refer(other, by=other.worker)

    full = list(selectors.awaiting_acknowledgement_for(case.worker, now=NOW))
    summary = selectors.awaiting_acknowledgement_summary(case.worker, now=NOW, shown=5)

    assert [r.pk for r in summary.shown] == [r.pk for r in full[:5]]
    assert summary.total == len(full) == 8
    assert (
        summary.overdue
        == sum(1 for r in full if r.acknowledgement_due_at and r.acknowledgement_due_at < NOW)
        == 7
    )
    assert all(hasattr(r, "overdue") and r.rhi.child_id for r in summary.shown)


def test_a_worker_with_nothing_awaiting_gets_an_empty_panel() -> None:
    case = build_case()
    summary = selectors.awaiting_acknowledgement_summary(case.worker, now=NOW, shown=5)
    assert (summary.shown, summary.total, summary.overdue) == ([], 0, 0)


def _home_queries(client: Client, worker: User) -> int:
    client.force_login(worker)
    client.get(reverse("home"))  # the session and caches settle on the first view
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_workers_home_asks_the_same_number_of_queries_after_years_of_referrals(client: Client) -> None:
    case = build_case()
    refer(case)
    few = _home_queries(client, case.worker)
    history(case, rhis=40)
    html = client.get(reverse("home")).content.decode()

    assert _home_queries(client, case.worker) == few
    assert "41 referrals you made are waiting to be acknowledged" in html


def test_the_awaiting_set_is_read_from_its_partial_index() -> None:
    case = build_case()
    refer(case)
    history(case, rhis=3)
    lean = (
        selectors.awaiting_acknowledgement_for(case.worker, now=NOW)
        .select_related(None)
        .values_list("pk", flat=True)
    )
    sql, params = lean.query.sql_with_params()
    # Few rows here, so a sequential scan would win on cost: turn it off to ask whether the query's condition is
    # one a partial index answers (it is not, the moment the selector and the indexes' conditions disagree).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Either partial index of the awaiting set (by RHI, or by due time) will do: both hold only that set.
    assert "using referral_awaiting_" in plan.lower()
    # Which index then finds the worker's RHIs (rhi_worker_scope_idx or the primary key) is the planner's
    # choice on a table this small; docs/benchmarks.md has the plan on the large data.
    assert ReturnHomeInterview.objects.filter(allocated_worker=case.worker).count() == 4
