"""Pages for an organisation's admins to manage its API clients (docs/api.md): list, create (the token is shown
once, on the page that answers the form, and never stored in clear), revoke. Org admins of the organisation
only; everyone else gets 404, audited. And the approval pages: a person holding a case role a client acts as,
in its organisation, approves or refuses it (four eyes; access.api_clients.api_client_roles_user_may_approve).
Writes go through accounts.api_client_services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from access.api_clients import (
    api_client_approver_organisation_ids,
    api_client_awaiting_roles,
    api_client_may_act,
    api_client_organisation_ids,
    api_client_refused,
    api_client_roles,
    api_client_roles_user_may_approve,
    approvable_api_clients,
)
from accounts.api_client_services import (
    approve_client,
    create_client,
    refuse_client,
    revoke_client,
)
from accounts.models import ApiClient, ApiScope, Organisation, Role
from accounts.selectors import api_client_of, api_clients_of, organisations_by_name
from accounts.web import request_user
from audit.exceptions import NotVisible
from audit.models import AuditAction
from audit.services import record_event
from core.forms import GovUKForm, limit_choices

EXPIRY_CHOICES = [
    ("90", "In 90 days"),
    ("365", "In a year"),
    ("never", "Never (revoke it when no longer used)"),
]


class ApiClientForm(GovUKForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Organisation",
        empty_label=None,
        error_messages={"required": "Choose the organisation.", "invalid_choice": "Choose the organisation."},
    )
    name = forms.CharField(
        max_length=100,
        label="Name of the system",
        help_text="For example, 'Niche RMS' or 'Mosaic case system'.",
        error_messages={"required": "Enter a name for the system."},
    )
    scopes = forms.MultipleChoiceField(
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        label="What may it do?",
        help_text="Give only what the system needs. What it sees is still limited to what your organisation "
        "may see.",
        error_messages={"required": "Choose what the system may do."},
    )
    expires = forms.ChoiceField(
        choices=EXPIRY_CHOICES,
        widget=forms.RadioSelect,
        label="When does the token expire?",
        initial="365",
        error_messages={"required": "Choose when the token expires."},
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "organisation", organisations)


class DecisionForm(GovUKForm):
    decision = forms.ChoiceField(
        choices=[("approve", "Yes, approve it"), ("refuse", "No, refuse it")],
        widget=forms.RadioSelect,
        label="Do you approve this client?",
        error_messages={"required": "Choose whether you approve this client."},
    )
    reason = forms.CharField(
        widget=forms.Textarea,
        required=False,
        max_length=500,
        label="If you refuse it, why?",
        help_text="Your organisation's admins see this. Do not include any child's details.",
        error_messages={"max_length": "The reason must be 500 characters or fewer."},
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("decision") == "refuse" and not str(data.get("reason") or "").strip():
            self.add_error("reason", "Enter why you are refusing this client.")
        return data


def role_labels(roles: set[str]) -> list[str]:
    return [Role(role).label for role in sorted(roles)]


def _standing(client: ApiClient) -> dict[str, object]:
    """What the pages show of the rule (access.api_clients.api_client_may_act) for one client."""
    return {
        "client": client,
        "may_act": api_client_may_act(client),
        "refused": api_client_refused(client),
        "roles": role_labels(api_client_roles(client)),
        "awaiting": role_labels(api_client_awaiting_roles(client)),
    }


def _admin_organisations(request: HttpRequest) -> set[int]:
    """The organisations the user administers; anyone else gets 404 (audited)."""
    ids = api_client_organisation_ids(request_user(request))
    if not ids:
        raise NotVisible(object_type="accounts.apiclient")
    return ids


@login_required
@require_GET
def client_list(request: HttpRequest) -> HttpResponse:
    organisation_ids = _admin_organisations(request)
    clients = api_clients_of(organisation_ids)
    record_event(
        actor=request_user(request),
        action=AuditAction.VIEW,
        object_type="accounts.apiclient",
        request=request,
        detail={"page": "api_clients", "rows": len(clients)},
    )
    return render(
        request,
        "accounts/api_clients/list.html",
        {
            "rows": [_standing(client) for client in clients],
            "now": timezone.now(),
            "approvals_url": request.build_absolute_uri(reverse("accounts:api_client_approvals")),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def client_new(request: HttpRequest) -> HttpResponse:
    organisation_ids = _admin_organisations(request)
    organisations = organisations_by_name(organisation_ids)
    form = ApiClientForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires_at = (
            None if data["expires"] == "never" else timezone.now() + timedelta(days=int(data["expires"]))
        )
        try:
            created = create_client(
                organisation=data["organisation"],
                name=data["name"],
                scopes=list(data["scopes"]),
                expires_at=expires_at,
                by=request_user(request),
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            # The token is in this response only: not in a redirect, a message or the session.
            response = render(
                request,
                "accounts/api_clients/created.html",
                {
                    **_standing(created.client),
                    "token": created.token,
                    "approvals_url": request.build_absolute_uri(reverse("accounts:api_client_approvals")),
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "accounts/api_clients/new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def client_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    organisation_ids = _admin_organisations(request)
    client = api_client_of(pk, organisation_ids)
    if client is None:
        raise NotVisible(object_type="accounts.apiclient", object_id=pk)
    if request.method == "POST":
        try:
            revoke_client(client_id=client.pk, by=request_user(request))
        except ValidationError:
            messages.info(request, f"{client.name} had already been revoked.")
        else:
            messages.success(request, f"{client.name} is revoked: its token no longer works.")
        return redirect("accounts:api_clients")
    return render(request, "accounts/api_clients/revoke.html", {"client": client})


# The approval pages' refusals say which page refused (the clients list has its own).
_APPROVAL_PAGE = {"page": "api_client_approval"}


@login_required
@require_GET
def client_approvals(request: HttpRequest) -> HttpResponse:
    """Clients of the user's organisations waiting for a decision this person may make. Open to anyone holding
    a case role (the list may be empty); org admins and support staff get 404."""
    if not api_client_approver_organisation_ids(request_user(request)):
        raise NotVisible(object_type="accounts.apiclient", detail=_APPROVAL_PAGE)
    clients = approvable_api_clients(request_user(request))
    record_event(
        actor=request_user(request),
        action=AuditAction.VIEW,
        object_type="accounts.apiclient",
        request=request,
        detail={"page": "api_client_approvals", "rows": len(clients)},
    )
    rows = [
        _standing(client)
        | {"yours": role_labels(api_client_roles_user_may_approve(request_user(request), client))}
        for client in clients
    ]
    return render(request, "accounts/api_clients/approvals.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def client_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or refuse one client: only a person who may (access.api_clients.api_client_roles_user_may_approve);
    anyone else, or a client already decided, 404 (audited)."""
    user = request_user(request)
    client = next((c for c in approvable_api_clients(user) if c.pk == pk), None)
    if client is None:
        raise NotVisible(object_type="accounts.apiclient", object_id=pk, detail=_APPROVAL_PAGE)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                decided = approve_client(client_id=client.pk, by=user)
            else:
                decided = refuse_client(client_id=client.pk, by=user, reason=form.cleaned_data["reason"])
        except PermissionDenied:  # someone else decided in the meantime
            raise NotVisible(object_type="accounts.apiclient", object_id=pk, detail=_APPROVAL_PAGE) from None
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            standing = _standing(decided)
            if standing["may_act"]:
                messages.success(request, f"{decided.name} is approved: its token now works.")
            elif standing["refused"]:
                messages.success(request, f"{decided.name} is refused: its token will never work.")
            else:
                waiting = ", ".join(standing["awaiting"])  # type: ignore[arg-type]
                messages.success(
                    request, f"You approved {decided.name}. It still needs approval as: {waiting}."
                )
            return redirect("accounts:api_client_approvals")
    record_event(
        actor=user,
        action=AuditAction.VIEW,
        obj=client,
        request=request,
        detail={"page": "api_client_approval"},
    )
    return render(
        request,
        "accounts/api_clients/decide.html",
        _standing(client)
        | {"form": form, "yours": role_labels(api_client_roles_user_may_approve(user, client))},
    )
