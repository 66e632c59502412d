"""Statutory returns, performance figures, exports and history imports: which local authorities' figures and
records a user may run or import.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from access.episodes import care_authority_ids
from access.memberships import authorities_served_by, intake_authority_ids
from accounts.models import Role, User
from accounts.selectors import memberships
from missing_episodes.models import ImportJob, ImportKind
from reporting.models import ExportJob


def reporting_authority_ids(user: User | AnonymousUser) -> set[int]:
    """LAs whose statutory returns and performance figures the user may run: their performance leads."""
    return {m.organisation_id for m in memberships(user) if m.role == Role.PERFORMANCE_LEAD}


def history_import_authority_ids(user: User | AnonymousUser) -> set[int]:
    """LAs whose past RHI outcomes the user may import (docs/import-rhi-outcomes.md): team managers for the LAs
    they record notifications for (as ``intake_authority_ids``) and performance leads for their LA. A row whose
    episode's responsible LA is not among them is refused."""
    managed = {m.organisation_id for m in memberships(user) if m.role == Role.TEAM_MANAGER}
    return authorities_served_by(managed) | reporting_authority_ids(user)


def visible_export_jobs(user: User | AnonymousUser) -> QuerySet[ExportJob]:
    """Export jobs the user may poll and download, on the pages and through the API: only those they started
    themselves, and only while they still run returns for that LA (a performance lead who moved on loses them)."""
    if not user.is_authenticated:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(
        requested_by_id=user.pk, local_authority_id__in=reporting_authority_ids(user)
    )


def visible_import_jobs(user: User | AnonymousUser) -> QuerySet[ImportJob]:
    """Import jobs (web uploads) the user may follow and whose problems they may download: only those they
    started themselves, and only while they still import that kind of file (police notifications:
    ``intake_authority_ids``; past RHI outcomes: ``history_import_authority_ids``; periods of care:
    ``access.episodes.care_authority_ids``)."""
    if not user.is_authenticated:
        return ImportJob.objects.none()
    kinds = [
        kind
        for kind, authorities in (
            (ImportKind.EPISODES, intake_authority_ids),
            (ImportKind.RHI_HISTORY, history_import_authority_ids),
            (ImportKind.CARE_PERIODS, care_authority_ids),
        )
        if authorities(user)
    ]
    return ImportJob.objects.filter(requested_by_id=user.pk, kind__in=kinds)
