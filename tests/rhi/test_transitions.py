"""The one transition table (rhi.transitions) against what the code does: for every step and every state, the
service takes the step exactly when the table allows it (and lands where the table says), the 'What to do next'
panel offers it exactly then and only to the actor the table names, and docs/rhi-states.md shows the table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from access.actions import available_actions
from accounts.models import Organisation, Role, User
from rhi import services
from rhi.management.commands.rhi_states_doc import DOC, generated_section
from rhi.models import (
    ConsentToShare,
    ContactAttempt,
    DeclinedBy,
    DeclineReason,
    Interview,
    NotOfferedReason,
    ReturnHomeInterview,
    RHIState,
)
from rhi.transitions import TRANSITIONS, Actor, RHIAction, edges, states_markdown, target
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, MissingEpisodeFactory, ProviderFactory

pytestmark = pytest.mark.django_db

# States in which the report has been written (an interview exists and consent is recorded).
WRITTEN = {RHIState.DRAFTING, RHIState.SUBMITTED, RHIState.RETURNED, RHIState.APPROVED}


@dataclass(frozen=True)
class People:
    provider: Organisation
    worker: User  # the allocated RHI worker
    taker: User  # another RHI worker of the provider, taking an unallocated RHI
    manager: User  # a team manager of the provider
    approver: User  # a second team manager, who wrote none of the report
    stranger: User  # an RHI worker of another provider


@pytest.fixture
def people() -> People:
    provider = ProviderFactory.create(allow_self_allocation=True)
    return People(
        provider=provider,
        worker=user_with_role(Role.RHI_WORKER, organisation=provider),
        taker=user_with_role(Role.RHI_WORKER, organisation=provider),
        manager=user_with_role(Role.TEAM_MANAGER, organisation=provider),
        approver=user_with_role(Role.TEAM_MANAGER, organisation=provider),
        stranger=user_with_role(Role.RHI_WORKER, organisation=ProviderFactory.create()),
    )


def rhi_in(people: People, state: str, *, allocated: bool = True) -> ReturnHomeInterview:
    """An RHI put straight into ``state`` (the table is what is under test, so no service gets it there), with
    what a real RHI in that state would have: a contact attempt, and once written an interview and consent."""
    now = timezone.now()
    episode = MissingEpisodeFactory.create(
        child=ChildFactory.create(), missing_at=now - timedelta(days=2), returned_at=now - timedelta(days=1)
    )
    rhi = services.open_rhi_for_returned_episode(episode=episode)
    ContactAttempt.objects.create(
        rhi=rhi,
        attempted_at=now - timedelta(hours=20),
        method="phone",
        contact_with="child",
        outcome="no_answer",
        recorded_by=people.worker,
    )
    if state in WRITTEN:
        Interview.objects.create(
            rhi=rhi,
            held_at=now - timedelta(hours=10),
            location_type="home",
            interviewer=people.worker,
            interviewer_independence="independent_provider",
            child_choice_of_interviewer="yes",
        )
    ReturnHomeInterview.objects.filter(pk=rhi.pk).update(
        provider=people.provider,
        state=state,
        allocated_worker=people.worker if allocated and state != RHIState.UNALLOCATED else None,
        consent_to_share=ConsentToShare.GIVEN if state in WRITTEN else "",
        submitted_by=people.worker if state in (RHIState.SUBMITTED, RHIState.APPROVED) else None,
        submitted_at=now if state in (RHIState.SUBMITTED, RHIState.APPROVED) else None,
        approved_by=people.approver if state == RHIState.APPROVED else None,
        approved_at=now if state == RHIState.APPROVED else None,
    )
    return ReturnHomeInterview.objects.select_related("provider").get(pk=rhi.pk)


def _an_hour_ago() -> datetime:
    return timezone.now() - timedelta(hours=1)


# Each step's service, called by someone who meets the step's actor rule, with valid input. The worker's steps
# are taken by a team manager, who meets that rule on every RHI of the provider, allocated or not.
STEP: dict[RHIAction, Callable[[People, int], object]] = {
    RHIAction.TAKE: lambda p, pk: services.allocate_rhi(rhi_id=pk, worker=p.taker, by=p.taker),
    RHIAction.ALLOCATE: lambda p, pk: services.allocate_rhi(rhi_id=pk, worker=p.worker, by=p.manager),
    RHIAction.CONTACT: lambda p, pk: services.log_contact_attempt(
        rhi_id=pk,
        by=p.manager,
        attempted_at=_an_hour_ago(),
        method="phone",
        contact_with="child",
        outcome="spoke",
    ),
    RHIAction.OFFER: lambda p, pk: services.record_offer(
        rhi_id=pk, by=p.manager, offered_at=_an_hour_ago(), offered_to="child", method="phone"
    ),
    RHIAction.ACCEPTED: lambda p, pk: services.record_acceptance(rhi_id=pk, by=p.manager),
    RHIAction.DECLINED: lambda p, pk: services.record_decline(
        rhi_id=pk, by=p.manager, declined_by=DeclinedBy.values[0], reason=DeclineReason.values[0]
    ),
    RHIAction.UNABLE_TO_CONTACT: lambda p, pk: services.record_unable_to_contact(rhi_id=pk, by=p.manager),
    RHIAction.NOT_OFFERED: lambda p, pk: services.record_not_offered(
        rhi_id=pk, by=p.manager, reason=NotOfferedReason.values[0]
    ),
    RHIAction.RECORD_INTERVIEW: lambda p, pk: services.record_interview(
        rhi_id=pk,
        by=p.manager,
        interview={
            "held_at": _an_hour_ago(),
            "location_type": "home",
            "interviewer_independence": "independent_provider",
            "child_choice_of_interviewer": "yes",
        },
    ),
    RHIAction.EDIT_INTERVIEW: lambda p, pk: services.update_interview_details(
        rhi_id=pk, by=p.manager, details={"location_detail": "Kitchen"}, expected_version=None
    ),
    RHIAction.FINDINGS: lambda p, pk: services.save_findings(
        rhi_id=pk,
        by=p.manager,
        findings={"where_went": "A friend's house"},
        risk_indicators=[],
        locations=[],
        associates=[],
        expected_version=None,
    ),
    RHIAction.CONSENT: lambda p, pk: services.record_consent(
        rhi_id=pk,
        by=p.manager,
        consent=ConsentToShare.GIVEN,
        share_without_consent=False,
        expected_version=None,
    ),
    RHIAction.SUBMIT: lambda p, pk: services.submit_for_approval(rhi_id=pk, by=p.manager),
    RHIAction.APPROVE: lambda p, pk: services.approve(rhi_id=pk, by=p.approver),
    RHIAction.RETURN: lambda p, pk: services.return_for_changes(
        rhi_id=pk, by=p.approver, comments="Say where the child slept."
    ),
}

PAIRS = [(action, state) for action in RHIAction for state in RHIState.values]


def pair_id(pair: object) -> str:
    return str(pair)


def test_every_step_has_a_service_under_test() -> None:
    assert set(STEP) == set(RHIAction) == set(TRANSITIONS)


@pytest.mark.parametrize(("action", "state"), PAIRS)
def test_a_service_takes_a_step_exactly_from_the_states_the_table_allows(
    people: People, action: RHIAction, state: str
) -> None:
    # A self-allocation needs an RHI nobody holds; every other step is taken on one allocated to the worker.
    rhi = rhi_in(people, state, allocated=action != RHIAction.TAKE)
    expected = target(action, state)
    if expected is None:
        with pytest.raises(services.TransitionError):
            STEP[action](people, rhi.pk)
        rhi.refresh_from_db()
        assert rhi.state == state
    else:
        STEP[action](people, rhi.pk)
        rhi.refresh_from_db()
        assert rhi.state == expected


def _who_may(people: People, actor: Actor) -> User:
    return {Actor.SELF_ALLOCATOR: people.taker, Actor.MANAGER: people.approver, Actor.WORKER: people.worker}[
        actor
    ]


@pytest.mark.parametrize("state", RHIState.values)
def test_the_panel_offers_each_step_the_table_allows_to_its_actor_and_to_no_one_else(
    people: People, state: str
) -> None:
    for allocated in (True, False):
        rhi = rhi_in(people, state, allocated=allocated)
        for action, transition in TRANSITIONS.items():
            who = _who_may(people, transition.actor)
            # The allocated worker's rule needs an allocated RHI; self-allocation an unallocated one.
            meets_rule = allocated if transition.actor == Actor.WORKER else True
            if transition.actor == Actor.SELF_ALLOCATOR:
                meets_rule = rhi.allocated_worker_id is None
            offered = action in available_actions(who, rhi)
            assert offered == (meets_rule and target(action, state) is not None), (action, state, allocated)
            assert action not in available_actions(people.stranger, rhi)


@pytest.mark.parametrize("state", [RHIState.SUBMITTED, RHIState.OFFERED, RHIState.UNALLOCATED])
def test_a_worker_is_not_offered_a_managers_step_nor_a_manager_a_self_allocation(
    people: People, state: str
) -> None:
    rhi = rhi_in(people, state, allocated=state != RHIState.UNALLOCATED)
    managers_steps = {a for a, t in TRANSITIONS.items() if t.actor == Actor.MANAGER}
    assert not managers_steps & set(available_actions(people.worker, rhi))
    assert RHIAction.TAKE not in available_actions(people.approver, rhi)


def test_the_docs_state_diagram_is_the_table() -> None:
    assert generated_section(DOC.read_text(encoding="utf-8")) == states_markdown(), (
        "docs/rhi-states.md is out of date: run `manage.py rhi_states_doc --write`"
    )


def test_the_diagram_draws_every_state_change_the_table_allows_including_accepted_to_declined() -> None:
    section = generated_section(DOC.read_text(encoding="utf-8"))
    for source, to in edges():
        assert f"    {source} --> {to}: " in section
    assert "    accepted --> declined: " in section


def test_the_doc_command_prints_the_generated_section(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("rhi_states_doc")
    assert capsys.readouterr().out == states_markdown()
