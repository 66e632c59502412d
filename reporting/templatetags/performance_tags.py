"""``{% performance_headline as headline %}``: the performance lead's home page figures (this collection year
to date, per authority they report on), so accounts' home view need not know about reporting."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from access.reporting import reporting_authority_ids
from accounts.models import Organisation
from reporting.dashboard import year_to_date
from reporting.performance import IN_TIME, percent, performance_figures

register = template.Library()


@register.simple_tag(takes_context=True)
def performance_headline(context: template.Context) -> list[dict[str, Any]]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return []
    this_year, _ = year_to_date(timezone.localdate())
    headline = []
    for la in Organisation.objects.filter(pk__in=reporting_authority_ids(user)).order_by("name"):
        result = performance_figures(
            local_authority=la, date_from=this_year.date_from, date_to=this_year.date_to
        )
        in_time = result.own.counts[IN_TIME]
        headline.append(
            {
                "la": la,
                "period": this_year,
                "incidents": result.incidents,
                "children": result.children,
                "offered_percent": percent(result.counts["offered"], result.incidents),
                "carried_out_percent": percent(result.counts["carried_out"], result.incidents),
                "in_time_percent": percent(in_time, result.incidents),
                "no_rhi": result.counts["no_rhi"],
            }
        )
    return headline
