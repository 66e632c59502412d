"""The matrix covers every route the URL resolver knows, every role and relation the brief names, and every API
route's bearer tokens; the API documentation is public and the admin site refuses everyone but support staff."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.matrix_world import TOKEN_AS, TOKEN_KEYS, USER_KEYS, WORDS, World
from tests.permissions.matrix import GET, POST, XFAIL, client_for
from tests.permissions.routes import MATRIX
from tests.permissions.routes.tokens import TOKEN_GRIDS

pytestmark = pytest.mark.django_db

PUBLIC_DOCUMENTATION = ("api-schema", "api-docs")
# The invitation page: the emailed one-time link is the invitee's credential (they have no password yet).
PUBLIC_PAGES = {"healthz", "readyz", "accounts:login", "accounts:logout", "accounts:invitation"}


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


def test_every_route_has_a_matrix_entry() -> None:
    routes = matrix_routes()
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, (
        f"routes with no entry in the permission matrix (tests/permissions/routes/<app>.py): {missing}"
    )
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


def test_every_grid_is_complete_and_anonymous_is_sent_to_sign_in() -> None:
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


def test_every_api_route_has_a_token_grid() -> None:
    api_routes = {name for name in MATRIX if name.startswith("api:")}
    assert sorted(api_routes - set(TOKEN_GRIDS)) == [], "API routes with no token grid (TOKEN_GRIDS)"
    assert sorted(set(TOKEN_GRIDS) - api_routes) == [], "token grids for routes not in MATRIX"
    for name, grid in TOKEN_GRIDS.items():
        MATRIX[name].token_cells(grid)  # asserts the grid is complete


@pytest.mark.parametrize("name", PUBLIC_DOCUMENTATION)
def test_api_documentation_is_public(world: World, name: str) -> None:
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


def test_admin_routes_refuse_non_staff(world: World) -> None:
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


def test_support_staff_reach_the_admin_but_no_case_content(world: World) -> None:
    response = client_for(world, "support").get(reverse("admin:index"))
    assert response.status_code == 200
    assert WORDS["home"] not in response.content.decode()


def test_the_matrix_covers_every_role_and_relation_named_in_the_brief() -> None:
    """Every role in both organisations, anonymous and support, on every route; and the relations the issue
    names: own organisation, other organisation (unrelated), shared at each level, placed in / out of area."""
    users = {user for route in MATRIX.values() for user, _ in route.cells()}
    relations = {relation for route in MATRIX.values() for relation in route.targets}
    assert users == set(USER_KEYS)
    # API tokens of every role a client can act in, and ones an org admin issued alone (issue 11).
    tokens = {
        token
        for name, grid in TOKEN_GRIDS.items()
        if name in MATRIX
        for token, _ in MATRIX[name].token_cells(grid)
    }
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
