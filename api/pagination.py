"""Forward-only keyset pagination and the ``changed_since`` filter of the API's list endpoints."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import datetime
from operator import attrgetter
from typing import Any

from django.db import connections, models
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from core import query_params
from core.replica import stale_reads

PAGE_SIZE = 100
MAX_PAGE_SIZE = 500

CHANGED_SINCE = OpenApiParameter(
    "changed_since",
    datetime,
    description="Only records changed at or after this time (ISO 8601 with offset), for incremental sync.",
)


def changed_since(request: Request) -> datetime | None:
    """The ``changed_since`` query parameter in UTC, or a field error (core.query_params decides the range
    for every page and API; PostgreSQL refuses offsets beyond ±15:59, hence UTC)."""
    raw = request.query_params.get("changed_since")
    if raw is None:
        return None
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    utc = query_params.utc_or_none(value)
    if utc is None:
        raise exceptions.ValidationError(
            {"changed_since": ["Give a time as ISO 8601 with an offset, like 2026-05-01T00:00:00Z."]}
        )
    return utc


class KeysetPagination(BasePagination):
    """Forward-only keyset ("seek") pagination on the view's ``keyset`` fields, e.g. ``("updated_at", "id")``:
    each page is one indexed range scan whatever its depth (DRF's CursorPagination keeps only the first field
    and an offset, which grows with ties). The cursor is opaque; page_size up to 500 (default 100)."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def __init__(self) -> None:
        self.next_url: str | None = None

    def _page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return PAGE_SIZE
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"Give a whole number from 1 to {MAX_PAGE_SIZE}."]}
            )
        return size

    @staticmethod
    def _encode(values: Sequence[Any]) -> str:
        raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _decode(self, cursor: str, keyset: Sequence[str], model: type[models.Model]) -> list[Any]:
        invalid = exceptions.ValidationError(
            {self.cursor_query_param: ["This cursor is not valid: start again from the first page."]}
        )
        try:
            values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise invalid from None
        if not isinstance(values, list) or len(values) != len(keyset):
            raise invalid
        parsed: list[Any] = []
        for name, value in zip(keyset, values, strict=True):
            field = model._meta.get_field(name)
            if isinstance(field, models.DateTimeField):
                try:
                    moment = (
                        query_params.utc_or_none(parse_datetime(value)) if isinstance(value, str) else None
                    )
                except ValueError:
                    moment = None
                if moment is None:
                    raise invalid
                parsed.append(moment)
            elif isinstance(value, int) and not isinstance(value, bool):
                try:
                    parsed.append(query_params.parse_id(value))
                except query_params.BadParameter:
                    raise invalid from None
            else:
                raise invalid
        return parsed

    def _after_cursor(
        self, queryset: QuerySet[Any], request: Request, keyset: Sequence[str]
    ) -> QuerySet[Any]:
        cursor = request.query_params.get(self.cursor_query_param)
        if not cursor:
            return queryset
        after = self._decode(cursor, keyset, queryset.model)
        if len(keyset) == 1:
            return queryset.filter(**{f"{keyset[0]}__gt": after[0]})
        first, second = keyset
        return queryset.filter(**{f"{first}__gte": after[0]}).filter(
            Q(**{f"{first}__gt": after[0]}) | Q(**{f"{second}__gt": after[1]})
        )

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        keyset: Sequence[str] = getattr(view, "keyset", ("id",))
        size = self._page_size(request)
        queryset = self._after_cursor(queryset, request, keyset)
        # An incremental sync may read from the replica, seconds behind (core/replica.py decides).
        with stale_reads() if request.query_params.get("changed_since") is not None else nullcontext():
            rows = list(queryset.order_by(*keyset)[: size + 1])
        return self._page(rows, size, request, keyset)

    def paginate_branches(
        self,
        branches: Sequence[QuerySet[Any]],
        rows: QuerySet[Any],
        request: Request,
        view: Any = None,
        *,
        row_id: Callable[[Any], Any] = attrgetter("pk"),
    ) -> list[Any]:
        """A page of the union of ``branches`` (querysets of one model whose OR is the list), read as rows of
        ``rows``. Each branch takes its own first page after the cursor, walking its own index in keyset order
        and stopping there; the page is the first of their union. One query for the keys, one for the rows,
        whatever the depth and however much else the table holds; an OR of the branches instead walks one index
        over every row and tests each (docs/benchmarks.md, "Pages within budget"). The keyset must end with the
        primary key. ``row_id`` reads the primary key of a row of ``rows`` (e.g. ``itemgetter(0)`` for tuples)."""
        keyset: Sequence[str] = getattr(view, "keyset", ("id",))
        size = self._page_size(request)
        firsts = [
            self._after_cursor(branch, request, keyset).order_by(*keyset).values_list(*keyset)[: size + 1]
            for branch in branches
        ]
        with stale_reads() if request.query_params.get("changed_since") is not None else nullcontext():
            keys = self._union_keys(firsts, keyset, size + 1)
            shown = keys[:size]
            found = {row_id(row): row for row in rows.filter(pk__in=[key[-1] for key in shown])}
        self.next_url = None
        if len(keys) > size:
            token = self._encode(list(shown[-1]))
            self.next_url = replace_query_param(request.build_absolute_uri(), self.cursor_query_param, token)
        # A row deleted between the two reads is left out; one changed is shown as read the second time.
        return [found[key[-1]] for key in shown if key[-1] in found]

    @staticmethod
    def _union_keys(firsts: list[QuerySet[Any]], keyset: Sequence[str], limit: int) -> list[tuple[Any, ...]]:
        if not firsts:
            return []
        if len(firsts) > 1 and connections[firsts[0].db].features.supports_slicing_ordering_in_compound:
            return list(firsts[0].union(*firsts[1:]).order_by(*keyset)[:limit])
        # SQLite (the embedded default) cannot limit inside a UNION: each branch is read on its own.
        return sorted({key for first in firsts for key in first})[:limit]

    def _page(self, rows: list[Any], size: int, request: Request, keyset: Sequence[str]) -> list[Any]:
        self.next_url = None
        if len(rows) > size:
            rows = rows[:size]
            last = rows[-1]
            token = self._encode([getattr(last, name) for name in keyset])
            self.next_url = replace_query_param(request.build_absolute_uri(), self.cursor_query_param, token)
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.next_url, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The opaque cursor from the previous page's `next` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Records per page, 1 to {MAX_PAGE_SIZE} (default {PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
