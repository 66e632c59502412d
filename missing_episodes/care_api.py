"""REST API for a child's periods of care (docs/api.md, "Periods of care"): list and read them (whoever sees the
child), record one (idempotent), end or correct one (PATCH, If-Match) and delete one recorded in error (DELETE,
If-Match, a reason code).

Thin: who may is access (``care_period_children`` to read, ``can_record_care`` to write: anyone else gets 404, as
on the child's page); every write goes through missing_episodes.care_services, whose ValidationError is the 400's
field errors.
"""

from __future__ import annotations

from datetime import datetime

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from access.episodes import can_record_care, care_period_children
from accounts.api_auth import HasScope
from accounts.models import ApiScope
from api.callers import api_user, audit_view
from api.errors import ErrorSerializer, PreconditionFailed
from api.etags import etag_for, stamp_from_if_match
from api.idempotency import IDEMPOTENCY_KEY, run_once
from api.views import ApiView
from missing_episodes.api import ERRORS
from missing_episodes.care_serializers import (
    CarePeriodChangeSerializer,
    CarePeriodCreateSerializer,
    CarePeriodDeleteSerializer,
    CarePeriodSerializer,
)
from missing_episodes.care_services import (
    StaleCarePeriod,
    correct_care_period,
    delete_care_period,
    end_care_period,
    record_care_period,
)
from missing_episodes.models import CarePeriod, CareSource, Child

CARE_TYPE = "missing_episodes.careperiod"
CONCURRENT_PERIOD = "Another request recorded a period of care for this child at the same moment: read them."
IF_MATCH = OpenApiParameter(
    "If-Match", str, location=OpenApiParameter.HEADER, required=True, description="The period's ETag."
)
CARE_SCOPES = [HasScope.of(ApiScope.CHILDREN_READ, write=ApiScope.CARE_WRITE)]


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


def _child(request: Request, pk: int, *, writing: bool) -> Child:
    """The child, if the caller sees them (and, to write, records their care); otherwise 404 (audited by the
    exception handler), so a caller learns nothing about a child that is not theirs."""
    user = api_user(request)
    child = care_period_children(user).filter(pk=pk).first()
    if child is None or (writing and not can_record_care(user, child)):
        raise exceptions.NotFound()
    return child


def _period(request: Request, pk: int, period_pk: int, *, writing: bool) -> CarePeriod:
    child = _child(request, pk, writing=writing)
    period = CarePeriod.objects.filter(child=child, pk=period_pk).first()
    if period is None:
        raise exceptions.NotFound()
    period.child = child
    return period


def _period_response(period: CarePeriod, *, status_code: int = status.HTTP_200_OK) -> Response:
    response = Response(CarePeriodSerializer(period).data, status=status_code)
    response["ETag"] = etag_for(period.updated_at.isoformat())
    return response


def _read_stamp(request: Request, period: CarePeriod) -> datetime:
    """The If-Match stamp; 412 at once when the period has changed since (the service checks again under its
    lock), so a stale request is never judged on the fields it sent."""
    try:
        stamp = datetime.fromisoformat(stamp_from_if_match(request))
    except ValueError:
        raise PreconditionFailed() from None
    if stamp != period.updated_at:
        raise PreconditionFailed()
    return stamp


