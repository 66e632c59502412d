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
from typing import TYPE_CHECKING, Any

from referrals.models import Referral
from rhi.clock import compute_deadlines
from rhi.models import (
    Associate,
    ContactAttempt,
    Interview,
    Location,
    ReturnHomeInterview,
    ReviewDecision,
    RHIEpisode,
    RiskIndicatorFinding,
    StateTransition,
)
from sharing.models import Disclosure

from .people import (
    ASSESSMENTS,
    ASSOCIATE_RELATIONSHIPS,
    CHILD_WORDS,
    DECLINE_TEXTS,
    HARM_DETAILS,
    HEALTH_NEEDS,
    NOT_OFFERED_TEXTS,
    OVERRIDE_JUSTIFICATIONS,
    PULL_FACTORS,
    PUSH_FACTORS,
    REASONS_TEXT,
    RECOMMENDATIONS,
    REFERRAL_REASONS,
    REVIEW_COMMENTS,
    SAFETY_ADVICE,
    TRAVEL_METHODS,
    VEHICLES,
    WHO_WITH,
    WISHES,
)
from .random_tools import Weighted, chance, hours
from .rows import Rows
from .timeutil import LONDON

if TYPE_CHECKING:
    from .cases import ChildCtx, EpisodeCtx
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
INDEPENDENCE_PROVIDER = Weighted(
    [("independent_provider", 0.9), ("volunteer", 0.05), ("existing_relationship", 0.05)]
)
INDEPENDENCE_IN_HOUSE = Weighted(
    [
        ("la_other_team", 0.7),
        ("childs_social_worker", 0.1),
        ("other_sw_same_team", 0.06),
        ("existing_relationship", 0.1),
        ("police", 0.04),
    ]
)
CHILD_CHOICE = Weighted([("yes", 0.3), ("no", 0.05), ("not_asked", 0.35), ("no_preference", 0.3)])
INTERVIEW_PLACE = Weighted(
    [
        ("home_or_placement", 0.45),
        ("school", 0.2),
        ("public_place", 0.1),
        ("provider_office", 0.1),
        ("phone_or_video", 0.1),
        ("other", 0.05),
    ]
)
CONSENT = Weighted([("given", 0.68), ("refused", 0.14), ("not_asked", 0.12), ("not_capable", 0.06)])
INDICATOR_BASE: dict[str, float] = {
    "missing_with_others": 5,
    "substance_misuse": 4,
    "mental_health": 3,
    "victim_of_crime": 2,
    "self_harm": 2,
    "cce": 2,
    "cse": 2,
    "gangs": 1,
    "trafficking": 0.3,
    "radicalisation": 0.15,
    "forced_marriage": 0.1,
    "fgm": 0.05,
}
PROFILE_BOOST: dict[str, dict[str, float]] = {
    "cce": {"cce": 14, "gangs": 4, "substance_misuse": 3},
    "cse": {"cse": 14, "victim_of_crime": 3, "mental_health": 2},
    "self_harm": {"self_harm": 10, "mental_health": 6},
    "substance_misuse": {"substance_misuse": 12},
}
INDICATOR_TABLES: dict[str | None, Weighted[str]] = {
    profile: Weighted(
        [(k, v + PROFILE_BOOST.get(profile or "", {}).get(k, 0)) for k, v in INDICATOR_BASE.items()]
    )
    for profile in (None, "cce", "cse", "self_harm", "substance_misuse")
}
SERVICE_FOR_INDICATOR: dict[str, tuple[str, ...]] = {
    "cce": ("exploitation_team", "police_intelligence"),
    "cse": ("exploitation_team", "sexual_health"),
    "gangs": ("exploitation_team", "youth_service"),
    "trafficking": ("exploitation_team", "social_care"),
    "substance_misuse": ("substance_misuse",),
    "mental_health": ("camhs",),
    "self_harm": ("camhs",),
    "victim_of_crime": ("police_intelligence", "social_care"),
}
GENERAL_SERVICES = Weighted(
    [
        ("early_help", 0.3),
        ("provider_support", 0.25),
        ("youth_service", 0.15),
        ("school", 0.1),
        ("social_care", 0.1),
        ("voluntary_sector", 0.07),
        ("housing", 0.03),
    ]
)
SERVICE_NAMES: dict[str, str] = {
    "social_care": "Children's Advice and Support Service",
    "early_help": "Early Help",
    "camhs": "CAMHS",
    "substance_misuse": "Young People's Substance Misuse Service",
    "exploitation_team": "Exploitation Hub",
    "youth_service": "Youth Service",
    "sexual_health": "Sexual Health Service",
    "school": "School safeguarding lead",
    "housing": "Housing Options",
    "police_intelligence": "Missing Persons Unit",
    "provider_support": "1:1 support",
    "voluntary_sector": "Young people's project",
}
REFERRAL_OUTCOME = Weighted(
    [
        ("accepted", 0.5),
        ("already_open", 0.2),
        ("no_further_action", 0.15),
        ("declined_by_child", 0.1),
        ("declined_by_service", 0.05),
    ]
)
RETURN_METHOD_WORDS: dict[str, str] = {
    "returned_self": "Came back on their own",
    "found_by_police": "Found by the police",
    "returned_by_carer": "Collected by their parent or carer",
    "returned_by_other": "Brought back by a friend's parent",
    "not_known": "",
}
# Lifecycle: which event moves an RHI to which state.
STATE_AFTER: dict[str, str] = {
    "allocate": "allocated",
    "offer": "offered",
    "accept": "accepted",
    "interview": "drafting",
    "submit": "submitted",
    "return": "returned",
    "approve": "approved",
    "decline": "declined",
    "unable": "unable_to_contact",
    "not_offered": "not_offered",
    "cancel": "cancelled",
    "supersede": "superseded",
}
OUTCOME_AFTER: dict[str, str] = {
    "decline": "declined",
    "unable": "unable_to_contact",
    "not_offered": "not_offered",
    "cancel": "cancelled",
    "supersede": "superseded",
}
CLOSING = frozenset({"approve", "decline", "unable", "not_offered", "cancel", "supersede"})


