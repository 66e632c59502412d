"""Rows for the history importers: episodes (import_episodes' format) and past RHI outcomes (import_rhi_outcomes'),
numbered so that outcome n belongs to episode n, and a snapshot of everything an import could change."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

from audit.models import AuditEvent
from missing_episodes.importers import HEADER as EPISODE_HEADER
from missing_episodes.importers import import_episodes_text
from rhi.clock import LONDON
from rhi.importers import HEADER
from rhi.models import (
    Interview,
    ReturnHomeInterview,
    StateTransition,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
FORCE = "E23000014"


def episode_row(n: int, *, child: str | None = None, day: int | None = None) -> dict[str, str]:
    """Episode n of the import_episodes format: returned at 09:00 the day after it started (2025)."""
    start = datetime(2025, 1, 1, 18, 0, tzinfo=LONDON) + timedelta(days=3 * (day if day is not None else n))
    return {
        "police_force": FORCE,
        "police_reference": f"WM-H-{n:04d}",
        "responsible_la": "333",
        "la_child_id": child or f"C{n:04d}",
        "first_name": "Jordan",
        "last_name": f"Taylor{child or n}",
        "date_of_birth": "2011-05-17",
        "gender": "male",
        "category": "missing",
        "risk_level": "medium",
        "missing_from": "home",
        "missing_at": at(start),
        "reported_at": "",
        "returned_at": at(start + timedelta(hours=15)),
        "police_notified_at": "",
        "found_location": "",
    }


def import_episodes(*rows: dict[str, str]) -> None:
    report = import_episodes_text(as_csv(EPISODE_HEADER, *rows))
    assert report.errors == [], report.errors


def returned(n: int) -> datetime:
    """Episode n's return, in UK time (as episode_row writes it)."""
    return datetime(2025, 1, 1, 18, 0, tzinfo=LONDON) + timedelta(days=3 * n, hours=15)


def at(moment: datetime) -> str:
    """A UK wall-clock time as the files give it (no offset: the importers read it as UK time)."""
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def outcome_row(n: int, kind: str = "accepted", **overrides: str) -> dict[str, str]:
    row = dict.fromkeys(HEADER, "") | {"police_force": FORCE, "police_reference": f"WM-H-{n:04d}"}
    back = returned(n)
    if kind == "accepted":
        row |= {
            "offered_at": at(back + timedelta(hours=3)),
            "offered_to": "child",
            "offer_method": "phone",
            "outcome": "accepted",
            "interview_held_at": at(back + timedelta(hours=30)),
            "interview_location": "home",
            "interviewer_independence": "independent_provider",
            "child_choice_of_interviewer": "yes",
        }
    elif kind == "declined":
        row |= {
            "offered_at": at(back + timedelta(hours=3)),
            "offered_to": "parent_carer",
            "offer_method": "phone",
            "outcome": "declined",
            "declined_by": "parent_carer",
            "decline_reason": "parent_refused",
        }
    elif kind == "not_offered":
        row |= {"outcome": "not_offered", "not_offered_reason": "in_custody"}
    else:
        row |= {"outcome": kind}
    return row | overrides


def as_csv(header: list[str], *rows: dict[str, str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def outcomes(*rows: dict[str, str]) -> str:
    return as_csv(HEADER, *rows)


def rhi_of(n: int) -> ReturnHomeInterview:
    return ReturnHomeInterview.objects.get(episodes__police_reference=f"WM-H-{n:04d}")


def snapshot() -> tuple[object, ...]:
    """Everything an import could change, to compare before and after."""
    return (
        sorted(
            ReturnHomeInterview.objects.values_list(
                "pk", "state", "outcome", "offered_at", "declined_by", "decline_reason", "source", "version"
            )
        ),
        sorted(Interview.objects.values_list("rhi_id", "held_at", "interviewer_independence")),
        StateTransition.objects.count(),
        AuditEvent.objects.count(),
    )
