"""The child's timeline and its case notes (access.casenotes): whoever sees the child's page in full sees the
timeline and adds notes; a note is corrected by its author or a team manager of its organisation."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from casenotes.models import CaseNote, NoteKind
from tests.matrix_world import World
from tests.permissions.grids import CASEWORK_OWN_AND_PLACED
from tests.permissions.matrix import GET, Route, Target
from tests.permissions.targets import CHILDREN, child_page

# Who wrote the note each relation's correction page is asked about: the manager of the provider that sees the
# child, so its worker may see the note but not correct it (403) and the manager may (200).
NOTE_AUTHORS = {
    "own": ("manager", "provider"),
    "placed_in": ("manager", "provider"),
    "unrelated": ("manager_other", "other_provider"),
}


def _note_target(relation: str, child_target: Target) -> Target:
    def target(world: World) -> tuple[dict[str, object], str]:
        kwargs, query = child_target(world)
        author, organisation = NOTE_AUTHORS[relation]
        note = CaseNote.objects.create(
            child_id=kwargs["pk"],
            organisation=getattr(world, organisation),
            author=world.users[author],
            occurred_at=timezone.now() - timedelta(days=1),
            kind=NoteKind.PHONE_CALL,
            text="Matrix note",
        )
        return {**kwargs, "note_pk": note.pk}, query

    return target


NOTES: dict[str, Target] = {relation: _note_target(relation, t) for relation, t in CHILDREN.items()}

ROUTES: dict[str, Route] = {
    # The timeline and its print version: the child's page's viewers (404 for anyone else, audited).
    "casenotes:timeline": Route(GET, CHILDREN, CASEWORK_OWN_AND_PLACED, markers=child_page),
    "casenotes:timeline_print": Route(GET, CHILDREN, CASEWORK_OWN_AND_PLACED, markers=child_page),
    # Adding a note: every RHI worker and team manager who sees the child.
    "casenotes:note_new": Route(GET, CHILDREN, CASEWORK_OWN_AND_PLACED),
    # Correcting a note: its author or a manager of its organisation; a worker who sees the child and the note,
    # but did not write it, is refused (403).
    "casenotes:note_correct": Route(
        GET,
        NOTES,
        """
                                    own   placed_in  unrelated
            worker                  403   403        404
            manager                 200   200        404
            performance_lead        404   404        404
            police                  404   404        404
            partner_viewer          404   404        404
            org_admin               404   404        404
            worker_other            404   404        403
            manager_other           404   404        200
            performance_lead_other  404   404        404
            police_other            404   404        404
            partner_viewer_other    404   404        404
            org_admin_other         404   404        404
            support                 404   404        404
            anonymous               login login      login
            """,
    ),
}
