"""Pages to correct an episode's times and a child's date of birth (docs/corrections.md). Thin: who may is
access.episodes.can_correct_facts, the rules are missing_episodes.corrections'."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from access.episodes import can_correct_facts, visible_children, visible_episodes
from accounts.web import request_user
from audit.exceptions import NotAllowed, NotVisible
from audit.models import AuditAction
from audit.services import record_event
from missing_episodes import selectors
from missing_episodes.correction_forms import DateOfBirthCorrectionForm, EpisodeCorrectionForm
from missing_episodes.corrections import (
    CorrectionResult,
    StaleRecordError,
    correct_date_of_birth,
    correct_episode_time,
)
from missing_episodes.forms import add_service_errors
from missing_episodes.models import EPISODE_FIELDS, Child, MissingEpisode
from missing_episodes.plausibility import TIME_NAMES
from missing_episodes.services import ImplausibleAge


def _episode(request: HttpRequest, pk: int) -> MissingEpisode:
    user = request_user(request)
    episode = selectors.episode_detail(visible_episodes(user), pk)
    if episode is None:
        raise NotVisible(object_type="missing_episodes.missingepisode", object_id=pk)
    if not can_correct_facts(user, episode):
        raise NotAllowed(obj=episode, action=AuditAction.UPDATE)
    return episode


def _child(request: HttpRequest, pk: int) -> Child:
    user = request_user(request)
    child = visible_children(user).select_related("responsible_la").filter(pk=pk).first()
    if child is None:
        raise NotVisible(object_type="missing_episodes.child", object_id=pk)
    if not can_correct_facts(user, child):
        raise NotAllowed(obj=child, action=AuditAction.UPDATE)
    return child


def _saved_message(request: HttpRequest, what: str, result: CorrectionResult) -> None:
    text = f"The {what} is corrected."
    moved = result.due_moved
    if moved is not None and moved.new_due is not None:
        text += (
            f" RHI-{moved.rhi.pk}'s interview is now due by "
            f"{timezone.localtime(moved.new_due):%d/%m/%Y %H:%M}; a note is on its history."
        )
    messages.success(request, text)


def _refused(form: EpisodeCorrectionForm | DateOfBirthCorrectionForm, exc: ValidationError) -> None:
    form.age_asked = isinstance(exc, ImplausibleAge)
    add_service_errors(
        form,
        exc,
        aliases=dict.fromkeys((*EPISODE_FIELDS, "date_of_birth"), "value"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def episode_correct(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    episode = _episode(request, pk)
    if field not in EPISODE_FIELDS:
        raise Http404
    user = request_user(request)
    name = TIME_NAMES[field]
    context = {
        "episode": episode,
        "child": episode.child,
        "field_label": name,
        "current": getattr(episode, field),
        "form_field": field,
    }
    if request.method != "POST":
        record_event(actor=user, action=AuditAction.VIEW, obj=episode, level="full", request=request)
        form = EpisodeCorrectionForm(
            field=field, initial={"value": getattr(episode, field), "stamp": episode.updated_at.isoformat()}
        )
        return render(request, "missing_episodes/correct_episode.html", context | {"form": form})
    form = EpisodeCorrectionForm(request.POST, field=field)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = correct_episode_time(
                episode_id=episode.pk,
                field=field,
                value=data["value"],
                reason=data["reason"],
                explanation=data["explanation"],
                expected_updated_at=data["stamp"],
                by=user,
                confirm_age=data["confirm_age"],
            )
        except StaleRecordError as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            _refused(form, exc)
        else:
            _saved_message(request, name, result)
            return redirect("missing_episodes:episode_detail", pk=episode.pk)
    return render(request, "missing_episodes/correct_episode.html", context | {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def child_correct_date_of_birth(request: HttpRequest, pk: int) -> HttpResponse:
    child = _child(request, pk)
    user = request_user(request)
    if request.method != "POST":
        record_event(actor=user, action=AuditAction.VIEW, obj=child, level="full", request=request)
        form = DateOfBirthCorrectionForm(
            initial={"value": child.date_of_birth, "stamp": child.updated_at.isoformat()}
        )
        return render(request, "missing_episodes/correct_date_of_birth.html", {"child": child, "form": form})
    form = DateOfBirthCorrectionForm(request.POST)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = correct_date_of_birth(
                child_id=child.pk,
                value=data["value"],
                reason=data["reason"],
                explanation=data["explanation"],
                expected_updated_at=data["stamp"],
                by=user,
                confirm_age=data["confirm_age"],
            )
        except StaleRecordError as exc:
            form.add_error(None, str(exc))
            status = 409
        except ValidationError as exc:
            _refused(form, exc)
        else:
            _saved_message(request, "date of birth", result)
            return redirect("missing_episodes:child_detail", pk=child.pk)
    return render(
        request, "missing_episodes/correct_date_of_birth.html", {"child": child, "form": form}, status=status
    )
