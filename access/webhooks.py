"""Outbound webhooks (docs/webhooks.md): who manages them, and which organisations are told of an event."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from access.memberships import admin_organisation_ids
from accounts.models import User
from missing_episodes.models import Child, MissingEpisode
from rhi.models import ReturnHomeInterview
from sharing.models import Disclosure


def webhook_organisation_ids(user: User | AnonymousUser) -> set[int]:
    """Organisations whose webhook subscriptions and delivery log the user manages: their org admins."""
    return admin_organisation_ids(user)


def webhook_recipients(event_type: str, obj: object) -> set[int]:
    """Organisations whose subscriptions hear of this event about ``obj``, by relation to the record: an
    episode's police force and responsible LA (and the provider of the RHI addressing it); an RHI's provider
    and the child's responsible LA; a disclosure's recipient only. The partner then reads the record through
    the API with its own token, at its own level."""
    if isinstance(obj, Disclosure):
        return {obj.recipient_organisation_id}
    if isinstance(obj, MissingEpisode):
        ids = {obj.responsible_la_id}
        if obj.police_force_id:
            ids.add(obj.police_force_id)
        ids |= set(
            ReturnHomeInterview.objects.filter(episode_links__episode_id=obj.pk).values_list(
                "provider_id", flat=True
            )
        )
        return ids
    if isinstance(obj, ReturnHomeInterview):
        responsible = Child.objects.filter(pk=obj.child_id).values_list("responsible_la_id", flat=True)
        return {obj.provider_id, *responsible}
    return set()
