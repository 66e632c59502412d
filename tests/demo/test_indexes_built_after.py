"""The bulk seed drops the secondary indexes of the tables it fills and builds them again afterwards
(``demo.writer.indexes_built_after``): afterwards the schema is exactly as the migrations left it, and a
failure part-way leaves every index in place."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from demo.writer import indexes_built_after
from rhi.models import ReturnHomeInterview, StateTransition

pytestmark = pytest.mark.django_db


def index_definitions(*tables: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(%s)",
            [list(tables)],
        )
        return dict(cursor.fetchall())


TABLES = (ReturnHomeInterview._meta.db_table, StateTransition._meta.db_table)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite seed never drops indexes")


def test_the_seed_fills_tables_without_secondary_indexes_and_leaves_the_same_indexes_after() -> None:
    before = index_definitions(*TABLES)
    with transaction.atomic(), indexes_built_after([ReturnHomeInterview, StateTransition]):
        during = index_definitions(*TABLES)
    after = index_definitions(*TABLES)

    assert after == before
    # Only the indexes behind constraints (primary keys, unique constraints) and the partial and expression
    # indexes stay while rows are written: every plain index is built once, afterwards.
    assert set(during) < set(before)
    assert all(
        name.endswith("_pkey") or "UNIQUE" in definition or " WHERE " in definition or "(upper(" in definition
        for name, definition in during.items()
    )


def test_a_seed_that_fails_part_way_leaves_every_index_in_place() -> None:
    before = index_definitions(*TABLES)
    with pytest.raises(RuntimeError), transaction.atomic(), indexes_built_after([StateTransition]):
        raise RuntimeError("the generator broke a rule")

    assert index_definitions(*TABLES) == before
