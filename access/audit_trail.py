"""Who may open a record's 'who has seen this record' page (docs/audit.md)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from access.casework import visible_rhis
from access.episodes import visible_children
from access.memberships import admin_organisation_ids, managed_organisation_ids
from accounts.models import User
from missing_episodes.models import Child
from rhi.models import ReturnHomeInterview


def audit_trail_children(user: User | AnonymousUser) -> QuerySet[Child]:
    """Children whose 'who has seen this record' page the user may open: team managers who can see the child,
    and org admins of the child's responsible LA (who see the trail, not the case)."""
    condition = Q(pk__in=[])
    if managed_organisation_ids(user):
        condition |= Q(pk__in=visible_children(user).values("pk"))
    admin_of = admin_organisation_ids(user)
    if admin_of:
        condition |= Q(responsible_la_id__in=admin_of)
    return Child.objects.filter(condition)


def audit_trail_rhis(user: User | AnonymousUser) -> QuerySet[ReturnHomeInterview]:
    """RHIs whose 'who has seen this record' page the user may open: team managers of a provider that can see
    the RHI, and org admins of its provider or of the child's responsible LA."""
    condition = Q(pk__in=[])
    managed = managed_organisation_ids(user)
    if managed:
        condition |= Q(pk__in=visible_rhis(user).filter(provider_id__in=managed).values("pk"))
    admin_of = admin_organisation_ids(user)
    if admin_of:
        condition |= Q(provider_id__in=admin_of) | Q(child__responsible_la_id__in=admin_of)
    return ReturnHomeInterview.objects.filter(condition)
