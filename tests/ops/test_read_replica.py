"""The read replica (core/replica.py, docs/database.md) against a real PostgreSQL hot standby: the one
./scripts/test.sh starts with pg_basebackup -R and streams the test database to. Reporting reads (an export job,
the performance pages, an API sync) are served by the standby; a user's own fresh writes are read from the
primary; writes and migrations never go to the standby; with no replica configured (or the embedded SQLite
default) every read is the primary's.

These tests are transactional: the standby sees only committed rows, and replication is asynchronous, so each
test waits until the standby has replayed the primary's WAL before it reads through it (``replayed``)."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction
from django.db.utils import InternalError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import Settings

from accounts.models import ApiScope, Commission, Organisation, Role, User
from audit.models import AuditAction
from audit.services import record_event
from core.replica import ReadYourWritesMiddleware, ReplicaRouter, read_alias, read_connection, stale_reads
from missing_episodes.models import Gender, LegalStatus
from reporting.models import ExportFormat, ExportJob, ExportState, ReturnKind
from reporting.services import run_export
from tests.api.conftest import as_client, new_client
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory, ProviderFactory

ROOT = Path(__file__).resolve().parents[2]
REPLICA_RUN = bool(os.environ.get("DATABASE_REPLICA_URL"))
pytestmark = [
    pytest.mark.skipif(not REPLICA_RUN, reason="no replica: ./scripts/test.sh starts one"),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


def in_recovery(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        row = cursor.fetchone()
    assert row is not None
    return bool(row[0])


def replayed() -> None:
    """Wait until the standby has applied everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        # The insert position, not pg_current_wal_lsn() (the write position): the test cluster runs with
        # synchronous_commit=off, so a commit's record can still sit in the WAL buffers, behind the write position.
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        (target,) = cursor.fetchone() or ("",)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if (cursor.fetchone() or (False,))[0]:
                return
        time.sleep(0.02)
    pytest.fail("the standby did not replay the primary's WAL within 30 s")


