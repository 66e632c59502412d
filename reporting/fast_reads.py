"""Reading many rows fast, for the returns (docs/benchmarks.md): long id lists as one array parameter, and
rows read as plain tuples through psycopg's own (C) loaders rather than Django's per-value converters (Django
loads every ``timestamptz`` through a pure-Python loader to set its tzinfo). The instants are the same (aware
UTC datetimes). On the embedded SQLite default each falls back on the plain queryset."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from psycopg.types.datetime import TimestamptzLoader

from core.replica import read_connection


def ids_in(field: str, ids: Sequence[int]) -> Q | RawSQL:
    """``field IN ids`` for a long list of ids. On PostgreSQL one array parameter (``= ANY(%s)``): Django
    prepares an ``IN`` list one parameter at a time, which for a large LA's year of ids was a third of the
    return's time. Elsewhere (the embedded SQLite default, small data) the plain ``__in``."""
    if connection.vendor == "postgresql":
        return RawSQL(f'"{field}" = ANY(%s)', (list(ids),), output_field=BooleanField())  # noqa: S611 - a model field name
    return Q(**{f"{field}__in": ids})


def read_tuples(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A ``values_list`` queryset's rows, in one round trip. On PostgreSQL through a cursor whose
    ``timestamptz`` loader is psycopg's C one (aware UTC datetimes, as Django's) and whose ``jsonb`` arrives as
    text (Django's setting): no Django converter runs. Elsewhere the queryset itself."""
    if connection.vendor != "postgresql":
        return list(queryset)
    return _execute(*queryset.query.sql_with_params())


ByIds = Callable[[list[int]], QuerySet[Any]]
_COMPILED: dict[ByIds, str] = {}
_MARKER = [-1]  # compiled in place of the ids: the SQL must take it as its one parameter, nothing else


def read_by_ids(build: ByIds, ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """``read_tuples(build(ids))`` for a queryset whose only parameter is the list of ids (``ids_in``), with
    its SQL compiled by Django once per process (about a millisecond of Python a query, the same for every
    call). A query with any other parameter is compiled every time, as ``read_tuples`` does."""
    if connection.vendor != "postgresql":
        return list(build(list(ids)))
    sql = _COMPILED.get(build)
    if sql is None:
        compiled, params = build(_MARKER).query.sql_with_params()
        if params != (_MARKER,):
            return read_tuples(build(list(ids)))
        sql = _COMPILED[build] = compiled
    return _execute(sql, (list(ids),))


def _execute(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    # The routed connection: a raw cursor on ``connection`` would always read the primary (core/replica.py).
    # Django's wrapper: execute wrappers and query logging still apply.
    with read_connection().cursor() as cursor:
        cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cursor.execute(sql, params)
        return cursor.fetchall()
