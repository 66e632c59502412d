"""Two throwaway pages that refuse everyone, for the audited-denial middleware's own tests, beside the project's
own routes (the account middleware reverses them on every request)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from audit.exceptions import NotAllowed, NotVisible
from audit.models import AuditAction
from config.urls import urlpatterns as project_urlpatterns


def hidden_record(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotVisible(object_type="rhi.returnhomeinterview", object_id=pk, detail={"kind": "summary"})


def forbidden_step(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotAllowed(
        object_type="rhi.returnhomeinterview", object_id=pk, action=AuditAction.UPDATE, step="approve"
    )


urlpatterns = [
    path("hidden/<int:pk>/", hidden_record, name="hidden_record"),
    path("forbidden/<int:pk>/", forbidden_step, name="forbidden_step"),
    *project_urlpatterns,
]
