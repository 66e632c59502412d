"""REST API for what was shared with the caller's organisation (docs/api.md): list, read at the disclosure's
level, acknowledge. Visibility from access.disclosures.received_disclosures, the facts of each level from
sharing.selectors.disclosure_content, the acknowledgement from sharing.services.acknowledge."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from access.disclosures import received_disclosures
from access.levels import Level
from accounts.api_auth import HasScope
from accounts.models import ApiScope
from api.callers import api_user, audit_view
from api.errors import Conflict, ErrorSerializer
from api.pagination import CHANGED_SINCE, KeysetPagination, changed_since
from api.views import ApiView
from core.exceptions import ActionNotAllowed, TransitionError
from rhi.serializers import AssociateSerializer, EpisodeFactsSerializer, PlaceSerializer, RiskSerializer
from sharing import services
from sharing.models import ConsentState, Disclosure, DisclosureEvent, DisclosureLevel, LawfulBasis
from sharing.selectors import disclosure_content

DISCLOSURE_TYPE = "sharing.disclosure"
ERRORS = {
    code: OpenApiResponse(ErrorSerializer, description=text)
    for code, text in {
        400: "Invalid input: one error per field.",
        401: "No token, or a token unknown, revoked or expired.",
        403: "The client lacks the scope for this call.",
        404: "No such disclosure, or one not shared with the caller's organisation.",
        409: "Already acknowledged.",
        429: "Too many requests from this client.",
    }.items()
}


class DisclosureSerializer(serializers.ModelSerializer[Disclosure]):
    level = serializers.ChoiceField(choices=DisclosureLevel.choices)
    lawful_basis = serializers.ChoiceField(choices=LawfulBasis.choices)
    consent_state = serializers.ChoiceField(choices=ConsentState.choices)
    event = serializers.ChoiceField(choices=DisclosureEvent.choices, allow_blank=True)
    recipient_organisation = serializers.CharField(source="recipient_organisation.name")

    class Meta:
        model = Disclosure
        fields = [
            "id",
            "level",
            "rhi_id",
            "episode_id",
            "recipient_organisation",
            "shared_at",
            "lawful_basis",
            "consent_state",
            "event",
            "acknowledgement_due_at",
            "acknowledged_at",
        ]
        read_only_fields = fields


class DisclosureContentSerializer(serializers.Serializer):
    """The facts a disclosure holds at its level; the intelligence keys only from intelligence summary up."""

    child_name = serializers.CharField()
    child_initials = serializers.CharField()
    child_date_of_birth = serializers.DateField()
    provider_name = serializers.CharField()
    rhi_reference = serializers.CharField()
    episodes = EpisodeFactsSerializer(many=True)
    outcome = serializers.CharField(help_text="The RHI's outcome as shown to people, or blank.")
    interview_held_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    places = PlaceSerializer(many=True, required=False)
    associates = AssociateSerializer(many=True, required=False)
    risk_indicators = RiskSerializer(many=True, required=False)
    travel_method = serializers.CharField(required=False)
    brought_back_by = serializers.CharField(required=False)
    risk_assessment = serializers.CharField(required=False)


class DisclosureDetailSerializer(DisclosureSerializer):
    content = DisclosureContentSerializer()

    class Meta(DisclosureSerializer.Meta):
        fields = [*DisclosureSerializer.Meta.fields, "content"]
        read_only_fields = fields


def _content(disclosure: Disclosure) -> dict[str, object]:
    content = disclosure_content(disclosure)
    data: dict[str, object] = {
        name: getattr(content, name)
        for name in (
            "child_name",
            "child_initials",
            "child_date_of_birth",
            "provider_name",
            "rhi_reference",
            "episodes",
            "outcome",
            "interview_held_at",
            "approved_at",
        )
    }
    if content.level in (Level.INTELLIGENCE_SUMMARY, Level.FULL) and disclosure.rhi_id:
        for name in (
            "places",
            "associates",
            "risk_indicators",
            "travel_method",
            "brought_back_by",
            "risk_assessment",
        ):
            data[name] = getattr(content, name)
    return data


def _received(request: Request, pk: int) -> Disclosure:
    disclosure = (
        received_disclosures(api_user(request)).select_related("recipient_organisation").filter(pk=pk).first()
    )
    if disclosure is None:
        raise exceptions.NotFound()
    return disclosure


def _detail(disclosure: Disclosure) -> dict[str, object]:
    setattr(disclosure, "content", _content(disclosure))  # noqa: B010
    return dict(DisclosureDetailSerializer(disclosure).data)


class DisclosureListView(ApiView):
    permission_classes = [HasScope.of(ApiScope.DISCLOSURES_READ)]
    pagination_class = KeysetPagination
    keyset = ("shared_at", "id")
    audit_object_type = DISCLOSURE_TYPE

    @extend_schema(
        tags=["disclosures"],
        summary="What was shared with the caller's organisation, oldest first",
        description="changed_since filters on the time it was shared.",
        parameters=[CHANGED_SINCE],
        responses={200: DisclosureSerializer(many=True), **{c: ERRORS[c] for c in (400, 401, 403, 429)}},
    )
    def get(self, request: Request) -> Response:
        disclosures = received_disclosures(api_user(request)).select_related("recipient_organisation")
        since = changed_since(request)
        if since is not None:
            disclosures = disclosures.filter(shared_at__gte=since)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(disclosures, request, self)
        audit_view(request, object_type=DISCLOSURE_TYPE, detail={"rows": len(page)})
        return paginator.get_paginated_response(DisclosureSerializer(page, many=True).data)


class DisclosureDetailView(ApiView):
    permission_classes = [HasScope.of(ApiScope.DISCLOSURES_READ)]
    audit_object_type = DISCLOSURE_TYPE

    @extend_schema(
        tags=["disclosures"],
        summary="One disclosure with the facts its level holds",
        responses={200: DisclosureDetailSerializer, **{c: ERRORS[c] for c in (401, 403, 404, 429)}},
    )
    def get(self, request: Request, pk: int) -> Response:
        disclosure = _received(request, pk)
        data = _detail(disclosure)
        audit_view(
            request,
            obj=disclosure,
            level=disclosure.level,
            detail={"rhi": disclosure.rhi_id, "child": disclosure.child_id},
        )
        return Response(data)


class DisclosureAcknowledgeView(ApiView):
    permission_classes = [HasScope.of(ApiScope.DISCLOSURES_WRITE)]
    audit_object_type = DISCLOSURE_TYPE

    @extend_schema(
        tags=["disclosures"],
        summary="Acknowledge receipt",
        request=None,
        responses={200: DisclosureSerializer, **{c: ERRORS[c] for c in (401, 403, 404, 409, 429)}},
    )
    def post(self, request: Request, pk: int) -> Response:
        disclosure = _received(request, pk)
        try:
            acknowledged = services.acknowledge(disclosure_id=disclosure.pk, by=api_user(request))
        except ActionNotAllowed:
            raise exceptions.NotFound() from None
        except TransitionError as exc:
            raise Conflict(str(exc)) from None
        acknowledged.recipient_organisation = disclosure.recipient_organisation
        return Response(DisclosureSerializer(acknowledged).data)
