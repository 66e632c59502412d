"""RHIs: plan each one as a timeline of lifecycle events, then replay the part of it that lies before "now".

A plan decides up front how the RHI will end (interview held, declined, unable to contact, not offered,
cancelled) and when each step happens. Repeat episodes then act on the plan as the clock policy says:
``separate`` supersedes it with the new episode's RHI; the bunching rules pause it while the child is
missing and link the new episode to it (``bunch_from_latest`` restarts the clock at the latest return).
Replaying events up to the anchor's midday gives open RHIs in every state for recent returns, and closed
ones for older episodes, with the state history, contact log, interview, findings, referrals and
disclosures consistent with each other.

Ratios aimed at (ECRC FOI averages): ~79% of episodes offered an RHI, ~18% of offers declined, ~53% of
episodes addressed in an interview, ~60% of completed interviews within 72 hours of the return.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rhi.clock import bunched_link, bunches, compute_deadlines, policy_day
from rhi.models import (
    ContactAttempt,
    ReturnHomeInterview,
    ReviewDecision,
    RHIEpisode,
    StateTransition,
)

from .people import (
    DECLINE_TEXTS,
    NOT_OFFERED_TEXTS,
    REVIEW_COMMENTS,
)
from .random_tools import Weighted, chance, hours
from .rhi_followup import FollowUp
from .rhi_plans import OUTCOME_AFTER, STATE_AFTER, Event, Link, Plan, ScenarioSpec
from .rows import Rows
from .timeutil import LONDON

if TYPE_CHECKING:
    from .case_context import ChildCtx, EpisodeCtx
    from .world import LACtx, PolicyCtx, World
    from .writer import IdAllocator, Row, RowWriter

DECLINE_RATE = 0.18
NOT_OFFERED = Weighted([("not_offered", 0.55), ("unable", 0.40), ("cancel", 0.05)])
NOT_OFFERED_REASON = Weighted(
    [
        ("notification_too_late", 0.3),
        ("moved_away", 0.17),
        ("in_custody", 0.1),
        ("hospital", 0.08),
        ("missing_again", 0.15),
        ("other", 0.2),
    ]
)
DECLINE_REASON = Weighted(
    [
        ("not_wanted", 0.35),
        ("already_spoke", 0.12),
        ("too_many_professionals", 0.12),
        ("no_trust", 0.1),
        ("parent_refused", 0.08),
        ("fear_of_consequences", 0.08),
        ("short_episode", 0.1),
        ("other", 0.05),
    ]
)
CONTACT_METHOD = Weighted(
    [("phone", 0.5), ("text", 0.2), ("in_person", 0.15), ("via_professional", 0.1), ("email", 0.05)]
)
CONTACT_WITH_CARE = Weighted([("child", 0.4), ("placement", 0.35), ("social_worker", 0.15), ("other", 0.1)])
CONTACT_WITH_HOME = Weighted([("parent_carer", 0.5), ("child", 0.45), ("other", 0.05)])
FAILED_CONTACT = Weighted([("no_answer", 0.55), ("message_left", 0.35), ("wrong_details", 0.1)])
OFFERED_TO = Weighted([("child", 0.6), ("both", 0.35), ("parent_carer", 0.05)])
OFFER_METHOD = Weighted([("in_person", 0.35), ("phone", 0.45), ("text", 0.15), ("letter", 0.05)])


@dataclass
class Replay:
    """What replaying a plan's events builds up before the rows are written."""

    transitions: list[tuple[str, str, datetime, int | None, str]]
    state: str = "unallocated"
    contact_count: int = 0
    interview: Row | None = None
    review_rows: list[Row] = field(default_factory=list)


