"""What the RHI's pages share (web layer: only rhi's view modules import this): loading the RHI a page is about
from within what the user may see, and the RHI page's 'What to do next' panel and summary.

The panel lists the steps ``access.actions.available_actions`` allows (the transition table's steps whose actor
rule the user meets); the summary is ``rhi.journey_selectors.summary_context``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from access.actions import available_actions
from access.casework import visible_rhis
from accounts.models import User
from accounts.web import request_user
from audit.exceptions import NotVisible
from audit.models import AuditAction
from rhi import selectors
from rhi.journey_selectors import summary_context
from rhi.models import ReturnHomeInterview
from rhi.transitions import OUTCOME_ACTIONS, REVIEW_ACTIONS, RHIAction

OBJECT_TYPE = "rhi.returnhomeinterview"

# The panel's links, in the order a worker meets them. Steps that share a page share a link.
ACTION_LINKS: list[tuple[tuple[RHIAction, ...], str, str]] = [
    (REVIEW_ACTIONS, "Review the report", "rhi:review"),
    ((RHIAction.RECORD_INTERVIEW,), "Record the interview", "rhi:interview"),
    ((RHIAction.FINDINGS,), "Write the findings", "rhi:findings"),
    ((RHIAction.CONSENT,), "Record consent to share", "rhi:consent"),
    ((RHIAction.SUBMIT,), "Submit for approval", "rhi:submit"),
    ((RHIAction.EDIT_INTERVIEW,), "Correct the interview details", "rhi:interview"),
    ((RHIAction.OFFER,), "Record the offer", "rhi:offer"),
    (OUTCOME_ACTIONS, "Record the outcome", "rhi:outcome"),
    ((RHIAction.CONTACT,), "Log a contact attempt", "rhi:contact"),
]


def load_visible_rhi(
    request: HttpRequest, pk: int, *, action: str = AuditAction.VIEW
) -> tuple[User, ReturnHomeInterview]:
    """The RHI from within what the user may see, or 404 (audited as denied): every RHI page starts here."""
    user = request_user(request)
    rhi = selectors.rhi_detail(visible_rhis(user), pk)
    if rhi is None:
        raise NotVisible(object_type=OBJECT_TYPE, object_id=pk, action=action)
    return user, rhi


def next_steps(user: User, rhi: ReturnHomeInterview) -> list[dict[str, Any]]:
    """The panel's links: a button to take an unallocated RHI, then one link per page with a step allowed now."""
    actions = set(available_actions(user, rhi))
    steps: list[dict[str, Any]] = []
    if RHIAction.TAKE in actions:
        steps.append({"label": "Take this RHI", "url": reverse("rhi:take", args=[rhi.pk]), "post": True})
    if RHIAction.ALLOCATE in actions and rhi.allocated_worker_id is None:
        # The allocation form is further down the page; the link takes the manager to its select.
        steps.append({"label": "Allocate this RHI", "url": "#id_worker", "post": False})
    for wanted, label, name in ACTION_LINKS:
        url = reverse(name, args=[rhi.pk])
        if actions & set(wanted) and not any(s["url"] == url for s in steps):
            steps.append({"label": label, "url": url, "post": False})
    return steps


def journey_context(user: User, rhi: ReturnHomeInterview) -> dict[str, Any]:
    """Extra context for the RHI page (rhi.views.rhi_detail): the panel and the summary sections."""
    return {"next_steps": next_steps(user, rhi), **summary_context(rhi)}
