"""Bad input answers 400 (or the page with a field error), never 500: every GET page in the URL conf that reads
query parameters gets hypothesis-generated values for them, as a signed-in user with the right role, on the
permission matrix's world (issue 11, item 10). Dates, times, ids and cursors are parsed and range-checked by
core.query_params; a page that starts reading ``request.GET`` must be added to ``PAGES`` (a test checks)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django import DjangoDbBlocker

from core import query_params as qp
from tests.db import world_transaction
from tests.matrix_world import World, build_world

pytestmark = pytest.mark.django_db
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# url name → (user key in the matrix world, path builder, the query parameters the page reads).
Page = tuple[str, Callable[[World], str], list[str]]
# The period's dates as one ISO value each (links) and as the form's GOV.UK boxes.
PERIOD = [
    "la",
    "date_from",
    "date_to",
    *(f"{name}_{part}" for name in ("date_from", "date_to") for part in ("day", "month", "year")),
]
PAGES: dict[str, Page] = {
    "rhi:dashboard": (
        "manager",
        lambda w: reverse("rhi:dashboard"),
        ["state", "team", "worker", "local_authority", "provider", "unallocated", "after"],
    ),
    "audit:rhi": ("manager", lambda w: reverse("audit:rhi", args=[w.rhis["home"].pk]), ["month", "after"]),
    "audit:child": (
        "org_admin",
        lambda w: reverse("audit:child", args=[w.children["home"].pk]),
        ["month", "after"],
    ),
    "performance:return": ("performance_lead", lambda w: reverse("performance:return"), PERIOD),
    "performance:download": (
        "performance_lead",
        lambda w: reverse("performance:download", args=["xlsx"]),
        PERIOD,
    ),
    "performance:dashboard": ("performance_lead", lambda w: reverse("performance:dashboard"), ["la"]),
    "performance:records": (
        "performance_lead",
        lambda w: reverse("performance:records", args=["incidents"]),
        PERIOD,
    ),
    "reporting:ssda903_validation": (
        "performance_lead",
        lambda w: reverse("reporting:ssda903_validation"),
        ["local_authority", "collection_year"],
    ),
    "sharing_out_of_area:unnotified": (
        "partner_viewer",
        lambda w: reverse("sharing_out_of_area:unnotified"),
        ["after"],
    ),
    "sharing_webhooks:deliveries": (
        "org_admin",
        lambda w: reverse("sharing_webhooks:deliveries"),
        ["before"],
    ),
    "accounts:login": ("anonymous", lambda w: reverse("accounts:login"), ["next"]),
    "casenotes:timeline": (
        "worker",
        lambda w: reverse("casenotes:timeline", args=[w.children["home"].pk]),
        ["kind", "before"],
    ),
    "casenotes:timeline_print": (
        "worker",
        lambda w: reverse("casenotes:timeline_print", args=[w.children["home"].pk]),
        ["kind", "before"],
    ),
}

# The inputs that broke pages before (issue 11) and their neighbours, then anything at all.
EDGES = [
    "9999-12-30",
    "9999-12-31",
    "0001-01-01",
    "0000-00-00",
    "2026-02-30",
    "9999-12-31T23:59:59+23:59~1",
    "9999-12-31T23:59:59+23:59",
    "0001-01-01T00:00:00-23:59~1",
    "null~1",
    "2026-01-01T00:00:00+00:00~" + "9" * 40,
    "2026-01-01~" + "9" * 40,
    "9" * 40,
    "-1",
    "0",
    "1e309",
    "NaN",
    "~",
    "\x00",
    "%",
    "../../etc/passwd",
    "https://evil.example/",
    "//evil.example",
]
VALUES = st.one_of(
    st.sampled_from(EDGES),
    st.text(max_size=60),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda t: t.isoformat()),
    st.tuples(st.datetimes(timezones=st.timezones()), st.integers(min_value=-(2**70), max_value=2**70)).map(
        lambda pair: f"{pair[0].isoformat()}~{pair[1]}"
    ),
)


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    media = tmp_path_factory.mktemp("fuzz-media")
    with (
        override_settings(MEDIA_ROOT=str(media), STORAGES=PLAIN_STATIC),
        django_db_blocker.unblock(),
        world_transaction(),  # the world is built with durable services: see tests/db.py
    ):
        yield build_world()


def _client(world: World, user_key: str) -> Client:
    client = Client(raise_request_exception=False)
    if user_key != "anonymous":
        client.force_login(world.users[user_key])
    return client


def _views_reading_the_query_string() -> dict[str, str]:
    """url name → view module, for every named route whose view's source reads ``request.GET``."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                view = inspect.unwrap(entry.callback)
                try:
                    source = inspect.getsource(view)
                except (OSError, TypeError):
                    continue
                if "request.GET" in source and not entry.callback.__module__.startswith("django."):
                    found[f"{namespace}{entry.name}"] = entry.callback.__module__

    walk(get_resolver().url_patterns, "")
    return found


