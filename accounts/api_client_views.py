"""Pages for an organisation's admins to manage its API clients (docs/api.md): list, create (the token is shown
once, on the page that answers the form, and never stored in clear), revoke. Org admins of the organisation
only; everyone else gets 404, audited. Writes go through accounts.api_client_services."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.api_client_services import create_client, revoke_client, roles_for
from accounts.models import ApiClient, ApiScope, Organisation, User
from audit.models import AuditAction, AuditOutcome
from audit.services import record_event
from sharing.policy import api_client_organisation_ids

EXPIRY_CHOICES = [
    ("90", "In 90 days"),
    ("365", "In a year"),
    ("never", "Never (revoke it when no longer used)"),
]


class ApiClientForm(forms.Form):
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

    def __init__(self, *args: object, organisations: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _admin_organisations(request: HttpRequest) -> set[int]:
    """The organisations the user administers; anyone else gets 404 (audited)."""
    ids = api_client_organisation_ids(_user(request))
    if not ids:
        record_event(
            actor=_user(request),
            action=AuditAction.VIEW,
            object_type="accounts.apiclient",
            outcome=AuditOutcome.DENIED,
            request=request,
        )
        raise Http404
    return ids


@login_required
@require_GET
def client_list(request: HttpRequest) -> HttpResponse:
    organisation_ids = _admin_organisations(request)
    clients = list(
        ApiClient.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation", "created_by")
        .order_by("organisation__name", "revoked_at", "name")
    )
    record_event(
        actor=_user(request),
        action=AuditAction.VIEW,
        object_type="accounts.apiclient",
        request=request,
        detail={"page": "api_clients", "rows": len(clients)},
    )
    return render(request, "accounts/api_clients/list.html", {"clients": clients, "now": timezone.now()})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def client_new(request: HttpRequest) -> HttpResponse:
    organisation_ids = _admin_organisations(request)
    organisations = Organisation.objects.filter(pk__in=organisation_ids).order_by("name")
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
                by=_user(request),
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
                    "client": created.client,
                    "token": created.token,
                    "roles": roles_for(created.client.organisation, created.client.scopes),
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "accounts/api_clients/new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def client_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    organisation_ids = _admin_organisations(request)
    client = (
        ApiClient.objects.filter(pk=pk, organisation_id__in=organisation_ids)
        .select_related("organisation")
        .first()
    )
    if client is None:
        record_event(
            actor=_user(request),
            action=AuditAction.VIEW,
            object_type="accounts.apiclient",
            object_id=str(pk),
            outcome=AuditOutcome.DENIED,
            request=request,
        )
        raise Http404
    if request.method == "POST":
        try:
            revoke_client(client_id=client.pk, by=_user(request))
        except ValidationError:
            messages.info(request, f"{client.name} had already been revoked.")
        else:
            messages.success(request, f"{client.name} is revoked: its token no longer works.")
        return redirect("accounts:api_clients")
    return render(request, "accounts/api_clients/revoke.html", {"client": client})
