"""The RHI state machine, once: which step a user may take from which state, where it leads and who may take it.

``rhi.services.lifecycle`` moves an RHI only along an edge of ``TRANSITIONS`` (``_move``), the findings services
write only in the states their step lists, and ``access.actions.available_actions`` offers a user the steps
whose source states hold the RHI's state and whose actor rule the user meets. docs/rhi-states.md carries
``states_markdown()`` verbatim (a test compares them), so the diagram cannot drift from the code either.

Pure data: no queries and no imports beyond the models' choices, so every layer may read it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from rhi.models import OPEN_STATES, RHIState


class RHIAction(enum.StrEnum):
    """Steps a user can take on an RHI (the 'What to do next' panel, the journey pages and the services)."""

    TAKE = "take"
    ALLOCATE = "allocate"
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
    APPROVE = "approve"
    RETURN = "return"


class Actor(enum.StrEnum):
    """Who may take a step. The table names the rule; ``access.actions`` decides it for a user (the policy
    owns people, this module owns states)."""

    SELF_ALLOCATOR = "self_allocator"
    MANAGER = "manager"
    WORKER = "worker"


ACTOR_WORDS: Mapping[Actor, str] = MappingProxyType(
    {
        Actor.SELF_ALLOCATOR: "an RHI worker of the provider taking it, where the provider allows self-allocation",
        Actor.MANAGER: "a team manager of the provider",
        Actor.WORKER: "the allocated worker or a team manager of the provider",
    }
)


@dataclass(frozen=True)
class Transition:
    """One step: for each state it starts from, the state it leads to (the same state: it writes without
    moving); who may take it; its wording in the diagram and in the refusal when the state is wrong."""

    moves: Mapping[str, str]
    actor: Actor
    label: str
    refusal: str = ""

    @property
    def sources(self) -> frozenset[str]:
        return frozenset(self.moves)


def _stays(*states: str) -> dict[str, str]:
    return {state: state for state in states}


_DRAFT = (RHIState.DRAFTING, RHIState.RETURNED)

# In the order a worker meets the steps (``available_actions`` keeps it; the outcome page lists its choices so).
TRANSITIONS: Mapping[RHIAction, Transition] = MappingProxyType(
    {
        RHIAction.TAKE: Transition(
            {RHIState.UNALLOCATED: RHIState.ALLOCATED}, Actor.SELF_ALLOCATOR, "take (self-allocate)"
        ),
        # Reallocating an open RHI keeps its state (the StateTransition row notes "Reallocated").
        RHIAction.ALLOCATE: Transition(
            {RHIState.UNALLOCATED: RHIState.ALLOCATED}
            | _stays(*sorted(OPEN_STATES - {RHIState.UNALLOCATED})),
            Actor.MANAGER,
            "allocate or reallocate",
            "A closed RHI cannot be allocated.",
        ),
        RHIAction.CONTACT: Transition(
            {RHIState.ALLOCATED: RHIState.CONTACTING}
            | _stays(RHIState.CONTACTING, RHIState.OFFERED, RHIState.ACCEPTED),
            Actor.WORKER,
            "log contact attempt",
            "Contact attempts are recorded once the RHI is allocated and before the interview.",
        ),
        RHIAction.OFFER: Transition(
            {RHIState.ALLOCATED: RHIState.OFFERED, RHIState.CONTACTING: RHIState.OFFERED},
            Actor.WORKER,
            "record offer",
        ),
        RHIAction.ACCEPTED: Transition({RHIState.OFFERED: RHIState.ACCEPTED}, Actor.WORKER, "accepted"),
        RHIAction.DECLINED: Transition(
            {RHIState.OFFERED: RHIState.DECLINED, RHIState.ACCEPTED: RHIState.DECLINED},
            Actor.WORKER,
            "declined (who, coded reason, text)",
        ),
        RHIAction.UNABLE_TO_CONTACT: Transition(
            {RHIState.CONTACTING: RHIState.UNABLE_TO_CONTACT}, Actor.WORKER, "unable to contact"
        ),
        RHIAction.NOT_OFFERED: Transition(
            {RHIState.ALLOCATED: RHIState.NOT_OFFERED, RHIState.CONTACTING: RHIState.NOT_OFFERED},
            Actor.WORKER,
            "not offered (coded reason)",
        ),
        RHIAction.RECORD_INTERVIEW: Transition(
            {RHIState.OFFERED: RHIState.DRAFTING, RHIState.ACCEPTED: RHIState.DRAFTING},
            Actor.WORKER,
            "record interview",
        ),
        RHIAction.EDIT_INTERVIEW: Transition(_stays(*_DRAFT), Actor.WORKER, "correct interview details"),
        RHIAction.FINDINGS: Transition(_stays(*_DRAFT), Actor.WORKER, "save findings"),
        RHIAction.CONSENT: Transition(_stays(*_DRAFT), Actor.WORKER, "record consent"),
        RHIAction.SUBMIT: Transition(
            {RHIState.DRAFTING: RHIState.SUBMITTED, RHIState.RETURNED: RHIState.SUBMITTED},
            Actor.WORKER,
            "submit",
        ),
        RHIAction.APPROVE: Transition(
            {RHIState.SUBMITTED: RHIState.APPROVED}, Actor.MANAGER, "approve (not an author)"
        ),
        RHIAction.RETURN: Transition(
            {RHIState.SUBMITTED: RHIState.RETURNED}, Actor.MANAGER, "return with comments"
        ),
    }
)

# Steps that share one page: the outcome page offers whichever of these the state allows, and so does the
# manager's review page.
OUTCOME_ACTIONS = (RHIAction.ACCEPTED, RHIAction.DECLINED, RHIAction.UNABLE_TO_CONTACT, RHIAction.NOT_OFFERED)
REVIEW_ACTIONS = (RHIAction.APPROVE, RHIAction.RETURN)


def target(action: RHIAction, state: str) -> str | None:
    """The state ``action`` leads to from ``state``, or None if the step cannot be taken from there."""
    return TRANSITIONS[action].moves.get(state)


def actions_from(state: str) -> list[RHIAction]:
    """The steps the state machine allows from ``state``, whoever is asking, in the table's order."""
    return [action for action, transition in TRANSITIONS.items() if state in transition.moves]


