"""The child's timeline (with its print version) and the case note pages (docs/case-notes.md).

Thin: who sees the child and who writes notes comes from access.casenotes, the timeline from
casenotes.timeline, the writes from casenotes.services. A child the user cannot see answers 404; adding or
correcting a note without the right answers 403 (both audited by the denial middleware).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from access.casenotes import (
    can_add_case_note,
    can_correct_case_note,
    case_note_children,
    correctable_note_ids,
)
from accounts.models import User
from accounts.web import request_user
from audit.exceptions import BY_METHOD, NotAllowed, NotVisible
from audit.models import AuditAction
from audit.services import record_event
from casenotes import services
from casenotes.forms import CaseNoteForm, TimelineFilterForm
from casenotes.models import CaseNote
from casenotes.timeline import KIND_LABELS, PAGE_SIZE, PRINT_LIMIT, child_timeline, parse_cursor
from core.exceptions import ActionNotAllowed
from missing_episodes.models import Child

CHILD = "missing_episodes.child"


def _child(user: User, pk: int) -> Child:
    child = case_note_children(user).select_related("responsible_la").filter(pk=pk).first()
    if child is None:
        raise NotVisible(object_type=CHILD, object_id=pk)
    return child


def _timeline_page(request: HttpRequest, pk: int, *, template: str, limit: int) -> HttpResponse:
    user = request_user(request)
    child = _child(user, pk)
    form = TimelineFilterForm(request.GET)
    context: dict[str, Any] = {
        "child": child,
        "form": form,
        "kind_labels": KIND_LABELS,
        "can_add": can_add_case_note(user, child),
    }
    if not form.is_valid():
        record_event(
            actor=user,
            action=AuditAction.VIEW,
            obj=child,
            level="full",
            request=request,
            detail={"page": "timeline"},
        )
        return render(request, template, context | {"page": None}, status=400)
    kinds = form.kinds()
    page = child_timeline(
        user, child, kinds=kinds, before=parse_cursor(form.cleaned_data["before"]), limit=limit
    )
    notes = [entry.note for entry in page.entries if entry.note is not None]
    correctable = correctable_note_ids(user, child, notes)
    for entry in page.entries:
        entry.extra["can_correct"] = entry.note is not None and entry.note.pk in correctable
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        obj=child,
        level="full",
        request=request,
        detail={"page": template.rsplit("/", 1)[-1].removesuffix(".html"), "entries": len(page.entries)},
    )
    filters = [("kind", kind.value) for kind in kinds]
    return render(
        request,
        template,
        context
        | {
            "page": page,
            "filters": filters,
            "filtered": bool(kinds),
            "starts_older": bool(form.cleaned_data["before"]),
            "limit": limit,
        },
    )


@login_required
@require_GET
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    return _timeline_page(request, pk, template="casenotes/timeline.html", limit=PAGE_SIZE)


@login_required
@require_GET
def timeline_print(request: HttpRequest, pk: int) -> HttpResponse:
    return _timeline_page(request, pk, template="casenotes/timeline_print.html", limit=PRINT_LIMIT)


def _local_input(moment: datetime) -> str:
    """A time as the date-and-time box's value (the shared field template writes the value as given)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _timeline_url(child: Child) -> str:
    return reverse("casenotes:timeline", args=[child.pk])


def _note_form(
    request: HttpRequest, user: User, child: Child, form: CaseNoteForm, corrects: CaseNote | None
) -> HttpResponse | None:
    """Save a valid form through the service; None when the form is shown again with its errors."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        services.add_case_note(
            child_id=child.pk,
            by=user,
            occurred_at=form.cleaned_data["occurred_at"],
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            corrects_id=corrects.pk if corrects is not None else None,
            request=request,
        )
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
        return None
    except ActionNotAllowed as exc:
        raise NotAllowed(obj=child, action=AuditAction.CREATE, detail={"page": "case_note"}) from exc
    messages.success(request, "Case note added." if corrects is None else "Correction added.")
    return redirect(_timeline_url(child))


@login_required
@require_http_methods(["GET", "POST"])
def note_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    child = _child(user, pk)
    if not can_add_case_note(user, child):
        raise NotAllowed(obj=child, action=BY_METHOD, detail={"page": "case_note"})
    # Most notes are written straight after the call or visit: the time starts at now, to the minute.
    form = CaseNoteForm(request.POST or None, initial={"occurred_at": _local_input(timezone.now())})
    done = _note_form(request, user, child, form, None)
    if done is not None:
        return done
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        obj=child,
        level="full",
        request=request,
        detail={"page": "case_note"},
    )
    return render(request, "casenotes/note_form.html", {"child": child, "form": form, "corrects": None})


@login_required
@require_http_methods(["GET", "POST"])
def note_correct(request: HttpRequest, pk: int, note_pk: int) -> HttpResponse:
    user = request_user(request)
    child = _child(user, pk)
    note = (
        CaseNote.objects.select_related("child", "author", "organisation")
        .filter(pk=note_pk, child=child)
        .first()
    )
    if note is None:
        raise NotVisible(object_type="casenotes.casenote", object_id=note_pk)
    if note.corrects_id is not None:
        # A correction of a correction corrects the original (services.add_case_note does the same).
        return redirect("casenotes:note_correct", pk=child.pk, note_pk=note.corrects_id)
    if not can_correct_case_note(user, note):
        raise NotAllowed(obj=note, action=BY_METHOD, detail={"page": "case_note_correction"})
    initial = {"kind": note.kind, "occurred_at": _local_input(note.occurred_at), "text": note.text}
    form = CaseNoteForm(request.POST or None, initial=initial)
    done = _note_form(request, user, child, form, note)
    if done is not None:
        return done
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        obj=note,
        level="full",
        request=request,
        detail={"page": "correction"},
    )
    return render(request, "casenotes/note_form.html", {"child": child, "form": form, "corrects": note})
