"""Pages for sharing: share an approved RHI, the recipients' "Shared with your organisation" list, one
disclosure at its level (page and PDF), acknowledging and revoking, and the police list of episodes in their
force area.

Thin: visibility comes from access, reads from sharing.selectors, writes from sharing.services. A
disclosure the user may not open (unrelated, or revoked for its recipient) answers 404 and is audited as
denied; every opening is audited with the level it was shown at.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.casework import can_work_on, visible_rhis
from access.disclosures import (
    can_acknowledge,
    can_decide_share,
    can_revoke,
    related_recipient_ids,
    visible_disclosures,
)
from access.memberships import is_disclosure_recipient, managed_organisation_ids, police_force_ids
from accounts.web import request_user
from audit.exceptions import BY_METHOD, NotAllowed, NotVisible
from audit.models import AuditAction
from audit.services import record_event
from rhi.models import RHIState
from sharing import selectors, services
from sharing.forms import ListForm, RevokeForm, ShareDecisionForm, ShareForm
from sharing.models import ConsentState, Disclosure, DisclosureLevel, DisclosureStatus


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _load_disclosure(request: HttpRequest, pk: int) -> Disclosure:
    """The disclosure if the user may open it; otherwise 404, audited as denied."""
    disclosure = (
        visible_disclosures(request_user(request))
        .select_related("recipient_organisation", "shared_by", "acknowledged_by", "revoked_by", "rhi")
        .filter(pk=pk)
        .first()
    )
    if disclosure is None:
        raise NotVisible(object_type="sharing.disclosure", object_id=pk, action=BY_METHOD)
    return disclosure


def _viewed(request: HttpRequest, disclosure: Disclosure, **detail: object) -> None:
    record_event(
        actor=request_user(request),
        action=AuditAction.VIEW,
        obj=disclosure,
        level=disclosure.level,
        request=request,
        detail={"rhi": disclosure.rhi_id, "child": disclosure.child_id} | detail,
    )


@login_required
@require_http_methods(["GET", "POST"])
def share_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    rhi = visible_rhis(user).select_related("child", "provider").filter(pk=pk).first()
    if rhi is None:
        raise NotVisible(
            object_type="rhi.returnhomeinterview", object_id=pk, action=BY_METHOD, detail={"page": "share"}
        )
    if not can_work_on(user, rhi):
        raise NotAllowed(
            object_type="rhi.returnhomeinterview", object_id=pk, action=BY_METHOD, detail={"page": "share"}
        )
    if rhi.state != RHIState.APPROVED:
        messages.error(request, "An RHI can be shared once its report has been approved.")
        return redirect("rhi:detail", pk=rhi.pk)
    form = ShareForm(
        request.POST or None,
        recipients=selectors.recipient_choices(rhi),
        # Every level's related set is within the notification's (police forces only below the full report).
        related_ids=related_recipient_ids(rhi=rhi, episode=None, level=DisclosureLevel.NOTIFICATION),
    )
    if request.method == "POST" and form.is_valid():
        try:
            disclosure = services.share(
                rhi_id=rhi.pk,
                by=user,
                recipient_organisation_id=form.cleaned_data["recipient_organisation"].pk,
                level=form.cleaned_data["level"],
                lawful_basis=form.cleaned_data["lawful_basis"],
                override_justification=form.cleaned_data["override_justification"],
                approval_reason=form.cleaned_data["approval_reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except (services.ActionNotAllowed, services.TransitionError) as exc:
            messages.error(request, str(exc))
            return redirect("rhi:detail", pk=rhi.pk)
        else:
            if disclosure.status == DisclosureStatus.AWAITING_APPROVAL:
                messages.success(
                    request,
                    f"{disclosure.get_level_display()} for {disclosure.recipient_organisation.name} is waiting for "
                    "a manager's approval. Nothing is shared until a manager approves it.",
                )
            else:
                messages.success(
                    request,
                    f"{disclosure.get_level_display()} shared with {disclosure.recipient_organisation.name}.",
                )
            return redirect("rhi:detail", pk=rhi.pk)
    record_event(
        actor=user, action=AuditAction.VIEW, obj=rhi, level="full", request=request, detail={"page": "share"}
    )
    consent_state = services.consent_state_for(rhi, "full_report")
    return render(
        request,
        "sharing/share.html",
        {
            "rhi": rhi,
            "form": form,
            "level_options": form.level_options(),
            "needs_override": consent_state in (ConsentState.REFUSED_OVERRIDDEN, ConsentState.NOT_SOUGHT),
        },
    )


@login_required
@require_GET
def share_approvals(request: HttpRequest) -> HttpResponse:
    """A manager's queue of shares outside the child's relations waiting for their approval."""
    user = request_user(request)
    if not managed_organisation_ids(user):
        raise NotAllowed(
            object_type="sharing.disclosure", action=BY_METHOD, detail={"page": "share_approvals"}
        )
    rows = selectors.shares_awaiting_approval(user)
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        object_type="sharing.disclosure",
        request=request,
        detail={"page": "share_approvals", "rows": len(rows)},
    )
    return render(request, "sharing/share_approvals.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def share_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or refuse one share waiting for approval. Anyone else answers 404, audited as denied."""
    user = request_user(request)
    disclosure = selectors.share_awaiting_approval(user, pk)
    if disclosure is None or not can_decide_share(user, disclosure):
        raise NotVisible(
            object_type="sharing.disclosure", object_id=pk, action=BY_METHOD, detail={"page": "share_decide"}
        )
    form = ShareDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["decision_note"]
        try:
            if form.cleaned_data["decision"] == "approve":
                services.approve_share(disclosure_id=disclosure.pk, by=user, note=note)
                message = f"Approved: shared with {disclosure.recipient_organisation.name}."
            else:
                services.refuse_share(disclosure_id=disclosure.pk, by=user, note=note)
                message = "Refused: nothing was shared."
        except ValidationError as exc:
            _add_errors(form, exc)
        except (services.ActionNotAllowed, services.TransitionError) as exc:
            messages.error(request, str(exc))
            return redirect("sharing:approvals")
        else:
            messages.success(request, message)
            return redirect("sharing:approvals")
    _viewed(request, disclosure, page="share_decide")
    return render(request, "sharing/share_decide.html", {"disclosure": disclosure, "form": form})


