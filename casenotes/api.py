"""REST API for a child's case notes (docs/case-notes.md, docs/api.md): list them, oldest written first with a
keyset cursor (for sync), and add one or a correction (idempotent).

Thin: who may is access.casenotes (a child the caller does not see in full answers 404, as on the web; a caller
who sees the child but may not write answers 403); the write is casenotes.services.add_case_note, whose
ValidationError is the 400's field errors. Reads need the ``case_notes:read`` scope and writes
``case_notes:write``, so no client given other scopes before notes existed reads them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from access.casenotes import can_add_case_note, case_note_children
from accounts.api_auth import HasScope
from accounts.models import ApiScope
from api.callers import api_user, audit_view
from api.errors import ErrorSerializer, as_api_exception
from api.idempotency import IDEMPOTENCY_KEY, run_once
from api.pagination import KeysetPagination
from api.views import ApiView
from casenotes.models import CaseNote
from casenotes.serializers import CaseNoteCreateSerializer, CaseNoteSerializer
from casenotes.services import add_case_note
from core.exceptions import ActionNotAllowed
from missing_episodes.api import ERRORS
from missing_episodes.models import Child

NOTE_TYPE = "casenotes.casenote"
CONCURRENT_NOTE = "Another request added a note at the same moment: read the notes."


def _child(request: Request, pk: int) -> Child:
    child = case_note_children(api_user(request)).filter(pk=pk).first()
    if child is None:
        raise exceptions.NotFound()
    return child


class CaseNoteListView(ApiView):
    permission_classes = [HasScope.of(ApiScope.CASE_NOTES_READ, write=ApiScope.CASE_NOTES_WRITE)]
    pagination_class = KeysetPagination
    keyset = ("created_at", "id")
    audit_object_type = NOTE_TYPE

    @extend_schema(
        tags=["children"],
        summary="A child's case notes, oldest written first (page on with the cursor)",
        responses={
            200: CaseNoteSerializer(many=True),
            **{code: ERRORS[code] for code in (400, 401, 403, 404, 429)},
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        child = _child(request, pk)
        paginator = self.pagination_class()
        notes = CaseNote.objects.filter(child=child).select_related("author", "organisation")
        page = paginator.paginate_queryset(notes, request, self)
        audit_view(request, obj=child, level="full", detail={"case_notes": len(page)})
        return paginator.get_paginated_response(CaseNoteSerializer(page, many=True).data)

    @extend_schema(
        tags=["children"],
        summary="Add a case note, or a correction of one (RHI workers and team managers who see the child)",
        description="Requires an Idempotency-Key header: a retry with the same key and body returns the first "
        "answer and adds nothing more. Notes are never changed: give ``corrects`` to add a correction. A time "
        "in the future or before the child's birth, or a note over 5,000 characters, answers 400 with the "
        "field's error; correcting a note that is neither the caller's nor their organisation's (as a team "
        "manager) answers 403.",
        parameters=[IDEMPOTENCY_KEY],
        request=CaseNoteCreateSerializer,
        responses={
            201: CaseNoteSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Added by a concurrent request."),
            422: OpenApiResponse(ErrorSerializer, description="Idempotency-Key reused with another body."),
            **{code: ERRORS[code] for code in (400, 401, 403, 404, 429)},
        },
        examples=[
            OpenApiExample(
                "A phone call",
                value={
                    "kind": "phone_call",
                    "occurred_at": "2026-05-22T16:30:00+01:00",
                    "text": "Spoke to her foster carer: home by 9 every night this week.",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        child = _child(request, pk)
        if not can_add_case_note(api_user(request), child):
            raise exceptions.PermissionDenied(
                "Only the child's workers and their managers can add case notes."
            )
        return run_once(
            request=request, handle=lambda: self._create(request, child), conflict_message=CONCURRENT_NOTE
        )

    def _create(self, request: Request, child: Child) -> Response:
        payload = CaseNoteCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            note = add_case_note(
                child_id=child.pk,
                by=api_user(request),
                occurred_at=data["occurred_at"],
                kind=data["kind"],
                text=data["text"],
                corrects_id=data.get("corrects"),
            )
        except DjangoValidationError as exc:
            raise as_api_exception(exc) from None
        except ActionNotAllowed as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        return Response(CaseNoteSerializer(note).data, status=status.HTTP_201_CREATED)
