"""The sweep reads only what became due or was written since its watermark (alerts.watermarks), and loses
nothing: clocks rewritten into the past, an outage of hours, a clock held by another transaction.

These tests commit (``transaction=True``): the watermark compares the transactions that wrote each clock with
the last sweep's snapshot, and inside one test transaction every row would count as written since."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
import time_machine
from django.db import connection, connections, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts import sweep
from alerts.models import AlertKind, DeadlineAlert, Notification, SweepWatermark
from rhi.models import AWAITING_CONTACT_STATES, CLOCK_RUNNING_STATES, ReturnHomeInterview, RHIState
from tests.alerts.world import NOW, ProviderTeams

pytestmark = pytest.mark.django_db(transaction=True)

RHI_TABLE = ReturnHomeInterview._meta.db_table
RHI_KINDS = (AlertKind.DUE_SOON, AlertKind.OVERDUE, AlertKind.CONTACT_OVERDUE)


def _alerted(kind: str) -> set[int]:
    return set(DeadlineAlert.objects.filter(kind=kind).values_list("rhi_id", flat=True))


def _rows_read(node: dict[str, Any]) -> int:
    """Rows the plan node and its children read from the RHI table (actual rows × loops)."""
    own = node["Actual Rows"] * node["Actual Loops"] if node.get("Relation Name") == RHI_TABLE else 0
    return own + sum(_rows_read(child) for child in node.get("Plans", []))


def _rhi_rows_read_by_sweep(now: datetime) -> int:
    """Run a sweep, then replay each of its reads of the RHI table under EXPLAIN ANALYZE (in a transaction
    rolled back): how many RHI rows the sweep's claims and checks read."""
    with CaptureQueriesContext(connection) as ctx:
        sweep.run_deadline_sweep(now=now)
    reads = [
        q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT") and RHI_TABLE in q["sql"]
    ]
    assert reads
    total = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in reads:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            total += _rows_read(cursor.fetchone()[0][0]["Plan"])
        transaction.set_rollback(True)
    return total


def test_an_alerted_overdue_clock_is_not_read_again_by_the_next_sweep(teams: ProviderTeams) -> None:
    overdue = [
        teams.rhi_due(due_in=-timedelta(hours=h), contact_due_in=-timedelta(hours=40)) for h in (1, 2, 3)
    ]
    sweep.run_deadline_sweep(now=NOW)
    assert _alerted(AlertKind.OVERDUE) == {rhi.pk for rhi in overdue}

    # Still open, still overdue, already alerted: the next sweeps read none of them (whatever other xdist workers'
    # transactions in their own databases of this cluster are doing: the mark is this database's).
    minute = 1
    assert _rhi_rows_read_by_sweep(NOW + timedelta(minutes=minute + 1)) == 0
    assert _rhi_rows_read_by_sweep(NOW + timedelta(minutes=minute + 2)) == 0
    # Without the watermarks (a first sweep) the same sweep reads every alerted clock again.
    SweepWatermark.objects.all().delete()
    assert _rhi_rows_read_by_sweep(NOW + timedelta(minutes=minute + 3)) >= 2 * len(overdue)


@contextmanager
def open_transaction_in(database: str) -> Iterator[int]:
    """A session of its own in ``database`` (same server), in a transaction that has written nothing but holds
    a transaction id, open for the block: the id."""
    settings_dict = connection.settings_dict
    with (
        psycopg.connect(
            host=settings_dict["HOST"],
            port=settings_dict["PORT"],
            user=settings_dict["USER"],
            password=settings_dict["PASSWORD"] or None,
            dbname=database,
        ) as other,
        other.transaction(),
    ):
        row = other.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()
        assert row is not None
        yield int(row[0])


def test_a_long_transaction_in_another_database_of_the_cluster_does_not_hold_the_sweep_back(
    teams: ProviderTeams,
) -> None:
    # A report running for hours in another database of the same cluster (transaction ids are cluster-wide).
    with open_transaction_in("postgres") as elsewhere:
        overdue = [teams.rhi_due(due_in=-timedelta(hours=h)) for h in (1, 2)]
        sweep.run_deadline_sweep(now=NOW)
        assert _alerted(AlertKind.OVERDUE) == {rhi.pk for rhi in overdue}
        assert SweepWatermark.objects.get(kind=AlertKind.OVERDUE).changes_from > elsewhere
        assert _rhi_rows_read_by_sweep(NOW + timedelta(minutes=1)) == 0


