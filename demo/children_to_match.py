"""Two police notifications without an LA child id waiting in Sandwell's "match the child" queue (issue 14 item
1), so the Black Country team manager's home and the queue show them whatever the seed: one whose name and date
of birth fit two children (Sam Lee, and Samuel Lee known as Sam), one that nearly fits one (Catherine Jones for
Katherine Jones). As ``missing_episodes.services.record_notification`` leaves them: the episode (still missing,
so no RHI yet) is on a provisional child with no LA child id, and a question lists the candidates. Fixed names
and times; only the police references come from the seed's generator, as every other reference does."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from missing_episodes.models import Child, ChildMatchQuestion, MissingEpisode

from .cases import CaseGenerator
from .reference import SANDWELL
from .timeutil import LONDON
from .world import LACtx, World

# (candidates: first name, known as), the notification's first name, last name, date of birth, reason,
# hours since the notification arrived.
QUEUED = (
    ((("Sam", ""), ("Samuel", "Sam")), "Sam", "Lee", date(2012, 1, 20), "several", 3),
    ((("Katherine", ""),), "Catherine", "Jones", date(2011, 3, 4), "near", 27),
)


def _child(
    cases: CaseGenerator,
    la: LACtx,
    first: str,
    last: str,
    known_as: str,
    born: date,
    at: datetime,
    *,
    new: bool,
) -> int:
    child_id = cases.ids.next(Child)
    cases.writer.add(
        Child,
        cases.rows.child(
            id=child_id,
            responsible_la_id=la.org_id,
            la_child_id="" if new else f"{la.ref.code}{la.next_child_number:07d}",
            provisional=new,
            first_name=first,
            last_name=last,
            known_as=known_as,
            date_of_birth=born,
            gender="not_known" if new else "male" if first.startswith("Sam") else "female",
            ethnicity="NOBT",
            has_disability=False,
            is_uasc=False,
            legal_status="none",
            legal_status_since=None,
            social_worker_name="",
            social_worker_email="",
            social_worker_phone="",
            social_work_team="",
            created_at=at,
            updated_at=at,
        ),
    )
    if not new:
        la.next_child_number += 1
    return child_id


def add_children_to_match(cases: CaseGenerator, world: World) -> int:
    la = world.las_by_code.get(SANDWELL)
    if la is None:
        return 0
    now = world.span.now
    for candidates, first, last, born, reason, hours_ago in QUEUED:
        arrived = now - timedelta(hours=hours_ago)
        known_ids = [
            _child(cases, la, name, last, known_as, born, arrived - timedelta(days=400), new=False)
            for name, known_as in candidates
        ]
        provisional = _child(cases, la, first, last, "", born, arrived, new=True)
        missing_at = arrived - timedelta(hours=4)
        episode_id = cases.ids.next(MissingEpisode)
        cases.writer.add(
            MissingEpisode,
            cases.rows.episode(
                id=episode_id,
                child_id=provisional,
                responsible_la_id=la.org_id,
                category="missing",
                risk_level="medium",
                missing_from="home",
                missing_at=missing_at,
                reported_at=missing_at + timedelta(hours=2),
                police_force_id=la.force.org_id,
                police_reference=la.force.next_reference(cases.rng, arrived.astimezone(LONDON).year),
                returned_at=None,
                return_method="",
                found_location="",
                police_notified_at=None,
                safe_and_well_at=None,
                safe_and_well_by="",
                placement_id=None,
                # No placement on a provisional child: no snapshot, as the service leaves it.
                host_la_id=None,
                was_out_of_area=None,
                created_at=arrived,
                updated_at=arrived,
            ),
        )
        question_id = cases.ids.next(ChildMatchQuestion)
        cases.writer.add(
            ChildMatchQuestion,
            {
                "id": question_id,
                "responsible_la_id": la.org_id,
                "provisional_child_id": provisional,
                "episode_id": episode_id,
                "reason": reason,
                "raised_at": arrived,
            },
        )
        through = ChildMatchQuestion.candidates.through
        for child_id in known_ids:
            cases.writer.add(
                through,
                {"id": cases.ids.next(through), "childmatchquestion_id": question_id, "child_id": child_id},
            )
    return len(QUEUED)
