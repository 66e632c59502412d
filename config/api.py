"""What every endpoint of the REST API (/api/v1/, docs/api.md) shares: keyset pagination with ``changed_since``,
the one error body, auditing of every call, the per-client throttle, ETags and idempotency keys.

The API is a thin layer: visibility comes from access, reads from the apps' selectors, writes from their
services, exactly as for the web pages.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.dateparse import parse_datetime
from django.utils.http import quote_etag
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.fields import get_error_detail
from rest_framework.pagination import BasePagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.models import ApiClient, IdempotencyKey, User
from audit.middleware import current_request_id
from audit.models import AuditAction, AuditOutcome
from audit.services import record_event
from config import query_params

PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


# ---------------------------------------------------------------------------------------------------------
# Errors: {"errors": [{"field": ..., "code": ..., "message": ...}], "request_id": ...} for every 4xx.
# ---------------------------------------------------------------------------------------------------------


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it: read it again and retry with its new ETag."
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send an If-Match header with the ETag you read the record with."
    default_code = "precondition_required"


class IdempotencyKeyRequired(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Send an Idempotency-Key header (up to 200 characters) with every POST that creates."
    default_code = "idempotency_key_required"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used with a different request body."
    default_code = "idempotency_key_reused"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the record's current state."
    default_code = "conflict"


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="The request field, or null for the whole request."
    )
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    errors = ErrorItemSerializer(many=True)  # type: ignore[assignment]
    request_id = serializers.CharField()


def _flatten(details: Any, field: str | None) -> list[dict[str, Any]]:
    if isinstance(details, dict) and set(details) == {"message", "code"}:
        return [{"field": field, "code": str(details["code"]), "message": str(details["message"])}]
    if isinstance(details, dict):
        items: list[dict[str, Any]] = []
        for name, value in details.items():
            if name in ("detail", api_settings.NON_FIELD_ERRORS_KEY):
                items += _flatten(value, field)
            else:
                items += _flatten(value, f"{field}.{name}" if field else str(name))
        return items
    if isinstance(details, list):
        items = []
        for index, value in enumerate(details):
            nested = isinstance(value, dict) and set(value) != {"message", "code"}
            items += _flatten(value, f"{field}.{index}" if nested and field else field)
        return items
    return [{"field": field, "code": "invalid", "message": str(details)}]


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    return {"errors": _flatten(exc.get_full_details(), None), "request_id": current_request_id()}


def _audit_denial(exc: exceptions.APIException, context: dict[str, Any]) -> None:
    request: Request | None = context.get("request")
    view = context.get("view")
    if request is None:
        return
    # A refused token names its client's system user (accounts.api_auth), also when the refusal is a 403.
    denied_user = getattr(request._request, "api_denied_user", None)
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        actor = denied_user
    else:
        actor = request.user if isinstance(request.user, User) else denied_user
    kwargs = context.get("kwargs") or {}
    record_event(
        actor=actor,
        action=AuditAction.VIEW if request.method in ("GET", "HEAD", "OPTIONS") else AuditAction.UPDATE,
        object_type=getattr(view, "audit_object_type", ""),
        object_id=str(kwargs.get("pk", "")),
        outcome=AuditOutcome.DENIED,
        request=request._request,
        detail={"api": True, "status": exc.status_code, "code": str(exc.default_code)},
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler with Django's own exceptions translated, every 4xx in the one error body, and every
    denial (401, 403, 404) audited."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=get_error_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if exc.status_code in (401, 403, 404):
        _audit_denial(exc, context)
    response.data = error_body(exc)
    return response


# ---------------------------------------------------------------------------------------------------------
# Keyset pagination with changed_since
# ---------------------------------------------------------------------------------------------------------

CHANGED_SINCE = OpenApiParameter(
    "changed_since",
    datetime,
    description="Only records changed at or after this time (ISO 8601 with offset), for incremental sync.",
)


def as_utc(value: datetime | None) -> datetime | None:
    """An aware time in UTC (PostgreSQL refuses offsets beyond ±15:59), or None if naive or out of range:
    config.query_params decides the range for every page and API."""
    return query_params.utc_or_none(value)


def changed_since(request: Request) -> datetime | None:
    """The ``changed_since`` query parameter, or a field error."""
    raw = request.query_params.get("changed_since")
    if raw is None:
        return None
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    utc = as_utc(value)
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
                    moment = as_utc(parse_datetime(value)) if isinstance(value, str) else None
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


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The bearer token scheme in the OpenAPI schema."""

    target_class = "accounts.api_auth.ApiTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API client's token (rhi_…), created by your organisation's admin.",
        }


# ---------------------------------------------------------------------------------------------------------
# Who is calling, scopes, auditing
# ---------------------------------------------------------------------------------------------------------


