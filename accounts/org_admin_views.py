"""An organisation admin's pages: its people (roles, teams, sign-in status) and its settings (issue 14 item 6).
Org admins of the person's home organisation only; anyone else, and another organisation's people, 404
(audited). Who may do what is access.org_admin; every write is a service in accounts.services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.org_admin import (
    manageable_users,
    roles_user_may_give,
    self_allocation_organisation_ids,
    user_admin_organisation_ids,
)
from accounts import services
from accounts.models import Organisation, Role, User
from accounts.org_admin_forms import (
    AcceptInvitationForm,
    GiveRoleForm,
    InviteForm,
    MembershipForm,
    OrganisationSettingsForm,
    TeamForm,
)
from accounts.selectors import (
    invited_user,
    is_invited,
    locked_out_usernames,
    organisations_by_name,
    people_page,
    teams_of,
    users_with_two_factor,
)
from accounts.tokens import invitation_claim
from accounts.web import request_user
from audit.exceptions import NotVisible
from audit.models import AuditAction, AuditOutcome
from audit.services import record_event

USER_TYPE = "accounts.user"
ORG_TYPE = "accounts.organisation"


def _admin_of_any(request: HttpRequest) -> User:
    admin = request_user(request)
    if not user_admin_organisation_ids(admin):
        raise NotVisible(object_type=USER_TYPE, detail={"page": "org_users"})
    return admin


def _person(request: HttpRequest, pk: int) -> tuple[User, User]:
    admin = _admin_of_any(request)
    person = manageable_users(admin).select_related("organisation").filter(pk=pk).first()
    if person is None:
        raise NotVisible(object_type=USER_TYPE, object_id=pk)
    return admin, person


def _cursor(request: HttpRequest) -> int | None:
    value = request.GET.get("after", "")
    return int(value) if value.isdigit() else None


@login_required
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    admin = _admin_of_any(request)
    rows, next_cursor = people_page(manageable_users(admin), after=_cursor(request))
    locked = locked_out_usernames([p.username for p in rows], now=timezone.now())
    two_factor = users_with_two_factor([p.pk for p in rows])
    record_event(
        actor=admin,
        action=AuditAction.VIEW,
        object_type=USER_TYPE,
        request=request,
        detail={"page": "org_users", "rows": len(rows)},
    )
    return render(
        request,
        "accounts/org_admin/people.html",
        {
            "rows": [
                {"person": p, "locked": p.username in locked, "two_factor": p.pk in two_factor} for p in rows
            ],
            "next_cursor": next_cursor,
            "organisations": organisations_by_name(user_admin_organisation_ids(admin)),
        },
    )


def _person_page(
    request: HttpRequest, admin: User, person: User, *, status: int = 200, **forms: Form
) -> HttpResponse:
    """The person's page, with any form the request posted bound (and its errors shown)."""
    assert person.organisation_id is not None
    memberships = person.memberships.filter(organisation_id=person.organisation_id).select_related("team")
    teams = teams_of(person.organisation_id)
    giveable = roles_user_may_give(admin, person.organisation_id) - {m.role for m in memberships}
    record_event(
        actor=admin, action=AuditAction.VIEW, obj=person, request=request, detail={"page": "org_user"}
    )
    context: dict[str, Any] = {
        "person": person,
        "memberships": memberships,
        "teams": teams,
        "locked": bool(locked_out_usernames([person.username], now=timezone.now())),
        "two_factor": bool(users_with_two_factor([person.pk])),
        "give_form": forms.get("give_form") or GiveRoleForm(roles=giveable, teams=teams),
        "membership_form": forms.get("membership_form"),
        "is_self": person.pk == admin.pk,
        "invited": is_invited(person),
    }
    return render(request, "accounts/org_admin/person.html", context, status=status)


@login_required
@require_GET
def person(request: HttpRequest, pk: int) -> HttpResponse:
    admin, target = _person(request, pk)
    return _person_page(request, admin, target)


