"""REST API for children and missing episodes (docs/api.md): search children, list episodes changed since a
time, read one, record a police notification (idempotent) and the return (If-Match).

Thin: visibility from access, writes from missing_episodes.services, the same as the intake pages.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from access.episodes import (
    can_record_notification,
    can_record_return,
    full_episode_ids,
    readable_episode_branches,
    readable_episodes,
    visible_children,
)
from accounts.api_auth import HasScope
from accounts.models import ApiScope
from api.callers import api_client, api_user, audit_view
from api.errors import ErrorSerializer, PreconditionFailed
from api.etags import etag_for, stamp_from_if_match
from api.idempotency import IDEMPOTENCY_KEY, run_once
from api.pagination import CHANGED_SINCE, KeysetPagination, changed_since
from api.views import ApiView
from audit.models import AuditAction, AuditOutcome
from audit.services import record_event
from missing_episodes import match_limits, selectors
from missing_episodes.models import Child, EpisodeSource, MissingEpisode
from missing_episodes.serializers import (
    ChildIdSearchSerializer,
    ChildSearchSerializer,
    ChildSerializer,
    EpisodeCreateSerializer,
    EpisodeReturnSerializer,
    EpisodeSerializer,
    episode_row_values,
    episode_rows_data,
)
from missing_episodes.services import (
    ChildRecordMismatch,
    PendingResult,
    StaleEpisodeError,
    record_notification,
    record_return,
)


class PendingLinkSerializer(serializers.Serializer):
    """202: "pending_confirmation" (with pending_link_id) or "awaiting_matching" (with episode_id)."""

    status = serializers.ChoiceField(choices=["pending_confirmation", "awaiting_matching"])
    pending_link_id = serializers.IntegerField(required=False)
    episode_id = serializers.IntegerField(required=False)
    detail = serializers.CharField()


AWAITING_MATCHING = (
    "Recorded. The child's name and date of birth fit more than one child, or nearly fit one: the council will "
    "match the child. The episode and its clock are kept meanwhile."
)


EPISODE_TYPE = "missing_episodes.missingepisode"
CHILD_TYPE = "missing_episodes.child"
# A notification that lost the race to another request with another Idempotency-Key (the police force +
# reference is unique): the idempotency service answers 409 with these words.
CONCURRENT_NOTIFICATION = (
    "Another request recorded this police reference at the same moment: read the episode."
)
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input: one error per field."),
    401: OpenApiResponse(ErrorSerializer, description="No token, or a token unknown, revoked or expired."),
    403: OpenApiResponse(ErrorSerializer, description="The client lacks the scope, or may not do this."),
    404: OpenApiResponse(ErrorSerializer, description="No such record, or one the caller may not see."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests from this client: slow down."),
}
EPISODE_EXAMPLE = {
    "police_force": "E23000014",
    "police_reference": "MP-2026-004512",
    "responsible_la": "333",
    "la_child_id": "C104233",
    "first_name": "Jordan",
    "last_name": "Example",
    "date_of_birth": "2011-05-17",
    "gender": "male",
    "category": "missing",
    "risk_level": "medium",
    "missing_from": "care",
    "missing_at": "2026-05-01T17:30:00+01:00",
    "reported_at": "2026-05-01T19:05:00+01:00",
    "returned_at": None,
    "return_method": "",
    "police_notified_at": None,
    "found_location": "",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


def _episodes(queryset: QuerySet[MissingEpisode]) -> QuerySet[MissingEpisode]:
    return queryset.select_related(
        "child", "child__responsible_la", "responsible_la", "police_force", "rhi_link__rhi"
    )


def _episode_response(
    request: Request, episode: MissingEpisode, *, status_code: int = status.HTTP_200_OK
) -> Response:
    user = api_user(request)
    data = EpisodeSerializer(episode, context={"full_ids": full_episode_ids(user, [episode.pk])}).data
    response = Response(data, status=status_code)
    response["ETag"] = etag_for(episode.updated_at.isoformat())
    return response


def _readable_episode(request: Request, pk: int) -> MissingEpisode:
    episode = _episodes(readable_episodes(api_user(request))).filter(pk=pk).first()
    if episode is None:
        raise exceptions.NotFound()
    return episode


# Personal search terms a URL must never carry: query strings reach access logs, proxies and histories.
PERSONAL_SEARCH_TERMS = ("last_name", "first_name", "date_of_birth")


def _search_children(request: Request, view: ApiView, terms: dict[str, Any]) -> Response:
    children = selectors.search_children(visible_children(api_user(request)), **terms)
    paginator = KeysetPagination()
    page = paginator.paginate_queryset(children, request, view)
    audit_view(request, object_type=CHILD_TYPE, level="full", detail={"search": True, "rows": len(page)})
    return paginator.get_paginated_response(ChildSerializer(page, many=True).data)


class ChildListView(ApiView):
    permission_classes = [HasScope.of(ApiScope.CHILDREN_READ)]
    pagination_class = KeysetPagination
    keyset = ("id",)
    audit_object_type = CHILD_TYPE

    @extend_schema(
        tags=["children"],
        summary="Find a child by LA child id (search by name and date of birth with POST children/search/)",
        parameters=[ChildIdSearchSerializer],
        responses={200: ChildSerializer(many=True), **_errors(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        personal = [name for name in PERSONAL_SEARCH_TERMS if name in request.query_params]
        if personal:
            raise exceptions.ValidationError(
                {
                    name: ["Never put this in a URL: search with POST /api/v1/children/search/ instead."]
                    for name in personal
                }
            )
        search = ChildIdSearchSerializer(data=request.query_params.dict())
        search.is_valid(raise_exception=True)
        return _search_children(request, self, search.validated_data)


class ChildSearchView(ApiView):
    """A read that takes its terms in the body, so a child's name and date of birth stay out of URLs and
    therefore out of access logs. POST here changes nothing: it needs only ``children:read``."""

    permission_classes = [HasScope.of(ApiScope.CHILDREN_READ, write=ApiScope.CHILDREN_READ)]
    pagination_class = KeysetPagination
    keyset = ("id",)
    audit_object_type = CHILD_TYPE

    @extend_schema(
        tags=["children"],
        summary="Search children by LA child id, or by surname and date of birth (terms in the body)",
        request=ChildSearchSerializer,
        responses={200: ChildSerializer(many=True), **_errors(400, 401, 403, 429)},
    )
    def post(self, request: Request) -> Response:
        search = ChildSearchSerializer(data=request.data)
        search.is_valid(raise_exception=True)
        return _search_children(request, self, search.validated_data)


class ChildDetailView(ApiView):
    permission_classes = [HasScope.of(ApiScope.CHILDREN_READ)]
    audit_object_type = CHILD_TYPE

    @extend_schema(tags=["children"], responses={200: ChildSerializer, **_errors(401, 403, 404, 429)})
    def get(self, request: Request, pk: int) -> Response:
        child: Child | None = (
            visible_children(api_user(request)).select_related("responsible_la").filter(pk=pk).first()
        )
        if child is None:
            raise exceptions.NotFound()
        audit_view(request, obj=child, level="full")
        return Response(ChildSerializer(child).data)


class EpisodeListView(ApiView):
    permission_classes = [HasScope.of(ApiScope.EPISODES_READ, write=ApiScope.EPISODES_WRITE)]
    pagination_class = KeysetPagination
    keyset = ("updated_at", "id")
    audit_object_type = EPISODE_TYPE

    @extend_schema(
        tags=["episodes"],
        summary="Episodes the caller may see, oldest change first (sync with changed_since and the cursor)",
        parameters=[CHANGED_SINCE],
        responses={200: EpisodeSerializer(many=True), **_errors(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        user = api_user(request)
        since = changed_since(request)
        # One keyset branch per reason to see an episode, each on its own index (api.pagination).
        branches = [
            MissingEpisode.objects.filter(branch, **({"updated_at__gte": since} if since is not None else {}))
            for branch in readable_episode_branches(user)
        ]
        paginator = self.pagination_class()
        # Tuples, not model instances: building and serialising 500 instances was most of a sync page's time.
        rows = episode_row_values(MissingEpisode.objects.all())
        page = paginator.paginate_branches(branches, rows, request, self, row_id=itemgetter(0))
        full_ids = full_episode_ids(user, [row[0] for row in page])
        data = episode_rows_data(page, full_ids=full_ids)
        audit_view(request, object_type=EPISODE_TYPE, detail={"rows": len(page)})
        return paginator.get_paginated_response(data)

    @extend_schema(
        tags=["episodes"],
        summary="Record a police notification (a missing or absent episode)",
        description="Creates the child when the LA child id is new in that council, and the episode; the "
        "police force + reference identifies the episode, so the same notification again changes nothing. "
        "A known LA child id with other details is refused with one generic error (never which detail "
        "differs), and a client past RHI_CHILD_MISMATCH_LIMIT such refusals an hour gets 429. A known child "
        "the client has no relation to answers 202: kept until the council confirms it. "
        "Requires an Idempotency-Key header.",
        parameters=[IDEMPOTENCY_KEY],
        request=EpisodeCreateSerializer,
        responses={
            201: EpisodeSerializer,
            200: OpenApiResponse(EpisodeSerializer, description="Already recorded: updated or unchanged."),
            202: OpenApiResponse(
                PendingLinkSerializer,
                description="A child the client has no relation to: kept until the council confirms the link "
                '(status "pending_confirmation"). Or, without an LA child id, a name and date of birth that fit '
                "several children or nearly fit one: the episode is recorded and the council matches the child "
                '(status "awaiting_matching").',
            ),
            409: OpenApiResponse(ErrorSerializer, description="Recorded by a concurrent request."),
            422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused with another body."),
            **_errors(400, 401, 403, 429),
        },
        examples=[
            OpenApiExample(
                "A missing notification from a police force", value=EPISODE_EXAMPLE, request_only=True
            )
        ],
    )
    def post(self, request: Request) -> Response:
        # Past the mismatch limit the client is refused before anything is read or written; the refusal is
        # audited here, outside the idempotency transaction, so it is kept.
        if match_limits.limit_reached(_match_key(request)):
            client = api_client(request)
            record_event(
                actor=api_user(request),
                action=AuditAction.CREATE,
                object_type=EPISODE_TYPE,
                outcome=AuditOutcome.DENIED,
                request=request._request,
                detail={
                    "api": True,
                    "client": client.pk if client else None,
                    "reason": "child_mismatch_limit",
                },
            )
            raise exceptions.Throttled(
                detail="Too many notifications did not match the council's records. Try again later."
            )
        return run_once(
            request=request, handle=lambda: self._create(request), conflict_message=CONCURRENT_NOTIFICATION
        )

    def _create(self, request: Request) -> Response:
        user = api_user(request)
        payload = EpisodeCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        force, authority = data["police_force"], data["responsible_la"]
        if not can_record_notification(user, police_force_id=force.pk, responsible_la_id=authority.pk):
            raise exceptions.PermissionDenied(
                "This client records notifications only for its own force or the councils it takes them for."
            )
        try:
            result = record_notification(
                details=payload.child_details(),
                police_force=force,
                police_reference=data["police_reference"],
                fields=payload.notification_fields(),
                source=EpisodeSource.API,
                by=user,
                confirm_age=data["confirm_age"],
                reclassified_at=data["reclassified_at"],
            )
        except ChildRecordMismatch:
            match_limits.note_mismatch(_match_key(request))
            raise
        if isinstance(result, PendingResult):
            # Accepted, not attached: the council confirms the link first. Nothing about the child comes back.
            return Response(
                {
                    "status": "pending_confirmation",
                    "pending_link_id": result.link.pk,
                    "detail": "Recorded for the council to confirm the child before the episode is attached.",
                },
                status=status.HTTP_202_ACCEPTED,
            )
        if result.match_question is not None:
            # Recorded on a provisional child; which of the council's children it is, is not the client's to know.
            return Response(
                {"status": "awaiting_matching", "episode_id": result.episode.pk, "detail": AWAITING_MATCHING},
                status=status.HTTP_202_ACCEPTED,
            )
        episode = _episodes(MissingEpisode.objects.filter(pk=result.episode.pk)).get()
        created = result.outcome == "created"
        return _episode_response(request, episode, status_code=201 if created else 200)


def _match_key(request: Request) -> str:
    """Whose mismatches these are: the API client, or the signed-in user of a browser session."""
    client = api_client(request)
    return f"client-{client.pk}" if client is not None else f"user-{api_user(request).pk}"


class EpisodeDetailView(ApiView):
    permission_classes = [HasScope.of(ApiScope.EPISODES_READ)]
    audit_object_type = EPISODE_TYPE

    @extend_schema(
        tags=["episodes"],
        summary="One episode, with its ETag for recording the return",
        responses={200: EpisodeSerializer, **_errors(401, 403, 404, 429)},
    )
    def get(self, request: Request, pk: int) -> Response:
        episode = _readable_episode(request, pk)
        response = _episode_response(request, episode)
        audit_view(
            request, obj=episode, level="full" if response.data["visibility"] == "full" else "notification"
        )
        return response


class EpisodeReturnView(ApiView):
    permission_classes = [HasScope.of(ApiScope.EPISODES_WRITE)]
    audit_object_type = EPISODE_TYPE

    @extend_schema(
        tags=["episodes"],
        summary="Record the child's return (or being found)",
        description="Send If-Match with the ETag from reading the episode: a change made since answers 412 "
        "and nothing is saved. The return opens the RHI (and starts its clock).",
        parameters=[
            OpenApiParameter(
                "If-Match", str, location=OpenApiParameter.HEADER, required=True, description="The ETag."
            )
        ],
        request=EpisodeReturnSerializer,
        responses={
            200: EpisodeSerializer,
            412: OpenApiResponse(ErrorSerializer, description="Changed since read, or already returned."),
            428: OpenApiResponse(ErrorSerializer, description="No If-Match header."),
            **_errors(400, 401, 403, 404, 429),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        episode = _readable_episode(request, pk)
        if not can_record_return(user, episode):
            raise exceptions.PermissionDenied("This client may read this episode but not record its return.")
        stamp = stamp_from_if_match(request)
        payload = EpisodeReturnSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            record_return(
                episode_id=episode.pk, expected_updated_at=stamp, fields=payload.episode_fields(), by=user
            )
        except StaleEpisodeError as exc:
            raise PreconditionFailed(str(exc)) from None
        return _episode_response(request, _readable_episode(request, pk))
