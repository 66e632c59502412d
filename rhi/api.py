"""REST API for return home interviews at the caller's level (docs/api.md): a list to sync outcomes with
``changed_since`` and the cursor, and one RHI with exactly the facts its level holds.

Visibility and level from access (``readable_rhis``, ``rhi_level``/``rhi_levels``); which facts a level
holds from sharing.selectors.disclosure_content; the clock from rhi.selectors.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from access.levels import Level, readable_rhis, rhi_level, rhi_levels
from accounts.api_auth import HasScope
from accounts.models import ApiScope
from api.callers import api_user, audit_view
from api.errors import ErrorSerializer
from api.etags import etag_for
from api.pagination import CHANGED_SINCE, KeysetPagination, changed_since
from api.views import ApiView
from rhi.selectors import with_clock_state
from rhi.serializers import RHIDetailSerializer, RHIListItemSerializer, list_item, rhi_payload
from sharing.models import Disclosure, DisclosureLevel
from sharing.selectors import disclosure_content

RHI_TYPE = "rhi.returnhomeinterview"
LEVEL_TO_DISCLOSURE = {
    Level.FULL: DisclosureLevel.FULL_REPORT,
    Level.INTELLIGENCE_SUMMARY: DisclosureLevel.INTELLIGENCE_SUMMARY,
    Level.NOTIFICATION: DisclosureLevel.NOTIFICATION,
}
ERRORS = {
    code: OpenApiResponse(ErrorSerializer, description=text)
    for code, text in {
        400: "Invalid input: one error per field.",
        401: "No token, or a token unknown, revoked or expired.",
        403: "The client lacks the rhi:read scope.",
        404: "No such RHI, or one the caller may not see at any level.",
        429: "Too many requests from this client.",
    }.items()
}
INTELLIGENCE_EXAMPLE = {
    "id": 4812,
    "level": "intelligence_summary",
    "state": "approved",
    "outcome": "accepted",
    "updated_at": "2026-05-06T10:12:44Z",
    "rhi_reference": "RHI-4812",
    "child_name": "Jordan Example",
    "child_initials": "JE",
    "child_date_of_birth": "2011-05-17",
    "provider_name": "Safe Steps Charity",
    "episodes": [
        {
            "category": "Missing",
            "missing_at": "2026-05-01T16:30:00Z",
            "returned_at": "2026-05-02T09:10:00Z",
            "police_force": "Example Police",
            "police_reference": "MP-2026-004512",
            "risk_level": "Medium",
            "found_location": "Bus station",
        }
    ],
    "interview_held_at": "2026-05-03T15:00:00Z",
    "approved_at": "2026-05-05T11:00:00Z",
    "places": [
        {
            "description": "Flat above the takeaway",
            "place_type": "Private address",
            "town": "Exampleton",
            "postcode": "EX1 2AB",
            "from_at": None,
            "to_at": None,
        }
    ],
    "associates": [
        {
            "name": "'Jay'",
            "approximate_age": 19,
            "is_adult": True,
            "relationship": "",
            "vehicle": "Black Golf",
        }
    ],
    "risk_indicators": [{"label": "Child criminal exploitation / county lines", "notes": ""}],
    "travel_method": "Train",
    "brought_back_by": "Police",
    "risk_assessment": "High risk of exploitation.",
}


class RHIListView(ApiView):
    permission_classes = [HasScope.of(ApiScope.RHI_READ)]
    pagination_class = KeysetPagination
    keyset = ("updated_at", "id")
    audit_object_type = RHI_TYPE

    @extend_schema(
        tags=["rhis"],
        summary="RHIs the caller may see at any level, oldest change first",
        description="State and outcome at every level; the clock state, deadline and child id at full level "
        "only. Sync incrementally with changed_since and follow `next`.",
        parameters=[CHANGED_SINCE],
        responses={200: RHIListItemSerializer(many=True), **{c: ERRORS[c] for c in (400, 401, 403, 429)}},
    )
    def get(self, request: Request) -> Response:
        user = api_user(request)
        rhis = readable_rhis(user).select_related("local_authority")
        since = changed_since(request)
        if since is not None:
            rhis = rhis.filter(updated_at__gte=since)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(with_clock_state(rhis, now=timezone.now()), request, self)
        levels = rhi_levels(user, [rhi.pk for rhi in page])
        rows = [list_item(rhi, levels[rhi.pk]) for rhi in page if levels[rhi.pk] != Level.NONE]
        audit_view(request, object_type=RHI_TYPE, detail={"rows": len(rows)})
        return paginator.get_paginated_response(RHIListItemSerializer(rows, many=True).data)


class RHIDetailView(ApiView):
    permission_classes = [HasScope.of(ApiScope.RHI_READ)]
    audit_object_type = RHI_TYPE

    @extend_schema(
        tags=["rhis"],
        summary="One RHI at the caller's level",
        description="Keys a level does not hold are absent: an intelligence summary never has `interview` "
        "(so never the child's own words or wishes and feelings); a notification has no findings at all.",
        responses={200: RHIDetailSerializer, **{c: ERRORS[c] for c in (401, 403, 404, 429)}},
        examples=[
            OpenApiExample(
                "An intelligence summary, as a police force sees it",
                value=INTELLIGENCE_EXAMPLE,
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        rhi = readable_rhis(user).select_related("local_authority", "child").filter(pk=pk).first()
        level = rhi_level(user, rhi) if rhi is not None else Level.NONE
        if rhi is None or level == Level.NONE:
            raise exceptions.NotFound()
        # The facts of this level, from the one function that decides them for every disclosure.
        content = disclosure_content(Disclosure(rhi=rhi, child=rhi.child, level=LEVEL_TO_DISCLOSURE[level]))
        payload = rhi_payload(rhi, content, now=timezone.now())
        audit_view(request, obj=rhi, level=level.value)
        response = Response(payload)
        response["ETag"] = etag_for(f"v{rhi.version}")
        return response
