"""What a user may do next on an RHI in its current state (the 'What to do next' panel and the journey pages'
checks; docs/rhi-states.md). The steps, their source states and which actor rule each needs are the transition
table's (``rhi.transitions``); this module decides only whether a user meets an actor rule.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from access.casework import can_allocate, can_work_on
from access.memberships import managed_organisation_ids
from accounts.models import User
from rhi.models import ReturnHomeInterview, RHIState
from rhi.transitions import TRANSITIONS, Actor, RHIAction, actions_from

# The steps that write the report; once it is submitted none is open to anyone until a manager returns it.
REPORT_WRITING_ACTIONS = frozenset(
    {
        RHIAction.RECORD_INTERVIEW,
        RHIAction.EDIT_INTERVIEW,
        RHIAction.FINDINGS,
        RHIAction.CONSENT,
        RHIAction.SUBMIT,
    }
)


def available_actions(user: User | AnonymousUser, rhi: ReturnHomeInterview) -> list[RHIAction]:
    """What this user may do next on this RHI in its current state (docs/rhi-states.md). Approval freezes
    the report; while submitted only a manager of the provider may act (approve or return)."""
    if not user.is_authenticated:
        return []
    # Each actor rule asked at most once, and only if the state allows a step that needs it.
    rules: dict[Actor, bool] = {}
    actions: list[RHIAction] = []
    for action in actions_from(rhi.state):
        actor = TRANSITIONS[action].actor
        if actor not in rules:
            rules[actor] = _is_actor(user, rhi, actor)
        if rules[actor]:
            actions.append(action)
    return actions


def _is_actor(user: User | AnonymousUser, rhi: ReturnHomeInterview, actor: Actor) -> bool:
    """Whether the user meets one of the transition table's actor rules on this RHI."""
    if actor == Actor.SELF_ALLOCATOR:
        return isinstance(user, User) and can_allocate(user, rhi, user)
    if actor == Actor.MANAGER:
        return rhi.provider_id in managed_organisation_ids(user)
    return can_work_on(user, rhi)


def report_awaiting_approval(user: User | AnonymousUser, rhi: ReturnHomeInterview) -> bool:
    """Whether a report-writing page should tell this user the report waits for approval instead of refusing
    them (a worker pressing Back after submitting): the report is submitted and they work on this RHI. It opens
    nothing: the page still offers no form and the steps stay closed (``available_actions``)."""
    return rhi.state == RHIState.SUBMITTED and can_work_on(user, rhi)
