"""``manage.py benchmark --only http`` serves the demo data with real gunicorn, signs each role in through the
sign-in form, loads every page and API list with real wrk, and leaves the database as it found it; it never
serves beyond this machine."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiClient, Organisation, User
from audit.models import AuditEvent

EXPECTED_PAGES = {
    "worker home",
    "RHI page",
    "child page",
    "manager home",
    "deadline dashboard",
    "dashboard: overdue",
    "dashboard: unallocated",
    "dashboard: one worker",
    "who has seen: RHI",
    "who has seen: child",
    "LA admin home",
    "police home",
    "police: episodes",
    "police: shared with us",
    "partner: shared with us",
    "performance dashboard",
    "performance return",
    "performance return PDF",
    "API episodes",
    "API RHIs",
    "API referrals",
    "API children search",
    "API changed_since sync page",
}
NUMBERS = ("p50_ms", "p95_ms", "p99_ms", "req_per_s", "cpu_ms_per_request", "queries", "queries_small")


@pytest.mark.django_db(transaction=True)
def test_the_http_section_loads_every_page_of_every_role_over_gunicorn_and_wrk_without_an_error() -> None:
    call_command("seed_demo", "--size", "small", "--seed", "1", stdout=StringIO())
    # The police coordinator has an authenticator app: signing in takes the security code step too.
    TOTPDevice.objects.create(
        user=User.objects.get(username="police"), name="Authenticator app", confirmed=True
    )
    organisations = Organisation.objects.count()
    audit_events = AuditEvent.objects.count()
    out, err = StringIO(), StringIO()

    call_command(
        "benchmark",
        "--only",
        "http",
        "--duration",
        "1",
        # One level keeps the test's wall time down (each page is loaded for at least a second per level): the
        # one the targets are checked at. The levels loop is the same for any list.
        "--concurrency",
        "1",
        # The small data set is this database itself: the test seeds only once.
        "--small-database",
        connection.settings_dict["NAME"],
        stdout=out,
        stderr=err,
    )

    figures = json.loads(out.getvalue())["http"]
    rows = figures["rows"]
    assert {row["page"] for row in rows} == EXPECTED_PAGES
    assert {row["concurrency"] for row in rows} == {1}
    for row in rows:
        assert row["errors"] == 0 and row["first_status"] == 200, (row["page"], row)
        assert row["requests"] > 0, (row["page"], row)
        for key in NUMBERS:
            assert isinstance(row[key], int | float) and row[key] >= 0, (key, row)
        assert not row["queries_differ"], row  # the same database on both sides
    assert [
        row["meets_target"] for row in rows if row["page"] == "worker home" and row["concurrency"] == 1
    ] in (
        [True],
        [False],
    )
    assert figures["machine_before"]["cpus"] >= 1 and len(figures["machine_after"]["load_1_5_15"]) == 3
    table = err.getvalue()
    assert "p95 ms" in table and "API changed_since sync page" in table and "Missed targets:" in table
    # Everything the load wrote went to a throwaway copy, dropped afterwards; the in-process counts rolled back.
    assert Organisation.objects.count() == organisations
    assert AuditEvent.objects.count() == audit_events
    assert not ApiClient.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", ["%\\_http\\_%"])
        assert cursor.fetchone() == (0,)


@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0",  # noqa: S104 - refused, never bound
        "192.168.1.20",
        "::",
        "example.org",
        "localhost",
    ],
)
def test_the_http_section_refuses_a_host_that_is_not_a_loopback_address(host: str) -> None:
    with pytest.raises(CommandError, match="loopback address only"):
        call_command("benchmark", "--only", "http", "--host", host, "--duration", "1")
