"""Pages for the intake of police notifications (the form, the spreadsheet upload), an episode, and the
child's page.

Thin: visibility comes from sharing.policy, reads from missing_episodes.selectors, writes from
missing_episodes.services (record_episode) and missing_episodes.importers.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Organisation, User
from audit.models import AuditAction, AuditOutcome
from audit.services import record_event
from missing_episodes import selectors
from missing_episodes.forms import (
    CHILD_FORM_FIELDS,
    NEW_CHILD,
    ChildChoiceForm,
    PoliceNotificationForm,
    RecordReturnForm,
    UploadEpisodesForm,
    add_service_errors,
    episode_stamp,
)
from missing_episodes.importers import HEADER, ImportReport, RowError, import_episodes_text
from missing_episodes.models import Child, EpisodeSource, MissingEpisode
from missing_episodes.services import ChildDetails, StaleEpisodeError, record_notification, record_return
from rhi.models import ReturnHomeInterview
from sharing.policy import (
    can_record_return,
    intake_authority_ids,
    visible_children,
    visible_episodes,
    visible_rhis,
)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _not_found(request: HttpRequest, object_type: str, object_id: int | str = "") -> Http404:
    record_event(
        actor=_user(request),
        action=AuditAction.VIEW,
        object_type=object_type,
        object_id=str(object_id),
        outcome=AuditOutcome.DENIED,
        request=request,
    )
    return Http404()


def _intake_authorities(request: HttpRequest, object_type: str) -> QuerySet[Organisation]:
    """The LAs the user records notifications for; anyone without one gets 404 (audited)."""
    ids = intake_authority_ids(_user(request))
    if not ids:
        raise _not_found(request, object_type)
    return Organisation.objects.filter(pk__in=ids).order_by("name")


# ---------------------------------------------------------------------------------------------------------
# Record a police notification
# ---------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def episode_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
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
        elif any(
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
            by=user,
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return render(request, "missing_episodes/episode_new.html", {"form": form})
    messages.success(request, f"Police notification {result.episode.police_reference} recorded.")
    return redirect("missing_episodes:episode_detail", pk=result.episode.pk)


# ---------------------------------------------------------------------------------------------------------
# An episode
# ---------------------------------------------------------------------------------------------------------


def _episode_or_404(request: HttpRequest, pk: int) -> MissingEpisode:
    episode = selectors.episode_detail(visible_episodes(_user(request)), pk)
    if episode is None:
        raise _not_found(request, "missing_episodes.missingepisode", pk)
    return episode


def _render_episode(
    request: HttpRequest,
    episode: MissingEpisode,
    return_form: RecordReturnForm | None = None,
    *,
    unsaved: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
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
            "unsaved_return": unsaved or [],
        },
        status=status,
    )


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
        if (value := (request.POST.get(name) or "").strip())
    ]
    return _render_episode(request, episode, kept, unsaved=None if episode.is_open else unsaved, status=409)


@login_required
@require_GET
def episode_detail(request: HttpRequest, pk: int) -> HttpResponse:
    episode = _episode_or_404(request, pk)
    record_event(actor=_user(request), action=AuditAction.VIEW, obj=episode, level="full", request=request)
    return _render_episode(request, episode)


@login_required
@require_POST
def episode_record_return(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    episode = _episode_or_404(request, pk)
    if not can_record_return(user, episode):
        # Visible (e.g. through the RHI of a child placed in the area) but not the user's to record.
        record_event(
            actor=user, action=AuditAction.UPDATE, obj=episode, outcome=AuditOutcome.DENIED, request=request
        )
        raise PermissionDenied
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


# ---------------------------------------------------------------------------------------------------------
# Upload the police spreadsheet
# ---------------------------------------------------------------------------------------------------------


def _rows_outside(text: str, allowed_codes: set[str]) -> tuple[str, list[RowError]]:
    """Blank out the rows whose responsible LA the user does not record notifications for, keeping every line
    number as the importer will count it, and report each as a bad row. Unreadable CSV is left to the
    importer, which reports it."""
    stream = io.StringIO(text)
    lines = list(stream)
    reader = csv.reader(iter(lines))
    try:
        header = [name.strip().lstrip("\ufeff") for name in next(reader, [])]
    except csv.Error:
        return text, []
    if "responsible_la" not in header or any(name not in header for name in HEADER):
        return text, []
    column = header.index("responsible_la")
    errors: list[RowError] = []
    while True:
        start = reader.line_num  # lines consumed so far: this record starts at index ``start``
        try:
            values = next(reader)
        except (StopIteration, csv.Error):
            break
        if len(values) != len(header) or not values[column].strip():
            continue  # the importer reports it
        if values[column].strip().upper() not in allowed_codes:
            for index in range(start, reader.line_num):
                lines[index] = "\n"
            errors.append(
                RowError(
                    start + 1,
                    "responsible_la",
                    "You do not record police notifications for this local authority.",
                )
            )
    return "".join(lines), errors


@login_required
@require_http_methods(["GET", "POST"])
def episode_import(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    authorities = _intake_authorities(request, "missing_episodes.import")
    if request.method != "POST":
        return render(request, "missing_episodes/episode_import.html", {"form": UploadEpisodesForm()})
    form = UploadEpisodesForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "missing_episodes/episode_import.html", {"form": form})
    text, refused = _rows_outside(form.cleaned_data["file"], {org.code.upper() for org in authorities})
    report: ImportReport = import_episodes_text(text, by=user, source=EpisodeSource.IMPORT)
    report.errors = sorted([*report.errors, *refused], key=lambda e: e.line)
    bad_rows = len({e.line for e in report.errors})
    record_event(
        actor=user,
        action=AuditAction.CREATE,
        object_type="missing_episodes.import",
        request=request,
        detail={
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "children_created": report.children_created,
            "bad_rows": bad_rows,
        },
    )
    return render(
        request,
        "missing_episodes/episode_import_report.html",
        {"report": report, "bad_rows": bad_rows, "saved": report.created + report.updated},
    )


# ---------------------------------------------------------------------------------------------------------
# The child's page
# ---------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    child = visible_children(user).select_related("responsible_la").filter(pk=pk).first()
    if child is None:
        raise _not_found(request, "missing_episodes.child", pk)
    record_event(actor=user, action=AuditAction.VIEW, obj=child, level="full", request=request)
    now = timezone.now()
    today = timezone.localdate(now)
    placement = selectors.current_placement(child, today)
    linkable = set(visible_rhis(user).filter(child=child).values_list("pk", flat=True))
    return render(
        request,
        "missing_episodes/child_detail.html",
        {
            "child": child,
            "age": selectors.age_on(child.date_of_birth, today),
            "placement": placement,
            "out_of_area": placement is not None and placement.host_la_id != child.responsible_la_id,
            "flags": selectors.active_flags(child),
            "missing_count": selectors.repeat_missing_count(child, now),
            "timeline": selectors.child_timeline(
                child, rhis=ReturnHomeInterview.objects.all(), linkable_rhi_ids=linkable
            ),
        },
    )
