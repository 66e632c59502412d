"""Template context shared by every page: service name, phase, the navigation the policy offers the user
(``home.selectors.navigation_entries``), and the unread notification count for the header."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from alerts.selectors import unread_count
from home.selectors import navigation_entries


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "service_name": settings.SERVICE_NAME,
        "service_phase": settings.SERVICE_PHASE,
        "navigation_items": [],
        "unread_notifications": 0,
    }
    if user is None or not user.is_authenticated:
        return context
    current = getattr(getattr(request, "resolver_match", None), "view_name", "")
    items = [
        {"text": entry.text, "href": reverse(entry.view_name), "active": current == entry.view_name}
        for entry in navigation_entries(user)
    ]
    if user.is_staff:
        items.append({"text": "Support admin", "href": reverse("admin:index"), "active": False})
    context.update(navigation_items=items, unread_notifications=unread_count(user=user))
    return context
