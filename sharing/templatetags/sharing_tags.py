"""Sharing panels on other apps' pages, so their views need not know about disclosures: the "Shared" panel on
the RHI page and the counts on the police and partner viewers' home pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from access.disclosures import can_decide_share, can_revoke, can_share
from access.memberships import is_disclosure_recipient, police_force_ids
from rhi.models import ReturnHomeInterview
from sharing.selectors import disclosures_for_rhi, received_counts

register = template.Library()


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("sharing/_rhi_disclosures.html", takes_context=True)
def rhi_disclosures(context: template.Context, rhi: ReturnHomeInterview) -> dict[str, Any]:
    user = _user(context)
    disclosures = list(disclosures_for_rhi(rhi))
    return {
        "rhi": rhi,
        "may_share": user is not None and can_share(user, rhi),
        "disclosures": [
            {
                "disclosure": d,
                "may_revoke": user is not None and can_revoke(user, d),
                "may_decide": user is not None and can_decide_share(user, d),
            }
            for d in disclosures
        ],
    }


@register.simple_tag(takes_context=True)
def shared_with_you(context: template.Context) -> dict[str, Any]:
    """Counts of what was shared with the user's organisation (the home page sections)."""
    user = _user(context)
    if user is None or not is_disclosure_recipient(user):
        return {"total": 0, "awaiting": 0, "overdue": 0, "police": False}
    return received_counts(user, now=timezone.now()) | {"police": bool(police_force_ids(user))}