@dataclass
class Event:
    at: datetime
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScenarioSpec:
    """A hand-written timeline (hours after the return) for the dashboards' guaranteed content."""

    steps: tuple[tuple[str, float], ...]
    worker_id: int | None = None


@dataclass
class Plan:
    id: int
    child: ChildCtx
    la: LACtx
    policy: PolicyCtx
    created_at: datetime
    worker_id: int
    manager_id: int
    events: list[Event]
    links: list[tuple[EpisodeCtx, datetime]]
    clock_episode: EpisodeCtx
    # Until when a repeat episode acts on this plan (the interview, or the closing decision); None: never.
    pivot: datetime | None
    superseded_by: int | None = None

    def drop_after(self, moment: datetime) -> None:
        self.events = [e for e in self.events if e.at <= moment]

    def pause(self, moment: datetime, resume: datetime) -> None:
        """The child went missing again at ``moment``; the work picks up again at ``resume``."""
        shift = resume - moment
        for event in self.events:
            if event.at > moment:
                event.at += shift
        if self.pivot is not None:
            self.pivot += shift


class RHIEngine:
    def __init__(self, world: World, *, rng: random.Random, writer: RowWriter, ids: IdAllocator) -> None:
        self.world = world
        self.rng = rng
        self.writer = writer
        self.ids = ids
        self.rows = Rows(world.span.now)
        self.now = world.span.now

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
                if current.policy.repeat_rule != "separate" and episode.host is current.la:
                    current.pause(episode.missing_at, episode.rhi_created_at + hours(self.rng, 0.5, 4))
                    current.links.append((episode, episode.rhi_created_at))
                    if current.policy.repeat_rule == "bunch_from_latest":
                        current.clock_episode = episode
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
        policy = la.policy_on(created_at.astimezone(LONDON).date())
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
            links=[(episode, created_at)],
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
        at = allocate_at
        if decision in ("decline", "lost_after_offer"):
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
        if decision == "unable":
            for _ in range(rng.choice((3, 3, 4))):
                at += hours(rng, 6, 40)
                events.append(Event(at, "contact", {"success": False}))
            events.append(Event(at + hours(rng, 12, 72), "unable"))
            return events
        # not offered
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
        rows, now, add, ids = self.rows, self.now, self.writer.add, self.ids
        events = sorted((e for e in plan.events if e.at <= now), key=lambda e: e.at)
        rhi: Row = {
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
        transitions: list[tuple[str, str, datetime, int | None, str]] = [
            ("", "unallocated", plan.created_at, None, "Created when the return was recorded.")
        ]
        state = "unallocated"
        worker, manager = plan.worker_id, plan.manager_id
        contact_count = 0
        interview: Row | None = None
        review_rows: list[Row] = []
        for event in events:
            kind, at, data = event.kind, event.at, event.data
            if kind == "contact":
                contact_count += 1
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
                if state == "allocated":
                    transitions.append((state, "contacting", at, worker, ""))
                    state = "contacting"
                continue
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
                interview = self._interview(plan, at, rhi)
            elif kind == "submit":
                rhi["submitted_at"], rhi["submitted_by_id"] = at, worker
            elif kind == "return":
                by, note = manager, data["comments"]
                review_rows.append(
                    rows.review(
                        id=ids.next(ReviewDecision),
                        rhi_id=plan.id,
                        reviewer_id=manager,
                        decision="returned",
                        comments=note,
                        decided_at=at,
                    )
                )
            elif kind == "approve":
                by = manager
                rhi["approved_at"], rhi["approved_by_id"] = at, manager
                review_rows.append(
                    rows.review(
                        id=ids.next(ReviewDecision),
                        rhi_id=plan.id,
                        reviewer_id=manager,
                        decision="approved",
                        comments="",
                        decided_at=at,
                    )
                )
            elif kind in OUTCOME_AFTER:
                rhi["outcome"], rhi["outcome_recorded_at"] = OUTCOME_AFTER[kind], at
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
            transitions.append((state, new_state, at, by, note))
            state = new_state

        # The clock, from the episode that sets it (the latest one under bunch_from_latest).
        clock_episode = plan.clock_episode
        deadlines = compute_deadlines(
            plan.policy.rules,
            returned_at=clock_episode.returned_at,
            police_notified_at=clock_episode.police_notified_at,
        )
        last_change = transitions[-1][2]
        rhi.update(
            state=state,
            state_changed_at=last_change,
            clock_started_at=deadlines.start,
            contact_due_at=deadlines.contact_due,
            due_soon_at=deadlines.due_soon,
            due_at=deadlines.due,
            version=len(transitions) + contact_count,
            updated_at=max(last_change, events[-1].at if events else plan.created_at),
        )
        add(ReturnHomeInterview, rows.rhi(rhi))
        for episode, linked_at in plan.links:
            counts = plan.policy.repeat_rule != "bunch_from_latest" or episode is clock_episode
            add(
                RHIEpisode,
                rows.rhi_episode(
                    id=ids.next(RHIEpisode),
                    rhi_id=plan.id,
                    episode_id=episode.id,
                    counts=counts,
                    linked_at=linked_at,
                ),
            )
        for from_state, to_state, at, by_id, note in transitions:
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
        for review in review_rows:
            add(ReviewDecision, review)
        if interview is not None:
            self._after_interview(plan, rhi, interview)
        self._share_outcome(plan, rhi)

    def _interview(self, plan: Plan, held_at: datetime, rhi: Row) -> Row:
        """The interview and its findings; consent is recorded on the RHI at the same time."""
        rng = self.rng
        child, episode = plan.child, plan.clock_episode
        independence = (INDEPENDENCE_PROVIDER if plan.la.team.independent else INDEPENDENCE_IN_HOUSE).pick(
            rng
        )
        interviewer_id: int | None = plan.worker_id
        interviewer_name = ""
        if independence == "childs_social_worker":
            interviewer_id, interviewer_name = None, child.social_worker_name
        place = INTERVIEW_PLACE.pick(rng)
        if place == "home_or_placement":
            place = "placement" if child.looked_after else "home"
        risky = child.profile is not None
        harm = chance(rng, 0.3 if risky else 0.07)
        fears = chance(rng, 0.3 if risky else 0.08)
        consent = CONSENT.pick(rng)
        rhi["consent_to_share"] = consent
        if consent in ("refused", "not_asked") and risky and chance(rng, 0.35):
            rhi["share_without_consent"] = True
            rhi["consent_override_justification"] = rng.choice(OVERRIDE_JUSTIFICATIONS)
            rhi["consent_override_by_id"] = plan.manager_id
        row: Row = {
            "id": self.ids.next(Interview),
            "rhi_id": plan.id,
            "held_at": held_at,
            "location_type": place,
            "location_detail": "",
            "interviewer_id": interviewer_id,
            "interviewer_name": interviewer_name,
            "interviewer_independence": independence,
            "child_choice_of_interviewer": CHILD_CHOICE.pick(rng),
            "others_present": "Carer, for the first part" if chance(rng, 0.15) else "",
            "push_factors": sorted(rng.sample(PUSH_FACTORS, rng.randint(0, 2))),
            "pull_factors": sorted(
                {
                    *rng.sample(PULL_FACTORS, rng.randint(0, 2)),
                    *(["exploitation"] if risky and chance(rng, 0.5) else []),
                }
            ),
            "reasons_text": rng.choice(REASONS_TEXT),
            "where_went": "",
            "who_with": rng.choice(WHO_WITH),
            "travel_method": rng.choice(TRAVEL_METHODS),
            "brought_back_by": RETURN_METHOD_WORDS.get(episode.return_method, ""),
            "harm_experienced": harm,
            "harm_details": rng.choice(HARM_DETAILS) if harm else "",
            "fears_anyone": fears,
            "fears_details": "Worried about an older person they say they owe money to." if fears else "",
            "health_needs": rng.choice(HEALTH_NEEDS) if chance(rng, 0.1) else "",
            "child_words": rng.choice(CHILD_WORDS),
            "wishes_and_feelings": rng.choice(WISHES),
            "safety_advice": rng.choice(SAFETY_ADVICE),
            "worker_assessment": rng.choice(ASSESSMENTS[2:] if risky else ASSESSMENTS[:2] + ASSESSMENTS[3:]),
            "recommendations": rng.choice(RECOMMENDATIONS),
            "updated_at": held_at,
        }
        return row

    def _after_interview(self, plan: Plan, rhi: Row, interview: Row) -> None:
        rng, rows, now, add, ids = self.rng, self.rows, self.now, self.writer.add, self.ids
        child, episode = plan.child, plan.clock_episode
        held_at: datetime = interview["held_at"]
        risky = child.profile is not None

        indicators: list[str] = []
        if chance(rng, 0.85 if risky else 0.3):
            table = INDICATOR_TABLES[child.profile]
            for _ in range(rng.randint(1, 3)):
                indicator = table.pick(rng)
                if indicator not in indicators:
                    indicators.append(indicator)
            for indicator in indicators:
                add(
                    RiskIndicatorFinding,
                    rows.risk_indicator(
                        id=ids.next(RiskIndicatorFinding), rhi_id=plan.id, indicator=indicator
                    ),
                )

        places: list[str] = []
        if chance(rng, 0.7 if risky else 0.4):
            gone_from = episode.missing_at
            gone_to = episode.returned_at or gone_from
            for place in rng.sample(plan.la.places, rng.choice((1, 1, 2))):
                from_at = gone_from + (gone_to - gone_from) * rng.uniform(0, 0.6)
                to_at = from_at + (gone_to - from_at) * rng.uniform(0.1, 1.0)
                places.append(place.description)
                add(
                    Location,
                    rows.location(
                        id=ids.next(Location),
                        rhi_id=plan.id,
                        description=place.description,
                        place_type=place.place_type,
                        town=place.town,
                        postcode=place.postcode,
                        latitude=place.latitude,
                        longitude=place.longitude,
                        from_at=from_at.replace(microsecond=0),
                        to_at=to_at.replace(microsecond=0),
                    ),
                )
        interview["where_went"] = "; ".join(places) if places else "Stayed around the local area."

        if chance(rng, 0.6 if risky else 0.2):
            for nickname in rng.sample(plan.la.nicknames, rng.choice((1, 1, 2))):
                age = rng.randint(17, 26) if risky else rng.randint(13, 19)
                add(
                    Associate,
                    rows.associate(
                        id=ids.next(Associate),
                        rhi_id=plan.id,
                        name=nickname,
                        approximate_age=age,
                        relationship=rng.choice(ASSOCIATE_RELATIONSHIPS),
                        vehicle=rng.choice(VEHICLES) if age >= 18 and chance(rng, 0.25) else "",
                    ),
                )

        edits_until = rhi["submitted_at"] or held_at + hours(rng, 0.5, 3)
        interview["updated_at"] = min(edits_until, now)
        add(Interview, rows.interview(interview))

        # Follow-up referrals on ~30% of completed RHIs (more when there are risk indicators).
        if chance(rng, 0.5 if indicators else 0.2):
            services: list[str] = []
            for indicator in indicators:
                options = SERVICE_FOR_INDICATOR.get(indicator)
                if options:
                    services.append(rng.choice(options))
            if not services:
                services.append(GENERAL_SERVICES.pick(rng))
            for service in dict.fromkeys(services[:2]):
                sent_at = held_at + hours(rng, 2, 72)
                if sent_at > now:
                    continue
                acknowledged_at = sent_at + hours(rng, 2, 144) if chance(rng, 0.82) else None
                if acknowledged_at is not None and acknowledged_at > now:
                    acknowledged_at = None
                outcome = REFERRAL_OUTCOME.pick(rng) if acknowledged_at and chance(rng, 0.7) else ""
                police = service == "police_intelligence" and episode.police_force is not None
                add(
                    Referral,
                    rows.referral(
                        id=ids.next(Referral),
                        rhi_id=plan.id,
                        service=service,
                        recipient_organisation_id=episode.police_force.org_id
                        if police and episode.police_force
                        else None,
                        recipient_name=(
                            episode.police_force.ref.name
                            if police and episode.police_force
                            else f"{plan.la.ref.name} {SERVICE_NAMES[service]}"
                        ),
                        reason=REFERRAL_REASONS[service],
                        risk_indicators=[
                            i for i in indicators if service in SERVICE_FOR_INDICATOR.get(i, ())
                        ],
                        sent_at=sent_at,
                        acknowledgement_due_at=sent_at + timedelta(days=5),
                        acknowledged_at=acknowledged_at,
                        acknowledged_by_name=f"Duty officer, {SERVICE_NAMES[service]}"
                        if acknowledged_at
                        else "",
                        outcome=outcome,
                        outcome_notes="",
                        created_by_id=plan.worker_id,
                        created_at=sent_at - timedelta(minutes=rng.randint(0, 30)),
                        updated_at=acknowledged_at or sent_at,
                    ),
                )

        # A police intelligence summary for some interviews with something the police should know.
        consent_given = rhi["consent_to_share"] == "given"
        force = episode.police_force
        if (
            force is not None
            and indicators
            and rhi["approved_at"] is not None
            and (consent_given or rhi["share_without_consent"])
            and chance(rng, 0.6)
        ):
            shared_at = rhi["approved_at"] + hours(rng, 1, 72)
            if shared_at <= now:
                self._disclose(
                    plan,
                    level="intelligence_summary",
                    recipient=force.org_id,
                    shared_at=shared_at,
                    shared_by=plan.worker_id,
                    rhi=rhi,
                    acknowledger=force.police_user_id,
                    due_days=3,
                )

    def _share_outcome(self, plan: Plan, rhi: Row) -> None:
        """Out-of-area children: the placing authority hears the outcome and is offered the report."""
        child = plan.child
        if (
            child.la is plan.la
            or rhi["outcome_recorded_at"] is None
            or rhi["state"]
            not in (
                "approved",
                "declined",
                "unable_to_contact",
                "not_offered",
            )
        ):
            return
        rng, now = self.rng, self.now
        closed_at = rhi["approved_at"] or rhi["outcome_recorded_at"]
        shared_at = closed_at + hours(rng, 0.1, 24)
        if shared_at > now:
            return
        self._disclose(
            plan,
            level="notification",
            recipient=child.la.org_id,
            shared_at=shared_at,
            shared_by=None,
            rhi=rhi,
            acknowledger=child.la.partner_user_id,
            due_days=2,
            about_outcome=True,
        )
        if rhi["state"] == "approved" and (
            rhi["consent_to_share"] == "given" or rhi["share_without_consent"]
        ):
            shared_at = shared_at + hours(rng, 1, 48)
            if shared_at <= now:
                self._disclose(
                    plan,
                    level="full_report",
                    recipient=child.la.org_id,
                    shared_at=shared_at,
                    shared_by=plan.worker_id,
                    rhi=rhi,
                    acknowledger=child.la.partner_user_id,
                    due_days=5,
                )

    def _disclose(
        self,
        plan: Plan,
        *,
        level: str,
        recipient: int,
        shared_at: datetime,
        shared_by: int | None,
        rhi: Row,
        acknowledger: int | None,
        due_days: int,
        about_outcome: bool = False,
    ) -> None:
        rng, now = self.rng, self.now
        if about_outcome:
            lawful_basis, consent_state, justification = "public_task", "not_required", ""
        elif rhi["consent_to_share"] == "given":
            lawful_basis, consent_state, justification = "consent", "given", ""
        else:
            lawful_basis = "public_task"
            consent_state = "refused_overridden" if rhi["consent_to_share"] == "refused" else "not_sought"
            justification = rhi["consent_override_justification"]
        acknowledged_at = shared_at + hours(rng, 1, 120) if chance(rng, 0.75) else None
        if acknowledged_at is not None and acknowledged_at > now:
            acknowledged_at = None
        self.writer.add(
            Disclosure,
            self.rows.disclosure(
                id=self.ids.next(Disclosure),
                child_id=plan.child.id,
                rhi_id=plan.id,
                episode_id=None,
                level=level,
                recipient_organisation_id=recipient,
                shared_at=shared_at,
                shared_by_id=shared_by,
                lawful_basis=lawful_basis,
                consent_state=consent_state,
                override_justification=justification,
                acknowledgement_due_at=shared_at + timedelta(days=due_days),
                acknowledged_at=acknowledged_at,
                acknowledged_by_id=acknowledger if acknowledged_at else None,
            ),
        )
