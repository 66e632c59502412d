"""Template context shared by every page: service name, phase, and the navigation the user's roles allow."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.selectors import user_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items: list[dict[str, Any]] = []
    if user is not None and user.is_authenticated:
        items.append({"text": "Home", "href": reverse("home"), "active": request.path == reverse("home")})
        if user.is_staff:
            items.append({"text": "Support admin", "href": reverse("admin:index"), "active": False})
    return {
        "service_name": settings.SERVICE_NAME,
        "service_phase": settings.SERVICE_PHASE,
        "navigation_items": items,
        "user_roles": user_roles(user) if user is not None else [],
    }
