"""``{% audit_trail_url record as url %}``: the 'who has seen this record' page for a child or an RHI, when the
signed-in user may open it (access decides); empty otherwise."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from access.audit_trail import audit_trail_children, audit_trail_rhis
from missing_episodes.models import Child
from rhi.models import ReturnHomeInterview

register = template.Library()


@register.simple_tag(takes_context=True)
def audit_trail_url(context: dict[str, Any], record: object) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    if isinstance(record, Child) and audit_trail_children(user).filter(pk=record.pk).exists():
        return reverse("audit:child", args=[record.pk])
    if isinstance(record, ReturnHomeInterview) and audit_trail_rhis(user).filter(pk=record.pk).exists():
        return reverse("audit:rhi", args=[record.pk])
    return ""
