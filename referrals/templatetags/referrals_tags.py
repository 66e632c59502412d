"""The referrals panel on the RHI page, so the RHI view need not know about referrals."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from access.casework import can_work_on
from referrals.selectors import referrals_for_rhi
from referrals.services import can_refer_from
from rhi.models import ReturnHomeInterview

register = template.Library()


@register.inclusion_tag("referrals/_rhi_referrals.html", takes_context=True)
def rhi_referrals(context: template.Context, rhi: ReturnHomeInterview) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    may_act = user is not None and can_work_on(user, rhi)
    return {
        "rhi": rhi,
        "referrals": list(referrals_for_rhi(rhi, include_withdrawn=True)),
        "may_act": may_act,
        "may_refer": may_act and can_refer_from(rhi),
        "now": timezone.now(),
    }
