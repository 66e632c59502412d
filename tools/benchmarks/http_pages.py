"""What ``benchmark --only http`` loads: the pages each demo role opens most and every API list, with the
targets of issue 18, resolved against whichever database the connection points at (the benchmark data or
the small data set), so the same rule picks "the worker's latest RHI" in both.

The API clients are created by the caller's transaction: committed in the throwaway copy that gunicorn
serves, rolled back in the small data set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from access.audit_trail import audit_trail_children, audit_trail_rhis
from access.episodes import visible_children
from accounts.models import ApiScope, Commission, Organisation, OrganisationKind, User
from missing_episodes.models import Child, MissingEpisode
from reporting.periods import default_collection_year
from rhi.models import ReturnHomeInterview
from tools.benchmarks.api import api_token_for

API_SCOPES = [ApiScope.EPISODES_READ, ApiScope.RHI_READ, ApiScope.REFERRALS_READ, ApiScope.CHILDREN_READ]
API = "api"  # the busiest provider's API client
API_ONE_LA = "api-one-la"  # a client seeing exactly the busiest LA (the `changed_since` sync)
# The demo's published password (demo/__init__.py; tools may not import demo: docs/architecture.md).
DEMO_PASSWORD = "Demo-Password-2026"  # noqa: S105 - published demo password, by design
SIGN_IN_USERS = ("worker", "manager", "performance", "police", "partner", "la.orgadmin")


@dataclass(frozen=True)
class Target:
    """One target of the issue's table: p95 at ``concurrency`` within ``p95_ms`` (and at least ``min_rps``)."""

    concurrency: int
    p95_ms: float
    min_rps: float | None = None

    def passed(self, p95_ms: float, rps: float) -> bool:
        return p95_ms <= self.p95_ms and (self.min_rps is None or rps >= self.min_rps)

    def describe(self) -> str:
        rps = f", ≥ {self.min_rps:g} req/s" if self.min_rps else ""
        return f"c={self.concurrency}: p95 ≤ {self.p95_ms:g} ms{rps}"


# Issue 18's table. Ordinary pages: ≥ 50 req/s at p95 ≤ 300 ms at concurrency 16.
ORDINARY = Target(16, 300, 50)
QUICK_PAGE = (Target(1, 150), ORDINARY)
API_LIST = (Target(1, 100),)
RETURN = (Target(1, 1000),)


@dataclass(frozen=True)
class Page:
    name: str
    who: str  # a demo username (signed in through the form), or API / API_ONE_LA (a bearer token)
    path: str
    targets: tuple[Target, ...] = (ORDINARY,)
    method: str = "GET"
    body: str = ""  # JSON, for the API's POST search

    @property
    def is_api(self) -> bool:
        return self.who in (API, API_ONE_LA)


@dataclass
class Fixtures:
    """The pages resolved on one database, and the bearer tokens of the API clients made there."""

    pages: list[Page]
    tokens: dict[str, str] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)


class MissingData(RuntimeError):
    """The database lacks what a page needs (no demo users or cases): seed it first."""


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise MissingData(f"No demo user {username!r}: seed the data first (seed_demo).")
    return user


def _first_pk(queryset: Any, what: str) -> int:
    pk = queryset.order_by("-pk").values_list("pk", flat=True).first()
    if pk is None:
        raise MissingData(f"No {what} in this database: seed the data first (seed_demo).")
    return int(pk)


def _casework_pages() -> list[Page]:
    worker, manager = _user("worker"), _user("manager")
    rhi_pk = _first_pk(ReturnHomeInterview.objects.filter(allocated_worker=worker), "RHI of the worker")
    child_pk = ReturnHomeInterview.objects.values_list("child_id", flat=True).get(pk=rhi_pk)
    dashboard = reverse("rhi:dashboard")
    return [
        Page("worker home", "worker", reverse("home"), QUICK_PAGE),
        Page("RHI page", "worker", reverse("rhi:detail", args=[rhi_pk])),
        Page("child page", "worker", reverse("missing_episodes:child_detail", args=[child_pk])),
        Page("manager home", "manager", reverse("home")),
        Page("deadline dashboard", "manager", dashboard),
        Page("dashboard: overdue", "manager", f"{dashboard}?state=overdue"),
        Page("dashboard: unallocated", "manager", f"{dashboard}?unallocated=on"),
        Page("dashboard: one worker", "manager", f"{dashboard}?worker={worker.pk}"),
        Page(
            "who has seen: RHI",
            "manager",
            reverse("audit:rhi", args=[_first_pk(audit_trail_rhis(manager), "RHI with a trail")]),
        ),
        Page(
            "who has seen: child",
            "la.orgadmin",
            reverse(
                "audit:child",
                args=[_first_pk(audit_trail_children(_user("la.orgadmin")), "child with a trail")],
            ),
        ),
        Page("LA admin home", "la.orgadmin", reverse("home")),
    ]


