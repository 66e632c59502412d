"""The data behind the home page's panels and the navigation bar, assembled once per request from the apps'
selectors and the ``access`` policy, so no template tag queries while the page renders and every entry is offered
exactly to the people the page behind it admits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from access.api_clients import api_client_organisation_ids
from access.casework import takes_rhis_themselves
from access.clock_policies import policy_authorities
from access.episodes import care_authority_ids
from access.memberships import (
    is_casework_user,
    is_disclosure_recipient,
    placement_authority_ids,
    police_force_ids,
)
from access.org_admin import user_admin_organisation_ids
from access.reporting import reporting_authority_ids
from access.webhooks import webhook_organisation_ids
from accounts.models import Role, User
from accounts.selectors import organisations_by_name, user_roles
from missing_episodes.selectors import MatchQueueSummary, match_queue_summary
from referrals.models import Referral
from referrals.selectors import awaiting_acknowledgement_summary
from reporting.dashboard import year_to_date
from reporting.performance import IN_TIME, kept_performance_figures, percent
from rhi import queues
from sharing.selectors import received_counts

# Shown on the home page of the referrals waiting for acknowledgement (the full list has its own page).
REFERRALS_SHOWN = 5
# The section of a disclosure recipient whose role sections do not already count what was shared with them.
SHARED_SECTION = "shared"
# Role sections that already show the "Shared with ..." counts.
_SECTIONS_WITH_SHARED = frozenset({Role.POLICE, Role.PARTNER_VIEWER})


@dataclass(frozen=True)
class NavigationEntry:
    text: str
    view_name: str


def navigation_entries(user: User | AnonymousUser) -> list[NavigationEntry]:
    """The navigation bar's entries for this user, each offered by the same policy question its page asks
    before it answers (tests/home/test_navigation.py checks every entry against its page)."""
    entries = [NavigationEntry("Home", "home")]
    if is_casework_user(user):
        entries.append(NavigationEntry("Deadline dashboard", "rhi:dashboard"))
    if policy_authorities(user):
        entries.append(NavigationEntry("Clock policies", "rhi:policies"))
    if placement_authority_ids(user):
        entries.append(NavigationEntry("Placement notifications", "sharing_out_of_area:unnotified"))
    if is_disclosure_recipient(user):
        entries.append(NavigationEntry("Shared with you", "sharing:shared"))
    if police_force_ids(user):
        entries.append(NavigationEntry("Episodes in your area", "sharing:police_episodes"))
    if reporting_authority_ids(user):
        # The performance dashboard asks the same question as the returns (reporting_authority_ids).
        entries.append(NavigationEntry("Performance dashboard", "performance:dashboard"))
        entries.append(NavigationEntry("Statutory returns", "reporting:returns"))
    if user_admin_organisation_ids(user):
        entries.append(NavigationEntry("Users and teams", "accounts:org_users"))
    if api_client_organisation_ids(user):
        entries.append(NavigationEntry("API clients", "accounts:api_clients"))
    if webhook_organisation_ids(user):
        entries.append(NavigationEntry("Webhooks", "sharing_webhooks:list"))
    return entries


def home_sections(user: User | AnonymousUser) -> list[str]:
    """The home page's sections in order: one per role the user holds (most operational first), then, for a
    disclosure recipient whose role sections do not already show it, what was shared with their organisation."""
    sections: list[str] = list(user_roles(user))
    if is_disclosure_recipient(user) and not _SECTIONS_WITH_SHARED & set(sections):
        sections.append(SHARED_SECTION)
    return sections


def performance_headline(user: User | AnonymousUser, *, today: date) -> list[dict[str, Any]]:
    """This collection year's headline figures so far, one entry per LA the user reports on."""
    this_year, _ = year_to_date(today)
    headline = []
    for la in organisations_by_name(reporting_authority_ids(user)):
        result = kept_performance_figures(
            local_authority=la, date_from=this_year.date_from, date_to=this_year.date_to
        )
        headline.append(
            {
                "la": la,
                "period": this_year,
                "incidents": result.incidents,
                "children": result.children,
                "offered_percent": percent(result.counts["offered"], result.incidents),
                "carried_out_percent": percent(result.counts["carried_out"], result.incidents),
                "in_time_percent": percent(result.own.counts[IN_TIME], result.incidents),
                "no_rhi": result.counts["no_rhi"],
            }
        )
    return headline


@dataclass
class HomePage:
    """Everything the home page shows; a panel's data is gathered only when its section is shown."""

    sections: list[str]
    queues: queues.WorkerQueues | None = None
    referrals_awaiting: list[Referral] = field(default_factory=list)
    referrals_awaiting_count: int = 0
    referrals_overdue: int = 0
    awaiting_approval: list[dict[str, Any]] = field(default_factory=list)
    shared: dict[str, int] = field(default_factory=dict)
    headline: list[dict[str, Any]] = field(default_factory=list)
    # The council's own workers and managers import its periods of care (access.episodes.care_authority_ids).
    records_care: bool = False
    # An LA's org admins change its clock policies (access.clock_policies); a provider's have none.
    manages_policies: bool = False
    # Whether the worker's provider lets them take unallocated RHIs (access.casework.takes_rhis_themselves).
    takes_rhis: bool = False
    # Police notifications waiting for a person to match the child (missing_episodes.match_queue).
    children_to_match: MatchQueueSummary | None = None


def home_page(user: User, *, now: datetime) -> HomePage:
    sections = home_sections(user)
    page = HomePage(sections=sections)
    if Role.RHI_WORKER in sections:
        page.queues = queues.worker_queues(user, now=now)
        page.takes_rhis = takes_rhis_themselves(user)
        awaiting = awaiting_acknowledgement_summary(user, now=now, shown=REFERRALS_SHOWN)
        page.referrals_awaiting = awaiting.shown
        page.referrals_awaiting_count = awaiting.total
        page.referrals_overdue = awaiting.overdue
    if Role.TEAM_MANAGER in sections:
        page.awaiting_approval = queues.awaiting_approval(user, now=now)
        page.children_to_match = match_queue_summary(user)
    if Role.RHI_WORKER in sections or Role.TEAM_MANAGER in sections:
        page.records_care = bool(care_authority_ids(user))
    if is_disclosure_recipient(user) and _SECTIONS_WITH_SHARED.union({SHARED_SECTION}) & set(sections):
        page.shared = received_counts(user, now=now)
    if Role.ORG_ADMIN in sections:
        page.manages_policies = bool(policy_authorities(user))
    if Role.PERFORMANCE_LEAD in sections:
        page.headline = performance_headline(user, today=timezone.localdate(now))
    return page
