"""A few case notes on the demo teams' newest cases (docs/case-notes.md), so a child's timeline shows notes beside
its episode and RHI. Written after the other rows (ordinary inserts: a handful), at fixed times before the demo's
"now", so the demo stays deterministic."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.color import no_style
from django.db import connection

from accounts.models import User
from casenotes.models import CaseNote, NoteKind
from rhi.models import ReturnHomeInterview

from .world import World

# (kind, hours before "now", text): all within the 30 hours since the scenario children's returns.
NOTES: tuple[tuple[str, int, str], ...] = (
    (NoteKind.PHONE_CALL, 20, "Rang the carer to arrange the interview: the child is in after school."),
    (NoteKind.INFORMATION_RECEIVED, 5, "School says attendance is back to normal this week."),
    (NoteKind.VISIT, 1, "Home visit: calm, spent the evening with the family. Next contact Friday."),
)
WORKERS = ("la.worker", "worker")
CASES_PER_WORKER = 2


def add_case_notes(world: World) -> int:
    """Three notes on each of the two newest RHIs allocated to each demo team's first worker."""
    notes: list[CaseNote] = []
    for username in WORKERS:
        user_id = world.user_ids.get(username)
        if user_id is None:
            continue
        organisation_id = User.objects.filter(pk=user_id).values_list("organisation_id", flat=True).get()
        rhis = ReturnHomeInterview.objects.filter(allocated_worker_id=user_id).order_by("-pk")
        for child_id in rhis.values_list("child_id", flat=True)[:CASES_PER_WORKER]:
            for kind, hours, text in NOTES:
                occurred = world.span.now - timedelta(hours=hours)
                notes.append(
                    CaseNote(
                        # Explicit ids, as every other demo row: a sequence is not rewound by a flush, so
                        # ids from it would differ between two seeds of the same database.
                        id=len(notes) + 1,
                        child_id=child_id,
                        organisation_id=organisation_id,
                        author_id=user_id,
                        occurred_at=occurred,
                        kind=kind,
                        text=text,
                        created_at=occurred + timedelta(minutes=20),
                    )
                )
    CaseNote.objects.bulk_create(notes)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [CaseNote]):
            cursor.execute(sql)
    return len(notes)
