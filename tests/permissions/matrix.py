"""The permission matrix (issue 5, DESIGN.md §8): every role × every route × every relation to the record has an
expected answer, and a route the URL resolver knows that is not in ``routes.MATRIX`` fails the suite.

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

Where things are: this module holds the ``Route`` shape and runs one cell; ``targets.py`` builds each route's
URL per relation and says what a 200 must (not) show; ``grids.py`` names the grids several routes share;
``routes/<app>.py`` holds each app's routes and ``routes/tokens.py`` the bearer-token grids of the API routes;
``test_<app>_routes.py`` runs an app's cells and ``test_route_coverage.py`` checks that the matrix covers every
route, role and relation.

To add a route: add ``ROUTES["namespace:name"] = Route(...)`` to its app's module in ``routes/`` with its
targets (how to build its URL for each relation) and a grid; ``test_every_route_has_a_matrix_entry`` fails until
you do. See docs/permissions.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent, AuditOutcome
from tests.matrix_world import TOKEN_AS, TOKEN_KEYS, USER_KEYS, World

if TYPE_CHECKING:  # the test client's response type exists in django-stubs only
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

GET, POST = "GET", "POST"
PDF = "application/pdf"

# A target builds (reverse kwargs, query string) for one relation.
Target = Callable[[World], tuple[dict[str, Any], str]]
# Markers: for a 200 of (world, relation, user), texts that must be present and texts that must be absent.
Markers = Callable[[World, str, str], tuple[list[str], list[str]]]
# The names of a cell's parameters, in the order cell_params and token_cell_params give them.
CELL = ("name", "user", "relation", "expected")
TOKEN_CELL = ("name", "token", "relation", "expected")


def parse_grid(grid: str, columns: list[str], rows: list[str], answer: str) -> dict[tuple[str, str], str]:
    """(row, column) → expected answer; the grid must name ``columns`` in order and every row once."""
    lines = [line.split() for line in grid.strip().splitlines() if line.strip()]
    header, body = lines[0], lines[1:]
    assert header == columns, f"grid columns {header} != targets {columns}"
    assert sorted(row[0] for row in body) == sorted(rows), (
        f"grid rows must be each once: {[r[0] for r in body]}"
    )
    cells = {}
    for row in body:
        assert len(row) == len(header) + 1, f"row {row[0]} has {len(row) - 1} cells for {len(header)}"
        for relation, token in zip(header, row[1:], strict=True):
            assert re.fullmatch(answer, token), token
            cells[(row[0], relation)] = token
    return cells


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
        return parse_grid(self.grid, list(self.targets), list(USER_KEYS), r"[1-5][0-9]{2}|login")

    def token_cells(self, grid: str) -> dict[tuple[str, str], str]:
        """(token, relation) → expected answer of an API route's token grid; every token once."""
        return parse_grid(grid, list(self.targets), list(TOKEN_KEYS), r"[1-5][0-9]{2}")


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


def cell_params(routes: dict[str, Route]) -> list[Any]:
    """One pytest case per (route, user, relation) of ``routes``, known-wrong cells marked xfail (strict)."""
    params = []
    for name, route in routes.items():
        for (user, relation), expected in route.cells().items():
            reason = XFAIL.get((name, user, relation))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(
                pytest.param(name, user, relation, expected, marks=marks, id=f"{name}|{user}|{relation}")
            )
    return params


def token_cell_params(routes: dict[str, Route], grids: dict[str, str]) -> list[Any]:
    """One pytest case per (API route, token, relation); a grid for an unknown route is reported elsewhere."""
    return [
        pytest.param(name, token, relation, expected, id=f"{name}|{token}|{relation}")
        for name, grid in grids.items()
        if name in routes
        for (token, relation), expected in routes[name].token_cells(grid).items()
    ]


def client_for(world: World, user_key: str) -> Client:
    client: Client = world.extra["client"]
    client.cookies.clear()
    if user_key != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.extra["sessions"][user_key]
    return client


def url_of(world: World, name: str, route: Route, relation: str) -> str:
    kwargs, query = route.targets[relation](world)
    path = kwargs.pop("__path__", None) or reverse(name, kwargs=kwargs)
    return path + (f"?{query}" if query else "")


def request(world: World, name: str, route: Route, user: str, relation: str) -> TestResponse:
    url = url_of(world, name, route, relation)
    client = client_for(world, user)
    if route.method == GET:
        return client.get(url)
    if name.startswith("api:"):
        data = route.body(world, relation) if route.body else {}
        return client.post(url, data, content_type="application/json")
    return client.post(url, {})


def body(response: TestResponse) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")


def denied_events() -> int:
    return AuditEvent.objects.filter(outcome=AuditOutcome.DENIED).count()


def close_quietly(response: TestResponse) -> None:
    """Close a (file) response without request_finished closing the test's database connection."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def check_level(
    world: World, route: Route, response: TestResponse, relation: str, user: str, who: str
) -> None:
    """A 200 has the route's content type and shows what its level must (not) show."""
    if route.content_type:
        assert response["Content-Type"].startswith(route.content_type), response["Content-Type"]
    if route.markers is not None:
        text = body(response)
        present, absent = route.markers(world, relation, user)
        for wanted in present:
            assert wanted in text, f"{who} should show {wanted!r}"
        for unwanted in absent:
            assert unwanted not in text, f"{who} must not show {unwanted!r}"


def check_cell(
    world: World, routes: dict[str, Route], name: str, user: str, relation: str, expected: str
) -> None:
    """A person (session) in ``user``'s role asks for the route: the expected answer, audited if refused, at
    its level if answered."""
    route = routes[name]
    denied_before = denied_events()
    response = request(world, name, route, user, relation)
    sign_in = reverse("accounts:login")
    who = f"{name} as {user} on {relation}"
    try:
        got = str(response.status_code)
        if response.status_code == 302 and response["Location"].startswith(sign_in):
            got = "login"
        assert got == expected, f"{who}: expected {expected}, got {got}"
        refusal = (name, user, relation) not in NOT_A_REFUSAL and name != "api:not-found"
        if got in ("403", "404") and user != "anonymous" and refusal:
            assert denied_events() > denied_before, f"{who}: refusal not audited"
        if got == "200":
            check_level(world, route, response, relation, user, who)
    finally:
        close_quietly(response)


def check_token_cell(
    world: World, routes: dict[str, Route], name: str, token: str, relation: str, expected: str
) -> None:
    """The REST API called with an API client's bearer token (no session), as the partner system calls it."""
    route = routes[name]
    url = url_of(world, name, route, relation)
    client = client_for(world, "anonymous")
    headers = {"Authorization": f"Bearer {world.extra['tokens'][token]}"}
    denied_before = denied_events()
    if route.method == GET:
        response = client.get(url, headers=headers)
    else:
        data = route.body(world, relation) if route.body else {}
        response = client.post(url, data, content_type="application/json", headers=headers)
    who = f"{name} with {token} on {relation}"
    try:
        got = str(response.status_code)
        assert got == expected, f"{who}: expected {expected}, got {got}"
        assert "sessionid" not in response.cookies
        if got in ("403", "404") and name != "api:not-found":
            assert denied_events() > denied_before, f"{who}: refusal not audited"
        if got == "403" and token.startswith("token_pending_"):
            codes = [error["code"] for error in response.json()["errors"]]
            assert codes == ["client_not_approved"], codes
        if got == "200":
            check_level(world, route, response, relation, TOKEN_AS[token], who)
    finally:
        close_quietly(response)