def api_user(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user


def api_client(request: Request) -> ApiClient | None:
    return request.auth if isinstance(request.auth, ApiClient) else None


def audit_view(
    request: Request,
    *,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    level: str = "",
    action: AuditAction = AuditAction.VIEW,
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit event for an API call, like a page view (codes, counts and ids only)."""
    client = api_client(request)
    record_event(
        actor=api_user(request),
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        level=level,
        request=request._request,
        detail={"api": True, "client": client.pk if client else None} | (detail or {}),
    )


# ---------------------------------------------------------------------------------------------------------
# Throttling per client
# ---------------------------------------------------------------------------------------------------------


class ApiClientThrottle(SimpleRateThrottle):
    """Requests per API client (per user for browser sessions), counted in the shared cache so every web
    process counts together. Rate from settings.RHI_API_THROTTLE_RATE, read on each request."""

    scope = "api_client"
    cache = caches["default"]

    def get_rate(self) -> str | None:
        return str(getattr(settings, "RHI_API_THROTTLE_RATE", "1200/min"))

    def allow_request(self, request: Request, view: Any) -> bool:
        self.cache = caches[getattr(settings, "RHI_API_THROTTLE_CACHE", "default")]
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        client = api_client(request)
        if client is not None:
            ident = f"client-{client.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiView(APIView):
    """The base of every API view. A call made with a token is stateless: the system user is not left on the
    Django request, so the session middleware neither creates nor saves a session for it."""

    throttle_classes = [ApiClientThrottle]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        repeated = [name for name, values in request.query_params.lists() if len(values) > 1]
        if repeated:
            raise exceptions.ValidationError({name: ["Give this parameter once."] for name in repeated})

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(getattr(request, "_auth", None), ApiClient):
            request._request.user = AnonymousUser()
        return response


@extend_schema(exclude=True)
class ApiNotFoundView(ApiView):
    """Any other path under /api/v1/ (a mistyped route, a non-numeric id): 404 in the one error body."""

    permission_classes: list[Any] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()


# ---------------------------------------------------------------------------------------------------------
# ETags and If-Match
# ---------------------------------------------------------------------------------------------------------


def etag_for(stamp: str) -> str:
    """A strong ETag carrying the record's change stamp (its ``updated_at`` in ISO 8601, or a version)."""
    return quote_etag(base64.urlsafe_b64encode(stamp.encode()).decode().rstrip("="))


def stamp_from_if_match(request: Request) -> str:
    """The change stamp the caller read the record at, from If-Match; 428 without one, 412 if unreadable."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    value = header.removeprefix("W/").strip('"')
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise PreconditionFailed() from None


# ---------------------------------------------------------------------------------------------------------
# Idempotency keys
# ---------------------------------------------------------------------------------------------------------

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    description="A unique key per notification (e.g. a UUID). A retry with the same key and body returns the "
    "first response and changes nothing; the same key with a different body answers 422.",
)


def _request_hash(request: Request) -> str:
    canonical = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _as_json(data: Any) -> Any:
    return json.loads(JSONRenderer().render(data))


def _claim_idempotency_key(*, client: ApiClient, key: str, request_hash: str) -> IdempotencyKey:
    """Insert-or-lock the key's row. The hourly purge may delete an expired row between our insert (a
    conflict, so nothing inserted) and our lock; the second round then inserts it afresh."""
    for _round in range(2):
        IdempotencyKey.objects.bulk_create(
            [IdempotencyKey(client=client, key=key, request_hash=request_hash)], ignore_conflicts=True
        )
        stored = IdempotencyKey.objects.select_for_update().filter(client=client, key=key).first()
        if stored is not None:
            return stored
    raise Conflict("This Idempotency-Key was being cleared at the same moment: send the request again.")


def idempotent(request: Request, handle: Callable[[], Response]) -> Response:
    """Run ``handle`` once per (API client, Idempotency-Key). The key's row is inserted and locked first, so
    concurrent retries wait for the first to finish and then replay its stored response; nothing is written
    twice. Browser sessions (no client) rely on the service's own idempotency instead."""
    key = request.headers.get("Idempotency-Key", "").strip()
    client = api_client(request)
    if client is None:
        return handle()
    if not key or len(key) > 200:
        raise IdempotencyKeyRequired()
    request_hash = _request_hash(request)
    with transaction.atomic():
        stored = _claim_idempotency_key(client=client, key=key, request_hash=request_hash)
        if stored.request_hash != request_hash:
            raise IdempotencyKeyReused()
        if stored.response_status is not None:
            audit_view(
                request,
                object_type="accounts.idempotencykey",
                object_id=str(stored.pk),
                detail={"replayed": True, "status": stored.response_status},
            )
            replay = Response(stored.response_body, status=stored.response_status)
            replay["Idempotent-Replayed"] = "true"
            return replay
        try:
            with transaction.atomic():
                response = handle()
        except IntegrityError:
            raise Conflict(
                "Another request recorded this police reference at the same moment: read the episode."
            ) from None
        except exceptions.APIException as exc:
            if exc.status_code >= 500 or exc.status_code in (401, 403, 404, 429):
                raise  # denials are audited by the exception handler and never stored against the key
            response = Response(error_body(exc), status=exc.status_code)
        except DjangoValidationError as exc:
            api_exc = exceptions.ValidationError(detail=get_error_detail(exc))
            response = Response(error_body(api_exc), status=api_exc.status_code)
        stored.response_status = response.status_code
        stored.response_body = _as_json(response.data)
        stored.save(update_fields=["response_status", "response_body"])
    response.data = stored.response_body
    return response
