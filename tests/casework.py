"""Casework the referral, sharing, report and API tests share: an RHI taken through the lifecycle services to
drafting with findings in every category (``build_case``), or approved and ready to share with its police force's
coordinator and the placing authority's partner viewer (``sharing_case``). The dates make sense with the clock at
``NOW``: tests using these ask for the ``casework_clock`` fixture (tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from accounts.models import Organisation, Role, Team, User
from missing_episodes.models import Child, MissingEpisode
from referrals import services
from referrals.models import Referral
from rhi import services as rhi_services
from rhi.models import Associate, Interview, Location, ReturnHomeInterview, RiskIndicatorFinding
from sharing import services as sharing_services
from sharing.models import Disclosure, DisclosureLevel
from tests.factories import member
from tests.factories_domain import ChildFactory, MissingEpisodeFactory, ProviderFactory

# Thursday 21 May 2026; Monday 25 May 2026 is the Spring bank holiday in England.
RETURNED = datetime(2026, 5, 21, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
CHILD_WORDS = "I went to see my cousin because home was too loud."
WHERE_WENT = "Stayed at a flat near Luton station."
ASSESSMENT = "Risk of criminal exploitation is rising."
# Shared at Wednesday 10 June 2026 12:00 UTC: Thursday and Friday are the two working days.
ACK_DUE = datetime(2026, 6, 12, 22, 59, 59, 999999, tzinfo=UTC)
HEALTH_NEEDS = "Needs her asthma inhaler refilled."
REASONS = "Home felt unbearable after the argument."
VEHICLE = "Silver Ford Focus AB12 CDE"


@dataclass(frozen=True)
class Case:
    """An RHI of a provider's team with its allocated worker and their manager."""

    rhi: ReturnHomeInterview
    worker: User
    manager: User
    provider: Organisation
    team: Team
    child: Child

    def as_kwargs(self) -> dict[str, Any]:
        """The fields by name, to build a richer case from this one."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True)
class SharingCase(Case):
    """An approved RHI, its episode, the episode's police force with a coordinator, and the child's council with
    a partner viewer."""

    episode: MissingEpisode
    force: Organisation
    police: User
    la: Organisation
    partner: User


def build_case(*, approve: bool = False, consent: str = "given", prefix: str = "") -> Case:
    """An RHI taken through the lifecycle services to drafting (findings written with the ORM), or approved."""
    provider = ProviderFactory.create(name=f"{prefix}Safe Return Partnership")
    team = Team.objects.create(organisation=provider, name="North")
    child = ChildFactory.create(first_name="Jordan", last_name="Quillfeather")
    episode = MissingEpisodeFactory.create(
        child=child, missing_at=RETURNED - timedelta(hours=20), returned_at=RETURNED
    )
    rhi = rhi_services.open_rhi_for_returned_episode(episode=episode)
    rhi.provider = provider
    rhi.save()
    worker = member(f"{prefix}worker", provider, Role.RHI_WORKER, team)
    manager = member(f"{prefix}manager", provider, Role.TEAM_MANAGER, team)
    rhi_services.allocate_rhi(rhi_id=rhi.pk, worker=worker, by=manager)
    rhi_services.record_offer(
        rhi_id=rhi.pk, by=worker, offered_at=RETURNED + timedelta(hours=4), offered_to="child", method="phone"
    )
    rhi_services.record_acceptance(rhi_id=rhi.pk, by=worker)
    rhi_services.record_interview(
        rhi_id=rhi.pk,
        by=worker,
        interview={
            "held_at": RETURNED + timedelta(hours=26),
            "location_type": "home",
            "interviewer_independence": "independent_provider",
            "child_choice_of_interviewer": "yes",
        },
    )
    Interview.objects.filter(rhi=rhi).update(
        child_words=CHILD_WORDS,
        where_went=WHERE_WENT,
        worker_assessment=ASSESSMENT,
        push_factors=["conflict_at_home"],
        wishes_and_feelings="Wants more time with her cousin.",
    )
    RiskIndicatorFinding.objects.create(rhi=rhi, indicator="cce", notes="Asked to carry a bag.")
    RiskIndicatorFinding.objects.create(rhi=rhi, indicator="missing_with_others")
    Location.objects.create(rhi=rhi, description="Flat above the chip shop", town="Luton", postcode="LU1 2AB")
    Associate.objects.create(rhi=rhi, name="Big T", approximate_age=24, is_adult=True)
    rhi.refresh_from_db()
    rhi.consent_to_share = consent
    rhi.save()
    if approve:
        rhi_services.submit_for_approval(rhi_id=rhi.pk, by=worker)
        rhi_services.approve(rhi_id=rhi.pk, by=manager)
    rhi.refresh_from_db()
    return Case(rhi=rhi, worker=worker, manager=manager, provider=provider, team=team, child=child)


def refer(case: Case, **kwargs: Any) -> Referral:
    by = kwargs.pop("by", case.worker)
    data: dict[str, Any] = {
        "service": "exploitation_team",
        "recipient_name": "Exploitation hub",
        "reason": "Signs of county lines involvement.",
        "risk_indicators": ["cce"],
        "sent_at": datetime(2026, 5, 22, 14, 0, tzinfo=UTC),
    } | kwargs
    return services.make_referral(rhi_id=case.rhi.pk, by=by, **data)


def sharing_case(*, consent: str = "given", prefix: str = "", **draft_fields: Any) -> SharingCase:
    """An approved RHI with findings in every category, its police force's coordinator and the placing
    authority's partner viewer. ``draft_fields`` are set on the RHI before it is approved."""
    case = build_case(approve=False, consent=consent, prefix=prefix)
    rhi = case.rhi
    # Written while in draft: an approved report's findings are frozen in the database.
    Interview.objects.filter(rhi=rhi).update(
        health_needs=HEALTH_NEEDS, reasons_text=REASONS, travel_method="Train to Luton"
    )
    rhi.associates.update(vehicle=VEHICLE, relationship="Older friend")
    rhi.locations.update(from_at=datetime(2026, 5, 20, 22, 0, tzinfo=UTC))
    if draft_fields:
        type(rhi).objects.filter(pk=rhi.pk).update(**draft_fields)
    rhi_services.submit_for_approval(rhi_id=rhi.pk, by=case.worker)
    rhi_services.approve(rhi_id=rhi.pk, by=case.manager)
    rhi.refresh_from_db()
    episode = rhi.episodes.get()
    force = episode.police_force
    assert force is not None  # MissingEpisodeFactory always reports to a force
    return SharingCase(
        **case.as_kwargs(),
        episode=episode,
        force=force,
        police=member(f"{prefix}police", force, Role.POLICE),
        la=rhi.child.responsible_la,
        partner=member(f"{prefix}partner", rhi.child.responsible_la, Role.PARTNER_VIEWER),
    )


def share(case: SharingCase, **kwargs: Any) -> Disclosure:
    data: dict[str, Any] = {
        "rhi_id": case.rhi.pk,
        "by": case.manager,
        "recipient_organisation_id": case.force.pk,
        "level": DisclosureLevel.INTELLIGENCE_SUMMARY,
        "lawful_basis": "public_task",
    } | kwargs
    return sharing_services.share(**data)
