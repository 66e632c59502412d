"""REST API for follow-up referrals (docs/api.md): those made from the RHIs the caller works on, as on the
referral pages. Visibility from access.casework.visible_referrals."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from access.casework import visible_referrals
from accounts.api_auth import HasScope
from accounts.models import ApiScope
from api.callers import api_user, audit_view
from api.errors import ErrorSerializer
from api.pagination import CHANGED_SINCE, KeysetPagination, changed_since
from api.views import ApiView
from referrals.models import Referral, ReferralOutcome, Service

REFERRAL_TYPE = "referrals.referral"
ERRORS = {
    code: OpenApiResponse(ErrorSerializer, description=text)
    for code, text in {
        400: "Invalid input: one error per field.",
        401: "No token, or a token unknown, revoked or expired.",
        403: "The client lacks the referrals:read scope.",
        404: "No such referral, or one the caller may not see.",
        429: "Too many requests from this client.",
    }.items()
}


class ReferralSerializer(serializers.ModelSerializer[Referral]):
    service = serializers.ChoiceField(choices=Service.choices)
    outcome = serializers.ChoiceField(choices=ReferralOutcome.choices, allow_blank=True)
    recipient_organisation = serializers.CharField(
        source="recipient_organisation.name", allow_null=True, default=None
    )
    risk_indicators = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Referral
        fields = [
            "id",
            "rhi_id",
            "service",
            "recipient_organisation",
            "recipient_name",
            "reason",
            "risk_indicators",
            "sent_at",
            "acknowledgement_due_at",
            "acknowledged_at",
            "outcome",
            "withdrawn_at",
            "withdrawal_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReferralListView(ApiView):
    permission_classes = [HasScope.of(ApiScope.REFERRALS_READ)]
    pagination_class = KeysetPagination
    keyset = ("updated_at", "id")
    audit_object_type = REFERRAL_TYPE

    @extend_schema(
        tags=["referrals"],
        summary="Follow-up referrals from the RHIs the caller works on, oldest change first",
        parameters=[CHANGED_SINCE],
        responses={200: ReferralSerializer(many=True), **{c: ERRORS[c] for c in (400, 401, 403, 429)}},
    )
    def get(self, request: Request) -> Response:
        referrals = visible_referrals(api_user(request)).select_related("recipient_organisation")
        since = changed_since(request)
        if since is not None:
            referrals = referrals.filter(updated_at__gte=since)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(referrals, request, self)
        audit_view(request, object_type=REFERRAL_TYPE, level="full", detail={"rows": len(page)})
        return paginator.get_paginated_response(ReferralSerializer(page, many=True).data)


class ReferralDetailView(ApiView):
    permission_classes = [HasScope.of(ApiScope.REFERRALS_READ)]
    audit_object_type = REFERRAL_TYPE

    @extend_schema(
        tags=["referrals"],
        responses={200: ReferralSerializer, **{c: ERRORS[c] for c in (401, 403, 404, 429)}},
    )
    def get(self, request: Request, pk: int) -> Response:
        referral = (
            visible_referrals(api_user(request))
            .select_related("recipient_organisation")
            .filter(pk=pk)
            .first()
        )
        if referral is None:
            raise exceptions.NotFound()
        audit_view(request, obj=referral, level="full")
        return Response(ReferralSerializer(referral).data)
