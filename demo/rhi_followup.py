"""What an RHI leaves behind once its interview is held: the interview record and its findings (risk
indicators, places, associates), follow-up referrals, and what is shared with the police and the placing
authority. Mixed into ``demo.rhis.RHIEngine``, which calls it while replaying a plan.

Ratios aimed at: ~30% of completed RHIs lead to a referral (more with risk indicators); out-of-area children's
placing authorities hear every outcome and get the report when consent allows.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from referrals.models import Referral
from referrals.services import referral_acknowledgement_due
from rhi.models import (
    Associate,
    Interview,
    Location,
    ReturnHomeInterview,
    RiskIndicatorFinding,
)
from sharing.models import Disclosure
from sharing.services import disclosure_acknowledgement_due

from .people import (
    ASSESSMENTS,
    ASSOCIATE_RELATIONSHIPS,
    CHILD_WORDS,
    HARM_DETAILS,
    HEALTH_NEEDS,
    OVERRIDE_JUSTIFICATIONS,
    PULL_FACTORS,
    PUSH_FACTORS,
    REASONS_TEXT,
    RECOMMENDATIONS,
    REFERRAL_REASONS,
    SAFETY_ADVICE,
    TRAVEL_METHODS,
    VEHICLES,
    WHO_WITH,
    WISHES,
)
from .random_tools import Weighted, chance, hours
from .rows import Rows

if TYPE_CHECKING:
    from .rhi_plans import Plan
    from .writer import IdAllocator, Row, RowWriter

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


class FollowUp:
    """The interview and everything after it. The engine supplies the shared generator state below."""

    rng: random.Random
    rows: Rows
    now: datetime
    writer: RowWriter
    ids: IdAllocator
    rules_rhis: dict[tuple[int, int], ReturnHomeInterview]

    def _as_the_rules_read_it(self, plan: Plan) -> ReturnHomeInterview:
        """The RHI as the services' acknowledgement rules read it (its authority and policy snapshot, so its
        working-day calendar), unsaved: the seed writes rows in bulk, and the rules take an RHI. Every seeded
        snapshot names its policy, so the calendar comes from the snapshot without a query. One per authority
        and policy, so what the rules work out from it once is not worked out again for every RHI."""
        key = (plan.la.org_id, plan.policy.id)
        rhi = self.rules_rhis.get(key)
        if rhi is None:
            rhi = ReturnHomeInterview(local_authority_id=plan.la.org_id, policy_snapshot=plan.policy.snapshot)
            self.rules_rhis[key] = rhi
        return rhi

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
        """The findings, the interview row itself, referrals and an intelligence summary, in this order: the
        order the random draws are made in is part of the data set (same seed, same rows)."""
        indicators = self._risk_indicators(plan)
        self._places(plan, interview)
        self._associates(plan)
        held_at: datetime = interview["held_at"]
        edits_until = rhi["submitted_at"] or held_at + hours(self.rng, 0.5, 3)
        interview["updated_at"] = min(edits_until, self.now)
        self.writer.add(Interview, self.rows.interview(interview))
        self._referrals(plan, indicators, held_at)
        self._intelligence_summary(plan, rhi, indicators)

    def _risk_indicators(self, plan: Plan) -> list[str]:
        rng, rows, add, ids = self.rng, self.rows, self.writer.add, self.ids
        child = plan.child
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
        return indicators

    def _places(self, plan: Plan, interview: Row) -> None:
        rng, rows, add, ids = self.rng, self.rows, self.writer.add, self.ids
        episode = plan.clock_episode
        risky = plan.child.profile is not None
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

    def _associates(self, plan: Plan) -> None:
        rng, rows, add, ids = self.rng, self.rows, self.writer.add, self.ids
        risky = plan.child.profile is not None
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

    def _referrals(self, plan: Plan, indicators: list[str], held_at: datetime) -> None:
        """Follow-up referrals: one per service the findings call for (at most two)."""
        rng, rows, now, add, ids = self.rng, self.rows, self.now, self.writer.add, self.ids
        episode = plan.clock_episode
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
                        acknowledgement_due_at=referral_acknowledgement_due(
                            sent_at=sent_at, rhi=self._as_the_rules_read_it(plan)
                        ),
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

    def _intelligence_summary(self, plan: Plan, rhi: Row, indicators: list[str]) -> None:
        rng, now = self.rng, self.now
        episode = plan.clock_episode
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
                acknowledgement_due_at=disclosure_acknowledgement_due(
                    shared_at=shared_at, rhi=self._as_the_rules_read_it(plan), episode=None
                ),
                acknowledged_at=acknowledged_at,
                acknowledged_by_id=acknowledger if acknowledged_at else None,
            ),
        )
