"""The matrix's world, built once for the package (each cell runs in its own savepoint and is rolled back)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from pytest_django import DjangoDbBlocker

from tests.matrix_world import World, build_world

PLAIN_STATIC = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture(autouse=True)
def _plain_static_storage() -> None:
    """Replaces tests/conftest.py's per-test fixture: the world fixture sets plain static storage once (changing
    a setting for each of thousands of cells costs more than the cells)."""


@pytest.fixture(scope="package")
def world(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    # Package scope: every test_*_routes.py module shares one world (building it costs seconds).
    media = tmp_path_factory.mktemp("matrix-media")
    # The world's block stands where Django's TestCase puts its class-wide one, and is marked the same way, so
    # the durable services (transaction.atomic(durable=True)) that build the world may run inside it.
    world_block = transaction.atomic()
    world_block._from_testcase = True  # type: ignore[attr-defined]
    with (
        override_settings(MEDIA_ROOT=str(media), STORAGES=PLAIN_STATIC),
        django_db_blocker.unblock(),
        world_block,
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
