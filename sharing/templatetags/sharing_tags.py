"""The "Shared" panel on the RHI page, so the RHI view need not know about disclosures. (The home page's counts
are gathered by home.selectors.)"""

from __future__ import annotations

from typing import Any

from django import template

from access.disclosures import can_decide_share, can_revoke, can_share
from rhi.models import ReturnHomeInterview
from sharing.selectors import disclosures_for_rhi

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