def _form_errors(form: Form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
@require_POST
def give_role(request: HttpRequest, pk: int) -> HttpResponse:
    admin, target = _person(request, pk)
    assert target.organisation_id is not None
    teams = teams_of(target.organisation_id)
    form = GiveRoleForm(request.POST, roles=roles_user_may_give(admin, target.organisation_id), teams=teams)
    if form.is_valid():
        team = form.cleaned_data["team"]
        try:
            services.give_role(
                by=admin, user_id=target.pk, role=form.cleaned_data["role"], team_id=team.pk if team else None
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except PermissionDenied:  # the admin lost the role meanwhile
            form.add_error("role", "Choose a role you may give.")
        else:
            messages.success(request, f"{target} now has the role {Role(form.cleaned_data['role']).label}.")
            return redirect("accounts:org_user", pk=target.pk)
    return _person_page(request, admin, target, give_form=form)


def _membership_action(
    request: HttpRequest, pk: int, action: Callable[[User, MembershipForm], str]
) -> HttpResponse:
    admin, target = _person(request, pk)
    assert target.organisation_id is not None
    form = MembershipForm(
        request.POST,
        memberships=target.memberships.filter(organisation_id=target.organisation_id),
        teams=teams_of(target.organisation_id),
    )
    if form.is_valid():
        try:
            done = action(admin, form)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("accounts:org_user", pk=target.pk)
    return _person_page(request, admin, target, membership_form=form)


@login_required
@require_POST
def remove_role(request: HttpRequest, pk: int) -> HttpResponse:
    def act(admin: User, form: MembershipForm) -> str:
        membership = form.cleaned_data["membership"]
        services.remove_role(by=admin, membership_id=membership.pk)
        return f"Removed the role {membership.get_role_display()}."

    return _membership_action(request, pk, act)


@login_required
@require_POST
def set_team(request: HttpRequest, pk: int) -> HttpResponse:
    def act(admin: User, form: MembershipForm) -> str:
        team = form.cleaned_data["team"]
        membership = services.set_team(
            by=admin, membership_id=form.cleaned_data["membership"].pk, team_id=team.pk if team else None
        )
        return f"{membership.get_role_display()}: {'team ' + team.name if team else 'no team'}."

    return _membership_action(request, pk, act)


@login_required
@require_POST
def set_active(request: HttpRequest, pk: int) -> HttpResponse:
    admin, target = _person(request, pk)
    answer = request.POST.get("active")
    if answer not in ("yes", "no"):  # the buttons always send one; anything else changes nothing
        messages.error(request, "Choose whether to deactivate or reactivate their account.")
        return redirect("accounts:org_user", pk=target.pk)
    active = answer == "yes"
    try:
        services.set_active(by=admin, user_id=target.pk, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"{target} is {'active' if active else 'deactivated: they cannot sign in'}."
        )
    return redirect("accounts:org_user", pk=target.pk)


@login_required
@require_POST
def reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    admin, target = _person(request, pk)
    services.reset_two_factor(by=admin, user_id=target.pk)
    messages.success(request, f"{target}'s authenticator app is removed. They set up a new one when asked.")
    return redirect("accounts:org_user", pk=target.pk)


@login_required
@require_POST
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    admin, target = _person(request, pk)
    services.unlock(by=admin, user_id=target.pk)
    messages.success(request, f"{target} can sign in again now.")
    return redirect("accounts:org_user", pk=target.pk)


def _organisation(request: HttpRequest, organisation_id: int) -> tuple[User, Organisation]:
    admin = request_user(request)
    if organisation_id not in user_admin_organisation_ids(admin):
        raise NotVisible(object_type=ORG_TYPE, object_id=organisation_id)
    return admin, Organisation.objects.get(pk=organisation_id)


def _settings_page(
    request: HttpRequest, admin: User, organisation: Organisation, *, settings_form: Form, team_form: Form
) -> HttpResponse:
    record_event(actor=admin, action=AuditAction.VIEW, obj=organisation, request=request)
    return render(
        request,
        "accounts/org_admin/organisation.html",
        {
            "organisation": organisation,
            "settings_form": settings_form,
            "team_form": team_form,
            "teams": teams_of(organisation.pk),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_settings(request: HttpRequest, organisation_id: int) -> HttpResponse:
    admin, organisation = _organisation(request, organisation_id)
    self_allocation = organisation.pk in self_allocation_organisation_ids(admin)
    initial = {
        "require_two_factor": organisation.require_two_factor,
        "allow_self_allocation": organisation.allow_self_allocation,
    }
    form = OrganisationSettingsForm(
        request.POST if request.method == "POST" else None, initial=initial, self_allocation=self_allocation
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["require_two_factor"] != organisation.require_two_factor:
            services.set_require_two_factor(
                by=admin, organisation_id=organisation.pk, required=data["require_two_factor"]
            )
        if self_allocation and data["allow_self_allocation"] != organisation.allow_self_allocation:
            services.set_self_allocation(
                by=admin, organisation_id=organisation.pk, allowed=data["allow_self_allocation"]
            )
        messages.success(request, f"Settings saved for {organisation.name}.")
        return redirect("accounts:org_settings", organisation_id=organisation.pk)
    return _settings_page(request, admin, organisation, settings_form=form, team_form=TeamForm())


@login_required
@require_POST
def team_new(request: HttpRequest, organisation_id: int) -> HttpResponse:
    admin, organisation = _organisation(request, organisation_id)
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = services.create_team(
                by=admin, organisation_id=organisation.pk, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Team {team.name} added.")
            return redirect("accounts:org_settings", organisation_id=organisation.pk)
    settings_form = OrganisationSettingsForm(
        initial={
            "require_two_factor": organisation.require_two_factor,
            "allow_self_allocation": organisation.allow_self_allocation,
        },
        self_allocation=organisation.pk in self_allocation_organisation_ids(admin),
    )
    return _settings_page(request, admin, organisation, settings_form=settings_form, team_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    """Invite a person into the admin's organisation with one role they may give (the first organisation
    they administer, in name order: an admin of several invites from each one's own login in practice)."""
    admin = _admin_of_any(request)
    organisation = organisations_by_name(user_admin_organisation_ids(admin)).first()
    assert organisation is not None
    form = InviteForm(
        request.POST if request.method == "POST" else None,
        roles=roles_user_may_give(admin, organisation.pk),
        teams=teams_of(organisation.pk),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.invite_user(
                by=admin,
                organisation_id=organisation.pk,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                username=data["username"],
                role=data["role"],
                team_id=data["team"].pk if data["team"] else None,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except PermissionDenied:
            form.add_error("role", "Choose a role you may give.")
        else:
            messages.success(request, f"Invitation sent to {person}. The link works once, for 7 days.")
            return redirect("accounts:org_user", pk=person.pk)
    return render(request, "accounts/org_admin/invite.html", {"form": form, "organisation": organisation})


@login_required
@require_POST
def resend_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    admin, target = _person(request, pk)
    try:
        services.resend_invitation(by=admin, user_id=target.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"A new invitation link is on its way to {target}.")
    return redirect("accounts:org_user", pk=target.pk)


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee's page, reached from the emailed link (no sign-in: the link is the credential, once, for
    7 days). A link that does not work says so and nothing else: not whose it was."""
    claim = invitation_claim(token)
    invitee = invited_user(token)
    if claim is None or invitee is None:
        record_event(
            actor=None,
            action=AuditAction.VIEW,
            object_type=USER_TYPE,
            outcome=AuditOutcome.DENIED,
            request=request,
            detail={"page": "invitation", "reason": "link_not_valid"},
        )
        return render(request, "accounts/invitation_invalid.html")
    if request.method == "GET":
        record_event(
            actor=None, action=AuditAction.VIEW, obj=invitee, request=request, detail={"page": "invitation"}
        )
    form = AcceptInvitationForm(invitee, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.accept_invitation(
                user_id=invitee.pk, mark=claim[1], password=form.cleaned_data["new_password1"]
            )
        except services.NotYours:  # used in another tab meanwhile
            return render(request, "accounts/invitation_invalid.html")
        messages.success(request, "Your password is set. Sign in with your username and new password.")
        return redirect("accounts:login")
    return render(request, "accounts/invitation.html", {"form": form, "invitee": invitee})
