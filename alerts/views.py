"""A user's notification list. Thin: reads from alerts.selectors, the write from alerts.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.web import request_user
from alerts import selectors, services


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    items = selectors.latest_notifications(user=request_user(request))
    return render(request, "alerts/notifications.html", {"notifications": items})


@login_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(user=request_user(request))
    messages.success(request, "All notifications marked as read.")
    return redirect("alerts:notifications")