def test_a_transaction_open_in_this_database_holds_the_mark_until_it_ends(teams: ProviderTeams) -> None:
    name = connection.settings_dict["NAME"]
    with open_transaction_in(name) as here:
        overdue = [teams.rhi_due(due_in=-timedelta(hours=h)) for h in (1, 2)]
        sweep.run_deadline_sweep(now=NOW)
        # It could still commit a write to a clock, so the mark stays at it and the clocks written since are
        # read again (safely: each alert is recorded once).
        assert SweepWatermark.objects.get(kind=AlertKind.OVERDUE).changes_from <= here
        assert _rhi_rows_read_by_sweep(NOW + timedelta(minutes=1)) >= len(overdue)
    sweep.run_deadline_sweep(now=NOW + timedelta(minutes=2))  # the mark moves past them once it has ended
    assert _rhi_rows_read_by_sweep(NOW + timedelta(minutes=3)) == 0
    assert DeadlineAlert.objects.filter(kind=AlertKind.OVERDUE).count() == len(overdue)


def test_a_clock_rewritten_into_the_past_after_the_watermark_is_still_alerted(teams: ProviderTeams) -> None:
    on_track = teams.rhi_due(due_in=timedelta(hours=30))
    sweep.run_deadline_sweep(now=NOW)
    assert not DeadlineAlert.objects.exists()
    assert SweepWatermark.objects.get(kind=AlertKind.OVERDUE).swept_to == NOW

    # A bulk update outside any service (a data fix): the trigger still marks the row as written.
    ReturnHomeInterview.objects.filter(pk=on_track.pk).update(
        due_at=NOW - timedelta(hours=2), due_soon_at=NOW - timedelta(hours=26)
    )
    result = sweep.run_deadline_sweep(now=NOW + timedelta(minutes=1))

    assert result.recorded[AlertKind.OVERDUE] == 1
    assert _alerted(AlertKind.OVERDUE) == {on_track.pk}
    assert Notification.objects.filter(alert__rhi=on_track, recipient=teams.worker).exists()


def test_a_clock_running_again_after_the_watermark_is_alerted(teams: ProviderTeams) -> None:
    rhi = teams.rhi_due(due_in=-timedelta(hours=5))
    ReturnHomeInterview.objects.filter(pk=rhi.pk).update(state=RHIState.DRAFTING)  # interview held
    sweep.run_deadline_sweep(now=NOW)
    assert not DeadlineAlert.objects.exists()

    ReturnHomeInterview.objects.filter(pk=rhi.pk).update(state=RHIState.CONTACTING)
    sweep.run_deadline_sweep(now=NOW + timedelta(minutes=1))

    assert _alerted(AlertKind.OVERDUE) == {rhi.pk}


def test_an_outage_of_six_hours_catches_up_every_alert_exactly_once(teams: ProviderTeams) -> None:
    # A clock due every 20 minutes over the next 12 hours, due soon an hour before its deadline.
    for i in range(36):
        teams.rhi_due(due_in=timedelta(minutes=20 * i + 10))
    mine = ReturnHomeInterview.objects.filter(provider=teams.provider)
    mine.update(due_soon_at=F("due_at") - timedelta(hours=1))
    clocks = [
        (pk, soon, due) for pk, soon, due in mine.values_list("pk", "due_soon_at", "due_at") if soon and due
    ]
    sweeps = [NOW, *(NOW + timedelta(hours=6, minutes=30 * i) for i in range(15))]
    with time_machine.travel(NOW, tick=False) as traveller:
        sweep.run_deadline_sweep()
        traveller.move_to(sweeps[1])  # the beat and the workers were down for six hours
        caught_up = sweep.run_deadline_sweep()
        for at in sweeps[2:]:  # then every half hour until every clock is past its deadline
            traveller.move_to(at)
            sweep.run_deadline_sweep()

    assert caught_up.recorded[AlertKind.OVERDUE] == sum(due < sweeps[1] for _, _, due in clocks) > 0
    assert _alerted(AlertKind.OVERDUE) == {pk for pk, _, _ in clocks}
    # Once each (the unique constraint would refuse a second; the count also proves none is missing).
    assert DeadlineAlert.objects.filter(kind=AlertKind.OVERDUE).count() == len(clocks)
    # Due soon: every clock inside its last hour at some sweep, none of those that crossed it in the outage.
    expected_soon = {pk for pk, soon, due in clocks if any(soon <= at <= due for at in sweeps)}
    assert _alerted(AlertKind.DUE_SOON) == expected_soon
    assert 0 < len(expected_soon) < len(clocks)


