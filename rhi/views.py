"""Pages for the deadline dashboard, an RHI's summary, allocation and clock policies.

Thin: visibility comes from access, reads from rhi.selectors, writes from rhi.services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.actions import available_actions
from access.casework import visible_rhis
from access.clock_policies import policy_authorities
from access.memberships import casework_organisation_ids, is_casework_user, managed_organisation_ids
from accounts.models import User
from accounts.web import request_user
from audit.exceptions import NotAllowed, NotVisible
from audit.models import AuditAction
from audit.services import record_event
from missing_episodes.selectors import repeat_missing_count
from rhi import reports, selectors, services
from rhi.clock import ClockRuleError, ClockRules, describe_rules
from rhi.forms import AllocateForm, ClockPolicyForm, DashboardFilterForm
from rhi.models import ClockPolicy, ReturnHomeInterview
from rhi.transitions import RHIAction
from rhi.web import journey_context, load_visible_rhi


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not is_casework_user(user):
        raise NotAllowed(object_type="rhi.dashboard")
    now = timezone.now()
    options = selectors.dashboard_filter_options(casework_organisation_ids(user))
    form = DashboardFilterForm(
        request.GET or None,
        teams=options.teams,
        workers=options.workers,
        authorities=options.authorities,
        providers=options.providers,
    )
    filters = form.filters()
    filtered = filters.apply(visible_rhis(user))
    counts = selectors.dashboard_counts(filtered, now=now)
    rows, next_cursor = selectors.dashboard_rows(
        filtered, now=now, state=filters.state, cursor=selectors.Cursor.decode(request.GET.get("after"))
    )
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        object_type="rhi.dashboard",
        request=request,
        detail={"rows": len(rows)},
    )
    query = request.GET.copy()
    query.pop("after", None)
    next_query = None
    if next_cursor is not None:
        query["after"] = next_cursor.encode()
        next_query = query.urlencode()
    base_query = request.GET.copy()
    base_query.pop("after", None)
    base_query.pop("state", None)
    return render(
        request,
        "rhi/dashboard.html",
        {
            "form": form,
            "counts": counts,
            "rows": rows,
            "now": now,
            "next_query": next_query,
            "state_query": base_query.urlencode(),
            "is_manager": bool(managed_organisation_ids(user)),
            "allocatable_workers": list(options.workers.values("pk", "first_name", "last_name"))
            if filters.unallocated and managed_organisation_ids(user)
            else [],
            "current_path": request.get_full_path(),
        },
    )


@login_required
@require_GET
def rhi_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, rhi = load_visible_rhi(request, pk)
    return _detail_page(request, user, rhi)


def _detail_page(
    request: HttpRequest,
    user: User,
    rhi: ReturnHomeInterview,
    *,
    allocate_form: AllocateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The RHI page; after a refused allocation it shows the bound form with its error summary."""
    record_event(actor=user, action=AuditAction.VIEW, obj=rhi, level="full", request=request)
    now = timezone.now()
    interview = getattr(rhi, "interview", None)
    rules = ClockRules.from_snapshot(rhi.policy_snapshot) if rhi.policy_snapshot else None
    if allocate_form is None and RHIAction.ALLOCATE in available_actions(user, rhi):
        # The transition table's rule, as the service's.
        allocate_form = AllocateForm(
            initial={"worker": rhi.allocated_worker_id, "version": rhi.version},
            workers=selectors.dashboard_filter_options({rhi.provider_id}).workers,
        )
    return render(
        request,
        "rhi/detail.html",
        {
            "rhi": rhi,
            "clock_state": selectors.rhi_clock_state(
                rhi, now=now, interview_held_at=interview.held_at if interview else None
            ),
            "time_left": selectors.running_time_left(rhi.state, selectors.rhi_deadlines(rhi), now),
            "first_contact": selectors.first_contact(
                state=rhi.state, contact_due_at=rhi.contact_due_at, now=now
            ).value,
            "method": describe_rules(rules) if rules else "",
            "episodes": [link.episode for link in rhi.episode_links.all()],
            "allocate_form": allocate_form,
            "missing_count": repeat_missing_count(rhi.child, now),
            "later_corrections": selectors.corrections_after_approval(rhi),
            "has_placing_authority": reports.has_placing_authority(rhi),
            **journey_context(user, rhi),
        },
        status=status,
    )


@login_required
@require_POST
def allocate(request: HttpRequest, pk: int) -> HttpResponse:
    user, rhi = load_visible_rhi(request, pk, action=AuditAction.UPDATE)
    form = AllocateForm(request.POST, workers=selectors.dashboard_filter_options({rhi.provider_id}).workers)
    if not form.is_valid():
        if RHIAction.ALLOCATE in available_actions(user, rhi):
            # The RHI page again with the error summary (GOV.UK pattern), nothing saved.
            return _detail_page(request, user, rhi, allocate_form=form, status=400)
        # Someone with no allocation form to correct (the service refuses them on a valid one).
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(_safe_next(request) or reverse("rhi:detail", args=[rhi.pk]))
    try:
        services.allocate_rhi(
            rhi_id=rhi.pk,
            worker=form.cleaned_data["worker"],
            by=user,
            expected_version=form.cleaned_data["version"],
        )
    except services.ActionNotAllowed as exc:
        raise NotAllowed(obj=rhi, action=AuditAction.UPDATE) from exc
    except (services.StaleVersionError, services.TransitionError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"RHI-{rhi.pk} allocated to {form.cleaned_data['worker']}.")
    return redirect(_safe_next(request) or reverse("rhi:detail", args=[rhi.pk]))


def _safe_next(request: HttpRequest) -> str | None:
    """A same-site path to go back to (the dashboard's allocate buttons send one), or None."""
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else None


@login_required
@require_GET
def policies(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    authority_ids = policy_authorities(user)
    if not authority_ids:
        raise NotAllowed(object_type="rhi.clockpolicy")
    today = timezone.localdate()
    sections = selectors.policy_sections(authority_ids, today=today)
    return render(request, "rhi/policies.html", {"sections": sections, "today": today})


@login_required
@require_http_methods(["GET", "POST"])
def policy_new(request: HttpRequest, authority_id: int) -> HttpResponse:
    user = request_user(request)
    if authority_id not in policy_authorities(user):
        raise NotVisible(object_type="rhi.clockpolicy", object_id=authority_id)
    authority = selectors.local_authority(authority_id)
    current = selectors.policy_in_force(local_authority=authority, on=timezone.localdate())
    instance = ClockPolicy(local_authority=authority)
    initial = {}
    if current is not None:
        initial = {name: getattr(current, name) for name in services.POLICY_FIELDS if name != "closure_days"}
    form = ClockPolicyForm(request.POST or None, instance=instance, initial=initial)
    examples = []
    method = ""
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if "preview" not in request.POST:
            try:
                _, corrected = services.save_clock_policy(
                    local_authority=authority,
                    by=user,
                    apply_to_open=form.cleaned_data["apply_to_open"],
                    closure_days=current.closure_days if current else [],
                    **data,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                note = f" {corrected} open RHIs were recalculated." if corrected else ""
                messages.success(request, f"Clock policy saved for {authority.name}.{note}")
                return redirect("rhi:policies")
    if form.is_bound and form.is_valid():
        try:
            rules = selectors.clock_rules_for_policy(form.instance)
            examples = selectors.worked_examples(rules, today=timezone.localdate())
            method = describe_rules(rules)
        except ClockRuleError:
            pass
    return render(
        request,
        "rhi/policy_form.html",
        {"form": form, "authority": authority, "examples": examples, "method": method},
    )
