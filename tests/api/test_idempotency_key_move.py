"""IdempotencyKey moved from accounts to the api app without moving a row: its table keeps its name, and its
content type (what permissions point at) follows the model; both ways (api/0001, accounts/0004)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import ApiScope
from api.models import IdempotencyKey
from tests.api.conftest import new_client
from tests.factories_domain import PoliceForceFactory

BEFORE: list[tuple[str, str | None]] = [
    ("api", None)
]  # accounts/0004 depends on api/0001, so it is unapplied too


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


def latest() -> list[tuple[str, str | None]]:
    return list(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_key_stored_before_the_move_is_read_by_the_api_app_and_its_content_type_follows() -> None:
    client = new_client(PoliceForceFactory.create(), [ApiScope.EPISODES_WRITE]).client
    executor = migrate(BEFORE)
    try:
        old = executor.loader.project_state([("accounts", "0003_api_client_approval")]).apps
        old.get_model("accounts", "IdempotencyKey").objects.create(
            client_id=client.pk, key="before-the-move", request_hash="0" * 64, response_status=201
        )
        assert ContentType.objects.filter(app_label="accounts", model="idempotencykey").exists()
    finally:
        migrate(latest())

    stored = IdempotencyKey.objects.get(client=client)
    assert (stored.key, stored.response_status) == ("before-the-move", 201)
    assert IdempotencyKey._meta.db_table == "accounts_idempotencykey"
    assert set(ContentType.objects.filter(model="idempotencykey").values_list("app_label", flat=True)) == {
        "api"
    }
