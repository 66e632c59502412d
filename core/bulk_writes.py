"""Set-based writes of many model rows (the bulk imports, issue 18; docs/benchmarks.md "Bulk intake").

On PostgreSQL one ``INSERT … SELECT FROM unnest(%s::type[], …)`` per table (and one ``UPDATE … FROM unnest``),
with each column's values passed as one array parameter, as the deadline sweep writes its notifications:
Django's ``bulk_create`` prepares every value of every row through the field (``get_db_prep_save``) and
compiles a placeholder per value, which was most of a bulk import's time. The values are the instances'
attributes as set (the model's defaults applied when each was made); ids missing are taken from the table's
sequence (``RETURNING`` them, or first in one statement when some rows have theirs), in the list's order. Other
databases (the embedded SQLite default) use ``bulk_create``/``bulk_update``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def _array_type(field: models.Field[Any, Any]) -> str:
    # Only Django's own fields: their stored value is the attribute as set (a custom field's may not be).
    assert type(field).__module__.startswith("django.db.models"), field
    db_type = field.db_type(connection)
    assert db_type is not None
    return db_type


def _quoted(field: models.Field[Any, Any]) -> str:
    assert field.column is not None
    return connection.ops.quote_name(field.column)


def _column(field: models.Field[Any, Any], objs: Sequence[models.Model]) -> list[Any]:
    values = [getattr(obj, field.attname) for obj in objs]
    if field.is_relation and None in values:
        # A related row made in the same batch, given its id after this instance was made (as bulk_create's
        # ``_prepare_related_fields_for_save`` takes it).
        for index, obj in enumerate(objs):
            if values[index] is None and field.is_cached(obj):  # type: ignore[attr-defined]
                related = getattr(obj, field.name)
                values[index] = None if related is None else related.pk
                setattr(obj, field.name, related)  # sets the id and keeps the related instance
    if isinstance(field, models.JSONField):
        # As JSONField.get_prep_value encodes it (its own encoder, or json's).
        return [None if value is None else json.dumps(value, cls=field.encoder) for value in values]
    return values


def _cast(field: models.Field[Any, Any]) -> str:
    # JSON goes as text (json.dumps above) and is cast per element.
    return "text[]" if isinstance(field, models.JSONField) else f"{_array_type(field)}[]"


def take_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new ids from the table's sequence, in increasing order (one statement)."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column if model._meta.pk else "id", count],
        )
        return sorted(pk for (pk,) in cursor.fetchall())


def insert(objs: Sequence[models.Model]) -> None:
    """Insert the instances (all of one model), as ``bulk_create`` would; each gets its id."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs)
        return
    pk = model._meta.pk
    assert pk is not None
    missing = [obj for obj in objs if obj.pk is None]
    table_gives_ids = len(missing) == len(objs)
    if missing and not table_gives_ids:
        for obj, new_id in zip(missing, take_ids(model, len(missing)), strict=True):
            obj.pk = new_id
    fields = [
        f
        for f in model._meta.concrete_fields
        if not getattr(f, "generated", False) and not (f is pk and table_gives_ids)
    ]
    columns = ", ".join(_quoted(f) for f in fields)
    arrays = ", ".join(f"%s::{_cast(f)}" for f in fields)
    values = ", ".join(
        f"c{n}::{_array_type(f)}" if isinstance(f, models.JSONField) else f"c{n}"
        for n, f in enumerate(fields)
    )
    names = ", ".join(f"c{n}" for n in range(len(fields)))
    table = connection.ops.quote_name(model._meta.db_table)
    # Without ids, the table gives them: RETURNING lists them in the order unnest gave the rows (as Django's
    # own bulk_create relies on).
    returning = f" RETURNING {_quoted(pk)}" if table_gives_ids else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {values} FROM unnest({arrays}) AS t({names}){returning}",  # noqa: S608 - names are the model's own; every value is a parameter
            [_column(f, objs) for f in fields],
        )
        if returning:
            for obj, (new_id,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = new_id
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def update(objs: Sequence[models.Model], field_names: Sequence[str]) -> None:
    """Write these fields of the stored instances (all of one model), as ``bulk_update`` would."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, field_names)
        return
    pk = model._meta.pk
    assert pk is not None
    fields = [model._meta.get_field(name) for name in field_names]
    assert all(isinstance(f, models.Field) for f in fields)
    concrete: list[models.Field[Any, Any]] = [f for f in fields if isinstance(f, models.Field)]
    sets = ", ".join(
        f"{_quoted(f)} = t.c{n}" + (f"::{_array_type(f)}" if isinstance(f, models.JSONField) else "")
        for n, f in enumerate(concrete)
    )
    arrays = ", ".join(f"%s::{_cast(f)}" for f in [pk, *concrete])
    names = ", ".join(["id", *(f"c{n}" for n in range(len(concrete)))])
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS t({names}) WHERE {table}.{_quoted(pk)} = t.id",  # noqa: S608 - names are the model's own; every value is a parameter
            [[obj.pk for obj in objs], *(_column(f, objs) for f in concrete)],
        )