def refusal(action: RHIAction, state: str) -> str:
    """Why ``action`` cannot be taken from ``state``: the step's own words, or the generic ones."""
    transition = TRANSITIONS[action]
    return transition.refusal or (
        f"An RHI that is {RHIState(state).label.lower()} cannot take the step '{transition.label}'."
    )


def edges() -> dict[tuple[str, str], list[str]]:
    """Every state change the table allows, with the labels of the steps that make it (self-loops left out:
    they write without moving)."""
    found: dict[tuple[str, str], list[str]] = {}
    for transition in TRANSITIONS.values():
        for source, to in transition.moves.items():
            if source != to:
                found.setdefault((source, to), []).append(transition.label)
    return found


def states_markdown() -> str:
    """The transitions section of docs/rhi-states.md: a mermaid diagram of the state changes and a table of
    every step (including those that keep the state). Regenerate with ``manage.py rhi_states_doc --write``."""
    lines = ["```mermaid", "stateDiagram-v2", "    [*] --> unallocated: child returns (episode recorded)"]
    lines += [f"    {a} --> {b}: {' / '.join(labels)}" for (a, b), labels in edges().items()]
    lines += ["    approved --> [*]", "```", ""]
    lines += ["| step | what | moves | writes, keeping the state, in | who |", "|---|---|---|---|---|"]
    for action, transition in TRANSITIONS.items():
        moves = ", ".join(f"`{a}` → `{b}`" for a, b in transition.moves.items() if a != b)
        keeps = ", ".join(f"`{a}`" for a, b in transition.moves.items() if a == b)
        who = ACTOR_WORDS[transition.actor]
        lines.append(f"| `{action.value}` | {transition.label} | {moves or '–'} | {keeps or '–'} | {who} |")
    return "\n".join(lines) + "\n"


# The journey's times as their messages name them (core.date_messages), so the forms' and the services' messages
# name the same time the same way ("The time of the offer cannot be in the future").
TIME_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "attempted_at": "the time of the contact attempt",
        "offered_at": "the time of the offer",
        "held_at": "the time of the interview",
        "interview_held_at": "the time of the interview",
    }
)