class RHIEngine(FollowUp):
    def __init__(self, world: World, *, rng: random.Random, writer: RowWriter, ids: IdAllocator) -> None:
        self.world = world
        self.rng = rng
        self.writer = writer
        self.ids = ids
        self.rows = Rows(world.span.now)
        self.now = world.span.now
        self.rules_rhis = {}

    # -- planning ----------------------------------------------------------------------------------------

    def simulate_child(
        self, child: ChildCtx, episodes: list[EpisodeCtx], *, scenario: ScenarioSpec | None = None
    ) -> None:
        plans: list[Plan] = []
        current: Plan | None = None
        for episode in episodes:
            if current is not None and current.pivot is not None and episode.missing_at < current.pivot:
                # Missing again before the RHI reached its interview (or its end).
                if episode.rhi_created_at is None:
                    current.drop_after(episode.missing_at)  # still missing, or the return not yet known
                    current.pivot = None
                    continue
                # As the service decides: the new episode's own policy says whether it joins the open RHI.
                rule = self._policy_for(episode).repeat_rule
                if bunches(rule) and episode.host is current.la:
                    current.pause(episode.missing_at, episode.rhi_created_at + hours(self.rng, 0.5, 4))
                    current.bunch(episode, episode.rhi_created_at, bunched_link(rule))
                    continue
                current.drop_after(episode.missing_at)
                successor = self._new_plan(child, episode, scenario=None)
                current.events.append(Event(episode.rhi_created_at, "supersede"))
                current.superseded_by = successor.id
                current.pivot = None
                plans.append(successor)
                current = successor
                continue
            if episode.rhi_created_at is None:
                continue
            current = self._new_plan(child, episode, scenario=scenario)
            plans.append(current)
        for plan in plans:
            self._replay(plan)

    def _new_plan(self, child: ChildCtx, episode: EpisodeCtx, *, scenario: ScenarioSpec | None) -> Plan:
        rng = self.rng
        la = episode.host
        created_at = episode.rhi_created_at
        assert created_at is not None
        policy = self._policy_for(episode)
        team = la.team
        worker_id = scenario.worker_id if scenario and scenario.worker_id else rng.choice(team.worker_ids)
        plan = Plan(
            id=self.ids.next(ReturnHomeInterview),
            child=child,
            la=la,
            policy=policy,
            created_at=created_at,
            worker_id=worker_id,
            manager_id=team.manager_id,
            events=[],
            links=[Link(episode, created_at)],
            clock_episode=episode,
            pivot=None,
        )
        if scenario is not None:
            returned = episode.returned_at
            assert returned is not None
            plan.events = [
                Event(returned + timedelta(hours=h), "contact", {"success": True})
                if kind == "contact_ok"
                else Event(returned + timedelta(hours=h), kind)
                for kind, h in scenario.steps
            ]
            for event in plan.events:
                self._decorate(plan, event)
            return plan
        decision = self._decide(la, child, created_at)
        plan.events = self._timeline(plan, decision, episode)
        for event in plan.events:
            self._decorate(plan, event)
        closing = [
            e.at for e in plan.events if e.kind in ("interview", "decline", "unable", "not_offered", "cancel")
        ]
        plan.pivot = closing[0] if closing else None
        return plan

    @staticmethod
    def _policy_for(episode: EpisodeCtx) -> PolicyCtx:
        """The policy of the episode's handling LA, chosen as the service chooses it (rhi.clock.policy_day: the
        return, else the missing date)."""
        return episode.host.policy_on(
            policy_day(returned_at=episode.returned_at, missing_at=episode.missing_at)
        )

    def _decide(self, la: LACtx, child: ChildCtx, created_at: datetime) -> str:
        rng = self.rng
        if child.age_on(created_at.astimezone(LONDON).date()) >= 17.95:
            return "not_offered"
        if chance(rng, la.offer_rate):
            if chance(rng, DECLINE_RATE):
                return "decline"
            return "complete" if chance(rng, la.complete_rate) else "lost_after_offer"
        return NOT_OFFERED.pick(rng)

    def _timeline(self, plan: Plan, decision: str, episode: EpisodeCtx) -> list[Event]:
        rng, created = self.rng, plan.created_at
        returned = episode.returned_at
        assert returned is not None
        if decision == "cancel":
            return [Event(created + hours(rng, 1, 48), "cancel")]
        allocate_at = created + hours(rng, 0.3, 20)
        events = [Event(allocate_at, "allocate")]
        if decision == "complete":
            return self._interviewed(plan, events, allocate_at, returned)
        if decision in ("decline", "lost_after_offer"):
            return self._offered_not_held(decision, events, allocate_at)
        if decision == "unable":
            return self._never_reached(events, allocate_at)
        return self._not_offered(events, allocate_at)

    def _interviewed(
        self, plan: Plan, events: list[Event], allocate_at: datetime, returned: datetime
    ) -> list[Event]:
        """Contacted, offered, (accepted,) interviewed, submitted, perhaps returned once, approved."""
        rng = self.rng
        within_72 = chance(rng, plan.la.timely_rate)
        held = returned + (hours(rng, 18, 71) if within_72 else hours(rng, 73, 300))
        held = max(held, allocate_at + hours(rng, 3, 10))
        window = (held - allocate_at).total_seconds()
        count = rng.choice((1, 1, 1, 2, 2, 3))
        marks = sorted(rng.uniform(0.05, 0.6) for _ in range(count))
        contacts = [allocate_at + timedelta(seconds=int(m * window)) for m in marks]
        for i, at in enumerate(contacts):
            events.append(Event(at, "contact", {"success": i == count - 1}))
        offer_at = contacts[-1] + timedelta(seconds=int(rng.uniform(0, 0.1) * window))
        events.append(Event(offer_at, "offer"))
        if chance(rng, 0.8):  # else accepted on the spot: offered → drafting
            events.append(Event(offer_at + (held - offer_at) * rng.uniform(0.1, 0.6), "accept"))
        events.append(Event(held, "interview"))
        submit_at = held + hours(rng, 3, 96)
        events.append(Event(submit_at, "submit"))
        if chance(rng, 0.12):
            returned_at = submit_at + hours(rng, 2, 48)
            submit_at = returned_at + hours(rng, 3, 72)
            events += [Event(returned_at, "return"), Event(submit_at, "submit")]
        events.append(Event(submit_at + hours(rng, 2, 96), "approve"))
        return events

    def _offered_not_held(self, decision: str, events: list[Event], allocate_at: datetime) -> list[Event]:
        """Offered, then declined; or offered and never reached again ("lost_after_offer")."""
        rng, at = self.rng, allocate_at
        count = rng.choice((1, 1, 2, 3))
        for i in range(count):
            at += hours(rng, 1, 30)
            events.append(Event(at, "contact", {"success": i == count - 1}))
        at += hours(rng, 0, 1)
        events.append(Event(at, "offer"))
        if decision == "decline":
            events.append(Event(at + hours(rng, 0.1, 36), "decline"))
            return events
        for _ in range(rng.choice((1, 2))):
            at += hours(rng, 20, 60)
            events.append(Event(at, "contact", {"success": False}))
        events.append(Event(at + hours(rng, 24, 96), "unable"))
        return events

    def _never_reached(self, events: list[Event], allocate_at: datetime) -> list[Event]:
        rng, at = self.rng, allocate_at
        for _ in range(rng.choice((3, 3, 4))):
            at += hours(rng, 6, 40)
            events.append(Event(at, "contact", {"success": False}))
        events.append(Event(at + hours(rng, 12, 72), "unable"))
        return events

    def _not_offered(self, events: list[Event], allocate_at: datetime) -> list[Event]:
        rng, at = self.rng, allocate_at
        for _ in range(rng.choice((0, 1, 1, 2))):
            at += hours(rng, 2, 30)
            events.append(Event(at, "contact", {"success": False}))
        events.append(Event(at + hours(rng, 6, 120), "not_offered"))
        return events

    def _decorate(self, plan: Plan, event: Event) -> None:
        """Fix each event's details when it is planned, so pausing or truncating the plan never changes them."""
        rng, data = self.rng, event.data
        if event.kind == "contact":
            in_care = plan.child.looked_after
            data["method"] = CONTACT_METHOD.pick(rng)
            data["with"] = (CONTACT_WITH_CARE if in_care else CONTACT_WITH_HOME).pick(rng)
            data["outcome"] = (
                rng.choice(("spoke", "arranged")) if data.get("success") else FAILED_CONTACT.pick(rng)
            )
            data["recorded_after"] = hours(rng, 0, 1)
        elif event.kind == "allocate":
            data["self"] = chance(rng, 0.15)
        elif event.kind == "offer":
            data["to"] = OFFERED_TO.pick(rng)
            data["method"] = OFFER_METHOD.pick(rng)
        elif event.kind == "decline":
            reason = DECLINE_REASON.pick(rng)
            data["reason"] = reason
            data["by"] = "parent_carer" if reason == "parent_refused" or chance(rng, 0.1) else "child"
        elif event.kind == "not_offered":
            over_18 = plan.child.age_on(event.at.astimezone(LONDON).date()) >= 17.95
            data["reason"] = "over_18" if over_18 else NOT_OFFERED_REASON.pick(rng)
        elif event.kind == "return":
            data["comments"] = rng.choice(REVIEW_COMMENTS)

    # -- replay ------------------------------------------------------------------------------------------

    def _replay(self, plan: Plan) -> None:
        """Write the RHI as it stands at "now": its events up to then, in order, then its rows."""
        events = sorted((e for e in plan.events if e.at <= self.now), key=lambda e: e.at)
        rhi = self._rhi_row(plan)
        replay = Replay(
            transitions=[("", "unallocated", plan.created_at, None, "Created when the return was recorded.")]
        )
        for event in events:
            if event.kind == "contact":
                self._replay_contact(plan, replay, event)
            else:
                self._replay_step(plan, rhi, replay, event)
        self._write_replayed(plan, rhi, replay, events)

    def _rhi_row(self, plan: Plan) -> Row:
        """The RHI as created, before any event."""
        return {
            "id": plan.id,
            "child_id": plan.child.id,
            "local_authority_id": plan.la.org_id,
            "provider_id": plan.la.provider_org_id,
            "team_id": plan.la.team.id,
            "allocated_worker_id": None,
            "allocated_at": None,
            "state": "unallocated",
            "state_changed_at": plan.created_at,
            "policy_id": plan.policy.id,
            "policy_snapshot": plan.policy.snapshot,
            "offered_at": None,
            "offered_to": "",
            "offer_method": "",
            "outcome": "",
            "outcome_recorded_at": None,
            "declined_by": "",
            "decline_reason": "",
            "decline_reason_text": "",
            "not_offered_reason": "",
            "not_offered_text": "",
            "superseded_by_id": None,
            "consent_to_share": "",
            "share_without_consent": False,
            "consent_override_justification": "",
            "consent_override_by_id": None,
            "submitted_at": None,
            "submitted_by_id": None,
            "approved_at": None,
            "approved_by_id": None,
            "created_at": plan.created_at,
        }

    def _replay_contact(self, plan: Plan, replay: Replay, event: Event) -> None:
        rows, now, add, ids = self.rows, self.now, self.writer.add, self.ids
        at, data, worker = event.at, event.data, plan.worker_id
        replay.contact_count += 1
        add(
            ContactAttempt,
            rows.contact_attempt(
                id=ids.next(ContactAttempt),
                rhi_id=plan.id,
                attempted_at=at,
                method=data["method"],
                contact_with=data["with"],
                outcome=data["outcome"],
                recorded_by_id=worker,
                recorded_at=min(at + data["recorded_after"], now),
            ),
        )
        if replay.state == "allocated":
            replay.transitions.append((replay.state, "contacting", at, worker, ""))
            replay.state = "contacting"

    def _replay_step(self, plan: Plan, rhi: Row, replay: Replay, event: Event) -> None:
        """One lifecycle event: the RHI's fields it sets, and the transition it makes."""
        kind, at, data = event.kind, event.at, event.data
        worker, manager = plan.worker_id, plan.manager_id
        new_state = STATE_AFTER[kind]
        by: int | None = worker
        note = ""
        if kind == "allocate":
            rhi["allocated_worker_id"], rhi["allocated_at"] = worker, at
            by = worker if data.get("self") else manager
        elif kind == "offer":
            rhi["offered_at"], rhi["offered_to"], rhi["offer_method"] = at, data["to"], data["method"]
        elif kind in ("accept", "interview") and not rhi["outcome"]:
            rhi["outcome"], rhi["outcome_recorded_at"] = "accepted", at
        if kind == "interview":
            replay.interview = self._interview(plan, at, rhi)
        elif kind == "submit":
            rhi["submitted_at"], rhi["submitted_by_id"] = at, worker
        elif kind == "return":
            by, note = manager, data["comments"]
            replay.review_rows.append(self._review(plan, "returned", note, at))
        elif kind == "approve":
            by = manager
            rhi["approved_at"], rhi["approved_by_id"] = at, manager
            replay.review_rows.append(self._review(plan, "approved", "", at))
        elif kind in OUTCOME_AFTER:
            rhi["outcome"], rhi["outcome_recorded_at"] = OUTCOME_AFTER[kind], at
            by, note = self._closing(plan, rhi, event, by=by, note=note)
        replay.transitions.append((replay.state, new_state, at, by, note))
        replay.state = new_state

    def _review(self, plan: Plan, decision: str, comments: str, at: datetime) -> Row:
        return self.rows.review(
            id=self.ids.next(ReviewDecision),
            rhi_id=plan.id,
            reviewer_id=plan.manager_id,
            decision=decision,
            comments=comments,
            decided_at=at,
        )

    def _closing(
        self, plan: Plan, rhi: Row, event: Event, *, by: int | None, note: str
    ) -> tuple[int | None, str]:
        """An outcome closing the RHI without an interview: its details, and who closed it with which note."""
        kind, data, manager = event.kind, event.data, plan.manager_id
        if kind == "decline":
            rhi["declined_by"], rhi["decline_reason"] = data["by"], data["reason"]
            rhi["decline_reason_text"] = DECLINE_TEXTS[data["reason"]]
        elif kind == "not_offered":
            rhi["not_offered_reason"] = data["reason"]
            rhi["not_offered_text"] = NOT_OFFERED_TEXTS[data["reason"]]
        elif kind == "cancel":
            by, note = manager, "Duplicate notification for the same return."
        elif kind == "supersede":
            rhi["superseded_by_id"] = plan.superseded_by
            by, note = None, "The child went missing again; the new episode's RHI takes this on."
        return by, note

    def _write_replayed(self, plan: Plan, rhi: Row, replay: Replay, events: list[Event]) -> None:
        rows, add, ids = self.rows, self.writer.add, self.ids
        # The clock, from the episode that sets it (the latest one under bunch_from_latest).
        clock_episode = plan.clock_episode
        deadlines = compute_deadlines(
            plan.policy.rules,
            returned_at=clock_episode.returned_at,
            police_notified_at=clock_episode.police_notified_at,
        )
        last_change = replay.transitions[-1][2]
        rhi.update(
            state=replay.state,
            state_changed_at=last_change,
            clock_started_at=deadlines.start,
            contact_due_at=deadlines.contact_due,
            due_soon_at=deadlines.due_soon,
            due_at=deadlines.due,
            version=len(replay.transitions) + replay.contact_count,
            updated_at=max(last_change, events[-1].at if events else plan.created_at),
        )
        add(ReturnHomeInterview, rows.rhi(rhi))
        for link in plan.links:
            add(
                RHIEpisode,
                rows.rhi_episode(
                    id=ids.next(RHIEpisode),
                    rhi_id=plan.id,
                    episode_id=link.episode.id,
                    counts=link.counts,
                    linked_at=link.linked_at,
                ),
            )
        for from_state, to_state, at, by_id, note in replay.transitions:
            add(
                StateTransition,
                rows.transition(
                    id=ids.next(StateTransition),
                    rhi_id=plan.id,
                    from_state=from_state,
                    to_state=to_state,
                    at=at,
                    by_id=by_id,
                    note=note,
                ),
            )
        for review in replay.review_rows:
            add(ReviewDecision, review)
        if replay.interview is not None:
            self._after_interview(plan, rhi, replay.interview)
        self._share_outcome(plan, rhi)
