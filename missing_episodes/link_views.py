"""The council's queue of police notifications waiting for it to confirm the child (issue 11 item 6): a force
named an existing child it has no relation to, so nothing was attached. RHI workers and team managers of the
child's responsible LA (or of the provider it commissions) confirm the link or reject it; every opening,
decision and refusal is audited. Rules in access, writes in missing_episodes.services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from access.memberships import intake_authority_ids
from accounts.web import request_user
from audit.exceptions import NotAllowed, NotVisible
from audit.models import AuditAction
from audit.services import record_event
from core.exceptions import ActionNotAllowed, TransitionError
from core.forms import GovUKForm
from missing_episodes import selectors, services

LINK_TYPE = "missing_episodes.pendingepisodelink"


class LinkDecisionForm(GovUKForm):
    decision = forms.ChoiceField(
        choices=[("confirm", "Confirm"), ("reject", "Reject")],
        error_messages={"required": "Choose whether this is the child.", "invalid_choice": "Choose one."},
    )
    decision_note = forms.CharField(
        label="Notes",
        required=False,
        widget=forms.Textarea,
        max_length=5000,
        help_text="Needed if you reject it: say why this is not the child.",
    )


def _audit(request: HttpRequest, **kwargs: object) -> None:
    record_event(actor=request_user(request), action=AuditAction.VIEW, request=request, **kwargs)  # type: ignore[arg-type]


@login_required
@require_GET
def pending_links(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not intake_authority_ids(user):
        raise NotAllowed(object_type=LINK_TYPE, detail={"page": "pending_links"})
    rows = selectors.pending_links_for(user)
    _audit(request, object_type=LINK_TYPE, level="full", detail={"page": "pending_links", "rows": len(rows)})
    return render(request, "missing_episodes/pending_links.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def pending_link(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    link = selectors.pending_link_for(user, pk)
    if link is None:
        raise NotVisible(object_type=LINK_TYPE, object_id=pk, detail={"page": "link"})
    form = LinkDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["decision_note"]
        try:
            if form.cleaned_data["decision"] == "confirm":
                services.confirm_episode_link(link_id=link.pk, by=user, note=note)
                message = "Confirmed: the episode is recorded for this child."
            else:
                services.reject_episode_link(link_id=link.pk, by=user, note=note)
                message = "Rejected: nothing was recorded against this child."
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
            ):
                form.add_error(field if field in form.fields else None, errors)
        except (ActionNotAllowed, TransitionError) as exc:
            messages.error(request, str(exc))
            return redirect("missing_episodes:pending_links")
        else:
            messages.success(request, message)
            return redirect("missing_episodes:pending_links")
    _audit(request, obj=link, level="full", detail={"page": "link", "child": link.child_id})
    return render(
        request,
        "missing_episodes/pending_link.html",
        {"link": link, "fields": link.episode_fields, "form": form},
    )
