"""The "match the child" queue (issue 14 item 1): police notifications without an LA child id whose name and
date of birth fitted several of the council's children, or nearly fitted one. The episode is already recorded on
a new, provisional child (its clock running); an RHI worker or team manager of the responsible LA (or the
provider it commissions) picks the child it is about or confirms a new child. Every opening, decision and
refusal is audited. Rules in access, writes in missing_episodes.match_queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from access.memberships import intake_authority_ids
from accounts.web import request_user
from audit.exceptions import NotAllowed, NotVisible
from audit.models import AuditAction
from audit.services import record_event
from core.exceptions import ActionNotAllowed, TransitionError
from missing_episodes import match_queue, selectors
from missing_episodes.forms import NEW_CHILD, ChildMatchForm, add_service_errors

QUESTION_TYPE = "missing_episodes.childmatchquestion"


@login_required
@require_GET
def match_queue_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not intake_authority_ids(user):
        raise NotAllowed(object_type=QUESTION_TYPE, detail={"page": "match_queue"})
    rows = selectors.match_queue_for(user)
    summary = selectors.match_queue_summary(user)
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        request=request,
        object_type=QUESTION_TYPE,
        level="full",
        detail={"page": "match_queue", "rows": len(rows)},
    )
    return render(
        request,
        "missing_episodes/match_queue.html",
        {"rows": rows, "total": summary.count, "now": timezone.now()},
    )


def _decide(request: HttpRequest, form: ChildMatchForm, question_id: int) -> str:
    user = request_user(request)
    choice = form.cleaned_data["child_choice"]
    note = form.cleaned_data["decision_note"]
    if choice == NEW_CHILD:
        match_queue.confirm_new_child(question_id=question_id, by=user, note=note)
        return "Recorded as a new child. The episode stays with the new child record."
    match_queue.match_to_child(question_id=question_id, child_id=int(choice), by=user, note=note)
    return "Matched: the episode is now recorded for the child you chose."


@login_required
@require_http_methods(["GET", "POST"])
def match_question(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    question = selectors.match_question_for(user, pk)
    if question is None:
        raise NotVisible(object_type=QUESTION_TYPE, object_id=pk, detail={"page": "match_question"})
    candidates = selectors.match_candidates(user, question)
    form = ChildMatchForm(request.POST if request.method == "POST" else None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            message = _decide(request, form, question.pk)
        except ValidationError as exc:
            add_service_errors(form, exc, aliases={"child": "child_choice", "missing_at": "child_choice"})
        except (ActionNotAllowed, TransitionError) as exc:
            messages.error(request, str(exc))
            return redirect("missing_episodes:match_queue")
        else:
            messages.success(request, message)
            return redirect("missing_episodes:match_queue")
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        request=request,
        obj=question,
        level="full",
        detail={"page": "match_question", "candidates": [child.pk for child in candidates]},
    )
    return render(
        request,
        "missing_episodes/match_question.html",
        {"question": question, "candidates": candidates, "form": form, "now": timezone.now()},
    )
