"""The API's one error body for every 4xx, ``{"errors": [{"field", "code", "message"}], "request_id"}``, the
exceptions the API's own rules raise, and the exception handler that writes the body and audits every denial
(401, 403, 404) of an API call (settings.REST_FRAMEWORK["EXCEPTION_HANDLER"])."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.fields import get_error_detail
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.models import User
from audit.context import current_request_id
from audit.models import AuditAction, AuditOutcome
from audit.services import record_event


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


def as_api_exception(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A model or service validation error as the API's 400, field by field."""
    return exceptions.ValidationError(detail=get_error_detail(exc))


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
        exc = as_api_exception(exc)
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
