"""``manage.py benchmark --only api``: the REST API's list endpoints per page of 100 at the first page and at a
deep cursor (p95 and query counts: DESIGN.md §8 / docs/api.md ask for ≤ 100 ms at any depth with a constant
query count), and a full ``changed_since`` sync of the largest LA's year (≤ 10 s).

Everything runs inside one transaction that is rolled back: the throwaway API clients, the organisation that
stands for "a system seeing exactly one LA" and the audit events the calls write leave nothing behind.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from access.api_clients import api_client_awaiting_roles
from access.episodes import readable_episodes
from access.levels import readable_rhis
from accounts.api_client_services import approve_client, create_client
from accounts.models import ApiScope, Commission, Membership, Organisation, OrganisationKind, Role, User
from api.pagination import KeysetPagination
from missing_episodes.models import MissingEpisode
from rhi.models import ReturnHomeInterview
from tools.benchmarks.timing import percentile, rolled_back

SCOPES = [ApiScope.EPISODES_READ, ApiScope.RHI_READ]


def api_token_for(organisation: Organisation, scopes: list[str]) -> tuple[str, User]:
    """A throwaway approved API client of ``organisation`` (made in the caller's transaction): its bearer token
    and its system user."""
    admin = User.objects.create(username=f"bench-admin-{organisation.pk}", organisation=organisation)
    Membership.objects.create(user=admin, organisation=organisation, role=Role.ORG_ADMIN)
    created = create_client(
        organisation=organisation, name="Benchmark", scopes=scopes, expires_at=None, by=admin
    )
    # Four eyes (docs/api.md, "Approval"): a holder of each role the client acts as approves it.
    for role in sorted(api_client_awaiting_roles(created.client)):
        holder = User.objects.create(username=f"bench-{role}-{organisation.pk}", organisation=organisation)
        Membership.objects.create(user=holder, organisation=organisation, role=role)
        approve_client(client_id=created.client.pk, by=holder)
    return created.token, created.client.user


def _client_for(organisation: Organisation) -> tuple[Client, User]:
    token, user = api_token_for(organisation, list(SCOPES))
    return Client(headers={"Authorization": f"Bearer {token}"}), user


def _deep_cursor(queryset: QuerySet[Any], depth: float) -> tuple[str, int]:
    total = queryset.count()
    offset = max(0, int(total * depth) - 1)
    row = queryset.order_by("updated_at", "id").values_list("updated_at", "id")[offset : offset + 1].first()
    return (KeysetPagination._encode(list(row)) if row else ""), total


def _time_list(http: Client, url: str, runs: int) -> dict[str, Any]:
    http.get(url)  # warm caches and the client's "last used" stamp
    durations: list[float] = []
    # This process's CPU per page (Python: views, serialising): comparable on a loaded machine, where wall times
    # are not.
    cpu: list[float] = []
    queries: set[int] = set()
    rows = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = http.get(url)
            durations.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        queries.add(len(ctx.captured_queries))
        rows = len(response.json()["results"])
    return {
        "rows_per_page": rows,
        "queries_per_page": sorted(queries),
        "p50_ms": round(percentile(durations, 50) * 1000, 1),
        "p95_ms": round(percentile(durations, 95) * 1000, 1),
        "max_ms": round(max(durations) * 1000, 1),
        "cpu_p50_ms": round(percentile(cpu, 50) * 1000, 1),
        "target_p95_ms": 100,
    }


def _lists(runs: int) -> dict[str, Any]:
    busiest = ReturnHomeInterview.objects.values("provider_id").annotate(n=Count("pk")).order_by("-n").first()
    if busiest is None:
        return {"skipped": "no RHIs: seed data first (seed_demo --size national)"}
    provider = Organisation.objects.get(pk=busiest["provider_id"])
    http, user = _client_for(provider)
    results: dict[str, Any] = {"provider_id": provider.pk}
    for name, route, queryset in (
        ("rhis", "api:rhi-list", readable_rhis(user)),
        ("episodes", "api:episode-list", readable_episodes(user)),
    ):
        cursor, total = _deep_cursor(queryset, 0.9)
        url = reverse(route) + "?page_size=100"
        results[name] = {
            "visible": total,
            "first_page": _time_list(http, url, runs),
            "deep_cursor_90pct": _time_list(http, f"{url}&cursor={cursor}", runs),
        }
    return results


def _sync_largest_la_year() -> dict[str, Any]:
    since = timezone.now() - timedelta(days=365)
    largest = (
        MissingEpisode.objects.filter(updated_at__gte=since)
        .values("responsible_la_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if largest is None:
        return {"skipped": "no episodes changed in the last year"}
    la = Organisation.objects.get(pk=largest["responsible_la_id"])
    # A system seeing exactly this LA's children: a provider it alone commissions.
    provider = Organisation.objects.create(name="Benchmark sync provider", kind=OrganisationKind.RHI_PROVIDER)
    Commission.objects.create(local_authority=la, provider=provider, starts_on=date(2000, 1, 1))
    http, _ = _client_for(provider)
    url: str | None = reverse(
        "api:episode-list"
    ) + f"?page_size=500&changed_since={since.isoformat()}".replace("+", "%2B")
    pages = rows = 0
    slowest = 0.0
    queries: set[int] = set()
    started, cpu_started = time.perf_counter(), time.process_time()
    while url:
        with CaptureQueriesContext(connection) as ctx:
            page_started = time.perf_counter()
            response = http.get(url)
            slowest = max(slowest, time.perf_counter() - page_started)
        if response.status_code != 200:
            raise RuntimeError(f"sync answered {response.status_code}")
        queries.add(len(ctx.captured_queries))
        body = response.json()
        pages += 1
        rows += len(body["results"])
        url = body["next"]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "local_authority": la.code,
        "episodes_changed_in_year": largest["n"],
        "rows_synced": rows,
        "pages_of_500": pages,
        "queries_per_page": sorted(queries),
        "slowest_page_ms": round(slowest * 1000, 1),
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "target_seconds": 10,
    }


def api_benchmark(runs: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with override_settings(RHI_API_THROTTLE_RATE="1000000/min"), rolled_back():
        results["lists"] = _lists(runs)
        results["changed_since_sync"] = _sync_largest_la_year()
    return results
