"""Pages for the intake of police notifications (the form, the spreadsheet upload), an episode, and the
child's page.

Thin: visibility comes from access, reads from missing_episodes.selectors, writes from
missing_episodes.services (record_notification, record_return) and missing_episodes.importers.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.casework import visible_rhis
from access.episodes import (
    can_correct_facts,
    can_reclassify_episode,
    can_record_care,
    can_record_return,
    visible_children,
    visible_episodes,
)
from access.memberships import intake_authority_ids
from access.reporting import visible_import_jobs
from accounts.models import Organisation
from accounts.selectors import organisations_by_name
from accounts.web import request_user
from audit.exceptions import NotAllowed, NotVisible
from audit.models import AuditAction
from audit.services import record_event
from casenotes.timeline import child_timeline
from core.csv_import import RowError
from missing_episodes import import_jobs, selectors
from missing_episodes.episode_changes import StaleChangeError, reclassify_episode
from missing_episodes.forms import (
    CHILD_FORM_FIELDS,
    NEW_CHILD,
    ChildChoiceForm,
    PoliceNotificationForm,
    ReclassifyForm,
    RecordReturnForm,
    UploadEpisodesForm,
    add_service_errors,
    episode_stamp,
)
from missing_episodes.importers import REQUIRED_COLUMNS
from missing_episodes.models import (
    Child,
    EpisodeSource,
    ImportJob,
    ImportKind,
    ImportState,
    MissingEpisode,
)
from missing_episodes.services import (
    ChildDetails,
    ImplausibleAge,
    PendingResult,
    StaleEpisodeError,
    record_notification,
    record_return,
)
from rhi.models import ReturnHomeInterview

CHILD_PAGE_TIMELINE_ENTRIES = 20

IMPORT_REFRESH_SECONDS = 2


def _intake_authorities(request: HttpRequest, object_type: str) -> QuerySet[Organisation]:
    """The LAs the user records notifications for; anyone without one gets 404 (audited)."""
    ids = intake_authority_ids(request_user(request))
    if not ids:
        raise NotVisible(object_type=object_type)
    return organisations_by_name(ids)


# ---------------------------------------------------------------------------------------------------------
# Record a police notification
# ---------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def episode_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    authorities = _intake_authorities(request, "missing_episodes.missingepisode")
    if request.method != "POST":
        form = PoliceNotificationForm(authorities=authorities)
        return render(request, "missing_episodes/episode_new.html", {"form": form})

    form = PoliceNotificationForm(request.POST, authorities=authorities)
    if not form.is_valid():
        return render(request, "missing_episodes/episode_new.html", {"form": form})
    data = form.cleaned_data
    candidates = selectors.matching_children(
        visible=visible_children(user),
        responsible_la_id=data["responsible_la"].pk,
        la_child_id=data["la_child_id"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        date_of_birth=data["date_of_birth"],
    )
    chosen: Child | None = None
    if candidates:
        choice_form = ChildChoiceForm(
            request.POST if "child_choice_step" in request.POST else None, candidates=candidates
        )
        if not choice_form.is_valid():
            return render(
                request,
                "missing_episodes/episode_choose_child.html",
                {"form": form, "choice_form": choice_form, "candidates": candidates},
            )
        if choice_form.cleaned_data["child_choice"] != NEW_CHILD:
            chosen = next(c for c in candidates if str(c.pk) == choice_form.cleaned_data["child_choice"])
        elif data["la_child_id"].strip() and any(
            c.responsible_la_id == data["responsible_la"].pk and c.la_child_id == data["la_child_id"].strip()
            for c in candidates
        ):
            form.add_error(
                "la_child_id",
                "A child with this LA child ID is already recorded in this local authority: choose that child, "
                "or correct the LA child ID.",
            )
            return render(request, "missing_episodes/episode_new.html", {"form": form})

    try:
        result = record_notification(
            child=chosen,
            details=ChildDetails(**{name: data[name] for name in CHILD_FORM_FIELDS}),
            police_force=data["police_force"],
            police_reference=data["police_reference"],
            fields=form.episode_fields(),
            source=EpisodeSource.MANUAL,
            by=user,
            confirm_age=data["confirm_age"],
            # The person saw the candidates and chose none: no name match is made for them again.
            new_child=bool(candidates) and chosen is None,
        )
    except ValidationError as exc:
        form.age_asked = isinstance(exc, ImplausibleAge)
        add_service_errors(form, exc)
        return render(request, "missing_episodes/episode_new.html", {"form": form})
    if isinstance(result, PendingResult):
        # The same rule as the other channels; the council's queue is where it is decided.
        messages.info(
            request, "Recorded for the council to confirm the child before the episode is attached."
        )
        return redirect("missing_episodes:pending_links")
    messages.success(request, f"Police notification {result.episode.police_reference} recorded.")
    return redirect("missing_episodes:episode_detail", pk=result.episode.pk)


# ---------------------------------------------------------------------------------------------------------
# An episode
# ---------------------------------------------------------------------------------------------------------


def _episode_or_404(request: HttpRequest, pk: int) -> MissingEpisode:
    episode = selectors.episode_detail(visible_episodes(request_user(request)), pk)
    if episode is None:
        raise NotVisible(object_type="missing_episodes.missingepisode", object_id=pk)
    return episode


def _render_episode(
    request: HttpRequest,
    episode: MissingEpisode,
    return_form: RecordReturnForm | None = None,
    *,
    unsaved: list[tuple[str, str]] | None = None,
    status: int = 200,
    reclassify_form: ReclassifyForm | None = None,
) -> HttpResponse:
    user = request_user(request)
    changes = selectors.episode_changes(episode)
    if reclassify_form is None and can_reclassify_episode(user, episode):
        reclassify_form = ReclassifyForm(
            prefix="change",
            initial={
                "category": episode.category,
                "risk_level": episode.risk_level,
                "stamp": episode_stamp(episode),
            },
        )
    rhi_link = getattr(episode, "rhi_link", None)
    rhi: ReturnHomeInterview | None = rhi_link.rhi if rhi_link is not None else None
    can_update = (
        episode.is_open
        and bool(episode.police_force_id and episode.police_reference)
        and can_record_return(user, episode)
    )
    if can_update and return_form is None:
        return_form = RecordReturnForm(initial={"stamp": episode_stamp(episode)})
    return render(
        request,
        "missing_episodes/episode_detail.html",
        {
            "episode": episode,
            "child": episode.child,
            "rhi": rhi,
            "rhi_visible": rhi is not None and visible_rhis(user).filter(pk=rhi.pk).exists(),
            "return_form": return_form if can_update else None,
            "can_correct": can_correct_facts(user, episode),
            "corrections": selectors.corrections_of(child=episode.child, episode=episode),
            "unsaved_return": unsaved or [],
            "timeline": selectors.episode_timeline(episode, changes),
            "reclassify_form": reclassify_form,
        },
        status=status,
    )


def _typed(form: RecordReturnForm, name: str) -> str:
    """What was typed in a field, as text; a date's boxes joined as typed ("10 6 2026 09:15")."""
    value = form[name].value()
    if isinstance(value, list):
        return " ".join(str(part).strip() for part in value if part and str(part).strip())
    return str(value or "").strip()


