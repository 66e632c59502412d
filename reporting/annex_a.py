"""Ofsted ILACS Annex A list 8 (children in care): the columns this service holds, one row per looked-after
child of the LA at the as-at date, with the missing and return interview columns computed here.

Column headings are Ofsted's template headings (docs/returns.md). Counts cover the 12 months up to and
including the as-at date (episodes that began after the same date a year earlier), and only episodes that
began while the child was looked after. The return interview questions are about the child's last *missing*
(not absent) episode in those 12 months: offered = an offer was recorded or an outcome that follows one
(accepted or declined); accepted = the child accepted (the interview was arranged or held). Both are blank
when the child had no missing episode in the 12 months.

Four queries whatever the number of children; no model instance per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from accounts.models import Organisation
from missing_episodes.models import Child, EpisodeCategory, Gender, Placement
from missing_episodes.selectors import age_on, episodes_while_looked_after, looked_after_on
from reporting.export_types import ExportContent, Sheet
from reporting.ssda903 import DateFormatter, local_midnight
from rhi.models import Outcome, ReturnHomeInterview, RHIEpisode, RHIState
from rhi.selectors import answering_rhi_ids

COLUMNS = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
    "Does the Child have a Disability",
    "Placement Location",
    "LA of Placement",
    "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months",
    "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months",
    "Was the child offered a Return Interview after their last missing episode (Y/N)?",
    "Did the child accept a Return Interview after their last missing episode (Y/N)?",
    "Allocated Team",
    "Allocated Worker",
]
GENDER_VALUES = {
    Gender.MALE.value: "a) Male",
    Gender.FEMALE.value: "b) Female",
    Gender.NOT_KNOWN.value: "c) Not stated/recorded",
    Gender.OTHER.value: "d) Neither",
}
OFFERED_STATES = frozenset(
    {
        RHIState.OFFERED,
        RHIState.ACCEPTED,
        RHIState.DRAFTING,
        RHIState.SUBMITTED,
        RHIState.RETURNED,
        RHIState.APPROVED,
        RHIState.DECLINED,
    }
)
ACCEPTED_STATES = frozenset(
    {RHIState.ACCEPTED, RHIState.DRAFTING, RHIState.SUBMITTED, RHIState.RETURNED, RHIState.APPROVED}
)


@dataclass(frozen=True)
class Window:
    """The 12 months up to and including ``as_at``."""

    as_at: date

    @property
    def first_day(self) -> date:
        try:
            return self.as_at.replace(year=self.as_at.year - 1) + timedelta(days=1)
        except ValueError:  # 29 February
            return self.as_at.replace(year=self.as_at.year - 1, day=28) + timedelta(days=1)


def looked_after_children(*, local_authority_id: int, as_at: date) -> Any:
    return Child.objects.filter(looked_after_on(as_at), responsible_la_id=local_authority_id)


def offered_and_accepted(state: str | None, offered_at: Any, outcome: str | None) -> tuple[str, str]:
    """Y/N for the two return interview questions from the RHI that addressed the episode (N when none)."""
    if state is None:
        return "N", "N"
    offered = (
        offered_at is not None or state in OFFERED_STATES or outcome in (Outcome.ACCEPTED, Outcome.DECLINED)
    )
    accepted = outcome == Outcome.ACCEPTED or state in ACCEPTED_STATES
    return ("Y" if offered else "N"), ("Y" if accepted else "N")


def _interviews(episode_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Offered / accepted for each episode from the RHI that answers for it (``rhi.selectors.answering_rhi_ids``:
    its own, or the last RHI that took it over when the child went missing again — the same rule as the
    performance return). One more query only when an RHI was superseded."""
    links = list(
        RHIEpisode.objects.filter(episode_id__in=episode_ids).values_list(
            "episode_id", "rhi_id", "rhi__superseded_by_id", "rhi__state", "rhi__offered_at", "rhi__outcome"
        )
    )
    answers: dict[int, tuple[Any, ...]] = {rhi_id: tuple(rest) for _, rhi_id, _, *rest in links}
    answering = answering_rhi_ids({rhi_id: successor for _, rhi_id, successor, *_ in links})
    successors = set(answering.values()) - set(answers)
    if successors:
        for rhi_id, *rest in ReturnHomeInterview.objects.filter(pk__in=successors).values_list(
            "pk", "state", "offered_at", "outcome"
        ):
            answers[rhi_id] = tuple(rest)
    return {episode_id: offered_and_accepted(*answers[answering[rhi_id]]) for episode_id, rhi_id, *_ in links}