class CarePeriodListView(ApiView):
    permission_classes = CARE_SCOPES
    audit_object_type = CARE_TYPE

    @extend_schema(
        tags=["children"],
        summary="A child's periods of care, newest first",
        responses={200: CarePeriodSerializer(many=True), **_errors(401, 403, 404, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        child = _child(request, pk, writing=False)
        periods = list(CarePeriod.objects.filter(child=child).order_by("-start_date"))
        audit_view(request, obj=child, detail={"care_periods": len(periods)})
        return Response(CarePeriodSerializer(periods, many=True).data)

    @extend_schema(
        tags=["children"],
        summary="Record a period of care (the child's council's own RHI workers, team managers and care:write client)",
        description="Requires an Idempotency-Key header: a retry with the same key and body returns the first "
        "answer and records nothing more. A period overlapping another of the child's, starting before "
        "birth or in the future, or ending after the 18th birthday answers 400 with the field's error.",
        parameters=[IDEMPOTENCY_KEY],
        request=CarePeriodCreateSerializer,
        responses={
            201: CarePeriodSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Recorded by a concurrent request."),
            422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused with another body."),
            **_errors(400, 401, 403, 404, 429),
        },
        examples=[
            OpenApiExample(
                "Came into care under a full care order",
                value={"start_date": "2025-10-14", "end_date": None, "legal_status": "C2"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        child = _child(request, pk, writing=True)
        return run_once(
            request=request, handle=lambda: self._create(request, child), conflict_message=CONCURRENT_PERIOD
        )

    def _create(self, request: Request, child: Child) -> Response:
        payload = CarePeriodCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        period = record_care_period(
            child=child,
            start_date=data["start_date"],
            end_date=data.get("end_date"),
            legal_status=data["legal_status"],
            by=api_user(request),
            source=CareSource.API,
        )
        return _period_response(period, status_code=status.HTTP_201_CREATED)


class CarePeriodDetailView(ApiView):
    permission_classes = CARE_SCOPES
    audit_object_type = CARE_TYPE

    @extend_schema(
        tags=["children"],
        summary="One period of care, with its ETag for ending, correcting or deleting it",
        responses={200: CarePeriodSerializer, **_errors(401, 403, 404, 429)},
    )
    def get(self, request: Request, pk: int, period_pk: int) -> Response:
        period = _period(request, pk, period_pk, writing=False)
        audit_view(request, obj=period)
        return _period_response(period)

    @extend_schema(
        tags=["children"],
        summary="End a period of care, or correct it",
        description="To end an open period send only `end_date` (the day care ceased). Anything else is a "
        "correction and needs a `reason`. Send If-Match with the ETag from reading the period: a change "
        "made since answers 412 and nothing is saved.",
        parameters=[IF_MATCH],
        request=CarePeriodChangeSerializer,
        responses={
            200: CarePeriodSerializer,
            412: OpenApiResponse(ErrorSerializer, description="Changed or deleted since read."),
            428: OpenApiResponse(ErrorSerializer, description="No If-Match header."),
            **_errors(400, 401, 403, 404, 429),
        },
    )
    def patch(self, request: Request, pk: int, period_pk: int) -> Response:
        period = _period(request, pk, period_pk, writing=True)
        stamp = _read_stamp(request, period)
        payload = CarePeriodChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user = api_user(request)
        try:
            if payload.is_ending(period):
                changed = end_care_period(
                    period=period, end_date=data["end_date"], by=user, expected_updated_at=stamp
                )
            else:
                if "reason" not in data:
                    raise exceptions.ValidationError(
                        {"reason": ["Say why this period of care is corrected."]}
                    )
                changed = correct_care_period(
                    period=period,
                    start_date=data.get("start_date", period.start_date),
                    end_date=data.get("end_date", period.end_date),
                    legal_status=data.get("legal_status", period.legal_status),
                    by=user,
                    expected_updated_at=stamp,
                    reason=data["reason"],
                )
        except StaleCarePeriod as exc:
            raise PreconditionFailed(str(exc)) from None
        return _period_response(changed)

    @extend_schema(
        tags=["children"],
        summary="Delete a period of care recorded in error",
        description="Send If-Match with the ETag from reading the period, and the reason code in the query "
        "string (`?reason=duplicate`): a code, never free text, so it may travel in the URL.",
        parameters=[IF_MATCH, CarePeriodDeleteSerializer],
        responses={
            204: None,
            412: OpenApiResponse(ErrorSerializer, description="Changed or deleted since read."),
            428: OpenApiResponse(ErrorSerializer, description="No If-Match header."),
            **_errors(400, 401, 403, 404, 429),
        },
    )
    def delete(self, request: Request, pk: int, period_pk: int) -> Response:
        period = _period(request, pk, period_pk, writing=True)
        stamp = _read_stamp(request, period)
        payload = CarePeriodDeleteSerializer(data=request.query_params.dict())
        payload.is_valid(raise_exception=True)
        try:
            delete_care_period(
                period=period,
                by=api_user(request),
                reason=payload.validated_data["reason"],
                expected_updated_at=stamp,
            )
        except StaleCarePeriod as exc:
            raise PreconditionFailed(str(exc)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
