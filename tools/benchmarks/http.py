"""``manage.py benchmark --only http``: the pages each role opens most and every API list, over real HTTP.

gunicorn serves a throwaway copy of the benchmark database exactly as production runs it
(config/gunicorn.conf.py, 2 workers, the production settings scripts/benchmark.sh exports), bound to a
loopback address on a free port. Each demo role signs in through the sign-in form; the API lists use a
throwaway approved client's bearer token. ``wrk`` loads each page at concurrency 1, 4 and 16 for
``--duration`` seconds and prints p50/p95/p99 and the answers that were not 2xx/3xx. Beside each row: the
gunicorn workers' CPU time per request (/proc), and the SQL queries of one request of the page measured
in-process on the benchmark data and on the small data set, flagged where they differ. The copy is dropped
at the end, so the seeded data stays as it was (docs/benchmarks.md, "Over real HTTP").
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from core.replica import replica_configured
from tools.benchmarks import http_databases as databases
from tools.benchmarks.http_pages import DEMO_PASSWORD, SIGN_IN_USERS, Fixtures, Page, prepare
from tools.benchmarks.http_server import Server, check_loopback, fetch, gunicorn, run_wrk, sign_in, wrk_binary
from tools.benchmarks.timing import rolled_back

LEVELS = (1, 4, 16)


@dataclass(frozen=True)
class HttpOptions:
    host: str = "127.0.0.1"
    workers: int = 2
    seconds: float = 5.0
    levels: tuple[int, ...] = LEVELS
    small_database: str = "rhi_small"


def machine() -> dict[str, Any]:
    one, five, fifteen = os.getloadavg()
    return {"cpus": os.cpu_count(), "load_1_5_15": [round(one, 2), round(five, 2), round(fifteen, 2)]}


# --- Query counts, in-process -------------------------------------------------------------------------------


def _client(page: Page, tokens: dict[str, str]) -> Client:
    if page.is_api:
        return Client(headers={"Authorization": f"Bearer {tokens[page.who]}"})
    user = User.objects.get(username=page.who)
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is not None:  # as if the security code had been entered (django-otp's session key)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _request(client: Client, page: Page) -> int:
    if page.method == "POST":
        return client.post(page.path, data=page.body, content_type="application/json").status_code
    return client.get(page.path).status_code


def query_counts(fixtures: Fixtures) -> dict[str, int | str]:
    """The SQL queries of one request of each page (after one warm-up request), in-process; rolled back."""
    counts: dict[str, int | str] = {}
    with override_settings(RHI_API_THROTTLE_RATE="100000000/min"), rolled_back():
        clients: dict[str, Client] = {}
        for page in fixtures.pages:
            client = clients.setdefault(page.who, _client(page, fixtures.tokens))
            _request(client, page)
            with CaptureQueriesContext(connection) as captured:
                status = _request(client, page)
            counts[page.name] = len(captured.captured_queries) if status == 200 else f"HTTP {status}"
    return counts


# --- The load ---------------------------------------------------------------------------------------------


def _headers(page: Page, cookies: dict[str, str], tokens: dict[str, str]) -> dict[str, str]:
    if page.is_api:
        headers = {"Authorization": f"Bearer {tokens[page.who]}", "Accept": "application/json"}
        return headers | ({"Content-Type": "application/json"} if page.method == "POST" else {})
    return {"Cookie": cookies[page.who]}


def _load_row(
    server: Server, page: Page, headers: dict[str, str], level: int, seconds: float
) -> dict[str, Any]:
    for attempt in range(3):
        cpu_before, log_offset = server.worker_cpu_seconds(), server.log_size()
        figures = run_wrk(
            server,
            method=page.method,
            path=page.path,
            headers=headers,
            body=page.body,
            connections=level,
            seconds=seconds * 4**attempt,
        )
        # wrk stops at the end of the duration, but gunicorn still answers what it had queued: wait for that,
        # and share the workers' CPU time among every request they answered (the access log counts them).
        server.drain()
        cpu = server.worker_cpu_seconds() - cpu_before
        served = server.served_since(log_offset, method=page.method, path=page.path)
        if figures["requests"]:
            break  # wrk counts only answers back within the duration: a slow page may need longer
    requests = int(figures["requests"])
    elapsed = figures["duration_us"] / 1e6
    row: dict[str, Any] = {
        "page": page.name,
        "who": page.who,
        "method": page.method,
        "concurrency": level,
        "requests": requests,
        "p50_ms": round(figures["p50_us"] / 1000, 1),
        "p95_ms": round(figures["p95_us"] / 1000, 1),
        "p99_ms": round(figures["p99_us"] / 1000, 1),
        "req_per_s": round(requests / elapsed, 1) if elapsed else 0.0,
        "errors": int(figures["non_2xx_3xx"]) + int(figures["socket_errors"]),
        "served": served,
        "cpu_ms_per_request": round(cpu * 1000 / served, 1) if served else None,
    }
    targets = [t for t in page.targets if t.concurrency == level]
    row["target"] = "; ".join(t.describe() for t in targets) or None
    row["meets_target"] = all(t.passed(row["p95_ms"], row["req_per_s"]) for t in targets) if targets else None
    return row


def _load(server: Server, fixtures: Fixtures, options: HttpOptions) -> list[dict[str, Any]]:
    cookies = {username: sign_in(server, username, DEMO_PASSWORD) for username in SIGN_IN_USERS}
    rows: list[dict[str, Any]] = []
    for page in fixtures.pages:
        headers = _headers(page, cookies, fixtures.tokens)
        # One request first: the page answers (a refusal or an error would only measure the error page) and
        # each worker's caches are warm.
        status, size = fetch(server, method=page.method, path=page.path, headers=headers, body=page.body)
        for level in options.levels:
            row = _load_row(server, page, headers, level, options.seconds)
            row["first_status"], row["bytes"] = status, size
            if status >= 400:
                row["errors"] = max(1, row["errors"])
            rows.append(row)
    return rows


# --- The whole section --------------------------------------------------------------------------------------


def _with_counts(
    rows: list[dict[str, Any]], large: dict[str, int | str], small: dict[str, int | str]
) -> None:
    for row in rows:
        row["queries"] = large.get(row["page"])
        row["queries_small"] = small.get(row["page"])
        row["queries_differ"] = row["queries"] != row["queries_small"]


def http_benchmark(options: HttpOptions) -> dict[str, Any]:
    check_loopback(options.host)
    wrk_binary()
    databases.check_usable()
    before = machine()
    small_state = databases.ensure_small(options.small_database)
    log_path = Path(tempfile.gettempdir()) / f"rhi-benchmark-gunicorn-{os.getpid()}.log"
    with databases.throwaway_copy() as copy, databases.using_database(copy):
        fixtures = prepare()  # committed in the copy: gunicorn's workers must see the API clients
        databases.caught_up()  # the steady state the beat keeps, as for the small set below
        counts = query_counts(fixtures)
        with gunicorn(
            host=options.host,
            workers=options.workers,
            database_url=databases.database_url(copy),
            replica_url=databases.database_url(copy, alias="replica") if replica_configured() else None,
            log_path=log_path,
        ) as server:
            rows = _load(server, fixtures, options)
    with databases.using_database(options.small_database):
        databases.caught_up()
        with rolled_back():
            counts_small = query_counts(prepare())
    _with_counts(rows, counts, counts_small)
    return {
        "machine_before": before,
        "machine_after": machine(),
        "gunicorn_workers": options.workers,
        "seconds_per_row": options.seconds,
        "small_database": f"{options.small_database} ({small_state})",
        "gunicorn_log": str(log_path),
        "rows": rows,
        "missed_targets": sorted({row["page"] for row in rows if row["meets_target"] is False}),
        "query_counts_differ": sorted({row["page"] for row in rows if row["queries_differ"]}),
    }


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if value is True:
        return "pass"
    if value is False:
        return "MISS"
    return str(value)


TABLE_COLUMNS = (
    ("page", "page"),
    ("concurrency", "c"),
    ("p50_ms", "p50 ms"),
    ("p95_ms", "p95 ms"),
    ("p99_ms", "p99 ms"),
    ("req_per_s", "req/s"),
    ("errors", "errors"),
    ("cpu_ms_per_request", "CPU ms/req"),
    ("queries", "queries"),
    ("queries_small", "q. small"),
    ("target", "target"),
    ("meets_target", "met"),
)


def table(result: dict[str, Any]) -> str:
    """The rows as a readable table, with the machine's load and the query counts that differ flagged (!)."""
    header = [title for _, title in TABLE_COLUMNS]
    body = []
    for row in result["rows"]:
        cells = [_cell(row[key]) for key, _ in TABLE_COLUMNS]
        if row["queries_differ"]:
            cells[8] += " !"
        body.append(cells)
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [
        f"Machine: {result['machine_before']['cpus']} CPUs, load before {result['machine_before']['load_1_5_15']},"
        f" after {result['machine_after']['load_1_5_15']}; gunicorn workers: {result['gunicorn_workers']};"
        f" {result['seconds_per_row']:g} s per row; small data set: {result['small_database']}",
        "  ".join(title.ljust(widths[i]) for i, title in enumerate(header)),
    ]
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells)) for cells in body]
    lines.append(f"Missed targets: {', '.join(result['missed_targets']) or 'none'}")
    lines.append(
        f"Query counts differing from the small data set (!): {', '.join(result['query_counts_differ']) or 'none'}"
    )
    return "\n".join(lines) + "\n"
