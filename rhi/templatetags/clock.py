"""The one place a clock state becomes words and a colour, so every page shows it the same way."""

from __future__ import annotations

from django import template

from rhi.clock import CLOCK_STATE_LABELS, ClockState

register = template.Library()

TAG_COLOURS = {
    ClockState.OVERDUE: "govuk-tag--red",
    ClockState.DUE_SOON: "govuk-tag--orange",
    ClockState.ON_TRACK: "govuk-tag--green",
    ClockState.NOT_STARTED: "govuk-tag--grey",
    ClockState.MET: "govuk-tag--green",
    ClockState.MISSED: "govuk-tag--red",
    ClockState.NOT_APPLICABLE: "govuk-tag--grey",
}


@register.inclusion_tag("rhi/_clock_tag.html")
def clock_tag(state: str) -> dict[str, str]:
    clock_state = ClockState(state)
    return {"label": CLOCK_STATE_LABELS[clock_state], "colour": TAG_COLOURS[clock_state]}


@register.filter
def clock_label(state: str) -> str:
    return CLOCK_STATE_LABELS[ClockState(state)]
