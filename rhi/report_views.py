"""Download an approved RHI's PDF documents. Generated on the first request (they are small) and stored, so
every later download of the same version is the same file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from access.levels import Level, level_at_least, report_level_needed, rhi_level
from accounts.web import request_user
from audit.exceptions import NotVisible
from audit.models import AuditAction
from audit.services import record_event
from rhi import reports, selectors
from rhi.models import ReportKind, RHIState


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    user = request_user(request)
    rhi = selectors.rhi_or_none(pk)
    # Casework sees both documents; a disclosure recipient the one its level allows (access).
    level = rhi_level(user, rhi) if rhi is not None else Level.NONE
    needed = report_level_needed(kind)
    if rhi is None or needed is None or not level_at_least(level, needed):
        raise NotVisible(
            object_type="rhi.returnhomeinterview",
            object_id=pk,
            detail={"kind": kind if kind in ReportKind.values else "unknown"},
        )
    if kind not in ReportKind.values or rhi.state != RHIState.APPROVED:
        raise Http404
    try:
        document = reports.generate_report(rhi_id=rhi.pk, kind=kind)
    except reports.ReportNotAvailable as exc:  # approval withdrawn between the check and here
        raise Http404 from exc
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        obj=rhi,
        level=level.value,
        request=request,
        detail={"kind": kind, "document": document.pk, "rhi_version": document.rhi_version},
    )
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"RHI-{rhi.pk}-v{document.rhi_version}-{kind.replace('_', '-')}.pdf",
        content_type="application/pdf",
    )
