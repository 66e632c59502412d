"""What a user may do next on an RHI in its current state (the 'What to do next' panel and the journey pages'
checks; docs/rhi-states.md).
"""

from __future__ import annotations

import enum

from django.contrib.auth.models import AnonymousUser

from access.casework import can_allocate, can_work_on
from access.memberships import managed_organisation_ids
from accounts.models import User
from rhi.models import ReturnHomeInterview, RHIState


class RHIAction(enum.StrEnum):
    """Steps a user can take on an RHI page (the 'What to do next' panel and the journey pages' checks)."""

    TAKE = "take"
    CONTACT = "contact"
    OFFER = "offer"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    UNABLE_TO_CONTACT = "unable_to_contact"
    NOT_OFFERED = "not_offered"
    RECORD_INTERVIEW = "record_interview"
    EDIT_INTERVIEW = "edit_interview"
    FINDINGS = "findings"
    CONSENT = "consent"
    SUBMIT = "submit"
    REVIEW = "review"


OUTCOME_ACTIONS = (RHIAction.ACCEPTED, RHIAction.DECLINED, RHIAction.UNABLE_TO_CONTACT, RHIAction.NOT_OFFERED)


def available_actions(user: User | AnonymousUser, rhi: ReturnHomeInterview) -> list[RHIAction]:
    """What this user may do next on this RHI in its current state (docs/rhi-states.md). Approval freezes
    the report; while submitted only a manager of the provider may act (approve or return)."""
    if not user.is_authenticated:
        return []
    state = rhi.state
    actions: list[RHIAction] = []
    if state == RHIState.UNALLOCATED and isinstance(user, User) and can_allocate(user, rhi, user):
        actions.append(RHIAction.TAKE)
    if can_work_on(user, rhi):
        if state in (RHIState.ALLOCATED, RHIState.CONTACTING, RHIState.OFFERED, RHIState.ACCEPTED):
            actions.append(RHIAction.CONTACT)
        if state in (RHIState.ALLOCATED, RHIState.CONTACTING):
            actions.append(RHIAction.OFFER)
        if state == RHIState.OFFERED:
            actions.append(RHIAction.ACCEPTED)
        if state in (RHIState.OFFERED, RHIState.ACCEPTED):
            actions += [RHIAction.DECLINED, RHIAction.RECORD_INTERVIEW]
        if state == RHIState.CONTACTING:
            actions.append(RHIAction.UNABLE_TO_CONTACT)
        if state in (RHIState.ALLOCATED, RHIState.CONTACTING):
            actions.append(RHIAction.NOT_OFFERED)
        if state in (RHIState.DRAFTING, RHIState.RETURNED):
            actions += [RHIAction.EDIT_INTERVIEW, RHIAction.FINDINGS, RHIAction.CONSENT, RHIAction.SUBMIT]
    if state == RHIState.SUBMITTED and rhi.provider_id in managed_organisation_ids(user):
        actions.append(RHIAction.REVIEW)
    return actions