@pytest.fixture
def held_clock(teams: ProviderTeams) -> Iterator[tuple[ReturnHomeInterview, threading.Event]]:
    """An overdue clock locked by another connection (a service mid-write) until the event is set."""
    rhi = teams.rhi_due(due_in=-timedelta(hours=1))
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                ReturnHomeInterview.objects.select_for_update().get(pk=rhi.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=10)
    yield rhi, release
    release.set()
    holder.join()


def test_a_clock_skipped_while_locked_holds_the_watermark_back_and_is_alerted_next_time(
    teams: ProviderTeams, held_clock: tuple[ReturnHomeInterview, threading.Event]
) -> None:
    rhi, release = held_clock
    sweep.run_deadline_sweep(now=NOW)
    assert rhi.pk not in _alerted(AlertKind.OVERDUE)
    assert not SweepWatermark.objects.filter(kind=AlertKind.OVERDUE).exists()
    sweep.run_deadline_sweep(now=NOW + timedelta(minutes=1))  # still held: still not past it

    release.set()
    sweep.run_deadline_sweep(now=NOW + timedelta(minutes=2))
    assert _alerted(AlertKind.OVERDUE) == {rhi.pk}
    assert SweepWatermark.objects.get(kind=AlertKind.OVERDUE).swept_to == NOW + timedelta(minutes=2)


# --- Every running clock past its threshold at a sweep gets one alert, whatever happens between sweeps ------


@dataclass
class Clock:
    """The reference's copy of one RHI: its state and completion deadline (due soon 24 h and first contact 48 h
    before it)."""

    state: str
    due_at: datetime

    def crossed(self, kind: str, now: datetime) -> bool:
        """The sweep's rule for each kind (alerts.sweep._rhi_candidates), in Python."""
        if kind == AlertKind.OVERDUE:
            return self.state in CLOCK_RUNNING_STATES and self.due_at < now
        if kind == AlertKind.DUE_SOON:
            return (
                self.state in CLOCK_RUNNING_STATES and self.due_at - timedelta(hours=24) <= now <= self.due_at
            )
        return self.state in AWAITING_CONTACT_STATES and self.due_at - timedelta(hours=48) < now


def _write(rhi_id: int, clock: Clock) -> None:
    ReturnHomeInterview.objects.filter(pk=rhi_id).update(
        state=clock.state,
        due_at=clock.due_at,
        due_soon_at=clock.due_at - timedelta(hours=24),
        contact_due_at=clock.due_at - timedelta(hours=48),
        clock_started_at=clock.due_at - timedelta(hours=72),
    )


_STATES = st.sampled_from([RHIState.ALLOCATED, RHIState.CONTACTING, RHIState.DRAFTING])
_OFFSET = st.integers(min_value=-80, max_value=80).map(lambda h: timedelta(hours=h))
_STEP = st.one_of(
    st.tuples(
        st.just("sweep"), st.integers(min_value=0, max_value=60 * 30).map(lambda m: timedelta(minutes=m))
    ),
    st.tuples(st.just("write"), st.tuples(st.integers(min_value=0, max_value=3), _STATES, _OFFSET)),
)


@pytest.fixture
def four_clocks(teams: ProviderTeams) -> list[int]:
    """Four RHIs each example rewrites (hypothesis runs every example in the one test's fixtures)."""
    return [teams.rhi_due(due_in=timedelta(hours=100)).pk for _ in range(4)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.lists(st.tuples(_STATES, _OFFSET), min_size=4, max_size=4),
    steps=st.lists(_STEP, min_size=1, max_size=8),
)
def test_the_alerts_are_those_of_every_clock_past_its_threshold_at_some_sweep(
    four_clocks: list[int],
    start: list[tuple[str, timedelta]],
    steps: list[tuple[str, Any]],
) -> None:
    DeadlineAlert.objects.all().delete()
    SweepWatermark.objects.all().delete()
    ids = four_clocks
    clocks = [Clock(state=state, due_at=NOW + offset) for state, offset in start]
    for rhi_id, clock in zip(ids, clocks, strict=True):
        _write(rhi_id, clock)
    expected: dict[str, set[int]] = {kind: set() for kind in RHI_KINDS}
    now = NOW
    for action, value in [*steps, ("sweep", timedelta(0))]:
        if action == "write":
            index, state, offset = value
            clocks[index] = Clock(state=state, due_at=NOW + offset)
            _write(ids[index], clocks[index])
            continue
        now += value
        sweep.run_deadline_sweep(now=now)
        for kind in RHI_KINDS:
            expected[kind] |= {
                rhi_id for rhi_id, clock in zip(ids, clocks, strict=True) if clock.crossed(kind, now)
            }

    assert {kind: _alerted(kind) for kind in RHI_KINDS} == expected
