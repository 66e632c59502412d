"""Writing generated rows: explicit primary keys, batched ``bulk_create`` or PostgreSQL ``COPY``.

Rows arrive as dicts keyed by field attname (``child_id``, not ``child``). The writer fills fields the
generator leaves out from the model's own defaults, refusing defaults that depend on the wall clock
(``timezone.now``), because those would make two runs differ.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

Row = dict[str, Any]


class DemoDataError(RuntimeError):
    """The generator produced a row that would break a rule of the domain (a bug in the generator)."""


class IdAllocator:
    """Hands out primary keys per model, starting after any rows already in the table."""

    def __init__(self, model_list: Iterable[type[models.Model]]) -> None:
        self._next: dict[type[models.Model], int] = {}
        for model in model_list:
            current = model._default_manager.aggregate(m=Max("pk"))["m"] or 0
            self._next[model] = current + 1

    def next(self, model: type[models.Model]) -> int:
        value = self._next[model]
        self._next[model] = value + 1
        return value


class _Table:
    """How rows of one model become database rows."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in fields]
        self.columns = [str(f.column) for f in fields]
        self.getter: Callable[[Row], tuple[Any, ...]] = itemgetter(*self.attnames)
        self.json_attnames = [f.attname for f in fields if isinstance(f, models.JSONField)]
        self.defaults: Row = {}
        self.required: set[str] = set()
        for f in fields:
            if f.has_default():
                if f.default is timezone.now:
                    self.required.add(f.attname)  # must be given explicitly: the data set is fixed in time
                else:
                    self.defaults[f.attname] = f.get_default()
            elif f.null:
                self.defaults[f.attname] = None
            elif f.empty_strings_allowed and f.blank:
                self.defaults[f.attname] = ""
            else:
                self.required.add(f.attname)
        self.known = set(self.attnames)
        self.checked = False

    def complete(self, row: Row) -> Row:
        if not self.checked:
            # Once per model and run: catch generator/model drift (a field renamed, a new required field).
            unknown = set(row) - self.known
            missing = self.required - set(row)
            if unknown or missing:
                raise DemoDataError(
                    f"{self.model.__name__}: unknown fields {sorted(unknown)}, missing fields {sorted(missing)}"
                )
            self.checked = True
        if len(row) == len(self.attnames):
            return row
        full = dict(self.defaults)
        full.update(row)
        return full


class RowWriter:
    """Buffers rows per model and writes them in dependency order, so parents always land first."""

    def __init__(
        self, model_order: list[type[models.Model]], *, use_copy: bool, flush_every: int = 5_000
    ) -> None:
        self.model_order = model_order
        self.tables = {model: _Table(model) for model in model_order}
        self.buffers: dict[type[models.Model], list[Row]] = {model: [] for model in model_order}
        self.counts: dict[type[models.Model], int] = dict.fromkeys(model_order, 0)
        self.use_copy = use_copy and connection.vendor == "postgresql"
        self.flush_every = flush_every
        self.pending = 0

    def add(self, model: type[models.Model], row: Row) -> None:
        self.buffers[model].append(row)
        self.pending += 1

    def maybe_flush(self) -> None:
        """Call between whole units of work (a child and everything about it) so references resolve."""
        if self.pending >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        for model in self.model_order:
            rows = self.buffers[model]
            if not rows:
                continue
            table = self.tables[model]
            full_rows = [table.complete(row) for row in rows]
            if self.use_copy:
                self._copy(table, full_rows)
            else:
                model._default_manager.bulk_create(
                    [model(**row) for row in full_rows], batch_size=self.flush_every
                )
            self.counts[model] += len(rows)
            self.buffers[model] = []
        self.pending = 0

    def _copy(self, table: _Table, rows: list[Row]) -> None:
        quoted = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        sql = f"COPY {connection.ops.quote_name(table.model._meta.db_table)} ({quoted}) FROM STDIN"
        json_attnames = table.json_attnames
        getter = table.getter
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(sql) as copy:
                for row in rows:
                    if json_attnames:
                        row = dict(row)
                        for name in json_attnames:
                            row[name] = json.dumps(row[name])
                    copy.write_row(getter(row))

    def reset_sequences(self) -> None:
        """After explicit primary keys, move PostgreSQL's sequences past them so later inserts work."""
        statements = connection.ops.sequence_reset_sql(no_style(), self.model_order)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


@contextmanager
def indexes_built_after(model_list: Iterable[type[models.Model]]) -> Iterator[None]:
    """On PostgreSQL, drop the secondary indexes of the tables being filled and build each once at the end.

    Keeping a B-tree up to date row by row through millions of COPY rows costs several times one sorted build.
    Indexes that back a constraint (primary keys, unique and exclusion constraints) stay: references and
    overlaps are still checked as rows arrive. Partial and expression indexes stay too: their definitions do not
    survive a round trip through ``pg_get_indexdef`` unchanged (casts move), and a partial index the planner can
    no longer match to its queries would be worse than a slower seed; they are small anyway. A unique index without a constraint is checked when it is
    rebuilt, so a generator bug still fails the seed. Call inside the seed's transaction: a failure leaves
    every index as it was."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in model_list]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT quote_ident(ns.nspname) || '.' || quote_ident(ix.relname), pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_class ix ON ix.oid = i.indexrelid
            JOIN pg_namespace ns ON ns.oid = t.relnamespace
            WHERE t.relname = ANY(%s) AND ns.nspname = current_schema()
              AND i.indpred IS NULL AND i.indexprs IS NULL
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """,
            [tables],
        )
        definitions: list[tuple[str, str]] = cursor.fetchall()
        for name, _definition in definitions:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in definitions:
            cursor.execute(definition)