def _list_form(request: HttpRequest) -> ListForm:
    """The list's form: a POST is a police reference search (the reference in the body, not the URL)."""
    if request.method == "POST":
        return ListForm(request.POST, searching=True)
    return ListForm(request.GET)


def _next_query(form: ListForm, next_after: int | None) -> str | None:
    """The next page's query string: the same filter and order, after the last row (never the reference)."""
    if next_after is None or form.query().police_reference:
        return None
    query = QueryDict(mutable=True)
    for name in ("show", "sort"):
        if form.cleaned_data.get(name):
            query[name] = form.cleaned_data[name]
    query["after"] = str(next_after)
    return query.urlencode()


@login_required
@require_http_methods(["GET", "POST"])
def shared_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not is_disclosure_recipient(user):
        raise NotAllowed(object_type="sharing.disclosure", action=BY_METHOD, detail={"page": "shared_list"})
    form = _list_form(request)
    valid = form.is_valid()
    page = (
        selectors.received_page(user, form.query()) if valid else selectors.ListPage(rows=[], next_after=None)
    )
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        object_type="sharing.disclosure",
        request=request,
        detail={"page": "shared_list", "rows": len(page.rows), "searched": request.method == "POST"},
    )
    return render(
        request,
        "sharing/shared_list.html",
        {
            "form": form,
            "rows": page.rows,
            "next_query": _next_query(form, page.next_after) if valid else None,
            "searched": valid and bool(form.query().police_reference),
            "now": timezone.now(),
        },
        status=200 if valid else 400,
    )


