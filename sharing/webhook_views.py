"""Pages for an organisation's admins to manage its outbound webhooks (docs/webhooks.md): list, create (the
signing secret is shown once, on the page that answers the form), stop, and read the delivery log. Org admins
of the organisation only; everyone else gets 404, audited. Writes go through sharing.webhooks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from access.webhooks import webhook_organisation_ids
from accounts.models import Organisation
from accounts.selectors import organisations_by_name
from accounts.web import request_user
from audit.exceptions import NotVisible
from audit.models import AuditAction
from audit.services import record_event
from core import query_params
from core.forms import GovUKForm, limit_choices
from sharing.models import WebhookEventType
from sharing.selectors import webhook_subscription_of, webhook_subscriptions_of
from sharing.webhooks import create_subscription, deactivate_subscription, delivery_log, url_problem

LOG_PAGE_SIZE = 50


class SubscriptionForm(GovUKForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Organisation",
        empty_label=None,
        error_messages={"required": "Choose the organisation.", "invalid_choice": "Choose the organisation."},
    )
    url = forms.CharField(
        max_length=500,
        label="Address to send events to",
        help_text="Your system's https address, for example https://example.org/webhooks/rhi.",
        error_messages={"required": "Enter the address to send events to."},
    )
    event_types = forms.MultipleChoiceField(
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Which events?",
        help_text="Your organisation is told only of events about records it is related to.",
        error_messages={"required": "Choose the events to be told about."},
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "organisation", organisations)

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).strip()
        problem = url_problem(url)
        if problem:
            raise ValidationError(problem)
        return url


def _admin_organisations(request: HttpRequest, object_type: str = "sharing.webhooksubscription") -> set[int]:
    """The organisations the user administers; anyone else gets 404 (audited)."""
    ids = webhook_organisation_ids(request_user(request))
    if not ids:
        raise NotVisible(object_type=object_type)
    return ids


@login_required
@require_GET
def subscription_list(request: HttpRequest) -> HttpResponse:
    organisation_ids = _admin_organisations(request)
    subscriptions = webhook_subscriptions_of(organisation_ids)
    record_event(
        actor=request_user(request),
        action=AuditAction.VIEW,
        object_type="sharing.webhooksubscription",
        request=request,
        detail={"page": "webhooks", "rows": len(subscriptions)},
    )
    labels = dict(WebhookEventType.choices)
    rows = [{"subscription": s, "events": [labels.get(t, t) for t in s.event_types]} for s in subscriptions]
    return render(request, "sharing/webhooks/list.html", {"rows": rows})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def subscription_new(request: HttpRequest) -> HttpResponse:
    organisation_ids = _admin_organisations(request)
    organisations = organisations_by_name(organisation_ids)
    form = SubscriptionForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = create_subscription(
                organisation=data["organisation"],
                url=data["url"],
                event_types=list(data["event_types"]),
                by=request_user(request),
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            # The secret is in this response only: not in a redirect, a message or the session.
            response = render(
                request,
                "sharing/webhooks/created.html",
                {"subscription": created.subscription, "secret": created.secret},
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "sharing/webhooks/new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def subscription_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    organisation_ids = _admin_organisations(request)
    subscription = webhook_subscription_of(pk, organisation_ids)
    if subscription is None:
        raise NotVisible(object_type="sharing.webhooksubscription", object_id=pk)
    if request.method == "POST":
        try:
            deactivate_subscription(subscription_id=subscription.pk, by=request_user(request))
        except ValidationError:
            messages.info(request, "That subscription had already been stopped.")
        except PermissionDenied as exc:  # lost the role between the two requests
            raise NotVisible(object_type="sharing.webhooksubscription", object_id=pk) from exc
        else:
            messages.success(request, "The subscription is stopped: no more events will be sent to it.")
        return redirect("sharing_webhooks:list")
    return render(request, "sharing/webhooks/deactivate.html", {"subscription": subscription})


@login_required
@require_GET
def delivery_list(request: HttpRequest) -> HttpResponse:
    organisation_ids = _admin_organisations(request, "sharing.webhookdelivery")
    before = query_params.id_or_none(request.GET.get("before"))
    rows, next_cursor = delivery_log(organisation_ids=organisation_ids, before=before, size=LOG_PAGE_SIZE)
    record_event(
        actor=request_user(request),
        action=AuditAction.VIEW,
        object_type="sharing.webhookdelivery",
        request=request,
        detail={"page": "webhook_deliveries", "rows": len(rows)},
    )
    return render(
        request,
        "sharing/webhooks/deliveries.html",
        {"deliveries": rows, "next_cursor": next_cursor, "paged": before is not None},
    )