def sql_of(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


@pytest.fixture
def la() -> Organisation:
    authority = LocalAuthorityFactory.create(code="202", name="Camden")
    for number in range(3):
        child = ChildFactory.create(
            responsible_la=authority,
            la_child_id=f"J{number}",
            gender=Gender.MALE,
            legal_status=LegalStatus.LOOKED_AFTER,
            date_of_birth=date(2011, 1, 1),
        )
        MissingEpisodeFactory.create(
            child=child,
            missing_at=datetime(2025, 6, 1 + number, 12, tzinfo=UTC),
            returned_at=datetime(2025, 6, 2 + number, 12, tzinfo=UTC),
        )
    return authority


@pytest.fixture
def lead(la: Organisation) -> User:
    return user_with_role(Role.PERFORMANCE_LEAD, organisation=la)


def forget_pins(*users: User) -> None:
    for user in users:
        caches[settings.RHI_REPLICA_PIN_CACHE].delete(f"rhi:replica-pin:{user.pk}")


def test_a_read_that_may_be_stale_goes_to_the_hot_standby_and_any_other_read_to_the_primary() -> None:
    assert read_alias() == "default"
    assert not in_recovery(read_alias())
    assert Organisation.objects.all().db == "default"
    with stale_reads():
        assert read_alias() == "replica"
        assert in_recovery(read_alias())
        assert Organisation.objects.all().db == "replica"
        assert read_connection().alias == "replica"


def test_a_performance_leads_export_reads_its_return_from_the_standby_and_writes_its_job_on_the_primary(
    la: Organisation, lead: User, settings: Settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    job = ExportJob.objects.create(
        requested_by=lead,
        return_kind=ReturnKind.SSDA903_MISSING,
        local_authority=la,
        date_from=date(2025, 4, 1),
        date_to=date(2026, 3, 31),
        format=ExportFormat.CSV,
    )
    replayed()

    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        run_export(job_id=job.pk)

    job.refresh_from_db()
    assert (job.state, job.rows) == (ExportState.DONE, 6)  # 3 Missing + 3 Header rows, read from the standby
    assert any("missing_episodes_" in sql for sql in sql_of(on_replica))
    assert not any("missing_episodes_" in sql for sql in sql_of(on_primary))
    assert not any(sql.lstrip().upper().startswith(("INSERT", "UPDATE")) for sql in sql_of(on_replica))
    assert any('UPDATE "reporting_exportjob"' in sql for sql in sql_of(on_primary))
    assert any('INSERT INTO "audit_auditevent"' in sql for sql in sql_of(on_primary))


def test_a_performance_lead_opening_the_dashboard_is_served_by_the_standby(
    client: Client, la: Organisation, lead: User
) -> None:
    forget_pins(lead)
    client.force_login(lead)
    replayed()

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = client.get(reverse("performance:dashboard"), {"la": str(la.pk)})

    assert response.status_code == 200
    assert any("missing_episodes_" in sql for sql in sql_of(on_replica))


def test_a_write_inside_a_stale_read_block_goes_to_the_primary_and_the_standby_then_has_it() -> None:
    with stale_reads():
        authority = LocalAuthorityFactory.create(code="909", name="Northshire")  # committed on the primary
        replayed()
        assert Organisation.objects.filter(pk=authority.pk).db == "replica"
        assert Organisation.objects.filter(pk=authority.pk).exists()  # and streamed to the standby
    with (
        pytest.raises(InternalError, match="read-only transaction"),
        connections["replica"].cursor() as cursor,
    ):
        cursor.execute("UPDATE accounts_organisation SET name = 'x'")


def test_migrations_and_writes_never_target_the_replica() -> None:
    router = ReplicaRouter()
    assert router.allow_migrate("default", "missing_episodes") is True
    assert router.allow_migrate("replica", "missing_episodes") is False
    with stale_reads():
        assert router.db_for_write(Organisation) == "default"


def test_reads_inside_a_transaction_on_the_primary_use_the_primary() -> None:
    with stale_reads(), transaction.atomic():
        assert read_alias() == "default"
        assert not in_recovery(read_alias())


def _request(user: User) -> HttpRequest:
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_a_request_that_wrote_a_record_reads_it_back_from_the_primary(la: Organisation, lead: User) -> None:
    forget_pins(lead)
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        with stale_reads():
            seen.append(read_alias())
        Organisation.objects.filter(pk=la.pk).update(name="Camden Council")
        with stale_reads():
            seen.append(read_alias())
        return HttpResponse()

    ReadYourWritesMiddleware(view)(_request(lead))

    assert seen == ["replica", "default"]


def test_a_user_who_wrote_reads_the_primary_for_the_pin_window_while_others_read_the_standby(
    la: Organisation, lead: User, settings: Settings
) -> None:
    settings.RHI_REPLICA_PIN_SECONDS = 1
    colleague = user_with_role(Role.PERFORMANCE_LEAD, organisation=la)
    forget_pins(lead, colleague)

    def write(request: HttpRequest) -> HttpResponse:
        Organisation.objects.filter(pk=la.pk).update(name="Camden Council")
        return HttpResponse()

    def read(request: HttpRequest) -> HttpResponse:
        with stale_reads():
            return HttpResponse(read_alias())

    def reads_from(user: User) -> str:
        return ReadYourWritesMiddleware(read)(_request(user)).content.decode()

    assert reads_from(lead) == "replica"
    ReadYourWritesMiddleware(write)(_request(lead))
    assert (reads_from(lead), reads_from(colleague)) == ("default", "replica")
    time.sleep(1.2)
    assert reads_from(lead) == "replica"


def test_a_page_views_own_audit_event_does_not_send_the_next_reads_to_the_primary(lead: User) -> None:
    forget_pins(lead)

    def view(request: HttpRequest) -> HttpResponse:
        record_event(actor=lead, action=AuditAction.VIEW, obj=None, detail={"page": "test"})
        with stale_reads():
            return HttpResponse(read_alias())

    assert ReadYourWritesMiddleware(view)(_request(lead)).content == b"replica"


def test_an_api_clients_changed_since_sync_is_served_by_the_standby_and_its_plain_list_by_the_primary() -> (
    None
):
    la = LocalAuthorityFactory.create()
    provider = ProviderFactory.create()
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2020, 1, 1))
    for _ in range(3):
        MissingEpisodeFactory.create(child=ChildFactory.create(responsible_la=la), returned_at=None)
    api = as_client(new_client(provider, [ApiScope.EPISODES_READ]))
    episodes = reverse("api:episode-list")
    assert api.get(episodes).status_code == 200  # the first call stamps last_used_at: bookkeeping, no pin
    replayed()

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        synced = api.get(episodes + "?changed_since=2020-01-01T00:00:00Z")
    with CaptureQueriesContext(connections["replica"]) as plain_on_replica:
        plain = api.get(episodes)

    assert synced.status_code == plain.status_code == 200
    assert len(synced.json()["results"]) == len(plain.json()["results"]) == 3
    assert any("missing_episodes_missingepisode" in sql for sql in sql_of(on_replica))
    assert not any("missing_episodes_missingepisode" in sql for sql in sql_of(plain_on_replica))