def test_every_page_that_reads_query_parameters_is_fuzzed() -> None:
    missing = set(_views_reading_the_query_string()) - set(PAGES)
    assert not missing, f"Add these pages to PAGES so their query parameters are fuzzed: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_signed_in_user_with_the_role_gets_the_page_before_fuzzing(world: World, name: Any) -> None:
    user_key, path, _ = PAGES[name]
    with override_settings(STORAGES=PLAIN_STATIC):
        response = _client(world, user_key).get(path(world))
    assert response.status_code == 200, (name, response.status_code)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_any_query_parameter_values_get_an_answer_below_500(
    world: World, name: Any, django_db_blocker: DjangoDbBlocker
) -> None:
    user_key, path, params = PAGES[name]
    client = _client(world, user_key)
    url = path(world)

    @hypothesis_settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(params, VALUES)))
    def throw(query: dict[str, str]) -> None:
        with override_settings(STORAGES=PLAIN_STATIC), transaction.atomic():
            response = client.get(f"{url}?{urlencode(query)}")
            transaction.set_rollback(True)
        assert response.status_code < 500, (name, query, response.status_code)

    with django_db_blocker.unblock():
        # The known edges one parameter at a time first (random draws rarely hit an exact one), then anything.
        for param in params:
            for value in EDGES:
                with override_settings(STORAGES=PLAIN_STATIC), transaction.atomic():
                    response = client.get(url, {param: value})
                    transaction.set_rollback(True)
                assert response.status_code < 500, (name, param, value, response.status_code)
        throw()


def test_the_inputs_from_the_issue_answer_400_or_a_field_error_not_500(world: World) -> None:
    lead = _client(world, "performance_lead")
    for name in ("performance:return", "performance:records", "performance:download"):
        _, path, _ = PAGES[name]
        response = lead.get(path(world), {"date_from": "9999-12-30", "date_to": "9999-12-31"})
        assert response.status_code in (200, 400), (name, response.status_code)
        assert "Enter a date between 01/01/1900 and 31/12/2199" in response.content.decode(), name
    manager = _client(world, "manager")
    assert manager.get(reverse("rhi:dashboard"), {"after": "9999-12-31T23:59:59+23:59~1"}).status_code == 200
    trail = reverse("audit:rhi", args=[world.rhis["home"].pk])
    assert manager.get(trail, {"after": "2026-01-01T00:00:00+00:00~" + "9" * 40}).status_code == 200


@given(st.one_of(st.sampled_from(EDGES), st.text(max_size=60)))
def test_query_params_parsers_only_ever_give_in_range_values_or_bad_parameter(raw: Any) -> None:
    for parse in (qp.parse_date, qp.parse_moment, qp.parse_id):
        try:
            value = parse(raw)
        except qp.BadParameter:
            continue
        if isinstance(value, datetime):
            assert parse is qp.parse_moment
            offset = value.utcoffset()
            assert qp.EARLIEST_MOMENT <= value <= qp.LATEST_MOMENT and offset is not None
            assert offset.total_seconds() == 0
        elif isinstance(value, date):
            assert parse is qp.parse_date and qp.EARLIEST_DATE <= value <= qp.LATEST_DATE
        else:
            assert parse is qp.parse_id and 1 <= value <= qp.MAX_ID
    cursor = qp.split_cursor(raw, qp.parse_moment)
    assert cursor is None or 1 <= cursor[1] <= qp.MAX_ID
