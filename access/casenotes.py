"""Case notes on a child (docs/case-notes.md): who reads them, who writes them and who corrects them.

Notes are casework narrative, like an RHI's findings, and are never part of a disclosure: a police force or a
partner that received a notification or a summary sees nothing of them, not even that one exists. Whoever sees
the child in full (``access.episodes.visible_children``: the responsible council's casework staff, and the
workers and managers of the providers that work its RHIs) reads every note on the child and may add one.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from access.episodes import visible_children
from access.memberships import casework_organisation_ids, is_casework_user, managed_organisation_ids
from accounts.models import User
from casenotes.models import CaseNote
from missing_episodes.models import Child


def case_note_children(user: User | AnonymousUser) -> QuerySet[Child]:
    """Children whose timeline and notes the user may open (any other child answers 404)."""
    return visible_children(user)


def can_read_case_notes(user: User | AnonymousUser, child: Child) -> bool:
    return case_note_children(user).filter(pk=child.pk).exists()


def can_add_case_note(user: User | AnonymousUser, child: Child) -> bool:
    """Add a note: an RHI worker or team manager who sees the child in full. An API client needs a write scope
    on top (api.py asks its scopes)."""
    return is_casework_user(user) and can_read_case_notes(user, child)


def _corrects(user: User | AnonymousUser, note: CaseNote, managed: set[int]) -> bool:
    return note.corrects_id is None and (note.author_id == user.pk or note.organisation_id in managed)


def can_correct_case_note(user: User | AnonymousUser, note: CaseNote) -> bool:
    """Add a correction to a note: its author, or a team manager of the organisation it was written for, while
    they may still add notes on the child. Only an original is corrected (a correction's correction is another
    correction of the original)."""
    if not user.is_authenticated:
        return False
    return _corrects(user, note, managed_organisation_ids(user)) and can_add_case_note(user, note.child)


def correctable_note_ids(user: User | AnonymousUser, child: Child, notes: Iterable[CaseNote]) -> set[int]:
    """``can_correct_case_note`` for the notes of one child at once (a timeline page's "Correct" links)."""
    if not user.is_authenticated or not can_add_case_note(user, child):
        return set()
    managed = managed_organisation_ids(user)
    return {note.pk for note in notes if _corrects(user, note, managed)}


def author_organisation_id(user: User | AnonymousUser) -> int | None:
    """The organisation a note is written for: the author's home organisation when they do casework there,
    otherwise the first organisation they do casework for."""
    organisations = casework_organisation_ids(user)
    if not organisations:
        return None
    home = getattr(user, "organisation_id", None)
    return home if home in organisations else min(organisations)