def _refused_return(
    request: HttpRequest, episode_id: int, form: RecordReturnForm, message: str
) -> HttpResponse:
    """Someone else changed or closed the episode first: show the episode as it is now, the message, and what
    this user typed (as the findings page does), so nothing they entered is lost. While the episode is still
    open the form is shown again with their values and the current stamp, so they can check and save again."""
    episode = _episode_or_404(request, episode_id)
    data = request.POST.copy()
    data["stamp"] = episode_stamp(episode)
    kept = RecordReturnForm(data)
    kept.is_valid()
    if episode.is_open:
        kept.add_error(None, message)  # shown in the form's error summary
    else:
        messages.error(request, message)  # no form any more: the page's message banner
    methods = dict(kept.fields["return_method"].choices)  # type: ignore[attr-defined]
    unsaved = [
        (str(form.fields[name].label), str(value if name != "return_method" else methods.get(value, value)))
        for name in ("returned_at", "return_method", "found_location", "police_notified_at")
        if (value := _typed(kept, name))
    ]
    return _render_episode(request, episode, kept, unsaved=None if episode.is_open else unsaved, status=409)


@login_required
@require_GET
def episode_detail(request: HttpRequest, pk: int) -> HttpResponse:
    episode = _episode_or_404(request, pk)
    record_event(
        actor=request_user(request), action=AuditAction.VIEW, obj=episode, level="full", request=request
    )
    return _render_episode(request, episode)


