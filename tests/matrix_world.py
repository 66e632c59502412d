"""The world the permission matrix (tests/permissions/) asks its questions about.

Organisations:
  Home (LA 330) commissions provider P (team North); P allows self-allocation.
  Placing (LA 860) has a child placed in Home's area: out of area for Placing, handled by Home's provider P.
  Other (LA 335) commissions provider Q: its child, RHI, referral and disclosure are unrelated to P's world.
  Police force F covers Home's area; force G is Q's child's force.

Records (keys of ``World.rhis``, ``children``, ``episodes``, … ):
  home       in-area child of Home: approved RHI with findings, a referral, an intelligence summary shared
             with F and a notification shared with Placing.
  placed     Placing's child placed in Home (out of area): approved RHI, automatically notified to Placing and
             offered to it as a full report (sharing/out_of_area.py).
  draft      Home child whose RHI is in drafting (interview, findings, consent, submit pages), and likewise
  submitted  (the manager's review), allocated (contact, offer, outcome) and intake: unallocated in P's
             intake queue (take, allocate).
  q          Other's child, handled by Q: approved RHI, referral, intelligence summary shared with G.
  home_open, placed_open   episodes of the home and placed children who are missing now (no return yet).
  export_jobs, api_clients, webhooks   "own" (Home's performance lead / org admin) and "unrelated" (Other's);
             api_clients also holds the clients of the API tokens below (``TOKEN_AS``).

API tokens (``World.extra["tokens"]``, issue 11): one client acting in each role a client can hold (P's team
manager, F's police, Placing's partner viewer, Home's performance lead), issued by its organisation's admin
and approved by a holder of the role (Home's, which writes care, by a Home team manager too); and P's, F's and
Home's issued by an org admin alone (pending).

Users (``World.users``), one per role in the organisation the role belongs to ("own") and one in the other
organisation ("*_other"), plus ``support`` (staff superuser, no case role); anonymous is no user.

Each RHI's interview holds its own "child's own words" sentence (``WORDS``): a page shows them only at the
full level, which is how the matrix checks the level a 200 was answered at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.api_client_services import approve_client, create_client
from accounts.models import ApiClient, ApiScope, Commission, Membership, Organisation, Role, Team, User
from missing_episodes.models import Child, ImportJob, ImportKind, ImportState, MissingEpisode, Placement
from referrals import services as referral_services
from referrals.models import Referral
from reporting.models import ExportJob, ExportState
from rhi import reports
from rhi import services as rhi_services
from rhi.models import (
    Associate,
    ClockPolicy,
    Interview,
    Location,
    ReportKind,
    ReturnHomeInterview,
    RiskIndicatorFinding,
)
from sharing import secret_box
from sharing import services as sharing_services
from sharing.models import Disclosure, DisclosureEvent, DisclosureLevel, WebhookSubscription
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    PlacementFactory,
    PoliceForceFactory,
    ProviderFactory,
)

WORDS = {
    "home": "Home child words: the house was too loud.",
    "placed": "Placed child words: I miss my old school.",
    "draft": "Draft child words: not finished yet.",
    "q": "Other child words: nobody else may read this.",
}
# In every intelligence summary (an associate's name), never in a notification.
ASSOCIATE = {"home": "Associate Big T", "placed": "Associate Little J", "q": "Associate Q-Man"}
INTELLIGENCE_HEADING = "Police intelligence summary"
NOTIFICATION_HEADING = "Notification only"
FULL_REPORT_HEADING = "Full report"

USER_KEYS = (
    "worker",
    "manager",
    "performance_lead",
    "police",
    "partner_viewer",
    "org_admin",
    "worker_other",
    "manager_other",
    "performance_lead_other",
    "police_other",
    "partner_viewer_other",
    "org_admin_other",
    "support",
    "anonymous",
)


@dataclass
class World:
    home: Organisation
    placing: Organisation
    other: Organisation
    provider: Organisation
    other_provider: Organisation
    force: Organisation
    other_force: Organisation
    users: dict[str, User]
    rhis: dict[str, ReturnHomeInterview]
    children: dict[str, Child]
    episodes: dict[str, MissingEpisode]
    placements: dict[str, Placement]
    referrals: dict[str, Referral]
    disclosures: dict[str, Disclosure]
    export_jobs: dict[str, ExportJob]
    api_clients: dict[str, ApiClient]
    webhooks: dict[str, WebhookSubscription]
    extra: dict[str, Any] = field(default_factory=dict)


def _member(username: str, org: Organisation, role: str, team: Team | None = None) -> User:
    user = User.objects.create_user(
        username=username,
        password="unused-password-1",
        organisation=org,
        first_name=username.replace("_", " ").title(),
        last_name="Matrix",
    )
    Membership.objects.create(user=user, organisation=org, team=team, role=role)
    return user


def _episode(child: Child, force: Organisation, returned: datetime, **kwargs: Any) -> MissingEpisode:
    episode: MissingEpisode = MissingEpisodeFactory.create(
        child=child,
        police_force=force,
        missing_at=returned - timedelta(hours=20),
        returned_at=returned,
        police_notified_at=returned + timedelta(hours=1),
        **kwargs,
    )
    return episode


def _to_drafting(
    episode: MissingEpisode, *, worker: User, manager: User, team: Team, key: str, returned: datetime
) -> ReturnHomeInterview:
    """Open the RHI for the episode and take it through the lifecycle services to drafting, with findings."""
    rhi = rhi_services.open_rhi_for_returned_episode(episode=episode)
    rhi.team = team
    rhi.save(update_fields=["team"])
    rhi_services.allocate_rhi(rhi_id=rhi.pk, worker=worker, by=manager)
    rhi_services.record_offer(
        rhi_id=rhi.pk, by=worker, offered_at=returned + timedelta(hours=4), offered_to="child", method="phone"
    )
    rhi_services.record_acceptance(rhi_id=rhi.pk, by=worker)
    rhi_services.record_interview(
        rhi_id=rhi.pk,
        by=worker,
        interview={
            "held_at": returned + timedelta(hours=26),
            "location_type": "home",
            "interviewer_independence": "independent_provider",
            "child_choice_of_interviewer": "yes",
        },
    )
    Interview.objects.filter(rhi=rhi).update(
        child_words=WORDS[key], worker_assessment="Risk is rising.", push_factors=["conflict_at_home"]
    )
    if key in ASSOCIATE:
        RiskIndicatorFinding.objects.create(rhi=rhi, indicator="cce", notes="Asked to carry a bag.")
        Location.objects.create(rhi=rhi, description="Flat above the chip shop", postcode="LU1 2AB")
        Associate.objects.create(rhi=rhi, name=ASSOCIATE[key], approximate_age=24, is_adult=True)
    rhi.refresh_from_db()
    rhi.consent_to_share = "given"
    rhi.save(update_fields=["consent_to_share"])
    return rhi


def _approve(rhi: ReturnHomeInterview, *, worker: User, manager: User) -> ReturnHomeInterview:
    rhi_services.submit_for_approval(rhi_id=rhi.pk, by=worker)
    rhi_services.approve(rhi_id=rhi.pk, by=manager)
    for kind in ReportKind.values:  # stored once, so the matrix downloads files instead of rendering PDFs
        reports.generate_report(rhi_id=rhi.pk, kind=kind)
    rhi.refresh_from_db()
    return rhi


def _refer(rhi: ReturnHomeInterview, worker: User, returned: datetime) -> Referral:
    return referral_services.make_referral(
        rhi_id=rhi.pk,
        by=worker,
        service="exploitation_team",
        recipient_name="Exploitation hub",
        reason="Signs of county lines involvement.",
        risk_indicators=["cce"],
        sent_at=returned + timedelta(hours=30),
    )


def build_world() -> World:
    now = timezone.now()
    returned = (now - timedelta(days=6)).replace(hour=9, minute=0, second=0, microsecond=0)

    home = LocalAuthorityFactory.create(code="330", name="Home Council")
    placing = LocalAuthorityFactory.create(code="860", name="Placing Council")
    other = LocalAuthorityFactory.create(code="335", name="Other Council")
    for la in (home, placing, other):
        ClockPolicy.objects.create(local_authority=la, effective_from=date(2020, 1, 1))
    provider = ProviderFactory.create(name="Provider P", allow_self_allocation=True)
    other_provider = ProviderFactory.create(name="Provider Q", allow_self_allocation=True)
    Commission.objects.create(local_authority=home, provider=provider, starts_on=date(2020, 4, 1))
    Commission.objects.create(local_authority=other, provider=other_provider, starts_on=date(2020, 4, 1))
    force = PoliceForceFactory.create(code="E23000031", name="Force F")
    other_force = PoliceForceFactory.create(code="E23000032", name="Force G")
    north = Team.objects.create(organisation=provider, name="North")
    south = Team.objects.create(organisation=other_provider, name="South")

    users = {
        "worker": _member("mx_worker", provider, Role.RHI_WORKER, north),
        "manager": _member("mx_manager", provider, Role.TEAM_MANAGER, north),
        "performance_lead": _member("mx_performance", home, Role.PERFORMANCE_LEAD),
        "police": _member("mx_police", force, Role.POLICE),
        "partner_viewer": _member("mx_partner", placing, Role.PARTNER_VIEWER),
        "org_admin": _member("mx_admin", home, Role.ORG_ADMIN),
        "worker_other": _member("mx_worker_q", other_provider, Role.RHI_WORKER, south),
        "manager_other": _member("mx_manager_q", other_provider, Role.TEAM_MANAGER, south),
        "performance_lead_other": _member("mx_performance_q", other, Role.PERFORMANCE_LEAD),
        "police_other": _member("mx_police_g", other_force, Role.POLICE),
        "partner_viewer_other": _member("mx_partner_q", other, Role.PARTNER_VIEWER),
        "org_admin_other": _member("mx_admin_q", other, Role.ORG_ADMIN),
    }
    users["support"] = User.objects.create_user(
        username="mx_support", password="unused-password-1", is_staff=True, is_superuser=True
    )
    worker, manager = users["worker"], users["manager"]
    worker_q, manager_q = users["worker_other"], users["manager_other"]

    # Home's in-area child: approved RHI, referral, intelligence summary to F, notification to Placing.
    home_child = ChildFactory.create(responsible_la=home, first_name="Hana", last_name="Homeward")
    home_placement = PlacementFactory.create(child=home_child, host_la=home, police_force_area=force)
    home_episode = _episode(home_child, force, returned, host_la=home, placement=home_placement)
    home_rhi = _to_drafting(
        home_episode, worker=worker, manager=manager, team=north, key="home", returned=returned
    )
    home_referral = _refer(home_rhi, worker, returned)
    home_rhi = _approve(home_rhi, worker=worker, manager=manager)
    police_intel = sharing_services.share(
        rhi_id=home_rhi.pk,
        by=manager,
        recipient_organisation_id=force.pk,
        level=DisclosureLevel.INTELLIGENCE_SUMMARY,
        lawful_basis="public_task",
    )
    # Placing Council has no relation to Home's child: the worker's share waits for the manager's approval.
    placing_note = sharing_services.share(
        rhi_id=home_rhi.pk,
        by=worker,
        recipient_organisation_id=placing.pk,
        level=DisclosureLevel.NOTIFICATION,
        lawful_basis="public_task",
        approval_reason="The child is often in Placing Council's area.",
    )
    placing_note = sharing_services.approve_share(disclosure_id=placing_note.pk, by=manager)

    # Placing's child placed in Home's area, handled by Home's provider P.
    placed_child = ChildFactory.create(responsible_la=placing, first_name="Pat", last_name="Placedaway")
    placed_placement = PlacementFactory.create(child=placed_child, host_la=home, police_force_area=force)
    placed_episode = _episode(
        placed_child, force, returned, host_la=home, placement=placed_placement, was_out_of_area=True
    )
    placed_rhi = _to_drafting(
        placed_episode, worker=worker, manager=manager, team=north, key="placed", returned=returned
    )
    placed_referral = _refer(placed_rhi, worker, returned)
    placed_rhi = _approve(placed_rhi, worker=worker, manager=manager)
    assert placed_rhi.provider_id == provider.pk and placed_rhi.local_authority_id == home.pk
    placing_full = Disclosure.objects.get(
        rhi=placed_rhi, recipient_organisation=placing, event=DisclosureEvent.REPORT_OFFERED
    )
    assert placing_full.level == DisclosureLevel.FULL_REPORT

    # Children missing right now (no return yet): Home's own, and Placing's child placed in Home.
    missing_since = now - timedelta(hours=3)
    home_open = MissingEpisodeFactory.create(
        child=home_child, police_force=force, missing_at=missing_since, returned_at=None, host_la=home
    )
    placed_open = MissingEpisodeFactory.create(
        child=placed_child,
        police_force=force,
        missing_at=missing_since,
        returned_at=None,
        host_la=home,
        placement=placed_placement,
        was_out_of_area=True,
    )

    # Home children whose RHIs are in drafting, and unallocated in P's intake queue.
    draft_child = ChildFactory.create(responsible_la=home, first_name="Dee", last_name="Drafting")
    draft_episode = _episode(draft_child, force, returned)
    draft_rhi = _to_drafting(
        draft_episode, worker=worker, manager=manager, team=north, key="draft", returned=returned
    )
    submitted_child = ChildFactory.create(responsible_la=home, first_name="Sam", last_name="Submitted")
    submitted_rhi = _to_drafting(
        _episode(submitted_child, force, returned),
        worker=worker,
        manager=manager,
        team=north,
        key="draft",
        returned=returned,
    )
    submitted_rhi = rhi_services.submit_for_approval(rhi_id=submitted_rhi.pk, by=worker)
    allocated_child = ChildFactory.create(responsible_la=home, first_name="Al", last_name="Allocated")
    allocated_rhi = rhi_services.open_rhi_for_returned_episode(
        episode=_episode(allocated_child, force, returned)
    )
    allocated_rhi.team = north
    allocated_rhi.save(update_fields=["team"])
    allocated_rhi = rhi_services.allocate_rhi(rhi_id=allocated_rhi.pk, worker=worker, by=manager)
    intake_child = ChildFactory.create(responsible_la=home, first_name="Ian", last_name="Intake")
    intake_episode = _episode(intake_child, force, returned)
    intake_rhi = rhi_services.open_rhi_for_returned_episode(episode=intake_episode)
    assert intake_rhi.provider_id == provider.pk and intake_rhi.allocated_worker_id is None

    # Other's child, handled by Q.
    q_child = ChildFactory.create(responsible_la=other, first_name="Quinn", last_name="Quietly")
    q_placement = PlacementFactory.create(child=q_child, host_la=other, police_force_area=other_force)
    q_episode = _episode(q_child, other_force, returned, host_la=other, placement=q_placement)
    q_rhi = _to_drafting(
        q_episode, worker=worker_q, manager=manager_q, team=south, key="q", returned=returned
    )
    q_referral = _refer(q_rhi, worker_q, returned)
    q_rhi = _approve(q_rhi, worker=worker_q, manager=manager_q)
    q_intel = sharing_services.share(
        rhi_id=q_rhi.pk,
        by=manager_q,
        recipient_organisation_id=other_force.pk,
        level=DisclosureLevel.INTELLIGENCE_SUMMARY,
        lawful_basis="public_task",
    )

    # Finished exports of each LA's performance lead.
    jobs = {}
    for key, user, la in (
        ("own", users["performance_lead"], home),
        ("unrelated", users["performance_lead_other"], other),
    ):
        job = ExportJob.objects.create(
            requested_by=user,
            return_kind="ssda903-missing",
            local_authority=la,
            date_from=date(2025, 4, 1),
            date_to=date(2026, 3, 31),
            format="csv",
            state=ExportState.DONE,
            progress=100,
            rows=0,
            finished_at=now,
        )
        job.file.save(f"matrix-{key}.csv", ContentFile(b"CHILD,DOB\n"), save=True)
        jobs[key] = job

    # Finished web imports (police spreadsheets with one bad row) of each provider's worker.
    import_jobs = {}
    for key, user in (("own", users["worker"]), ("unrelated", users["worker_other"])):
        import_job = ImportJob.objects.create(
            kind=ImportKind.EPISODES,
            requested_by=user,
            state=ImportState.DONE,
            bad_rows=1,
            problem_count=1,
            first_problems=[
                {"line": 2, "column": "row", "reason": "The row has a different number of columns."}
            ],
            finished_at=now,
        )
        import_job.problems_file.save(f"matrix-{key}.csv", ContentFile(b"line,column,problem\n"), save=True)
        import_jobs[key] = import_job

    # Each LA's admin has an API client and a webhook subscription.
    api_clients = {
        key: create_client(
            organisation=la, name=f"Matrix {key}", scopes=["rhi:read"], expires_at=None, by=admin
        )
        for key, la, admin in (
            ("own", home, users["org_admin"]),
            ("unrelated", other, users["org_admin_other"]),
        )
    }
    # API tokens of every role a client can act as (issue 11), each issued by its organisation's admin and
    # approved by a holder of its role; and three issued by an admin alone, never approved.
    tokens, token_clients = _api_tokens(
        home=home, placing=placing, provider=provider, force=force, users=users
    )
    webhooks = {
        key: WebhookSubscription.objects.create(
            organisation=la,
            url=f"https://{key}.example.invalid/hook",
            secret_ciphertext=secret_box.encrypt("s" * 40),
            event_types=["rhi.completed"],
        )
        for key, la in (("own", home), ("unrelated", other))
    }

    return World(
        home=home,
        placing=placing,
        other=other,
        provider=provider,
        other_provider=other_provider,
        force=force,
        other_force=other_force,
        users=users,
        rhis={
            "home": home_rhi,
            "placed": placed_rhi,
            "draft": draft_rhi,
            "submitted": submitted_rhi,
            "allocated": allocated_rhi,
            "intake": intake_rhi,
            "q": q_rhi,
        },
        children={"home": home_child, "placed": placed_child, "draft": draft_child, "q": q_child},
        episodes={
            "home": home_episode,
            "home_open": home_open,
            "placed": placed_episode,
            "placed_open": placed_open,
            "draft": draft_episode,
            "q": q_episode,
        },
        placements={"home": home_placement, "placed": placed_placement, "q": q_placement},
        referrals={"home": home_referral, "placed": placed_referral, "q": q_referral},
        disclosures={
            "police_intel": police_intel,
            "placing_note": placing_note,
            "placing_full": placing_full,
            "q_intel": q_intel,
        },
        export_jobs=jobs,
        api_clients={key: new.client for key, new in api_clients.items()} | token_clients,
        webhooks=webhooks,
        extra={"tokens": tokens, "import_jobs": import_jobs},
    )


# The API tokens (keys of ``World.extra["tokens"]``) and the person whose role each acts in (its 200s are
# checked with that person's markers). "token_pending_*" are issued by an org admin alone: never approved.
TOKEN_AS = {
    "token_manager": "manager",
    "token_police": "police",
    "token_partner_viewer": "partner_viewer",
    "token_performance_lead": "performance_lead",
    "token_pending_manager": "manager",
    "token_pending_police": "police",
    "token_pending_council": "performance_lead",
}
TOKEN_KEYS = tuple(TOKEN_AS)


def _api_tokens(
    *,
    home: Organisation,
    placing: Organisation,
    provider: Organisation,
    force: Organisation,
    users: dict[str, User],
) -> tuple[dict[str, str], dict[str, ApiClient]]:
    every_scope = list(ApiScope.values)
    admins = {
        org.pk: _member(f"mx_admin_{org.pk}", org, Role.ORG_ADMIN) for org in (provider, force, placing)
    }
    admins[home.pk] = users["org_admin"]
    home_partner = _member("mx_partner_home", home, Role.PARTNER_VIEWER)  # approves with the performance lead
    # ... and, as the client may write care (care:write), a team manager of Home's own (access.api_clients).
    home_manager = _member("mx_manager_home", home, Role.TEAM_MANAGER)
    issued = {
        "token_manager": (provider, every_scope, [users["manager"]]),
        "token_police": (force, every_scope, [users["police"]]),
        "token_partner_viewer": (
            placing,
            # A partner viewer's client: neither returns nor care (Home's client below writes care).
            [scope for scope in every_scope if scope not in (ApiScope.RETURNS_RUN, ApiScope.CARE_WRITE)],
            [users["partner_viewer"]],
        ),
        "token_performance_lead": (
            home,
            every_scope,
            [users["performance_lead"], home_partner, home_manager],
        ),
        "token_pending_manager": (provider, every_scope, []),
        "token_pending_police": (force, every_scope, []),
        "token_pending_council": (home, every_scope, []),
    }
    tokens: dict[str, str] = {}
    clients: dict[str, ApiClient] = {}
    for key, (organisation, scopes, approvers) in issued.items():
        new = create_client(
            organisation=organisation, name=key, scopes=scopes, expires_at=None, by=admins[organisation.pk]
        )
        for approver in approvers:
            approve_client(client_id=new.client.pk, by=approver)
        tokens[key] = new.token
        clients[key] = new.client
    return tokens, clients
