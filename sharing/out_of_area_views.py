"""Pages for out-of-area placements: the list of current placements with no recorded host LA or host police
notification, and the form to record when each was told.

Thin: who sees which placement is ``access.episodes.placement_visibility_filter``; reads and writes are in
``sharing.out_of_area``. Placements the user may not see answer 404, audited as denied.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from access.memberships import placement_authority_ids
from accounts.fields import GovUKDateTimeField
from accounts.web import request_user
from audit.exceptions import NotVisible
from audit.models import AuditAction
from audit.services import record_event
from core.forms import GovUKForm
from sharing import out_of_area

PLACEMENT = "missing_episodes.placement"


class PlacementNotificationForm(GovUKForm):
    host_la_notified_at = GovUKDateTimeField(
        what=out_of_area.TIME_NAMES["host_la_notified_at"],
        label="When was the host local authority told?",
        required=False,
        help_text="Leave blank if it has not been told yet.",
    )
    host_police_notified_at = GovUKDateTimeField(
        what=out_of_area.TIME_NAMES["host_police_notified_at"],
        label="When was the host police force told?",
        required=False,
        help_text="Leave blank if it has not been told yet.",
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if (
            not self.errors
            and not data.get("host_la_notified_at")
            and not data.get("host_police_notified_at")
        ):
            raise ValidationError("Enter when the host local authority or the host police force was told.")
        return data


@login_required
@require_GET
def unnotified(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not placement_authority_ids(user):
        raise NotVisible(object_type=PLACEMENT)
    rows, next_cursor = out_of_area.page_of_placements(
        out_of_area.placements_without_notification(user),
        cursor=out_of_area.PlacementCursor.decode(request.GET.get("after")),
    )
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        object_type="sharing.placements_without_notification",
        level="notification",
        request=request,
        detail={"rows": len(rows)},
    )
    return render(
        request,
        "sharing/out_of_area/unnotified.html",
        {"placements": rows, "next_after": next_cursor.encode() if next_cursor else None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_notification(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    placement = (
        out_of_area.visible_placements(user)
        .select_related("child", "child__responsible_la", "host_la", "police_force_area")
        .filter(pk=pk)
        .first()
    )
    if placement is None:
        raise NotVisible(object_type=PLACEMENT, object_id=pk)
    initial = {
        "host_la_notified_at": placement.host_la_notified_at,
        "host_police_notified_at": placement.host_police_notified_at,
    }
    form = PlacementNotificationForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            out_of_area.record_placement_notification(
                placement_id=placement.pk,
                by=user,
                host_la_notified_at=form.cleaned_data["host_la_notified_at"],
                host_police_notified_at=form.cleaned_data["host_police_notified_at"],
            )
        except out_of_area.PlacementNotFound as exc:
            raise NotVisible(object_type=PLACEMENT, object_id=pk) from exc
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, f"Notifications recorded for the placement of child {placement.child.la_child_id}."
            )
            return redirect("sharing_out_of_area:unnotified")
    if request.method == "GET":
        record_event(
            actor=user, action=AuditAction.VIEW, obj=placement, level="notification", request=request
        )
    return render(
        request,
        "sharing/out_of_area/record_notification.html",
        {"placement": placement, "form": form, "today": timezone.localdate()},
    )
