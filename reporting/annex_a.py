"""Ofsted ILACS Annex A list 8 (children in care): the columns this service holds, one row per looked-after
child of the LA at the as-at date, with the missing and return interview columns computed here.

Column headings are Ofsted's template headings (docs/returns.md). Counts cover the 12 months up to and
including the as-at date (episodes that began after the same date a year earlier), and only episodes that
began while the child was looked after. The return interview questions are about the child's last *missing*
(not absent) episode in those 12 months: offered = an offer was recorded or an outcome that follows one
(accepted or declined); accepted = the child accepted (the interview was arranged or held). Both are blank
when the child had no missing episode in the 12 months.

Values follow the template's codes (``reporting.annex_a_spec``: the one home of List 8's headings and codes),
and the return interview questions are answered as at the list's date (``reporting.annex_a_interviews``).
A child with no placement on the day has blank placement columns: "Complete your List 8" lists them as data
quality items for the lead (``placement_gaps``).

Four queries whatever the number of children (one more when an RHI changed after the day, two more per step
of a superseded chain); no model instance per row, and no Django converter per value (``fast_reads``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from accounts.models import Organisation
from missing_episodes.classification import returns_category
from missing_episodes.models import Child, EpisodeCategory, Placement
from missing_episodes.selectors import age_on, episodes_while_looked_after, looked_after_on
from reporting import annex_a_spec as spec
from reporting.annex_a_interviews import interviews_as_at
from reporting.export_types import ExportContent, Sheet
from reporting.fast_reads import ids_in, read_tuples
from reporting.ssda903 import DateFormatter, local_midnight

# The columns this service holds, in Ofsted's order (annex_a_spec.COLUMNS is the whole List 8).
COLUMNS = list(spec.HELD_HERE)


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


def list8_rows(*, local_authority_id: int, as_at: date) -> list[list[object]]:
    """Annex A list 8 rows (in ``COLUMNS`` order) for every child the LA looks after on ``as_at``."""
    window = Window(as_at)
    looked_after = looked_after_children(local_authority_id=local_authority_id, as_at=as_at)
    children = read_tuples(
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
    # category; the latest missing one is the "last missing episode". One LA's year, read in one round trip (a
    # server-side cursor, .iterator(), costs about 10 ms more whatever the size: docs/benchmarks.md).
    counts: dict[tuple[int, str], int] = {}
    last_missing: dict[int, tuple[Any, int]] = {}
    for child_id, category, episode_id, missing_at in read_tuples(
        episodes_while_looked_after()
        .filter(
            child__in=looked_after,
            missing_at__gte=local_midnight(window.first_day),
            missing_at__lt=local_midnight(as_at + timedelta(days=1)),
        )
        .annotate(counted_category=returns_category())  # missing_episodes.classification: the one rule
        .values_list("child_id", "counted_category", "pk", "missing_at")
    ):
        counts[(child_id, category)] = counts.get((child_id, category), 0) + 1
        if category == EpisodeCategory.MISSING and (
            child_id not in last_missing or (missing_at, episode_id) > last_missing[child_id]
        ):
            last_missing[child_id] = (missing_at, episode_id)
    child_ids = [row[0] for row in children]
    placements: dict[int, tuple[int, str, str]] = {}
    for child_id, host_la_id, host_la_name, host_nation in read_tuples(
        Placement.objects.filter(ids_in("child_id", child_ids), start_date__lte=as_at)
        .exclude(end_date__lt=as_at)
        .order_by("child_id", "start_date", "pk")
        .values_list("child_id", "host_la_id", "host_la__name", "host_la__nation")
    ):
        placements[child_id] = (host_la_id, host_la_name, host_nation)  # the latest start wins
    interviews = interviews_as_at([episode_id for _, episode_id in last_missing.values()], as_at)

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
            location = spec.PLACEMENT_IN if placement[0] == local_authority_id else spec.PLACEMENT_OUT
            placement_la = spec.la_of_placement(host_name=placement[1], host_nation=placement[2])
        if child_id in last_missing:
            offered, accepted = interviews.get(last_missing[child_id][1], ("N", "N"))
        else:
            offered, accepted = "", ""
        rows.append(
            [
                la_child_id,
                spec.GENDER_CODES.get(gender, spec.GENDER_CODES["not_known"]),
                spec.ETHNICITY_CODES.get(ethnicity, ethnicity),
                formatted(dob),
                age_on(dob, as_at),
                spec.YES if is_uasc else spec.NO,
                spec.DISABILITY_CODES[bool(has_disability)],
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


def placement_gaps(rows: list[list[object]]) -> list[str]:
    """The Child Unique IDs of rows with no placement on the day: a data quality item for the lead (Ofsted's
    "Placement Location" cannot be blank), never a blank written silently."""
    location = COLUMNS.index(spec.PLACEMENT_LOCATION)
    return [str(row[0]) for row in rows if not row[location]]


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
