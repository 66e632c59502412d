"""The permission matrix (issue 5, DESIGN.md §8): every role × every route × every relation to the record has an
expected answer here, and a route the URL resolver knows that is not in ``MATRIX`` fails the suite.

How to read a grid: one row per user (``tests/matrix_world.py`` describes the world and its users), one column
per relation of the record in the URL to the *own* users (worker, manager, … of P / Home / F / Placing); the
``*_other`` users hold the same role in the other organisation (Q, Other LA 335, force G), so for them the
"unrelated" column is their own record. Cells are the expected answer:

  200, 202, 400, 401, 403, 404, 428 …   that status
  302                                   a redirect that is not the sign-in page (a POST handled, "go elsewhere")
  login                                 302 to the sign-in page (anonymous users on every non-public page;
                                        the REST API answers anonymous callers 401 instead)

Every 200 is also checked for the level it was answered at (``markers``: e.g. an intelligence summary shows
the associate and never the child's own words), and every 403/404 to a signed-in user for its audited DENIED
event. Cells known to be wrong are listed in ``XFAIL`` (strict), one pytest case each.

To add a route: add ``MATRIX["namespace:name"] = Route(...)`` with its targets (how to build its URL for each
relation) and a grid; ``test_every_route_has_a_matrix_entry`` fails until you do. See docs/permissions.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AuditEvent, AuditOutcome
from tests.matrix_world import (
    ASSOCIATE,
    INTELLIGENCE_HEADING,
    NOTIFICATION_HEADING,
    TOKEN_AS,
    TOKEN_KEYS,
    USER_KEYS,
    WORDS,
    World,
    build_world,
)

pytestmark = pytest.mark.django_db

PUBLIC_DOCUMENTATION = ("api-schema", "api-docs")

# ---------------------------------------------------------------------------------------------------------
# The world, built once for the module (each test runs in its own savepoint and is rolled back)
# ---------------------------------------------------------------------------------------------------------


PLAIN_STATIC = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture(autouse=True)
def _plain_static_storage() -> None:
    """Replaces conftest's per-test fixture: the world fixture sets plain static storage once for the module
    (changing a setting for each of thousands of cells costs more than the cells)."""


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    media = tmp_path_factory.mktemp("matrix-media")
    with (
        override_settings(MEDIA_ROOT=str(media), STORAGES=PLAIN_STATIC),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        built = build_world()
        sessions = {}
        for key, user in built.users.items():
            client = Client()
            client.force_login(user)
            sessions[key] = client.cookies[settings.SESSION_COOKIE_NAME].value
        built.extra["sessions"] = sessions
        # One client for every request: a new Client loads the middleware again, and WhiteNoise's start-up
        # scan of the static files costs more than most requests.
        built.extra["client"] = Client()
        yield built
        transaction.set_rollback(True)


def client_for(world: World, user_key: str) -> Client:
    client: Client = world.extra["client"]
    client.cookies.clear()
    if user_key != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.extra["sessions"][user_key]
    return client


# ---------------------------------------------------------------------------------------------------------
# Routes: how to build each URL per relation, and the expected grid
# ---------------------------------------------------------------------------------------------------------

# A target builds (reverse kwargs, query string) for one relation.
Target = Callable[[World], tuple[dict[str, Any], str]]
# Markers: for a 200 of (world, relation, user), texts that must be present and texts that must be absent.
Markers = Callable[[World, str, str], tuple[list[str], list[str]]]


@dataclass(frozen=True)
class Route:
    method: str
    targets: dict[str, Target]
    grid: str
    markers: Markers | None = None
    content_type: str = ""  # a 200 must have this Content-Type (downloads)
    body: Callable[[World, str], dict[str, Any]] | None = None  # an API POST's JSON body per relation
    expected: dict[tuple[str, str], str] = field(default_factory=dict, compare=False)

    def cells(self) -> dict[tuple[str, str], str]:
        """(user, relation) → expected token, parsed from the grid; the grid must be complete."""
        lines = [line.split() for line in self.grid.strip().splitlines() if line.strip()]
        header, rows = lines[0], lines[1:]
        assert header == list(self.targets), f"grid columns {header} != targets {list(self.targets)}"
        users = [row[0] for row in rows]
        assert sorted(users) == sorted(USER_KEYS), f"grid rows must be every user once: {users}"
        cells = {}
        for row in rows:
            assert len(row) == len(header) + 1, f"row {row[0]} has {len(row) - 1} cells for {len(header)}"
            for relation, token in zip(header, row[1:], strict=True):
                assert re.fullmatch(r"[1-5][0-9]{2}|login", token), token
                cells[(row[0], relation)] = token
        return cells


def none(world: World) -> tuple[dict[str, Any], str]:
    return {}, ""


NO_RECORD = {"none": none}


def rhi_target(key: str, **extra: Any) -> Target:
    return lambda w: ({"pk": w.rhis[key].pk, **extra}, "")


RHI = {
    "own": rhi_target("home"),
    "placed_in": rhi_target("placed"),
    "drafting": rhi_target("draft"),
    "intake": rhi_target("intake"),
    "unrelated": rhi_target("q"),
}
REPORTS = {
    "own": rhi_target("home", kind="full_report"),
    "own_letter": rhi_target("home", kind="notification_letter"),
    "placed_in": rhi_target("placed", kind="full_report"),
    "placed_in_letter": rhi_target("placed", kind="notification_letter"),
    "drafting": rhi_target("draft", kind="full_report"),
    "unrelated": rhi_target("q", kind="full_report"),
}


def disclosure_target(key: str) -> Target:
    return lambda w: ({"pk": w.disclosures[key].pk}, "")


DISCLOSURES = {
    "shared_with_police": disclosure_target("police_intel"),
    "shared_with_placing": disclosure_target("placing_note"),
    "placed_in_full_report": disclosure_target("placing_full"),
    "unrelated": disclosure_target("q_intel"),
}


def referral_target(key: str) -> Target:
    return lambda w: ({"referral_id": w.referrals[key].pk}, "")


REFERRALS = {
    "own": referral_target("home"),
    "placed_in": referral_target("placed"),
    "unrelated": referral_target("q"),
}


def record_target(kind: str, key: str) -> Target:
    return lambda w: ({"pk": getattr(w, kind)[key].pk}, "")


EPISODE_KEYS = {
    "own": "home",
    "own_open": "home_open",
    "placed_in": "placed",
    "placed_in_open": "placed_open",
    "unrelated": "q",
}
# Returned episodes, and episodes of children missing now (own_open, placed_in_open).
EPISODES = {relation: record_target("episodes", key) for relation, key in EPISODE_KEYS.items()}
CHILDREN = {
    "own": record_target("children", "home"),
    "placed_in": record_target("children", "placed"),
    "unrelated": record_target("children", "q"),
}
PLACEMENTS = {
    "in_area": record_target("placements", "home"),
    "placed_in": record_target("placements", "placed"),
    "unrelated": record_target("placements", "q"),
}
AUTHORITIES = {
    "own": lambda w: ({"authority_id": w.home.pk}, ""),
    "placing": lambda w: ({"authority_id": w.placing.pk}, ""),
    "unrelated": lambda w: ({"authority_id": w.other.pk}, ""),
}
API_CLIENTS = {
    "own": record_target("api_clients", "own"),
    "unrelated": record_target("api_clients", "unrelated"),
}
# Clients waiting for approval: P's (acts as team manager) and F's (police) issued by their org admins alone,
# Home's (partner viewer; Home has no partner viewer among the users), one already approved (P's, by the
# manager) and Other's (partner viewer of Other: partner_viewer_other's to approve).
API_CLIENT_DECISIONS = {
    "pending_provider": record_target("api_clients", "token_pending_manager"),
    "pending_force": record_target("api_clients", "token_pending_police"),
    "pending_council": record_target("api_clients", "own"),
    "approved": record_target("api_clients", "token_manager"),
    "unrelated": record_target("api_clients", "unrelated"),
}
WEBHOOKS = {"own": record_target("webhooks", "own"), "unrelated": record_target("webhooks", "unrelated")}
EXPORTS = {"own": record_target("export_jobs", "own"), "unrelated": record_target("export_jobs", "unrelated")}


def performance_targets(**kwargs: Any) -> dict[str, Target]:
    """The user's own LA (the page's default) and another LA asked for by id in the query string."""
    return {"own": lambda w: (dict(kwargs), ""), "unrelated": lambda w: (dict(kwargs), f"la={w.other.pk}")}


MATRIX: dict[str, Route] = {}
API_NOT_FOUND = {"none": lambda w: ({"__path__": "/api/v1/no-such-endpoint/"}, "")}


def rhi_targets(in_progress: str) -> dict[str, Target]:
    """An RHI route's relations: P's approved RHIs of Home's child and of the child placed in Home's area,
    P's RHI in the state the route acts on (``in_progress``: "draft", "submitted", "allocated" or
    "intake"), and Q's approved RHI (unrelated)."""
    return {
        "own": rhi_target("home"),
        "placed_in": rhi_target("placed"),
        "in_progress": rhi_target(in_progress),
        "unrelated": rhi_target("q"),
    }