def list8_rows(*, local_authority_id: int, as_at: date) -> list[list[object]]:
    """Annex A list 8 rows (in ``COLUMNS`` order) for every child the LA looks after on ``as_at``."""
    window = Window(as_at)
    looked_after = looked_after_children(local_authority_id=local_authority_id, as_at=as_at)
    children = list(
        looked_after.order_by("la_child_id").values_list(
            "pk",
            "la_child_id",
            "gender",
            "ethnicity",
            "date_of_birth",
            "is_uasc",
            "has_disability",
            "social_work_team",
            "social_worker_name",
        )
    )
    # Episodes that began in the 12 months, while the child was looked after: counted per child and
    # category; the latest missing one is the "last missing episode".
    counts: dict[tuple[int, str], int] = {}
    last_missing: dict[int, tuple[Any, int]] = {}
    for child_id, category, episode_id, missing_at in (
        episodes_while_looked_after()
        .filter(
            child__in=looked_after,
            missing_at__gte=local_midnight(window.first_day),
            missing_at__lt=local_midnight(as_at + timedelta(days=1)),
        )
        .values_list("child_id", "category", "pk", "missing_at")
        .iterator(chunk_size=5000)
    ):
        counts[(child_id, category)] = counts.get((child_id, category), 0) + 1
        if category == EpisodeCategory.MISSING and (
            child_id not in last_missing or (missing_at, episode_id) > last_missing[child_id]
        ):
            last_missing[child_id] = (missing_at, episode_id)
    child_ids = [row[0] for row in children]
    placements: dict[int, tuple[int, str]] = {}
    for child_id, host_la_id, host_la_name in (
        Placement.objects.filter(child_id__in=child_ids, start_date__lte=as_at)
        .exclude(end_date__lt=as_at)
        .order_by("child_id", "start_date", "pk")
        .values_list("child_id", "host_la_id", "host_la__name")
    ):
        placements[child_id] = (host_la_id, host_la_name)  # the latest start wins
    interviews = _interviews([episode_id for _, episode_id in last_missing.values()])

    formatted = DateFormatter()
    rows: list[list[object]] = []
    for (
        child_id,
        la_child_id,
        gender,
        ethnicity,
        dob,
        is_uasc,
        has_disability,
        team,
        worker,
    ) in children:
        placement = placements.get(child_id)
        if placement is None:
            location, placement_la = "", ""
        else:
            location = "In" if placement[0] == local_authority_id else "Out"
            placement_la = placement[1]
        if child_id in last_missing:
            offered, accepted = interviews.get(last_missing[child_id][1], ("N", "N"))
        else:
            offered, accepted = "", ""
        rows.append(
            [
                la_child_id,
                GENDER_VALUES.get(gender, "c) Not stated/recorded"),
                ethnicity,
                formatted(dob),
                age_on(dob, as_at),
                "Y" if is_uasc else "N",
                "Yes" if has_disability else "No",
                location,
                placement_la,
                counts.get((child_id, EpisodeCategory.MISSING.value), 0),
                counts.get((child_id, EpisodeCategory.ABSENT.value), 0),
                offered,
                accepted,
                team,
                worker,
            ]
        )
    return rows


def build_export(*, local_authority: Organisation, date_from: date, date_to: date) -> ExportContent:
    """List 8 as at ``date_to`` (``date_from`` is not used: the list is 'as at' a day)."""
    rows = list8_rows(local_authority_id=local_authority.pk, as_at=date_to)
    return ExportContent(
        title=f"Ofsted Annex A list 8 (missing columns), {local_authority.name} ({local_authority.code}), "
        f"as at {date_to:%d/%m/%Y}",
        sheets=[Sheet("List 8", list(COLUMNS), rows)],
        pdf_template="reporting/pdf/return.html",
        pdf_context={"local_authority": local_authority, "period": f"as at {date_to:%-d %B %Y}"},
        row_count=len(rows),
    )
