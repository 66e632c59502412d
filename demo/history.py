"""A multi-year demo history for one LA, as the two spreadsheets an LA would import (``make_demo_history``):
the episodes (the import_episodes format) and the RHI outcomes (the import_rhi_outcomes format), for a new set of
children of that LA (ids ``H<seed>-…``, references ``HIST<seed>-…``). The same arguments always give the same
rows (docs/import-rhi-outcomes.md, "A five-year demo"). It reads no database.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from missing_episodes.importers import HEADER as EPISODE_HEADER
from rhi.importers import HEADER as OUTCOME_HEADER
from rhi.models import (
    ChildChoice,
    ContactMethod,
    DeclineReason,
    InterviewerIndependence,
    InterviewLocation,
    NotOfferedReason,
)

FIRST_NAMES = {
    "male": ["Jordan", "Kai", "Tyler", "Reece", "Mason", "Leo", "Ibrahim", "Callum", "Dylan", "Marcus"],
    "female": ["Amara", "Leah", "Chloe", "Jade", "Aisha", "Ruby", "Mia", "Keira", "Nadia", "Ellie"],
}
LAST_NAMES = ["Walsh", "Okoye", "Price", "Brooks", "Khan", "Evans", "Murphy", "Hughes", "Begum", "Clarke"]
FOUND = ["Returned by themselves", "Found by police in the town centre", "Found at a friend's address", ""]
OUTCOME_WEIGHTS = {"accepted": 55, "declined": 22, "unable_to_contact": 10, "not_offered": 13}
INDEPENDENCE_WEIGHTS = {
    InterviewerIndependence.INDEPENDENT_PROVIDER.value: 70,
    InterviewerIndependence.LA_OTHER_TEAM.value: 10,
    InterviewerIndependence.EXISTING_RELATIONSHIP.value: 10,
    InterviewerIndependence.CHILDS_SOCIAL_WORKER.value: 6,
    InterviewerIndependence.VOLUNTEER.value: 4,
}


def _clock_change_hour(moment: datetime) -> bool:
    """A UK local time that happens twice (autumn) or never (spring): left out so every time is unambiguous."""
    london = ZoneInfo("Europe/London")
    return moment.replace(tzinfo=london).utcoffset() != moment.replace(tzinfo=london, fold=1).utcoffset()


def _later(rng: random.Random, start: datetime, low: int, high: int) -> datetime:
    """A time ``low``–``high`` minutes after ``start``, avoiding the hour the clocks change."""
    while True:
        moment = start + timedelta(minutes=rng.randint(low, high))
        if not _clock_change_hour(moment):
            return moment


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def default_until(today: date) -> date:
    """The end of the last complete collection year (31 March) before today."""
    end = date(today.year, 3, 31)
    return end if end < today else date(today.year - 1, 3, 31)


@dataclass(frozen=True)
class DemoHistory:
    episodes: list[dict[str, str]]
    outcomes: list[dict[str, str]]


def _outcome(rng: random.Random, force: str, reference: str, returned: datetime) -> dict[str, str]:
    row = dict.fromkeys(OUTCOME_HEADER, "")
    row |= {"police_force": force, "police_reference": reference}
    kind = rng.choices(list(OUTCOME_WEIGHTS), weights=list(OUTCOME_WEIGHTS.values()))[0]
    row["outcome"] = kind
    if kind in ("accepted", "declined"):
        offered = _later(rng, returned, 90, 40 * 60)
        row |= {
            "offered_at": _local(offered),
            "offered_to": rng.choice(["child", "child", "both", "parent_carer"]),
            "offer_method": rng.choice(
                [ContactMethod.PHONE, ContactMethod.PHONE, ContactMethod.TEXT, ContactMethod.IN_PERSON]
            ),
        }
        if kind == "accepted":
            held = _later(rng, offered, 120, 70 * 60)
            row |= {
                "interview_held_at": _local(held),
                "interview_location": rng.choice(InterviewLocation.values),
                "interviewer_independence": rng.choices(
                    list(INDEPENDENCE_WEIGHTS), weights=list(INDEPENDENCE_WEIGHTS.values())
                )[0],
                "child_choice_of_interviewer": rng.choice(ChildChoice.values),
            }
        else:
            by_parent = rng.random() < 0.25
            reason = DeclineReason.PARENT_REFUSED.value if by_parent else rng.choice(DeclineReason.values)
            row |= {"declined_by": "parent_carer" if by_parent else "child", "decline_reason": reason}
            if reason == DeclineReason.OTHER:
                row["decline_reason_text"] = "Said they were fine and did not want to talk about it"
    elif kind == "not_offered":
        reason = rng.choice(NotOfferedReason.values)
        row["not_offered_reason"] = reason
        if reason == NotOfferedReason.OTHER:
            row["not_offered_text"] = "Placement ended the same day"
    return row


def build_demo_history(
    *, la: str, years: int, until: date, seed: int, per_year: int, force: str
) -> DemoHistory:
    """Children and their episodes spread over ``years`` years up to ``until``; one outcome per episode.
    Each child's episodes follow one another (no overlaps); every time is in the past of ``until``."""
    rng = random.Random(f"demo-history:{seed}:{la}:{years}:{until.isoformat()}:{per_year}")
    try:
        first_day = until.replace(year=until.year - years) + timedelta(days=1)
    except ValueError:  # 29 February
        first_day = until.replace(year=until.year - years, day=28) + timedelta(days=1)
    last_start = datetime.combine(until - timedelta(days=10), time(12, 0))
    start = datetime.combine(first_day, time(0, 0))
    span_minutes = int((last_start - start).total_seconds() // 60)
    total = per_year * years
    n_children = max(1, total // 4)
    children = []
    for index in range(n_children):
        gender = rng.choice(["male", "female"])
        age_days = rng.randint(9 * 365, 17 * 365 - 365 * years if years < 8 else 10 * 365)
        children.append(
            {
                "responsible_la": la,
                "la_child_id": f"H{seed}-{index + 1:05d}",
                "first_name": rng.choice(FIRST_NAMES[gender]),
                "last_name": rng.choice(LAST_NAMES),
                "date_of_birth": (first_day - timedelta(days=age_days)).isoformat(),
                "gender": gender,
            }
        )
    # A few children go missing often (as in real data): weights from a long-tailed distribution.
    weights = [rng.paretovariate(1.5) for _ in children]
    starts: dict[int, list[int]] = {}
    for _ in range(total):
        child = rng.choices(range(n_children), weights=weights)[0]
        starts.setdefault(child, []).append(rng.randint(0, span_minutes))

    dated: list[tuple[datetime, dict[str, str], datetime]] = []
    for child_index, minutes in starts.items():
        minutes.sort()
        for position, offset in enumerate(minutes):
            missing = start + timedelta(minutes=offset)
            gap = (
                (minutes[position + 1] - offset) if position + 1 < len(minutes) else 10 * 24 * 60
            ) - 60  # an hour before the next episode starts
            duration = min(rng.randint(3 * 60, 60 * 60), gap)
            if duration < 3 * 60:
                continue  # too close to the next one: leave it out
            returned = missing + timedelta(minutes=duration)
            reported = missing + timedelta(minutes=rng.randint(30, min(240, duration - 60)))
            notified = returned + timedelta(minutes=rng.randint(20, 12 * 60))
            if any(_clock_change_hour(moment) for moment in (missing, reported, returned, notified)):
                continue
            episode = children[child_index] | {
                "police_force": force,
                "category": "missing" if rng.random() < 0.8 else "absent",
                "risk_level": rng.choice(["low", "medium", "medium", "high", "no_apparent_risk"]),
                "missing_from": rng.choice(["care", "care", "home"]),
                "missing_at": _local(missing),
                "reported_at": _local(reported),
                "returned_at": _local(returned),
                "police_notified_at": _local(notified),
                "found_location": rng.choice(FOUND),
            }
            dated.append((missing, episode, returned))
    dated.sort(key=lambda item: (item[0], item[1]["la_child_id"]))
    episodes, outcomes = [], []
    for number, (missing, episode, returned) in enumerate(dated, start=1):
        reference = f"HIST{seed}-{missing.year}-{number:06d}"
        episodes.append(
            {name: episode.get(name, "") for name in EPISODE_HEADER} | {"police_reference": reference}
        )
        outcomes.append(_outcome(rng, force, reference, returned))
    return DemoHistory(episodes=episodes, outcomes=outcomes)


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
