"""``{% ssda903_failures_for_child child %}``: the child's SSDA903 validation failures on their own page, so
the worker corrects the source record rather than the return's spreadsheet."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from missing_episodes.models import Child
from reporting.ssda903 import failures_for_child

register = template.Library()


@register.inclusion_tag("reporting/_ssda903_failures.html")
def ssda903_failures_for_child(child: Child) -> dict[str, Any]:
    return {"child": child, "failures": failures_for_child(child, today=timezone.localdate())}
