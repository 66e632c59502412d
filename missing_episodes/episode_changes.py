"""Writes about changes the police make during an episode (issue 14 item 3; docs/episode-changes.md): a
reclassification (absent to missing or back) and a re-graded risk.

``record_changes`` is called by ``services.record_episode`` whenever a notification sent again (the web form,
a CSV re-import, the API) changes an episode's category or risk grade, and by ``reclassify_episode``, the
episode page's form: each change is kept as an ``EpisodeChange`` with the time the police made it (the time
given, else when it was recorded) and audited. The category the returns count the episode under is decided by
``missing_episodes.classification`` and stored here (``refresh_returns_category``). Whether an RHI is owed
does not depend on the category (docs/episode-changes.md, "The RHI duty"), so nothing here touches the RHI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.episodes import can_reclassify_episode
from accounts.models import User
from audit.models import AuditAction
from audit.services import record_event
from core.exceptions import ActionNotAllowed
from missing_episodes.classification import CategoryChange, category_for_returns
from missing_episodes.models import (
    ChangedField,
    EpisodeCategory,
    EpisodeChange,
    EpisodeSource,
    MissingEpisode,
    RiskLevel,
)

CHANGED_FIELDS = (ChangedField.CATEGORY.value, ChangedField.RISK_LEVEL.value)
CHANGED_AT_FUTURE = "The time of the change cannot be in the future."
CHANGED_AT_BEFORE_START = "The time of the change must be after the child was last seen."
CHANGED_AT_BEFORE_LAST = "The time of the change must be after the last change of it already recorded"
NOTHING_CHANGED = "Choose a different category or risk grade: these are the ones already recorded."
STALE = (
    "Someone else changed this episode while you were editing it: nothing was saved. Check the details below "
    "and record the change again if it is still needed."
)


class StaleChangeError(Exception):
    """The episode changed after the person opened the form."""


def changed_at_errors(
    *, episode: MissingEpisode, changed_at: datetime | None, now: datetime, fields: Sequence[str]
) -> dict[str, str]:
    """A given time of change is between the time last seen and now, and not before the last change of the
    same ``fields`` already kept: each field's changes then follow one another in time as they were made, which
    the returns' rule reads (``reclassified_at`` in every channel)."""
    if changed_at is None:
        return {}
    if changed_at > now:
        return {"reclassified_at": CHANGED_AT_FUTURE}
    if episode.missing_at is not None and changed_at < episode.missing_at:
        return {"reclassified_at": CHANGED_AT_BEFORE_START}
    latest = (
        EpisodeChange.objects.filter(episode_id=episode.pk, field__in=fields)
        .order_by("-changed_at")
        .values_list("changed_at", flat=True)
        .first()
    )
    if latest is not None and changed_at < latest:
        shown = timezone.localtime(latest).strftime("%d/%m/%Y %H:%M")
        return {"reclassified_at": f"{CHANGED_AT_BEFORE_LAST} ({shown})."}
    return {}


def refresh_returns_category(episode: MissingEpisode) -> None:
    """Store the category the returns count the episode under (``classification.category_for_returns``, the
    one rule) after its category, or a time the rule reads (the return), changed. Inside the caller's
    transaction, with the episode locked."""
    changes = [
        CategoryChange(changed_at=at, old_value=old, new_value=new)
        for at, old, new in EpisodeChange.objects.filter(
            episode_id=episode.pk, field=ChangedField.CATEGORY
        ).values_list("changed_at", "old_value", "new_value")
    ]
    value = (
        category_for_returns(category=episode.category, changes=changes, returned_at=episode.returned_at)
        if changes
        else ""
    )
    if value != episode.category_in_returns:
        episode.category_in_returns = value
        MissingEpisode.objects.filter(pk=episode.pk).update(category_in_returns=value)


def record_changes(
    *,
    episode: MissingEpisode,
    before: Mapping[str, Any] | None,
    changed_at: datetime | None,
    by: User | None,
    source: str,
    now: datetime,
) -> list[EpisodeChange]:
    """Keep and audit each change of category or risk grade of this saved episode (``before``: its values as
    they were; None for a new episode, which has none), and the category the returns use. Inside the caller's
    transaction: a ``changed_at`` outside the episode raises ValidationError, which rolls it all back."""
    if before is None:
        return []
    rows = [
        EpisodeChange(
            episode=episode,
            field=name,
            old_value=before[name] or "",
            new_value=getattr(episode, name) or "",
            changed_at=changed_at or now,
            recorded_at=now,
            recorded_by=by if by is not None and by.is_authenticated else None,
            source=source,
        )
        for name in CHANGED_FIELDS
        if (before[name] or "") != (getattr(episode, name) or "")
    ]
    fields = [row.field for row in rows]
    errors = changed_at_errors(episode=episode, changed_at=changed_at, now=now, fields=fields) if rows else {}
    if errors:
        raise ValidationError(errors)
    EpisodeChange.objects.bulk_create(rows)
    for row in rows:
        record_event(
            actor=by,
            action=AuditAction.UPDATE,
            obj=episode,
            detail={
                "step": "reclassified" if row.field == ChangedField.CATEGORY else "risk_regraded",
                "field": row.field,
                "old": row.old_value,
                "new": row.new_value,
                "changed_at": row.changed_at.isoformat(),
                "source": source,
            },
        )
    if rows or before.get("returned_at", episode.returned_at) != episode.returned_at:
        refresh_returns_category(episode)
    return rows


@transaction.atomic(durable=True)
def reclassify_episode(
    *,
    episode_id: int,
    expected_updated_at: str,
    category: str,
    risk_level: str,
    changed_at: datetime | None,
    by: User,
) -> list[EpisodeChange]:
    """Record, from the episode page, that the police reclassified the episode or re-graded its risk, at
    ``changed_at`` (None: now). Refused if someone changed the episode after ``expected_updated_at`` (ISO
    8601) or if nothing changes."""
    episode = MissingEpisode.objects.select_for_update().get(pk=episode_id)
    if not can_reclassify_episode(by, episode):
        raise ActionNotAllowed(
            "Only whoever records this episode's police notifications can record a change."
        )
    if episode.updated_at.isoformat() != expected_updated_at:
        raise StaleChangeError(STALE)
    now = timezone.now()
    fields = [
        name
        for name, value in (("category", category), ("risk_level", risk_level))
        if value != getattr(episode, name)
    ]
    errors = changed_at_errors(episode=episode, changed_at=changed_at, now=now, fields=fields)
    if category not in EpisodeCategory.values:
        errors["category"] = "Choose missing or absent."
    if risk_level and risk_level not in RiskLevel.values:
        errors["risk_level"] = "Choose a risk grade from the list."
    if not errors and (category, risk_level) == (episode.category, episode.risk_level):
        errors["category"] = NOTHING_CHANGED
    if errors:
        raise ValidationError(errors)
    before = {name: getattr(episode, name) for name in CHANGED_FIELDS}
    episode.category, episode.risk_level, episode.updated_at = category, risk_level, now
    episode.save(update_fields=["category", "risk_level", "updated_at"])
    rows = record_changes(
        episode=episode, before=before, changed_at=changed_at, by=by, source=EpisodeSource.MANUAL, now=now
    )
    record_event(
        actor=by,
        action=AuditAction.UPDATE,
        obj=episode,
        detail={"changed": [row.field for row in rows], "source": EpisodeSource.MANUAL},
    )
    return rows
