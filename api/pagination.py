"""Forward-only keyset pagination and the ``changed_since`` filter of the API's list endpoints."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from django.db import models
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

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        keyset: Sequence[str] = getattr(view, "keyset", ("id",))
        size = self._page_size(request)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            after = self._decode(cursor, keyset, queryset.model)
            if len(keyset) == 1:
                queryset = queryset.filter(**{f"{keyset[0]}__gt": after[0]})
            else:
                first, second = keyset
                queryset = queryset.filter(**{f"{first}__gte": after[0]}).filter(
                    Q(**{f"{first}__gt": after[0]}) | Q(**{f"{second}__gt": after[1]})
                )
        # An incremental sync may read from the replica, seconds behind (core/replica.py decides).
        with stale_reads() if request.query_params.get("changed_since") is not None else nullcontext():
            rows = list(queryset.order_by(*keyset)[: size + 1])
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