def _sharing_and_reporting_pages() -> list[Page]:
    year = default_collection_year(timezone.localdate())
    period = urlencode({"date_from": year.start.isoformat(), "date_to": min(year.end, timezone.localdate())})
    return [
        Page("police home", "police", reverse("home")),
        Page("police: episodes", "police", reverse("sharing:police_episodes")),
        Page("police: shared with us", "police", reverse("sharing:shared")),
        Page("partner: shared with us", "partner", reverse("sharing:shared")),
        Page("performance dashboard", "performance", reverse("performance:dashboard"), QUICK_PAGE),
        Page(
            "performance return",
            "performance",
            f"{reverse('performance:return')}?{period}",
            RETURN,
        ),
        Page(
            "performance return PDF",
            "performance",
            f"{reverse('performance:download', args=['pdf'])}?{period}",
            RETURN,
        ),
    ]


def _busiest(values: Any, key: str) -> int:
    row = values.values(key).annotate(n=Count("pk")).order_by("-n", key).first()
    if row is None:
        raise MissingData(f"Nothing to rank by {key}: seed the data first (seed_demo).")
    return int(row[key])


def _api_pages(tokens: dict[str, str]) -> list[Page]:
    provider = Organisation.objects.get(pk=_busiest(ReturnHomeInterview.objects, "provider_id"))
    tokens[API], client_user = api_token_for(provider, list(API_SCOPES))
    # A system seeing exactly one LA's children: a provider that LA alone commissions (as tools/benchmarks/api.py).
    since = timezone.now() - timedelta(days=365)
    la = Organisation.objects.get(
        pk=_busiest(MissingEpisode.objects.filter(updated_at__gte=since), "responsible_la_id")
    )
    one_la = Organisation.objects.create(name="Benchmark sync provider", kind=OrganisationKind.RHI_PROVIDER)
    Commission.objects.create(local_authority=la, provider=one_la, starts_on=date(2000, 1, 1))
    tokens[API_ONE_LA], _ = api_token_for(one_la, list(API_SCOPES))
    child = (
        Child.objects.filter(pk__in=visible_children(client_user).values("pk"))
        .exclude(la_child_id="")
        .order_by("-pk")
        .values("la_child_id", "responsible_la__code")
        .first()
    )
    if child is None:
        raise MissingData("The busiest provider's API client sees no child with an LA child id.")
    search = {"la_child_id": child["la_child_id"], "responsible_la": child["responsible_la__code"]}
    changed_since = urlencode({"page_size": 500, "changed_since": since.isoformat()})
    return [
        Page("API episodes", API, reverse("api:episode-list") + "?page_size=100", API_LIST),
        Page("API RHIs", API, reverse("api:rhi-list") + "?page_size=100", API_LIST),
        Page("API referrals", API, reverse("api:referral-list") + "?page_size=100", API_LIST),
        Page(
            "API children search",
            API,
            reverse("api:child-search"),
            API_LIST,
            method="POST",
            body=json.dumps(search),
        ),
        Page(
            "API changed_since sync page",
            API_ONE_LA,
            f"{reverse('api:episode-list')}?{changed_since}",
            API_LIST,
        ),
    ]


def prepare() -> Fixtures:
    """Every page with its URL on the current database, and API clients made in the caller's transaction."""
    tokens: dict[str, str] = {}
    pages = _casework_pages() + _sharing_and_reporting_pages() + _api_pages(tokens)
    return Fixtures(pages=pages, tokens=tokens)