@login_required
@require_GET
def disclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    disclosure = _load_disclosure(request, pk)
    content = selectors.disclosure_content(disclosure)
    _viewed(request, disclosure)
    if disclosure.rhi_id and visible_rhis(user).filter(pk=disclosure.rhi_id).exists():
        back_url = reverse("rhi:detail", args=[disclosure.rhi_id])
    else:
        back_url = reverse("sharing:shared") if is_disclosure_recipient(user) else reverse("home")
    return render(
        request,
        "sharing/disclosure.html",
        {
            "content": content,
            "disclosure": disclosure,
            "may_acknowledge": can_acknowledge(user, disclosure),
            "may_revoke": can_revoke(user, disclosure),
            "has_pdf": disclosure.level in selectors.PDF_TEMPLATES,
            "back_url": back_url,
            **(content.full or {}),
        },
    )


@login_required
@require_GET
def disclosure_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure = _load_disclosure(request, pk)
    if disclosure.level not in selectors.PDF_TEMPLATES:
        # The full report is the RHI's stored report PDF (rhi:report_download decides access by level).
        if disclosure.rhi_id is None:
            raise Http404
        return redirect("rhi:report_download", pk=disclosure.rhi_id, kind="full_report")
    pdf = selectors.render_disclosure_pdf(selectors.disclosure_content(disclosure))
    _viewed(request, disclosure, format="pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"disclosure-{disclosure.pk}-{disclosure.level.replace('_', '-')}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    disclosure = _load_disclosure(request, pk)
    try:
        services.acknowledge(disclosure_id=disclosure.pk, by=user)
    except services.ActionNotAllowed as exc:
        raise NotAllowed(
            object_type="sharing.disclosure", object_id=pk, action=BY_METHOD, step="acknowledge"
        ) from exc
    except services.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Acknowledged. The service that shared it can see you have it.")
    return redirect("sharing:detail", pk=disclosure.pk)


@login_required
@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    disclosure = _load_disclosure(request, pk)
    if not can_revoke(user, disclosure):
        if disclosure.revoked_at is not None:
            messages.error(request, "This has already been revoked.")
            return redirect("sharing:detail", pk=disclosure.pk)
        raise NotAllowed(object_type="sharing.disclosure", object_id=pk, action=BY_METHOD, step="revoke")
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke(disclosure_id=disclosure.pk, by=user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        except services.TransitionError as exc:
            messages.error(request, str(exc))
            return redirect("sharing:detail", pk=disclosure.pk)
        except services.ActionNotAllowed as exc:  # the right to revoke went between the check and here
            raise NotAllowed(
                object_type="sharing.disclosure", object_id=pk, action=BY_METHOD, step="revoke"
            ) from exc
        else:
            messages.success(request, "Revoked. The recipient can no longer open it.")
            return redirect(reverse("rhi:detail", args=[disclosure.rhi_id]) if disclosure.rhi_id else "home")
    _viewed(request, disclosure, page="revoke")
    return render(request, "sharing/revoke.html", {"disclosure": disclosure, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def police_episodes(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not police_force_ids(user):
        raise NotAllowed(
            object_type="missing_episodes.missingepisode",
            action=BY_METHOD,
            detail={"page": "police_episodes"},
        )
    form = _list_form(request)
    valid = form.is_valid()
    page = (
        selectors.police_episode_page(user, form.query())
        if valid
        else selectors.ListPage(rows=[], next_after=None)
    )
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        object_type="missing_episodes.missingepisode",
        level="notification",
        request=request,
        detail={"page": "police_episodes", "rows": len(page.rows), "searched": request.method == "POST"},
    )
    return render(
        request,
        "sharing/police_episodes.html",
        {
            "form": form,
            "rows": page.rows,
            "next_query": _next_query(form, page.next_after) if valid else None,
            "searched": valid and bool(form.query().police_reference),
            "page_size": selectors.PAGE_SIZE,
        },
        status=200 if valid else 400,
    )