# ---------------------------------------------------------------------------------------------------------
# Level markers: what a 200 must (not) show
# ---------------------------------------------------------------------------------------------------------

RHI_KEYS = {"own": "home", "placed_in": "placed", "unrelated": "q"}
ALL_WORDS = list(WORDS.values())


def no_case_narrative(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """Pages that are not the case (lists, figures, audit trails): no child's own words at all."""
    return [], ALL_WORDS


def rhi_page_at_full_level(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """The RHI page is casework: the child's own words of that RHI, and nobody else's."""
    key = RHI_KEYS.get(relation, "draft")
    return [WORDS[key]], [words for k, words in WORDS.items() if k != key]


def disclosure_at_its_level(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """A disclosure shows exactly its level, whoever opens it."""
    return {
        "shared_with_police": (
            [INTELLIGENCE_HEADING, ASSOCIATE["home"]],
            [WORDS["home"], *ALL_WORDS],
        ),
        "shared_with_placing": ([NOTIFICATION_HEADING], [ASSOCIATE["home"], *ALL_WORDS]),
        "placed_in_full_report": ([WORDS["placed"]], [WORDS["home"], WORDS["q"]]),
        "unrelated": ([INTELLIGENCE_HEADING, ASSOCIATE["q"]], ALL_WORDS),
    }[relation]


def child_page(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    key = RHI_KEYS[relation]
    others = [c.la_child_id for k, c in world.children.items() if k != key]
    return [world.children[key].la_child_id], others


def episode_page(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    key = EPISODE_KEYS[relation]
    return [world.episodes[key].police_reference], ALL_WORDS


P_USERS = {"worker", "manager"}
Q_USERS = {"worker_other", "manager_other"}


def dashboard_rows(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """RHIs on the clock only: P's allocated RHI for P's casework, none of Q's (all closed), never the other's."""
    draft = f"RHI-{world.rhis['allocated'].pk}<"
    if user in P_USERS:
        return [draft], [f"RHI-{world.rhis['q'].pk}<", *ALL_WORDS]
    return [], [draft, *ALL_WORDS]


def shared_list_rows(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    def link(key: str) -> str:
        return reverse("sharing:detail", args=[world.disclosures[key].pk]) + '"'

    seen = {
        "police": ["police_intel"],
        "partner_viewer": ["placing_note", "placing_full"],
        "police_other": ["q_intel"],
    }.get(user, [])
    return [link(k) for k in seen], [link(k) for k in world.disclosures if k not in seen] + ALL_WORDS


def police_list_rows(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """Force F covers every episode of P's world; force G Q's only."""
    mine = [k for k in world.episodes if (k == "q") == (user == "police_other")]
    return (
        [world.episodes[k].police_reference for k in mine],
        [e.police_reference for k, e in world.episodes.items() if k not in mine] + ALL_WORDS,
    )


def unnotified_rows(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    placed = f"LA child ID {world.children['placed'].la_child_id}"
    if user in {"performance_lead", "partner_viewer"}:  # Home hosts the placement, Placing made it
        return [placed], ALL_WORDS
    return [], [placed, *ALL_WORDS]


def own_authority_figures(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    mine, theirs = (world.home, world.other) if user == "performance_lead" else (world.other, world.home)
    return [mine.name], [theirs.name, *ALL_WORDS]


# ---------------------------------------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------------------------------------

GET, POST = "GET", "POST"
PDF = "application/pdf"

MATRIX.update(
    {
        # --- Signing in and the home page -------------------------------------------------------------
        "home": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  200
            manager                 200
            performance_lead        200
            police                  200
            partner_viewer          200
            org_admin               200
            worker_other            200
            manager_other           200
            performance_lead_other  200
            police_other            200
            partner_viewer_other    200
            org_admin_other         200
            support                 200
            anonymous               login
            """,
            markers=no_case_narrative,
        ),
        "healthz": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  200
            manager                 200
            performance_lead        200
            police                  200
            partner_viewer          200
            org_admin               200
            worker_other            200
            manager_other           200
            performance_lead_other  200
            police_other            200
            partner_viewer_other    200
            org_admin_other         200
            support                 200
            anonymous               200
            """,
        ),
        "readyz": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  200
            manager                 200
            performance_lead        200
            police                  200
            partner_viewer          200
            org_admin               200
            worker_other            200
            manager_other           200
            performance_lead_other  200
            police_other            200
            partner_viewer_other    200
            org_admin_other         200
            support                 200
            anonymous               200
            """,
        ),
        # Signed-in users are sent on to the home page.
        "accounts:login": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  302
            manager                 302
            performance_lead        302
            police                  302
            partner_viewer          302
            org_admin               302
            worker_other            302
            manager_other           302
            performance_lead_other  302
            police_other            302
            partner_viewer_other    302
            org_admin_other         302
            support                 302
            anonymous               200
            """,
        ),
        # Signing out (POST) ends on the sign-in page, for everyone.
        "accounts:logout": Route(
            POST,
            NO_RECORD,
            """
            none
            worker                  login
            manager                 login
            performance_lead        login
            police                  login
            partner_viewer          login
            org_admin               login
            worker_other            login
            manager_other           login
            performance_lead_other  login
            police_other            login
            partner_viewer_other    login
            org_admin_other         login
            support                 login
            anonymous               login
            """,
        ),
        # Nobody here has an authenticator app: nothing to verify, back to where they were going.
        "accounts:two_factor_verify": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  302
            manager                 302
            performance_lead        302
            police                  302
            partner_viewer          302
            org_admin               302
            worker_other            302
            manager_other           302
            performance_lead_other  302
            police_other            302
            partner_viewer_other    302
            org_admin_other         302
            support                 302
            anonymous               login
            """,
        ),
        "accounts:two_factor_setup": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  200
            manager                 200
            performance_lead        200
            police                  200
            partner_viewer          200
            org_admin               200
            worker_other            200
            manager_other           200
            performance_lead_other  200
            police_other            200
            partner_viewer_other    200
            org_admin_other         200
            support                 200
            anonymous               login
            """,
        ),
        # --- Casework: the dashboard and an RHI ------------------------------------------------------
        "rhi:dashboard": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  200
            manager                 200
            performance_lead        403
            police                  403
            partner_viewer          403
            org_admin               403
            worker_other            200
            manager_other           200
            performance_lead_other  403
            police_other            403
            partner_viewer_other    403
            org_admin_other         403
            support                 403
            anonymous               login
            """,
            markers=dashboard_rows,
        ),
        # The RHI page is casework only: recipients of a disclosure open the disclosure (sharing:detail).
        "rhi:detail": Route(
            GET,
            rhi_targets("draft"),
            """
                                    own   placed_in  in_progress  unrelated
            worker                  200   200        200          404
            manager                 200   200        200          404
            performance_lead        404   404        404          404
            police                  404   404        404          404
            partner_viewer          404   404        404          404
            org_admin               404   404        404          404
            worker_other            404   404        404          200
            manager_other           404   404        404          200
            performance_lead_other  404   404        404          404
            police_other            404   404        404          404
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          404
            support                 404   404        404          404
            anonymous               login login      login        login
            """,
            markers=rhi_page_at_full_level,
        ),
        # POST with no worker: the form's error goes back as a message (302); invisible RHIs 404.
        "rhi:allocate": Route(
            POST,
            rhi_targets("intake"),
            """
                                    own   placed_in  in_progress  unrelated
            worker                  302   302        302          404
            manager                 302   302        302          404
            performance_lead        404   404        404          404
            police                  404   404        404          404
            partner_viewer          404   404        404          404
            org_admin               404   404        404          404
            worker_other            404   404        404          302
            manager_other           404   404        404          302
            performance_lead_other  404   404        404          404
            police_other            404   404        404          404
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          404
            support                 404   404        404          404
            anonymous               login login      login        login
            """,
        ),
        # The full report needs the full level; the notification letter any level a disclosure gives
        # (police were sent an intelligence summary of Home's RHI, Placing a notification of it and the
        # full report of its placed child's RHI). A drafting RHI has no report yet.
        "rhi:report_download": Route(
            GET,
            REPORTS,
            """
                                    own   own_letter  placed_in  placed_in_letter  drafting  unrelated
            worker                  200   200         200        200               404       404
            manager                 200   200         200        200               404       404
            performance_lead        404   404         404        404               404       404
            police                  404   200         404        404               404       404
            partner_viewer          404   200         200        200               404       404
            org_admin               404   404         404        404               404       404
            worker_other            404   404         404        404               404       200
            manager_other           404   404         404        404               404       200
            performance_lead_other  404   404         404        404               404       404
            police_other            404   404         404        404               404       404
            partner_viewer_other    404   404         404        404               404       404
            org_admin_other         404   404         404        404               404       404
            support                 404   404         404        404               404       404
            anonymous               login login       login      login             login     login
            """,
            content_type=PDF,
        ),
        # --- The journey pages: 404 unless visible, 403 unless the step is the user's to take now -------
        # Take (POST): only an RHI worker of the provider, on an unallocated RHI (self-allocation allowed).
        "rhi:take": Route(
            POST,
            rhi_targets("intake"),
            """
                                    own   placed_in  in_progress  unrelated
            worker                  403   403        302          404
            manager                 403   403        403          404
            performance_lead        404   404        404          404
            police                  404   404        404          404
            partner_viewer          404   404        404          404
            org_admin               404   404        404          404
            worker_other            404   404        404          403
            manager_other           404   404        404          403
            performance_lead_other  404   404        404          404
            police_other            404   404        404          404
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          404
            support                 404   404        404          404
            anonymous               login login      login        login
            """,
        ),
    }
)

# The steps taken by the allocated worker or a manager of the provider while the RHI is in the state the
# step needs (``in_progress``); approved RHIs are frozen (403).
ALLOCATED_WORKER_OR_MANAGER_STEP = """
                                    own   placed_in  in_progress  unrelated
            worker                  403   403        200          404
            manager                 403   403        200          404
            performance_lead        404   404        404          404
            police                  404   404        404          404
            partner_viewer          404   404        404          404
            org_admin               404   404        404          404
            worker_other            404   404        404          403
            manager_other           404   404        404          403
            performance_lead_other  404   404        404          404
            police_other            404   404        404          404
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          404
            support                 404   404        404          404
            anonymous               login login      login        login
"""
for step, state in [
    ("contact", "allocated"),
    ("offer", "allocated"),
    ("outcome", "allocated"),
    ("interview", "draft"),
    ("findings", "draft"),
    ("consent", "draft"),
    ("submit", "draft"),
]:
    MATRIX[f"rhi:{step}"] = Route(GET, rhi_targets(state), ALLOCATED_WORKER_OR_MANAGER_STEP)

MATRIX.update(
    {
        # Four eyes: only a manager of the provider reviews a submitted report.
        "rhi:review": Route(
            GET,
            rhi_targets("submitted"),
            """
                                    own   placed_in  in_progress  unrelated
            worker                  403   403        403          404
            manager                 403   403        200          404
            performance_lead        404   404        404          404
            police                  404   404        404          404
            partner_viewer          404   404        404          404
            org_admin               404   404        404          404
            worker_other            404   404        404          403
            manager_other           404   404        404          403
            performance_lead_other  404   404        404          404
            police_other            404   404        404          404
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          404
            support                 404   404        404          404
            anonymous               login login      login        login
            """,
        ),
        # Each user's own notifications (nobody has any here).
        "rhi:notifications": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  200
            manager                 200
            performance_lead        200
            police                  200
            partner_viewer          200
            org_admin               200
            worker_other            200
            manager_other           200
            performance_lead_other  200
            police_other            200
            partner_viewer_other    200
            org_admin_other         200
            support                 200
            anonymous               login
            """,
            markers=no_case_narrative,
        ),
        "rhi:notifications_mark_read": Route(
            POST,
            NO_RECORD,
            """
            none
            worker                  302
            manager                 302
            performance_lead        302
            police                  302
            partner_viewer          302
            org_admin               302
            worker_other            302
            manager_other           302
            performance_lead_other  302
            police_other            302
            partner_viewer_other    302
            org_admin_other         302
            support                 302
            anonymous               login
            """,
        ),
        # Clock policies: org admins of a local authority, for that authority.
        "rhi:policies": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  403
            manager                 403
            performance_lead        403
            police                  403
            partner_viewer          403
            org_admin               200
            worker_other            403
            manager_other           403
            performance_lead_other  403
            police_other            403
            partner_viewer_other    403
            org_admin_other         200
            support                 403
            anonymous               login
            """,
            markers=no_case_narrative,
        ),
        "rhi:policy_new": Route(
            GET,
            AUTHORITIES,
            """
                                    own   placing  unrelated
            worker                  404   404      404
            manager                 404   404      404
            performance_lead        404   404      404
            police                  404   404      404
            partner_viewer          404   404      404
            org_admin               200   404      404
            worker_other            404   404      404
            manager_other           404   404      404
            performance_lead_other  404   404      404
            police_other            404   404      404
            partner_viewer_other    404   404      404
            org_admin_other         404   404      200
            support                 404   404      404
            anonymous               login login    login
            """,
        ),
        # --- Intake: police notifications, episodes and children --------------------------------------
        # Workers and managers of a provider record notifications for the LAs commissioning it.
        "missing_episodes:episode_new": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  200
            manager                 200
            performance_lead        404
            police                  404
            partner_viewer          404
            org_admin               404
            worker_other            200
            manager_other           200
            performance_lead_other  404
            police_other            404
            partner_viewer_other    404
            org_admin_other         404
            support                 404
            anonymous               login
            """,
        ),
        "missing_episodes:episode_import": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  200
            manager                 200
            performance_lead        404
            police                  404
            partner_viewer          404
            org_admin               404
            worker_other            200
            manager_other           200
            performance_lead_other  404
            police_other            404
            partner_viewer_other    404
            org_admin_other         404
            support                 404
            anonymous               login
            """,
        ),
        # Children (and their episodes) of the commissioning LAs and of the RHIs the user works on: the
        # child placed in Home's area is P's to see through its RHI.
        "missing_episodes:episode_detail": Route(
            GET,
            EPISODES,
            """
                                    own   own_open  placed_in  placed_in_open  unrelated
            worker                  200   200       200        200             404
            manager                 200   200       200        200             404
            performance_lead        404   404       404        404             404
            police                  404   404       404        404             404
            partner_viewer          404   404       404        404             404
            org_admin               404   404       404        404             404
            worker_other            404   404       404        404             200
            manager_other           404   404       404        404             200
            performance_lead_other  404   404       404        404             404
            police_other            404   404       404        404             404
            partner_viewer_other    404   404       404        404             404
            org_admin_other         404   404       404        404             404
            support                 404   404       404        404             404
            anonymous               login login     login      login           login
            """,
            markers=episode_page,
        ),
        # POST with nothing: a missing child's return form again with its errors (200); a returned episode
        # "already recorded" (302). Only those who may record the child's notification record the return
        # (access.episodes.can_record_return): P sees the placed child through its RHI, but Placing's
        # notifications are not P's to record (403).
        "missing_episodes:episode_record_return": Route(
            POST,
            EPISODES,
            """
                                    own   own_open  placed_in  placed_in_open  unrelated
            worker                  409   200       403        403             404
            manager                 409   200       403        403             404
            performance_lead        404   404       404        404             404
            police                  404   404       404        404             404
            partner_viewer          404   404       404        404             404
            org_admin               404   404       404        404             404
            worker_other            404   404       404        404             409
            manager_other           404   404       404        404             409
            performance_lead_other  404   404       404        404             404
            police_other            404   404       404        404             404
            partner_viewer_other    404   404       404        404             404
            org_admin_other         404   404       404        404             404
            support                 404   404       404        404             404
            anonymous               login login     login      login           login
            """,
        ),
        "missing_episodes:child_detail": Route(
            GET,
            CHILDREN,
            """
                                    own   placed_in  unrelated
            worker                  200   200        404
            manager                 200   200        404
            performance_lead        404   404        404
            police                  404   404        404
            partner_viewer          404   404        404
            org_admin               404   404        404
            worker_other            404   404        200
            manager_other           404   404        200
            performance_lead_other  404   404        404
            police_other            404   404        404
            partner_viewer_other    404   404        404
            org_admin_other         404   404        404
            support                 404   404        404
            anonymous               login login      login
            """,
            markers=child_page,
        ),
        # --- Follow-up referrals -----------------------------------------------------------------------
        # From an RHI whose interview is held, by its allocated worker or a manager; before the interview
        # (intake) a manager is sent back to the RHI (302) and a worker not allocated to it refused (403).
        "referrals:new": Route(
            GET,
            rhi_targets("intake"),
            """
                                    own   placed_in  in_progress  unrelated
            worker                  200   200        403          404
            manager                 200   200        302          404
            performance_lead        404   404        404          404
            police                  404   404        404          404
            partner_viewer          404   404        404          404
            org_admin               404   404        404          404
            worker_other            404   404        404          200
            manager_other           404   404        404          200
            performance_lead_other  404   404        404          404
            police_other            404   404        404          404
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          404
            support                 404   404        404          404
            anonymous               login login      login        login
            """,
        ),
        # Each worker's own list (empty for everyone else).
        "referrals:awaiting": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  200
            manager                 200
            performance_lead        200
            police                  200
            partner_viewer          200
            org_admin               200
            worker_other            200
            manager_other           200
            performance_lead_other  200
            police_other            200
            partner_viewer_other    200
            org_admin_other         200
            support                 200
            anonymous               login
            """,
            markers=no_case_narrative,
        ),
    }
)

REFERRAL_STEP = """
                                    own   placed_in  unrelated
            worker                  200   200        404
            manager                 200   200        404
            performance_lead        404   404        404
            police                  404   404        404
            partner_viewer          404   404        404
            org_admin               404   404        404
            worker_other            404   404        200
            manager_other           404   404        200
            performance_lead_other  404   404        404
            police_other            404   404        404
            partner_viewer_other    404   404        404
            org_admin_other         404   404        404
            support                 404   404        404
            anonymous               login login      login
"""
for step in ("mark_sent", "acknowledge", "outcome"):
    MATRIX[f"referrals:{step}"] = Route(GET, REFERRALS, REFERRAL_STEP)

MATRIX.update(
    {
        # --- Sharing -----------------------------------------------------------------------------------
        # Share an approved RHI: its allocated worker or a manager; a drafting one sends them back (302).
        "sharing:share": Route(
            GET,
            rhi_targets("draft"),
            """
                                    own   placed_in  in_progress  unrelated
            worker                  200   200        302          404
            manager                 200   200        302          404
            performance_lead        404   404        404          404
            police                  404   404        404          404
            partner_viewer          404   404        404          404
            org_admin               404   404        404          404
            worker_other            404   404        404          200
            manager_other           404   404        404          200
            performance_lead_other  404   404        404          404
            police_other            404   404        404          404
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          404
            support                 404   404        404          404
            anonymous               login login      login        login
            """,
        ),
        # "Shared with your organisation": recipients' roles (police, partner viewers, casework); never
        # performance leads (figures only) or org admins (users only).
        "sharing:shared": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  200
            manager                 200
            performance_lead        403
            police                  200
            partner_viewer          200
            org_admin               403
            worker_other            200
            manager_other           200
            performance_lead_other  403
            police_other            200
            partner_viewer_other    200
            org_admin_other         403
            support                 403
            anonymous               login
            """,
            markers=shared_list_rows,
        ),
        # A disclosure opens for its recipient organisation (at its level) and for the sharing provider.
        "sharing:detail": Route(
            GET,
            DISCLOSURES,
            """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            worker                  200                 200                  200                    404
            manager                 200                 200                  200                    404
            performance_lead        404                 404                  404                    404
            police                  200                 404                  404                    404
            partner_viewer          404                 200                  200                    404
            org_admin               404                 404                  404                    404
            worker_other            404                 404                  404                    200
            manager_other           404                 404                  404                    200
            performance_lead_other  404                 404                  404                    404
            police_other            404                 404                  404                    200
            partner_viewer_other    404                 404                  404                    404
            org_admin_other         404                 404                  404                    404
            support                 404                 404                  404                    404
            anonymous               login               login                login                  login
            """,
            markers=disclosure_at_its_level,
        ),
        # The full report's PDF is the RHI's stored report: a redirect to rhi:report_download.
        "sharing:pdf": Route(
            GET,
            DISCLOSURES,
            """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            worker                  200                 200                  302                    404
            manager                 200                 200                  302                    404
            performance_lead        404                 404                  404                    404
            police                  200                 404                  404                    404
            partner_viewer          404                 200                  302                    404
            org_admin               404                 404                  404                    404
            worker_other            404                 404                  404                    200
            manager_other           404                 404                  404                    200
            performance_lead_other  404                 404                  404                    404
            police_other            404                 404                  404                    200
            partner_viewer_other    404                 404                  404                    404
            org_admin_other         404                 404                  404                    404
            support                 404                 404                  404                    404
            anonymous               login               login                login                  login
            """,
            content_type=PDF,
        ),
        # Only the receiving organisation acknowledges (302 back to the disclosure); the sharer may open
        # it but not acknowledge it (403).
        "sharing:acknowledge": Route(
            POST,
            DISCLOSURES,
            """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            worker                  403                 403                  403                    404
            manager                 403                 403                  403                    404
            performance_lead        404                 404                  404                    404
            police                  302                 404                  404                    404
            partner_viewer          404                 302                  302                    404
            org_admin               404                 404                  404                    404
            worker_other            404                 404                  404                    403
            manager_other           404                 404                  404                    403
            performance_lead_other  404                 404                  404                    404
            police_other            404                 404                  404                    302
            partner_viewer_other    404                 404                  404                    404
            org_admin_other         404                 404                  404                    404
            support                 404                 404                  404                    404
            anonymous               login               login                login                  login
            """,
        ),
        # Revoke: the person who shared it (the worker shared the notification, the manager the summary)
        # or a manager of the provider; automatic disclosures (the placed child's report) by a manager.
        "sharing:revoke": Route(
            GET,
            DISCLOSURES,
            """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            worker                  403                 200                  403                    404
            manager                 200                 200                  200                    404
            performance_lead        404                 404                  404                    404
            police                  403                 404                  404                    404
            partner_viewer          404                 403                  403                    404
            org_admin               404                 404                  404                    404
            worker_other            404                 404                  404                    403
            manager_other           404                 404                  404                    200
            performance_lead_other  404                 404                  404                    404
            police_other            404                 404                  404                    403
            partner_viewer_other    404                 404                  404                    404
            org_admin_other         404                 404                  404                    404
            support                 404                 404                  404                    404
            anonymous               login               login                login                  login
            """,
        ),
        # Shares outside the child's relations wait for a manager of the provider (issue 11 item 8): the queue
        # is for team managers; a share already decided (the approved notification to Placing) is 404.
        "sharing:approvals": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  403
            manager                 200
            performance_lead        403
            police                  403
            partner_viewer          403
            org_admin               403
            worker_other            403
            manager_other           200
            performance_lead_other  403
            police_other            403
            partner_viewer_other    403
            org_admin_other         403
            support                 403
            anonymous               login
            """,
        ),
        "sharing:decide": Route(
            GET,
            {"decided": disclosure_target("placing_note")},
            """
            decided
            worker                  404
            manager                 404
            performance_lead        404
            police                  404
            partner_viewer          404
            org_admin               404
            worker_other            404
            manager_other           404
            performance_lead_other  404
            police_other            404
            partner_viewer_other    404
            org_admin_other         404
            support                 404
            anonymous               login
            """,
        ),
        # Police notifications naming a child the force has no relation to wait for the child's council or its
        # commissioned provider (issue 11 item 6). No link is pending in this world: every decision page is 404.
        "missing_episodes:pending_links": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  200
            manager                 200
            performance_lead        403
            police                  403
            partner_viewer          403
            org_admin               403
            worker_other            200
            manager_other           200
            performance_lead_other  403
            police_other            403
            partner_viewer_other    403
            org_admin_other         403
            support                 403
            anonymous               login
            """,
        ),
        "missing_episodes:pending_link": Route(
            GET,
            {"none": lambda w: ({"pk": 0}, "")},
            """
            none
            worker                  404
            manager                 404
            performance_lead        404
            police                  404
            partner_viewer          404
            org_admin               404
            worker_other            404
            manager_other           404
            performance_lead_other  404
            police_other            404
            partner_viewer_other    404
            org_admin_other         404
            support                 404
            anonymous               login
            """,
        ),
        # Episodes reported to the coordinator's own force (notification level).
        "sharing:police_episodes": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  403
            manager                 403
            performance_lead        403
            police                  200
            partner_viewer          403
            org_admin               403
            worker_other            403
            manager_other           403
            performance_lead_other  403
            police_other            200
            partner_viewer_other    403
            org_admin_other         403
            support                 403
            anonymous               login
            """,
            markers=police_list_rows,
        ),
        # --- Out-of-area placements: staff of the responsible (placing) or host LA ----------------------
        "sharing_out_of_area:unnotified": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  404
            manager                 404
            performance_lead        200
            police                  404
            partner_viewer          200
            org_admin               404
            worker_other            404
            manager_other           404
            performance_lead_other  200
            police_other            404
            partner_viewer_other    200
            org_admin_other         404
            support                 404
            anonymous               login
            """,
            markers=unnotified_rows,
        ),
        "sharing_out_of_area:record": Route(
            GET,
            PLACEMENTS,
            """
                                    in_area  placed_in  unrelated
            worker                  404      404        404
            manager                 404      404        404
            performance_lead        200      200        404
            police                  404      404        404
            partner_viewer          404      200        404
            org_admin               404      404        404
            worker_other            404      404        404
            manager_other           404      404        404
            performance_lead_other  404      404        200
            police_other            404      404        404
            partner_viewer_other    404      404        200
            org_admin_other         404      404        404
            support                 404      404        404
            anonymous               login    login      login
            """,
        ),
        # --- Who has seen this record: managers who see the record, org admins of the child's LA --------
        "audit:child": Route(
            GET,
            CHILDREN,
            """
                                    own   placed_in  unrelated
            worker                  404   404        404
            manager                 200   200        404
            performance_lead        404   404        404
            police                  404   404        404
            partner_viewer          404   404        404
            org_admin               200   404        404
            worker_other            404   404        404
            manager_other           404   404        200
            performance_lead_other  404   404        404
            police_other            404   404        404
            partner_viewer_other    404   404        404
            org_admin_other         404   404        200
            support                 404   404        404
            anonymous               login login      login
            """,
            markers=no_case_narrative,
        ),
        "audit:rhi": Route(
            GET,
            rhi_targets("draft"),
            """
                                    own   placed_in  in_progress  unrelated
            worker                  404   404        404          404
            manager                 200   200        200          404
            performance_lead        404   404        404          404
            police                  404   404        404          404
            partner_viewer          404   404        404          404
            org_admin               200   404        200          404
            worker_other            404   404        404          404
            manager_other           404   404        404          200
            performance_lead_other  404   404        404          404
            police_other            404   404        404          404
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          200
            support                 404   404        404          404
            anonymous               login login      login        login
            """,
            markers=no_case_narrative,
        ),
    }
)

# --- Reporting: performance leads, for their own LA (another LA asked for by id: 404) ----------------------
PERFORMANCE_LEAD_OWN_LA = """
                                    own   unrelated
            worker                  404   404
            manager                 404   404
            performance_lead        200   404
            police                  404   404
            partner_viewer          404   404
            org_admin               404   404
            worker_other            404   404
            manager_other           404   404
            performance_lead_other  200   200
            police_other            404   404
            partner_viewer_other    404   404
            org_admin_other         404   404
            support                 404   404
            anonymous               login login
"""
MATRIX.update(
    {
        "performance:return": Route(
            GET, performance_targets(), PERFORMANCE_LEAD_OWN_LA, markers=own_authority_figures
        ),
        "performance:download": Route(
            GET,
            performance_targets(fmt="xlsx"),
            PERFORMANCE_LEAD_OWN_LA,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "performance:dashboard": Route(
            GET, performance_targets(), PERFORMANCE_LEAD_OWN_LA, markers=own_authority_figures
        ),
        "performance:records": Route(
            GET,
            performance_targets(figure="incidents"),
            PERFORMANCE_LEAD_OWN_LA,
            markers=own_authority_figures,
        ),
    }
)
PERFORMANCE_LEADS_ONLY = """
            none
            worker                  404
            manager                 404
            performance_lead        200
            police                  404
            partner_viewer          404
            org_admin               404
            worker_other            404
            manager_other           404
            performance_lead_other  200
            police_other            404
            partner_viewer_other    404
            org_admin_other         404
            support                 404
            anonymous               login
"""
# An export job is its requester's alone.
OWN_EXPORT = """
                                    own   unrelated
            worker                  404   404
            manager                 404   404
            performance_lead        200   404
            police                  404   404
            partner_viewer          404   404
            org_admin               404   404
            worker_other            404   404
            manager_other           404   404
            performance_lead_other  404   200
            police_other            404   404
            partner_viewer_other    404   404
            org_admin_other         404   404
            support                 404   404
            anonymous               login login
"""
MATRIX.update(
    {
        "reporting:returns": Route(GET, NO_RECORD, PERFORMANCE_LEADS_ONLY, markers=no_case_narrative),
        "reporting:ssda903_validation": Route(
            GET, NO_RECORD, PERFORMANCE_LEADS_ONLY, markers=no_case_narrative
        ),
        "reporting:export_detail": Route(GET, EXPORTS, OWN_EXPORT, markers=no_case_narrative),
        "reporting:export_download": Route(GET, EXPORTS, OWN_EXPORT, content_type="text/csv"),
    }
)

# --- Web imports: only the person who uploaded the file sees its job and its problems -------------------
IMPORT_JOBS = {
    key: (lambda w, key=key: ({"pk": w.extra["import_jobs"][key].pk}, "")) for key in ("own", "unrelated")
}
OWN_IMPORT = """
                                    own   unrelated
            worker                  200   404
            manager                 404   404
            performance_lead        404   404
            police                  404   404
            partner_viewer          404   404
            org_admin               404   404
            worker_other            404   200
            manager_other           404   404
            performance_lead_other  404   404
            police_other            404   404
            partner_viewer_other    404   404
            org_admin_other         404   404
            support                 404   404
            anonymous               login login
"""
MATRIX.update(
    {
        "missing_episodes:import_job": Route(GET, IMPORT_JOBS, OWN_IMPORT, markers=no_case_narrative),
        "missing_episodes:import_job_problems": Route(GET, IMPORT_JOBS, OWN_IMPORT, content_type="text/csv"),
    }
)

# --- Organisation admins: API clients and webhooks (users and systems, never case content) -----------------
ORG_ADMINS_ONLY = """
            none
            worker                  404
            manager                 404
            performance_lead        404
            police                  404
            partner_viewer          404
            org_admin               200
            worker_other            404
            manager_other           404
            performance_lead_other  404
            police_other            404
            partner_viewer_other    404
            org_admin_other         200
            support                 404
            anonymous               login
"""
OWN_ORGANISATIONS_RECORD = """
                                    own   unrelated
            worker                  404   404
            manager                 404   404
            performance_lead        404   404
            police                  404   404
            partner_viewer          404   404
            org_admin               200   404
            worker_other            404   404
            manager_other           404   404
            performance_lead_other  404   404
            police_other            404   404
            partner_viewer_other    404   404
            org_admin_other         404   200
            support                 404   404
            anonymous               login login
"""
MATRIX.update(
    {
        "accounts:api_clients": Route(GET, NO_RECORD, ORG_ADMINS_ONLY, markers=no_case_narrative),
        "accounts:api_client_new": Route(GET, NO_RECORD, ORG_ADMINS_ONLY),
        "accounts:api_client_revoke": Route(GET, API_CLIENTS, OWN_ORGANISATIONS_RECORD),
        # Approving a client (issue 11): anyone holding a case role may open the list (it may be empty); a
        # client's page only for a holder of its role in its organisation who did not issue it, while it waits.
        "accounts:api_client_approvals": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  200
            manager                 200
            performance_lead        200
            police                  200
            partner_viewer          200
            org_admin               404
            worker_other            200
            manager_other           200
            performance_lead_other  200
            police_other            200
            partner_viewer_other    200
            org_admin_other         404
            support                 404
            anonymous               login
            """,
            markers=no_case_narrative,
        ),
        "accounts:api_client_decide": Route(
            GET,
            API_CLIENT_DECISIONS,
            """
                                    pending_provider  pending_force  pending_council  approved  unrelated
            worker                  404               404            404              404       404
            manager                 200               404            404              404       404
            performance_lead        404               404            404              404       404
            police                  404               200            404              404       404
            partner_viewer          404               404            404              404       404
            org_admin               404               404            404              404       404
            worker_other            404               404            404              404       404
            manager_other           404               404            404              404       404
            performance_lead_other  404               404            404              404       404
            police_other            404               404            404              404       404
            partner_viewer_other    404               404            404              404       200
            org_admin_other         404               404            404              404       404
            support                 404               404            404              404       404
            anonymous               login             login          login            login     login
            """,
            markers=no_case_narrative,
        ),
        "sharing_webhooks:list": Route(GET, NO_RECORD, ORG_ADMINS_ONLY, markers=no_case_narrative),
        "sharing_webhooks:new": Route(GET, NO_RECORD, ORG_ADMINS_ONLY),
        "sharing_webhooks:deactivate": Route(GET, WEBHOOKS, OWN_ORGANISATIONS_RECORD),
        "sharing_webhooks:deliveries": Route(GET, NO_RECORD, ORG_ADMINS_ONLY, markers=no_case_narrative),
        # Importing past RHI outcomes: team managers (for the LAs they serve) and performance leads.
        "rhi:import_history": Route(
            GET,
            NO_RECORD,
            """
            none
            worker                  404
            manager                 200
            performance_lead        200
            police                  404
            partner_viewer          404
            org_admin               404
            worker_other            404
            manager_other           200
            performance_lead_other  200
            police_other            404
            partner_viewer_other    404
            org_admin_other         404
            support                 404
            anonymous               login
            """,
        ),
    }
)


# --- The REST API (/api/v1/): the same policy; anonymous callers get 401, never a redirect ----------------
def api_child_search(key: str) -> Target:
    return lambda w: ({}, f"la_child_id={w.children[key].la_child_id}")


API_CHILD_SEARCH = {"own": api_child_search("home"), "unrelated": api_child_search("q")}
API_CHILD_SEARCH_POST = {"own": lambda w: ({}, ""), "unrelated": lambda w: ({}, "")}


def api_child_search_body(world: World, relation: str) -> dict[str, Any]:
    """A name search travels in the body (never the URL): the relation's child by surname and date of birth."""
    child = world.children["home" if relation == "own" else "q"]
    return {"last_name": child.last_name, "date_of_birth": child.date_of_birth.isoformat()}


def api_child_results(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """A search finds the child only for those who see the child in full."""
    key = RHI_KEYS[relation]
    name = world.children[key].last_name
    sees = (key == "home" and user in P_USERS) or (key == "q" and user in Q_USERS)
    return ([name], ALL_WORDS) if sees else ([], [name, *ALL_WORDS])


def api_episode_rows(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    """Casework sees its LAs' and RHIs' episodes; a coordinator those reported to their force; nobody else any."""
    refs = {key: episode.police_reference for key, episode in world.episodes.items()}
    seen = {
        "worker": {"home", "home_open", "placed", "placed_open", "draft"},
        "manager": {"home", "home_open", "placed", "placed_open", "draft"},
        "police": {"home", "home_open", "placed", "placed_open", "draft"},
        "worker_other": {"q"},
        "manager_other": {"q"},
        "police_other": {"q"},
    }.get(user, set())
    return [refs[k] for k in sorted(seen)], [refs[k] for k in refs if k not in seen] + ALL_WORDS


# The level each 200 of an RHI is answered at, through the API.
API_RHI_LEVELS = {
    ("worker", "own"): "full",
    ("worker", "placed_in"): "full",
    ("worker", "in_progress"): "full",
    ("manager", "own"): "full",
    ("manager", "placed_in"): "full",
    ("manager", "in_progress"): "full",
    ("police", "own"): "intelligence_summary",
    ("partner_viewer", "own"): "notification",
    ("partner_viewer", "placed_in"): "full",
    ("worker_other", "unrelated"): "full",
    ("manager_other", "unrelated"): "full",
    ("police_other", "unrelated"): "intelligence_summary",
}


def api_rhi_at_level(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    key = RHI_KEYS.get(relation, "draft")
    level = API_RHI_LEVELS[(user, relation)]
    others = [words for k, words in WORDS.items() if k != key]
    if level == "full":
        return [f'"level":"{level}"', WORDS[key]], others
    if level == "intelligence_summary":
        return [f'"level":"{level}"', ASSOCIATE[key]], ALL_WORDS
    return [f'"level":"{level}"'], [ASSOCIATE.get(key, "-"), *ALL_WORDS]


def api_disclosure_at_its_level(world: World, relation: str, user: str) -> tuple[list[str], list[str]]:
    return {
        "shared_with_police": ([ASSOCIATE["home"]], ALL_WORDS),
        "shared_with_placing": ([], [ASSOCIATE["home"], *ALL_WORDS]),
        # The API's disclosure holds the facts up to the intelligence level; the full narrative of a full
        # report is read as the RHI itself (api:rhi-detail at the full level).
        "placed_in_full_report": ([ASSOCIATE["placed"]], [WORDS["home"], WORDS["q"]]),
        "unrelated": ([ASSOCIATE["q"]], ALL_WORDS),
    }[relation]


def api_return_request(world: World, relation: str) -> dict[str, Any]:
    authority = world.home if relation == "own" else world.other
    return {
        "return_kind": "ssda903-missing",
        "local_authority": authority.code,
        "date_from": "2025-04-01",
        "date_to": "2026-03-31",
        "format": "csv",
    }


API_RETURN_FOR = {"own": none, "unrelated": none}
# Lists filtered to what the caller may see: 200 for everyone signed in.
API_LIST = """
            none
            worker                  200
            manager                 200
            performance_lead        200
            police                  200
            partner_viewer          200
            org_admin               200
            worker_other            200
            manager_other           200
            performance_lead_other  200
            police_other            200
            partner_viewer_other    200
            org_admin_other         200
            support                 200
            anonymous               401
"""
MATRIX.update(
    {
        "api:child-list": Route(
            GET,
            API_CHILD_SEARCH,
            """
                                    own   unrelated
            worker                  200   200
            manager                 200   200
            performance_lead        200   200
            police                  200   200
            partner_viewer          200   200
            org_admin               200   200
            worker_other            200   200
            manager_other           200   200
            performance_lead_other  200   200
            police_other            200   200
            partner_viewer_other    200   200
            org_admin_other         200   200
            support                 200   200
            anonymous               401   401
            """,
            markers=api_child_results,
        ),
        "api:child-search": Route(
            POST,
            API_CHILD_SEARCH_POST,
            """
                                    own   unrelated
            worker                  200   200
            manager                 200   200
            performance_lead        200   200
            police                  200   200
            partner_viewer          200   200
            org_admin               200   200
            worker_other            200   200
            manager_other           200   200
            performance_lead_other  200   200
            police_other            200   200
            partner_viewer_other    200   200
            org_admin_other         200   200
            support                 200   200
            anonymous               401   401
            """,
            markers=api_child_results,
            body=api_child_search_body,
        ),
        "api:child-detail": Route(
            GET,
            CHILDREN,
            """
                                    own   placed_in  unrelated
            worker                  200   200        404
            manager                 200   200        404
            performance_lead        404   404        404
            police                  404   404        404
            partner_viewer          404   404        404
            org_admin               404   404        404
            worker_other            404   404        200
            manager_other           404   404        200
            performance_lead_other  404   404        404
            police_other            404   404        404
            partner_viewer_other    404   404        404
            org_admin_other         404   404        404
            support                 404   404        404
            anonymous               401   401        401
            """,
            markers=child_page,
        ),
        "api:episode-list": Route(GET, NO_RECORD, API_LIST, markers=api_episode_rows),
        # A missing-person coordinator reads the episodes reported to their force (without the child's
        # details), whichever council is responsible for the child.
        "api:episode-detail": Route(
            GET,
            EPISODES,
            """
                                    own   own_open  placed_in  placed_in_open  unrelated
            worker                  200   200       200        200             404
            manager                 200   200       200        200             404
            performance_lead        404   404       404        404             404
            police                  200   200       200        200             404
            partner_viewer          404   404       404        404             404
            org_admin               404   404       404        404             404
            worker_other            404   404       404        404             200
            manager_other           404   404       404        404             200
            performance_lead_other  404   404       404        404             404
            police_other            404   404       404        404             200
            partner_viewer_other    404   404       404        404             404
            org_admin_other         404   404       404        404             404
            support                 404   404       404        404             404
            anonymous               401   401       401        401             401
            """,
            markers=episode_page,
        ),
        # POST without If-Match: 428 for whoever may record the return (casework of the child's LA, the
        # force's coordinator); readable but not theirs to record: 403.
        "api:episode-return": Route(
            POST,
            EPISODES,
            """
                                    own   own_open  placed_in  placed_in_open  unrelated
            worker                  428   428       403        403             404
            manager                 428   428       403        403             404
            performance_lead        404   404       404        404             404
            police                  428   428       428        428             404
            partner_viewer          404   404       404        404             404
            org_admin               404   404       404        404             404
            worker_other            404   404       404        404             428
            manager_other           404   404       404        404             428
            performance_lead_other  404   404       404        404             404
            police_other            404   404       404        404             428
            partner_viewer_other    404   404       404        404             404
            org_admin_other         404   404       404        404             404
            support                 404   404       404        404             404
            anonymous               401   401       401       401             401
            """,
        ),
        "api:rhi-list": Route(GET, NO_RECORD, API_LIST, markers=no_case_narrative),
        # At the caller's level: casework full; the police the intelligence summary of Home's RHI; Placing
        # the notification of Home's RHI and the full report of its placed child's.
        "api:rhi-detail": Route(
            GET,
            rhi_targets("draft"),
            """
                                    own   placed_in  in_progress  unrelated
            worker                  200   200        200          404
            manager                 200   200        200          404
            performance_lead        404   404        404          404
            police                  200   404        404          404
            partner_viewer          200   200        404          404
            org_admin               404   404        404          404
            worker_other            404   404        404          200
            manager_other           404   404        404          200
            performance_lead_other  404   404        404          404
            police_other            404   404        404          200
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          404
            support                 404   404        404          404
            anonymous               401   401        401          401
            """,
            markers=api_rhi_at_level,
        ),
        "api:referral-list": Route(GET, NO_RECORD, API_LIST, markers=no_case_narrative),
        "api:referral-detail": Route(
            GET,
            {key: record_target("referrals", rk) for key, rk in RHI_KEYS.items()},
            """
                                    own   placed_in  unrelated
            worker                  200   200        404
            manager                 200   200        404
            performance_lead        404   404        404
            police                  404   404        404
            partner_viewer          404   404        404
            org_admin               404   404        404
            worker_other            404   404        200
            manager_other           404   404        200
            performance_lead_other  404   404        404
            police_other            404   404        404
            partner_viewer_other    404   404        404
            org_admin_other         404   404        404
            support                 404   404        404
            anonymous               401   401        401
            """,
        ),
        "api:disclosure-list": Route(GET, NO_RECORD, API_LIST, markers=no_case_narrative),
        # The API answers recipients only (what was shared with the caller's organisation): the sharing
        # provider reads its RHI instead (404 here).
        "api:disclosure-detail": Route(
            GET,
            DISCLOSURES,
            """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            worker                  404                 404                  404                    404
            manager                 404                 404                  404                    404
            performance_lead        404                 404                  404                    404
            police                  200                 404                  404                    404
            partner_viewer          404                 200                  200                    404
            org_admin               404                 404                  404                    404
            worker_other            404                 404                  404                    404
            manager_other           404                 404                  404                    404
            performance_lead_other  404                 404                  404                    404
            police_other            404                 404                  404                    200
            partner_viewer_other    404                 404                  404                    404
            org_admin_other         404                 404                  404                    404
            support                 404                 404                  404                    404
            anonymous               401                 401                  401                    401
            """,
            markers=api_disclosure_at_its_level,
        ),
        "api:disclosure-acknowledge": Route(
            POST,
            DISCLOSURES,
            """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            worker                  404                 404                  404                    404
            manager                 404                 404                  404                    404
            performance_lead        404                 404                  404                    404
            police                  200                 404                  404                    404
            partner_viewer          404                 200                  200                    404
            org_admin               404                 404                  404                    404
            worker_other            404                 404                  404                    404
            manager_other           404                 404                  404                    404
            performance_lead_other  404                 404                  404                    404
            police_other            404                 404                  404                    200
            partner_viewer_other    404                 404                  404                    404
            org_admin_other         404                 404                  404                    404
            support                 404                 404                  404                    404
            anonymous               401                 401                  401                    401
            """,
        ),
        # Start a return for Home (own) or Other (unrelated): only that LA's performance lead (202).
        "api:return-start": Route(
            POST,
            API_RETURN_FOR,
            """
                                    own   unrelated
            worker                  403   403
            manager                 403   403
            performance_lead        202   403
            police                  403   403
            partner_viewer          403   403
            org_admin               403   403
            worker_other            403   403
            manager_other           403   403
            performance_lead_other  403   202
            police_other            403   403
            partner_viewer_other    403   403
            org_admin_other         403   403
            support                 403   403
            anonymous               401   401
            """,
            body=api_return_request,
        ),
        "api:return-detail": Route(
            GET, EXPORTS, OWN_EXPORT.replace("login", "401"), markers=no_case_narrative
        ),
        "api:return-file": Route(GET, EXPORTS, OWN_EXPORT.replace("login", "401"), content_type="text/csv"),
        # Anything else under /api/v1/: the API's own 404, for everyone.
        "api:not-found": Route(
            GET,
            API_NOT_FOUND,
            """
            none
            worker                  404
            manager                 404
            performance_lead        404
            police                  404
            partner_viewer          404
            org_admin               404
            worker_other            404
            manager_other           404
            performance_lead_other  404
            police_other            404
            partner_viewer_other    404
            org_admin_other         404
            support                 404
            anonymous               404
            """,
        ),
    }
)

# --- The REST API with bearer tokens (issue 11): the same answers as a person in the token's role, and
# nothing at all (403, audited) for a client an org admin issued that no holder of its role has approved ------
# One grid per API route (the columns are the route's relations in MATRIX), one row per token of
# tests/matrix_world.TOKEN_AS. test_every_api_route_has_a_token_grid fails for an API route without one.
TOKEN_GRIDS: dict[str, str] = {
    "api:child-list": """
                                    own   unrelated
            token_manager           200   200
            token_police            200   200
            token_partner_viewer    200   200
            token_performance_lead  200   200
            token_pending_manager   403   403
            token_pending_police    403   403
            token_pending_council   403   403
""",
    "api:child-search": """
                                    own   unrelated
            token_manager           200   200
            token_police            200   200
            token_partner_viewer    200   200
            token_performance_lead  200   200
            token_pending_manager   403   403
            token_pending_police    403   403
            token_pending_council   403   403
""",
    "api:child-detail": """
                                    own   placed_in  unrelated
            token_manager           200   200        404
            token_police            404   404        404
            token_partner_viewer    404   404        404
            token_performance_lead  404   404        404
            token_pending_manager   403   403        403
            token_pending_police    403   403        403
            token_pending_council   403   403        403
""",
    "api:episode-list": """
                                    none
            token_manager           200
            token_police            200
            token_partner_viewer    200
            token_performance_lead  200
            token_pending_manager   403
            token_pending_police    403
            token_pending_council   403
""",
    "api:episode-detail": """
                                    own   own_open  placed_in  placed_in_open  unrelated
            token_manager           200   200       200        200             404
            token_police            200   200       200        200             404
            token_partner_viewer    404   404       404        404             404
            token_performance_lead  404   404       404        404             404
            token_pending_manager   403   403       403        403             403
            token_pending_police    403   403       403        403             403
            token_pending_council   403   403       403        403             403
""",
    "api:episode-return": """
                                    own   own_open  placed_in  placed_in_open  unrelated
            token_manager           428   428       403        403             404
            token_police            428   428       428        428             404
            token_partner_viewer    404   404       404        404             404
            token_performance_lead  404   404       404        404             404
            token_pending_manager   403   403       403        403             403
            token_pending_police    403   403       403        403             403
            token_pending_council   403   403       403        403             403
""",
    "api:rhi-list": """
                                    none
            token_manager           200
            token_police            200
            token_partner_viewer    200
            token_performance_lead  200
            token_pending_manager   403
            token_pending_police    403
            token_pending_council   403
""",
    "api:rhi-detail": """
                                    own   placed_in  in_progress  unrelated
            token_manager           200   200        200          404
            token_police            200   404        404          404
            token_partner_viewer    200   200        404          404
            token_performance_lead  404   404        404          404
            token_pending_manager   403   403        403          403
            token_pending_police    403   403        403          403
            token_pending_council   403   403        403          403
""",
    "api:referral-list": """
                                    none
            token_manager           200
            token_police            200
            token_partner_viewer    200
            token_performance_lead  200
            token_pending_manager   403
            token_pending_police    403
            token_pending_council   403
""",
    "api:referral-detail": """
                                    own   placed_in  unrelated
            token_manager           200   200        404
            token_police            404   404        404
            token_partner_viewer    404   404        404
            token_performance_lead  404   404        404
            token_pending_manager   403   403        403
            token_pending_police    403   403        403
            token_pending_council   403   403        403
""",
    "api:disclosure-list": """
                                    none
            token_manager           200
            token_police            200
            token_partner_viewer    200
            token_performance_lead  200
            token_pending_manager   403
            token_pending_police    403
            token_pending_council   403
""",
    "api:disclosure-detail": """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            token_manager           404                 404                  404                    404
            token_police            200                 404                  404                    404
            token_partner_viewer    404                 200                  200                    404
            token_performance_lead  404                 404                  404                    404
            token_pending_manager   403                 403                  403                    403
            token_pending_police    403                 403                  403                    403
            token_pending_council   403                 403                  403                    403
""",
    "api:disclosure-acknowledge": """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            token_manager           404                 404                  404                    404
            token_police            200                 404                  404                    404
            token_partner_viewer    404                 200                  200                    404
            token_performance_lead  404                 404                  404                    404
            token_pending_manager   403                 403                  403                    403
            token_pending_police    403                 403                  403                    403
            token_pending_council   403                 403                  403                    403
""",
    # Only an approved council client with returns:run starts its own LA's return. A client polls only the
    # jobs it started itself (the performance lead's own job is theirs: 404); without the scope, 403.
    "api:return-start": """
                                    own   unrelated
            token_manager           403   403
            token_police            403   403
            token_partner_viewer    403   403
            token_performance_lead  202   403
            token_pending_manager   403   403
            token_pending_police    403   403
            token_pending_council   403   403
""",
    "api:return-detail": """
                                    own   unrelated
            token_manager           404   404
            token_police            404   404
            token_partner_viewer    403   403
            token_performance_lead  404   404
            token_pending_manager   403   403
            token_pending_police    403   403
            token_pending_council   403   403
""",
    "api:return-file": """
                                    own   unrelated
            token_manager           404   404
            token_police            404   404
            token_partner_viewer    403   403
            token_performance_lead  404   404
            token_pending_manager   403   403
            token_pending_police    403   403
            token_pending_council   403   403
""",
    # An unapproved client's token answers 403 before anything else, even where nothing exists.
    "api:not-found": """
                                    none
            token_manager           404
            token_police            404
            token_partner_viewer    404
            token_performance_lead  404
            token_pending_manager   403
            token_pending_police    403
            token_pending_council   403
""",
}


def token_cells(name: str) -> dict[tuple[str, str], str]:
    """(token, relation) → expected answer, parsed from TOKEN_GRIDS; every token once, the route's columns."""
    lines = [line.split() for line in TOKEN_GRIDS[name].strip().splitlines() if line.strip()]
    header, rows = lines[0], lines[1:]
    assert header == list(MATRIX[name].targets), f"{name}: token grid columns {header}"
    assert sorted(row[0] for row in rows) == sorted(TOKEN_KEYS), f"{name}: every token once"
    cells = {}
    for row in rows:
        assert len(row) == len(header) + 1, f"{name}: row {row[0]}"
        for relation, token in zip(header, row[1:], strict=True):
            assert re.fullmatch(r"[1-5][0-9]{2}", token), token
            cells[(row[0], relation)] = token
    return cells


# Every 403/404 to a signed-in user is a refusal and is audited as DENIED, except these (nothing to refuse).
NOT_A_REFUSAL: dict[tuple[str, str, str], str] = {
    (
        "rhi:report_download",
        "worker",
        "drafting",
    ): "the RHI is theirs; its report does not exist before approval",
    (
        "rhi:report_download",
        "manager",
        "drafting",
    ): "the RHI is theirs; its report does not exist before approval",
}

# Cells whose actual answer contradicts the policy: (route, user, relation) → why. Strict: fixing one fails
# the suite until its entry is removed here.
XFAIL: dict[tuple[str, str, str], str] = {}


# ---------------------------------------------------------------------------------------------------------
# Route discovery
# ---------------------------------------------------------------------------------------------------------


def discovered_routes() -> dict[str, str]:
    """namespace:name → pattern, for every named route the URL resolver knows."""
    found: dict[str, str] = {}

    def walk(resolver: URLResolver, namespace: str, prefix: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
                walk(entry, inner, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                name = entry.name or f"<unnamed {prefix}{entry.pattern}>"
                found[f"{namespace}:{name}" if namespace else name] = prefix + str(entry.pattern)

    walk(get_resolver(), "", "")
    return found


def matrix_routes() -> set[str]:
    return {name for name in discovered_routes() if not name.startswith("admin:")} - set(PUBLIC_DOCUMENTATION)


def admin_routes() -> dict[str, str]:
    return {name: pattern for name, pattern in discovered_routes().items() if name.startswith("admin:")}


def test_every_route_has_a_matrix_entry():
    routes = matrix_routes()
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, (
        f"routes with no entry in the permission matrix (tests/test_permission_matrix.py): {missing}"
    )
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


PUBLIC_PAGES = {"healthz", "readyz", "accounts:login", "accounts:logout"}


def test_every_grid_is_complete_and_anonymous_is_sent_to_sign_in():
    for name, route in MATRIX.items():
        cells = route.cells()  # asserts every user × every relation has an answer
        assert route.method in (GET, POST), name
        anonymous = {token for (user, _), token in cells.items() if user == "anonymous"}
        if name == "api:not-found":
            assert anonymous == {"404"}, name
        elif name.startswith("api:"):
            assert anonymous == {"401"}, f"{name}: the API answers anonymous callers 401"
        elif name not in PUBLIC_PAGES:
            assert anonymous == {"login"}, f"{name}: anonymous users go to the sign-in page"
    for route_name, user, relation in XFAIL:
        assert (user, relation) in MATRIX[route_name].cells(), (route_name, user, relation)


# ---------------------------------------------------------------------------------------------------------
# The cells
# ---------------------------------------------------------------------------------------------------------


def _cells() -> Iterator[Any]:
    for name, route in MATRIX.items():
        for (user, relation), expected in route.cells().items():
            marks = []
            reason = XFAIL.get((name, user, relation))
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            yield pytest.param(name, user, relation, expected, marks=marks, id=f"{name}|{user}|{relation}")


def request(world: World, name: str, user: str, relation: str) -> HttpResponse:
    route = MATRIX[name]
    kwargs, query = route.targets[relation](world)
    path = kwargs.pop("__path__", None) or reverse(name, kwargs=kwargs)
    url = path + (f"?{query}" if query else "")
    client = client_for(world, user)
    if route.method == GET:
        return client.get(url)
    if name.startswith("api:"):
        data = route.body(world, relation) if route.body else {}
        return client.post(url, data, content_type="application/json")
    return client.post(url, {})


def body(response: HttpResponse) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")


@pytest.mark.parametrize(("name", "user", "relation", "expected"), list(_cells()))
def test_cell(world: World, name: str, user: str, relation: str, expected: str):
    route = MATRIX[name]
    denied_before = denied_events()
    response = request(world, name, user, relation)
    sign_in = reverse("accounts:login")
    try:
        got = str(response.status_code)
        if response.status_code == 302 and response["Location"].startswith(sign_in):
            got = "login"
        assert got == expected, f"{name} as {user} on {relation}: expected {expected}, got {got}"
        refusal = (name, user, relation) not in NOT_A_REFUSAL and name != "api:not-found"
        if got in ("403", "404") and user != "anonymous" and refusal:
            assert denied_events() > denied_before, f"{name} as {user} on {relation}: refusal not audited"
        if got == "200":
            if route.content_type:
                assert response["Content-Type"].startswith(route.content_type), response["Content-Type"]
            if route.markers is not None:
                text = body(response)
                present, absent = route.markers(world, relation, user)
                for wanted in present:
                    assert wanted in text, f"{name} as {user} on {relation} should show {wanted!r}"
                for unwanted in absent:
                    assert unwanted not in text, f"{name} as {user} on {relation} must not show {unwanted!r}"
    finally:
        close_quietly(response)


def test_every_api_route_has_a_token_grid():
    api_routes = {name for name in MATRIX if name.startswith("api:")}
    assert sorted(api_routes - set(TOKEN_GRIDS)) == [], "API routes with no token grid (TOKEN_GRIDS)"
    assert sorted(set(TOKEN_GRIDS) - api_routes) == [], "token grids for routes not in MATRIX"
    for name in TOKEN_GRIDS:
        token_cells(name)  # asserts the grid is complete


def _token_cells() -> Iterator[Any]:
    for name in TOKEN_GRIDS:
        if name not in MATRIX:
            continue  # test_every_api_route_has_a_token_grid reports it
        for (token, relation), expected in token_cells(name).items():
            yield pytest.param(name, token, relation, expected, id=f"{name}|{token}|{relation}")


@pytest.mark.parametrize(("name", "token", "relation", "expected"), list(_token_cells()))
def test_token_cell(world: World, name: str, token: str, relation: str, expected: str):
    """The REST API called with an API client's bearer token (no session), as the partner system calls it."""
    route = MATRIX[name]
    kwargs, query = route.targets[relation](world)
    path = kwargs.pop("__path__", None) or reverse(name, kwargs=kwargs)
    url = path + (f"?{query}" if query else "")
    client = client_for(world, "anonymous")
    headers = {"Authorization": f"Bearer {world.extra['tokens'][token]}"}
    denied_before = denied_events()
    if route.method == GET:
        response = client.get(url, headers=headers)
    else:
        data = route.body(world, relation) if route.body else {}
        response = client.post(url, data, content_type="application/json", headers=headers)
    try:
        got = str(response.status_code)
        assert got == expected, f"{name} with {token} on {relation}: expected {expected}, got {got}"
        assert "sessionid" not in response.cookies
        if got in ("403", "404") and name != "api:not-found":
            assert denied_events() > denied_before, f"{name} with {token} on {relation}: refusal not audited"
        if got == "403" and token.startswith("token_pending_"):
            codes = [error["code"] for error in response.json()["errors"]]
            assert codes == ["client_not_approved"], codes
        if got == "200":
            if route.content_type:
                assert response["Content-Type"].startswith(route.content_type), response["Content-Type"]
            if route.markers is not None:
                text = body(response)
                present, absent = route.markers(world, relation, TOKEN_AS[token])
                for wanted in present:
                    assert wanted in text, f"{name} with {token} on {relation} should show {wanted!r}"
                for unwanted in absent:
                    assert unwanted not in text, (
                        f"{name} with {token} on {relation} must not show {unwanted!r}"
                    )
    finally:
        close_quietly(response)


def denied_events() -> int:
    return AuditEvent.objects.filter(outcome=AuditOutcome.DENIED).count()


def close_quietly(response: HttpResponse) -> None:
    """Close a (file) response without request_finished closing the test's database connection."""
    from django.core.signals import request_finished
    from django.db import close_old_connections

    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


# ---------------------------------------------------------------------------------------------------------
# Public documentation and the admin site
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PUBLIC_DOCUMENTATION)
def test_api_documentation_is_public(world: World, name: str):
    response = client_for(world, "anonymous").get(reverse(name))
    assert response.status_code == 200


ADMIN_DUMMY_KWARGS = {"object_id": "1", "app_label": "accounts", "content_type_id": "1", "pk": "1", "id": "1"}


def admin_url(name: str) -> str:
    """The route with a dummy value for each of its arguments (unnamed routes: their pattern filled in; the
    admin's catch-all at a made-up path)."""
    pattern = discovered_routes()[name]
    if "<unnamed" in name:
        filled = pattern.replace("(?P<url>.*)$", "matrix-no-such-page/")
        filled = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ADMIN_DUMMY_KWARGS.get(m[1], "1"), filled)
        return "/" + filled.replace("^", "").replace("$", "")
    wanted = set(re.findall(r"<(?:\w+:)?(\w+)>", pattern))
    return reverse(name, kwargs={key: ADMIN_DUMMY_KWARGS[key] for key in wanted})


def test_admin_routes_refuse_non_staff(world: World):
    admin_login = reverse("admin:login")
    refused: list[str] = []
    for name in sorted(admin_routes()):
        if name == "admin:login":
            continue  # the admin's own sign-in form
        url = admin_url(name)
        for user in USER_KEYS:
            if user == "support":
                continue
            response = client_for(world, user).get(url)
            location = response.get("Location", "")
            if name == "admin:logout":  # the admin sends non-staff from its sign-out to its index
                ok = response.status_code == 302 and location.startswith(reverse("admin:index"))
            else:
                ok = response.status_code == 302 and location.startswith(admin_login)
            if not ok:
                refused.append(f"{name} as {user}: {response.status_code} {location}")
    assert not refused, refused


def test_support_staff_reach_the_admin_but_no_case_content(world: World):
    response = client_for(world, "support").get(reverse("admin:index"))
    assert response.status_code == 200
    assert WORDS["home"] not in response.content.decode()


def test_the_matrix_covers_every_role_and_relation_named_in_the_brief():
    """Every role in both organisations, anonymous and support, on every route; and the relations the issue
    names: own organisation, other organisation (unrelated), shared at each level, placed in / out of area."""
    users = {user for route in MATRIX.values() for user, _ in route.cells()}
    relations = {relation for route in MATRIX.values() for relation in route.targets}
    assert users == set(USER_KEYS)
    # API tokens of every role a client can act in, and ones an org admin issued alone (issue 11).
    tokens = {token for name in TOKEN_GRIDS if name in MATRIX for token, _ in token_cells(name)}
    assert tokens == set(TOKEN_KEYS) and {"manager", "police", "partner_viewer", "performance_lead"} <= set(
        TOKEN_AS.values()
    )
    assert {
        "own",
        "unrelated",
        "placed_in",
        "in_area",
        "shared_with_police",
        "shared_with_placing",
        "placed_in_full_report",
        "own_letter",
        "placed_in_letter",
    } <= relations
