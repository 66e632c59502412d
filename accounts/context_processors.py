"""Template context shared by every page: service name, phase, the navigation the user's roles allow, and the
unread notification count for the header."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import Role
from accounts.selectors import user_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "service_name": settings.SERVICE_NAME,
        "service_phase": settings.SERVICE_PHASE,
        "navigation_items": [],
        "user_roles": [],
        "unread_notifications": 0,
    }
    if user is None or not user.is_authenticated:
        return context
    from access.clock_policies import policy_authorities
    from access.memberships import placement_authority_ids
    from alerts.selectors import unread_count

    roles = user_roles(user)
    current = getattr(getattr(request, "resolver_match", None), "view_name", "")
    entries: list[tuple[str, str]] = [("Home", "home")]
    if Role.TEAM_MANAGER in roles or Role.RHI_WORKER in roles:
        entries.append(("Deadline dashboard", "rhi:dashboard"))
    if Role.ORG_ADMIN in roles and policy_authorities(user):
        entries.append(("Clock policies", "rhi:policies"))
    if placement_authority_ids(user):
        entries.append(("Placement notifications", "sharing_out_of_area:unnotified"))
    if Role.POLICE in roles or Role.PARTNER_VIEWER in roles:
        entries.append(("Shared with you", "sharing:shared"))
    if Role.POLICE in roles:
        entries.append(("Episodes in your area", "sharing:police_episodes"))
    if Role.PERFORMANCE_LEAD in roles:
        entries.append(("Statutory returns", "reporting:returns"))
    if Role.ORG_ADMIN in roles:
        entries.append(("API clients", "accounts:api_clients"))
        entries.append(("Webhooks", "sharing_webhooks:list"))
    items = [{"text": text, "href": reverse(name), "active": current == name} for text, name in entries]
    if user.is_staff:
        items.append({"text": "Support admin", "href": reverse("admin:index"), "active": False})
    context.update(
        navigation_items=items,
        user_roles=roles,
        unread_notifications=unread_count(user=user),
    )
    return context