@login_required
@require_POST
def episode_record_return(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    episode = _episode_or_404(request, pk)
    if not can_record_return(user, episode):
        # Visible (e.g. through the RHI of a child placed in the area) but not the user's to record.
        raise NotAllowed(obj=episode, action=AuditAction.UPDATE)
    form = RecordReturnForm(request.POST)
    if not episode.is_open or not (episode.police_force_id and episode.police_reference):
        return _refused_return(
            request,
            episode.pk,
            form,
            "The return for this episode is already recorded: nothing was changed. What you entered is "
            "shown below.",
        )
    if not form.is_valid():
        return _render_episode(request, episode, form)
    try:
        record_return(
            episode_id=episode.pk,
            expected_updated_at=form.cleaned_data["stamp"],
            fields=form.episode_fields(),
            by=user,
        )
    except StaleEpisodeError as exc:
        return _refused_return(request, episode.pk, form, str(exc))
    except ValidationError as exc:
        add_service_errors(form, exc, aliases={"missing_at": "returned_at"})
        return _render_episode(request, episode, form)
    messages.success(
        request,
        "Return recorded. The return home interview is open, timed by the local authority's clock policy.",
    )
    return redirect("missing_episodes:episode_detail", pk=episode.pk)


@login_required
@require_POST
def episode_reclassify(request: HttpRequest, pk: int) -> HttpResponse:
    """The police reclassified the episode or re-graded its risk (missing_episodes.episode_changes)."""
    user = request_user(request)
    episode = _episode_or_404(request, pk)
    if not can_reclassify_episode(user, episode):
        raise NotAllowed(obj=episode, action=AuditAction.UPDATE)
    form = ReclassifyForm(request.POST, prefix="change")
    if not form.is_valid():
        return _render_episode(request, episode, reclassify_form=form)
    try:
        reclassify_episode(
            episode_id=episode.pk,
            expected_updated_at=form.cleaned_data["stamp"],
            category=form.cleaned_data["category"],
            risk_level=form.cleaned_data["risk_level"],
            changed_at=form.cleaned_data["reclassified_at"],
            by=user,
        )
    except StaleChangeError as exc:
        # Shown again with what they chose and the current stamp, so they can check and save again.
        current = _episode_or_404(request, pk)
        data = request.POST.copy()
        data["change-stamp"] = episode_stamp(current)
        kept = ReclassifyForm(data, prefix="change")
        kept.is_valid()
        kept.add_error(None, str(exc))
        return _render_episode(request, current, reclassify_form=kept, status=409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_episode(request, episode, reclassify_form=form)
    messages.success(request, "Change recorded: it is on the episode's timeline.")
    return redirect("missing_episodes:episode_detail", pk=episode.pk)


# ---------------------------------------------------------------------------------------------------------
# Upload the police spreadsheet
# ---------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def episode_import(request: HttpRequest) -> HttpResponse:
    """The request only checks and stores the file and starts the job (import_jobs): a big file imported
    within the request outlived gunicorn's timeout and answered 500 with part of it saved."""
    user = request_user(request)
    _intake_authorities(request, "missing_episodes.import")
    if request.method != "POST":
        return render(request, "missing_episodes/episode_import.html", {"form": UploadEpisodesForm()})
    form = UploadEpisodesForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "missing_episodes/episode_import.html", {"form": form})
    upload, encoding = form.cleaned_data["file"], form.cleaned_data["encoding"]
    # Headings that differ from the guide's: the file is stored and waits for the uploader to match them.
    headings = import_jobs.file_headings(upload, encoding=encoding)
    job = import_jobs.start_import_job(
        by=user,
        kind=ImportKind.EPISODES,
        upload=upload,
        encoding=encoding,
        police_force=form.cleaned_data["police_force"],
        match_columns=any(column not in headings for column in REQUIRED_COLUMNS),
    )
    if job.state == ImportState.COLUMNS:
        return redirect("missing_episodes:import_columns", pk=job.pk)
    return redirect("missing_episodes:import_job", pk=job.pk)


def _own_import_job(request: HttpRequest, pk: int) -> ImportJob:
    """The user's own job, while they still import that kind of file; anything else is 404 (audited)."""
    job = visible_import_jobs(request_user(request)).filter(pk=pk).first()
    if job is None:
        raise NotVisible(object_type="missing_episodes.importjob", object_id=pk)
    return job


@login_required
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's progress, then its report: the counts, the first problems, and all of them as a CSV."""
    job = _own_import_job(request, pk)
    if job.state == ImportState.COLUMNS:
        return redirect("missing_episodes:import_columns", pk=job.pk)
    response = render(
        request,
        "missing_episodes/import_job.html",
        {
            "job": job,
            "is_history": job.kind == ImportKind.RHI_HISTORY,
            "is_care": job.kind == ImportKind.CARE_PERIODS,
            "problems": [RowError(**problem) for problem in job.first_problems],
            "more_problems": max(0, job.problem_count - len(job.first_problems)),
        },
    )
    if not job.is_finished:
        # The page refreshes itself (an HTTP Refresh header: no script) until the import has finished.
        response["Refresh"] = str(IMPORT_REFRESH_SECONDS)
    return response


@login_required
@require_GET
def import_job_problems(request: HttpRequest, pk: int) -> FileResponse:
    job = _own_import_job(request, pk)
    if not job.problems_file:
        raise Http404
    record_event(
        actor=request_user(request),
        action=AuditAction.EXPORT,
        object_type=import_jobs.OBJECT_TYPE_FOR_KIND[ImportKind(job.kind)],
        object_id=str(job.pk),
        request=request,
        detail={"problems_downloaded": job.problem_count},
    )
    return FileResponse(
        job.problems_file.open("rb"), as_attachment=True, filename=f"import-{job.pk}-problems.csv"
    )


# ---------------------------------------------------------------------------------------------------------
# The child's page
# ---------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    child = visible_children(user).select_related("responsible_la").filter(pk=pk).first()
    if child is None:
        raise NotVisible(object_type="missing_episodes.child", object_id=pk)
    record_event(actor=user, action=AuditAction.VIEW, obj=child, level="full", request=request)
    now = timezone.now()
    today = timezone.localdate(now)
    placement = selectors.current_placement(child, today)
    care_periods = selectors.care_periods_of(child)
    return render(
        request,
        "missing_episodes/child_detail.html",
        {
            "child": child,
            "care_periods": care_periods,
            "looked_after_today": selectors.looked_after_today(care_periods, today),
            "can_record_care": can_record_care(user, child),
            "can_correct": can_correct_facts(user, child),
            "corrections": selectors.corrections_of(child=child),
            "age": selectors.age_on(child.date_of_birth, today),
            "placement": placement,
            "out_of_area": placement is not None and placement.host_la_id != child.responsible_la_id,
            "flags": selectors.active_flags(child),
            # A provisional child from a notification without an LA child id, waiting for a person to match it.
            "match_question": selectors.match_question_of_child(user, child),
            "missing_count": selectors.repeat_missing_count(child, now),
            # The newest entries of the one timeline (casenotes.timeline), at the viewer's level; the timeline page
            # has the rest, the filters and the case notes.
            "page": child_timeline(user, child, limit=CHILD_PAGE_TIMELINE_ENTRIES),
        },
    )
