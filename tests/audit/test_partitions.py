"""The audit table is partitioned by month on real PostgreSQL (migration audit/0004, audit/partitions.py): each
event lands in its month's partition, a month with no partition yet still takes events (the DEFAULT partition,
emptied into the month's own partition by the upkeep), retention drops only whole months past the period and
records what it dropped, the append-only trigger holds on the parent and on every partition, and who-has-seen
pages keep their order across a month boundary while a month's query reads only that month's partitions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from audit.models import AuditAction, AuditEvent
from audit.partitions import (
    DEFAULT,
    TABLE,
    add_months,
    maintain_partitions,
    month_partitions,
    month_start,
    partition_name,
)
from audit.selectors import AuditCursor, month_bounds, who_has_seen
from audit.services import record_event

pytestmark = [pytest.mark.django_db(transaction=True)]
RHI_TYPE = "rhi.returnhomeinterview"


@pytest.fixture(autouse=True)
def postgres_partitions() -> Iterator[None]:
    """Months a test creates are dropped afterwards, so every test starts from what the migration made."""
    if connection.vendor != "postgresql":
        pytest.skip("partitions exist only on PostgreSQL (./scripts/test.sh)")
    before = set(month_partitions())
    yield
    with connection.cursor() as cursor:
        for name in set(month_partitions()) - before:
            cursor.execute(f'DROP TABLE "{name}"')


def partition_of(event_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM audit_auditevent WHERE id = %s", [event_id])
        return str(cursor.fetchone()[0])


def event_at(at: datetime, object_id: str = "1") -> AuditEvent:
    return AuditEvent.objects.create(
        at=at, action=AuditAction.VIEW, object_type=RHI_TYPE, object_id=object_id
    )


def test_audit_table_is_partitioned_by_month_with_this_month_the_next_ones_and_a_default() -> None:
    this_month = month_start(datetime.now(UTC))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.partstrat, pg_get_partkeydef(p.partrelid) FROM pg_partitioned_table p"
            " WHERE p.partrelid = %s::regclass",
            [TABLE],
        )
        assert cursor.fetchone() == ("r", "RANGE (at)")
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
            [TABLE],
        )
        assert cursor.fetchone() == ("PRIMARY KEY (id, at)",)
        cursor.execute("SELECT relispartition FROM pg_class WHERE relname = %s", [DEFAULT])
        assert cursor.fetchone() == (True,)
    names = set(month_partitions())
    assert {partition_name(add_months(this_month, step)) for step in range(3)} <= names


def test_an_event_is_stored_in_the_partition_of_its_month_and_found_by_its_id() -> None:
    event = record_event(actor=None, action=AuditAction.VIEW, object_type=RHI_TYPE, object_id="5")
    assert partition_of(event.pk) == partition_name(month_start(event.at))
    assert AuditEvent.objects.get(pk=event.pk).object_id == "5"
    later = record_event(actor=None, action=AuditAction.VIEW, object_type=RHI_TYPE, object_id="5")
    assert later.pk > event.pk


def test_an_event_dated_in_a_month_with_no_partition_is_recorded_and_the_upkeep_moves_it_to_its_month() -> (
    None
):
    far = datetime(2041, 3, 15, 9, 30, tzinfo=UTC)
    assert partition_name(date(2041, 3, 1)) not in month_partitions()
    event = event_at(far, object_id="77")
    assert partition_of(event.pk) == DEFAULT

    report = maintain_partitions(retention_months=0)

    assert partition_name(date(2041, 3, 1)) in report.created and report.moved_rows == 1
    assert partition_of(event.pk) == partition_name(date(2041, 3, 1))
    moved = AuditEvent.objects.get(pk=event.pk)
    assert (moved.at, moved.object_id, moved.action) == (far, "77", "view")
    assert maintain_partitions(retention_months=0).created == []  # idempotent
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent_default")
        assert cursor.fetchone() == (0,)


def test_retention_drops_only_months_past_the_period_and_records_each_drop_as_an_audit_event() -> None:
    old = [event_at(datetime(2018, 3, 10, tzinfo=UTC)), event_at(datetime(2018, 3, 20, tzinfo=UTC))]
    border = event_at(datetime(2019, 11, 30, 23, 59, tzinfo=UTC))
    kept = event_at(datetime(2019, 12, 1, 0, 0, tzinfo=UTC))
    recent = record_event(actor=None, action=AuditAction.VIEW, object_type=RHI_TYPE, object_id="9")

    # 84 months before December 2026 is December 2019: every month wholly before it goes.
    report = maintain_partitions(now=datetime(2026, 12, 15, tzinfo=UTC), retention_months=84)

    assert report.dropped == {partition_name(date(2018, 3, 1)): 2, partition_name(date(2019, 11, 1)): 1}
    remaining = set(AuditEvent.objects.values_list("pk", flat=True))
    assert {kept.pk, recent.pk} <= remaining
    assert not {old[0].pk, old[1].pk, border.pk} & remaining
    assert partition_name(date(2019, 12, 1)) in month_partitions()
    disposals = AuditEvent.objects.filter(object_type="audit.partition").order_by("object_id")
    assert [(d.action, d.object_id, d.detail["month"], d.detail["rows"]) for d in disposals] == [
        ("delete", partition_name(date(2018, 3, 1)), "2018-03", 2),
        ("delete", partition_name(date(2019, 11, 1)), "2019-11", 1),
    ]
    assert all(d.actor_id is None and d.detail["retention_months"] is not None for d in disposals)


def test_retention_of_zero_months_keeps_every_month() -> None:
    event = event_at(datetime(2015, 1, 5, tzinfo=UTC))
    assert maintain_partitions(retention_months=0).dropped == {}
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_command_reports_what_it_created_and_dropped(capsys: pytest.CaptureFixture[str]) -> None:
    event_at(datetime(2016, 5, 5, tzinfo=UTC))
    call_command("audit_partitions", "--retention-months", "120")
    out = capsys.readouterr().out
    assert f"created {partition_name(date(2016, 5, 1))}" in out
    assert f"dropped {partition_name(date(2016, 5, 1))} (1 rows)" in out


@pytest.mark.parametrize("statement", ["UPDATE {} SET object_id = 'x'", "DELETE FROM {}"])
def test_update_and_delete_are_refused_on_the_parent_and_directly_on_a_partition(statement: str) -> None:
    event = record_event(actor=None, action=AuditAction.VIEW, object_type=RHI_TYPE, object_id="3")
    future = event_at(datetime(2040, 1, 2, tzinfo=UTC))  # in the DEFAULT partition
    for table in (TABLE, partition_of(event.pk), DEFAULT):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement.format(f'"{table}"'))
    assert AuditEvent.objects.filter(pk__in=[event.pk, future.pk], object_id__in=["3", "1"]).count() == 2


def test_who_has_seen_pages_newest_first_across_a_month_boundary() -> None:
    this_month = month_start(datetime.now(UTC))
    boundary = datetime.combine(add_months(this_month, 2), datetime.min.time(), tzinfo=UTC)
    moments = [boundary + timedelta(minutes=m) for m in (-90, -30, -1, 0, 1, 45, 45)]
    events = [event_at(at, object_id="42") for at in moments]
    event_at(boundary, object_id="43")  # another RHI's event, never on this RHI's pages
    assert len({partition_of(e.pk) for e in events}) == 2

    seen: list[tuple[datetime, str]] = []
    cursor: AuditCursor | None = None
    pages = 0
    while True:
        rows, cursor = who_has_seen({RHI_TYPE: ["42"]}, cursor=cursor, limit=3)
        seen += [(row.at, row.record) for row in rows]
        pages += 1
        if cursor is None:
            break
    assert pages == 3
    assert [at for at, _record in seen] == sorted(moments, reverse=True)
    assert {record for _at, record in seen} == {"RHI 42"}


def test_a_months_who_has_seen_query_reads_only_the_partitions_of_that_month() -> None:
    month = add_months(month_start(datetime.now(UTC)), 1)
    since, until = month_bounds(month)
    plan = (
        AuditEvent.objects.filter(object_type=RHI_TYPE, object_id__in=["1", "2"], at__gte=since, at__lt=until)
        .order_by("-at", "-pk")[:51]
        .explain()
    )
    read = {name for name in month_partitions() if name in plan} | ({DEFAULT} if DEFAULT in plan else set())
    # A UK month starts at midnight London time, an hour before midnight UTC in summer.
    assert read <= {partition_name(month), partition_name(add_months(month, -1))}
    assert partition_name(month) in read


def test_converting_a_populated_plain_table_keeps_every_row_its_ids_and_the_append_only_lock() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0003_auditevent_client_request_id")])
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [TABLE])
            assert cursor.fetchone() == ("r",)
            for at, object_id in ((datetime(2025, 1, 31, 23, 0, tzinfo=UTC), "1"), (datetime.now(UTC), "2")):
                cursor.execute(
                    "INSERT INTO audit_auditevent (at, action, outcome, object_type, object_id, level, request_id,"
                    " client_request_id, path_name, detail) VALUES (%s, 'view', 'allowed', %s, %s, '', '', '',"
                    " '', '{}') RETURNING id",
                    [at, RHI_TYPE, object_id],
                )
        before = sorted(AuditEvent.objects.values_list("pk", "at", "object_id"))
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate([("audit", "0004_partition_by_month")])

    assert sorted(AuditEvent.objects.values_list("pk", "at", "object_id")) == before
    assert partition_of(before[0][0]) == partition_name(date(2025, 1, 1))
    assert partition_name(date(2025, 2, 1)) in month_partitions()  # every month from the oldest row on
    newer = record_event(actor=None, action=AuditAction.VIEW, object_type=RHI_TYPE, object_id="3")
    assert newer.pk > max(pk for pk, _at, _id in before)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=before[0][0]).update(object_id="x")


def test_who_has_seen_reads_newest_months_first_yet_misses_no_older_or_future_dated_event() -> None:
    now = datetime.now(UTC)
    moments = [now + timedelta(days=5 * 365), now - timedelta(days=1)] + [
        now - timedelta(days=30 * months) for months in (2, 3, 4, 10, 30)
    ]
    for at in moments:
        event_at(at, object_id="51")
    seen: list[datetime] = []
    cursor: AuditCursor | None = None
    while True:
        rows, cursor = who_has_seen({RHI_TYPE: ["51"]}, cursor=cursor, limit=2)
        seen += [row.at for row in rows]
        if cursor is None:
            break
    assert seen == sorted(moments, reverse=True)
    since, until = month_bounds(month_start(now - timedelta(days=300)))
    rows, _next = who_has_seen({RHI_TYPE: ["51"]}, since=since, until=until)
    assert [row.at for row in rows] == [at for at in moments if since <= at < until]
