"""The journey pages' world (tests/rhi/test_journey_views.py, test_findings_autosave.py): a provider's RHI (self
allocation allowed) with a worker and two managers, and the form data each journey page takes. The dates make
sense with the clock at NOW: the ``journey_clock`` fixture (tests/rhi/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.test import Client
from django.urls import reverse

from accounts.models import Organisation, Role, Team, User
from rhi import services
from rhi.clock import LONDON
from rhi.models import (
    ReturnHomeInterview,
    RHIState,
)
from tests.factories import member
from tests.factories_domain import ChildFactory, MissingEpisodeFactory, ProviderFactory

RETURNED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class JourneyCase:
    """An unallocated RHI of the provider's team, its worker, its manager and a second manager (``manager2``)."""

    rhi: ReturnHomeInterview
    provider: Organisation
    team: Team
    worker: User
    manager: User
    manager2: User


def build_journey_case() -> JourneyCase:
    provider = ProviderFactory.create(allow_self_allocation=True)
    team = Team.objects.create(organisation=provider, name="North")
    child = ChildFactory.create(first_name="Jordan", last_name="Taylor")
    episode = MissingEpisodeFactory.create(
        child=child, missing_at=RETURNED - timedelta(hours=20), returned_at=RETURNED
    )
    rhi = services.open_rhi_for_returned_episode(episode=episode)
    rhi.provider, rhi.team = provider, team
    rhi.save()
    worker = member("worker", provider, Role.RHI_WORKER, team)
    manager = member("manager", provider, Role.TEAM_MANAGER, team)
    return JourneyCase(
        rhi=rhi,
        provider=provider,
        team=team,
        worker=worker,
        manager=manager,
        manager2=member("deputy", provider, Role.TEAM_MANAGER, team),
    )


def local(when: datetime) -> str:
    return when.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def current(case: JourneyCase) -> ReturnHomeInterview:
    case.rhi.refresh_from_db()
    return case.rhi


def post(
    client: Client,
    name: str,
    case: JourneyCase,
    data: dict[str, Any],
    *,
    version: int | None = None,
    follow: bool = False,
) -> Any:
    rhi = current(case)
    payload = {"version": rhi.version if version is None else version} | data
    return client.post(reverse(f"rhi:{name}", args=[rhi.pk]), payload, follow=follow)


CONTACT = {
    "attempted_at": local(RETURNED + timedelta(hours=2)),
    "method": "phone",
    "contact_with": "child",
    "outcome": "spoke",
    "notes": "",
}
OFFER = {"offered_at": local(RETURNED + timedelta(hours=3)), "offered_to": "child", "method": "phone"}


def interview_data(case: JourneyCase, **overrides: Any) -> dict[str, Any]:
    return {
        "held_at": local(RETURNED + timedelta(hours=28)),
        "location_type": "home",
        "location_detail": "",
        "interviewer": case.worker.pk,
        "interviewer_name": "",
        "interviewer_independence": "independent_provider",
        "child_choice_of_interviewer": "yes",
        "others_present": "",
    } | overrides


def management(prefix: str, total: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def findings_data(**overrides: Any) -> dict:
    return {
        "push_factors": ["conflict_at_home"],
        "pull_factors": ["friends", "exploitation"],
        "reasons_text": "Argument about coming home on time.",
        "where_went": "A flat in town, then the bus station.",
        "who_with": "Jay and two others.",
        "travel_method": "Bus",
        "brought_back_by": "Police",
        "harm_experienced": "no",
        "harm_details": "",
        "fears_anyone": "yes",
        "fears_details": "Worried about owing Jay money.",
        "health_needs": "",
        "child_words": "I just needed to get away.",
        "wishes_and_feelings": "Wants to stay at home.",
        "safety_advice": "Gave the Runaway Helpline number.",
        "worker_assessment": "Signs of criminal exploitation.",
        "recommendations": "Refer to the exploitation team.",
        "risk_indicators": ["cce"],
        "risk_note_cce": "Asked to carry a bag.",
        **management("locations", 2),
        "locations-0-description": "Flat above the chip shop",
        "locations-0-place_type": "address",
        "locations-0-town": "Luton",
        "locations-0-postcode": "lu1 1aa",
        "locations-1-description": "Bus station",
        "locations-1-place_type": "transport",
        "locations-1-town": "Luton",
        "locations-1-postcode": "",
        **management("associates", 1),
        "associates-0-name": "Jay",
        "associates-0-approximate_age": "19",
        "associates-0-is_adult": "yes",
        "associates-0-relationship": "Older friend",
        "associates-0-vehicle": "Black Audi",
        "associates-0-notes": "",
    } | overrides


def to_drafting(client: Client, case: JourneyCase) -> None:
    client.force_login(case.worker)
    post(client, "offer", case, OFFER)
    post(client, "outcome", case, {"outcome": "accepted"})
    post(client, "interview", case, interview_data(case))
    assert current(case).state == RHIState.DRAFTING
