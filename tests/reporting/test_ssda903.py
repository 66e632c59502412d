"""SSDA903 Missing and Header rows and the DfE validation rules, on hand-built records whose right answers are
worked out here. Collection year 2025–26 runs 1 April 2025 to 31 March 2026; England is on BST from
30 March 2025 and from 29 March 2026, so an episode's date is its London date, not its UTC one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Organisation, Role
from missing_episodes.models import CareLegalStatus, CarePeriod, EpisodeCategory, Gender, LegalStatus
from reporting import ssda903
from reporting.periods import CollectionYear
from reporting.ssda903 import HeaderRecord, MissingRecord
from tests.factories import user_with_role
from tests.factories_domain import ChildFactory, LocalAuthorityFactory, MissingEpisodeFactory

pytestmark = pytest.mark.django_db
YEAR = CollectionYear.starting(2025)


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def looked_after(la: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("legal_status", LegalStatus.LOOKED_AFTER)
    kwargs.setdefault("date_of_birth", date(2010, 6, 15))
    return ChildFactory.create(responsible_la=la, **kwargs)


def missing_rows(la: Any, year: Any = YEAR) -> Any:
    return [row[2:] for row in ssda903.missing_records(local_authority_id=la.pk, year=year)]


def header_rows(la: Any, year: Any = YEAR) -> Any:
    return [row[1:] for row in ssda903.header_records(local_authority_id=la.pk, year=year)]


@pytest.fixture
def la() -> Organisation:
    return LocalAuthorityFactory.create(code="202", name="Camden")


def test_episode_spanning_the_year_end_is_still_missing_at_31_march_and_ends_in_the_next_year(
    la: Organisation,
) -> None:
    child = looked_after(la, la_child_id="A1")
    MissingEpisodeFactory.create(child=child, missing_at=at(2026, 3, 30, 20), returned_at=at(2026, 4, 2, 9))

    assert missing_rows(la) == [("A1", "15/06/2010", "M", "30/03/2026", "")]
    assert missing_rows(la, CollectionYear.starting(2026)) == [
        ("A1", "15/06/2010", "M", "30/03/2026", "02/04/2026")
    ]


def test_episode_spanning_the_year_start_keeps_its_real_start(la: Organisation) -> None:
    child = looked_after(la, la_child_id="A2")
    MissingEpisodeFactory.create(child=child, missing_at=at(2025, 3, 29, 10), returned_at=at(2025, 4, 3, 10))
    # Ended the day before the year began: not open in the year.
    MissingEpisodeFactory.create(child=child, missing_at=at(2025, 3, 1), returned_at=at(2025, 3, 31, 10))

    assert missing_rows(la) == [("A2", "15/06/2010", "M", "29/03/2025", "03/04/2025")]


def test_dates_are_london_dates_not_utc_dates(la: Organisation) -> None:
    child = looked_after(la, la_child_id="A3")
    # 23:30 UTC on 31 March 2025 is 00:30 BST on 1 April 2025.
    MissingEpisodeFactory.create(
        child=child, missing_at=at(2025, 3, 31, 23, 30), returned_at=at(2025, 4, 1, 22, 30)
    )

    assert missing_rows(la) == [("A3", "15/06/2010", "M", "01/04/2025", "01/04/2025")]


def test_still_missing_has_blank_end_and_absent_is_coded_a(la: Organisation) -> None:
    child = looked_after(la, la_child_id="A4")
    MissingEpisodeFactory.create(
        child=child,
        category=EpisodeCategory.ABSENT,
        missing_at=at(2025, 5, 1),
        returned_at=at(2025, 5, 1, 18),
    )
    MissingEpisodeFactory.create(child=child, missing_at=at(2026, 2, 1), returned_at=None)

    assert missing_rows(la) == [
        ("A4", "15/06/2010", "A", "01/05/2025", "01/05/2025"),
        ("A4", "15/06/2010", "M", "01/02/2026", ""),
    ]


def test_child_who_became_looked_after_mid_year_has_only_the_episodes_since(la: Organisation) -> None:
    child = looked_after(la, la_child_id="A5", legal_status_since=date(2025, 10, 1))
    MissingEpisodeFactory.create(
        child=child, missing_at=at(2025, 6, 1), returned_at=at(2025, 6, 2)
    )  # before care
    MissingEpisodeFactory.create(child=child, missing_at=at(2025, 11, 1), returned_at=at(2025, 11, 2))
    # Became looked after after the year ended: nothing in this year.
    later = looked_after(la, la_child_id="A6", legal_status_since=date(2026, 5, 1))
    MissingEpisodeFactory.create(child=later, missing_at=at(2025, 11, 1), returned_at=at(2025, 11, 2))

    assert missing_rows(la) == [("A5", "15/06/2010", "M", "01/11/2025", "02/11/2025")]
    assert [row[0] for row in header_rows(la)] == ["A5"]


def test_children_not_looked_after_or_of_another_authority_are_left_out(la: Organisation) -> None:
    MissingEpisodeFactory.create(
        child=ChildFactory.create(responsible_la=la, legal_status=LegalStatus.CHILD_IN_NEED),
        missing_at=at(2025, 7, 1),
    )
    other = LocalAuthorityFactory.create(code="203")
    MissingEpisodeFactory.create(child=looked_after(other), missing_at=at(2025, 7, 1))

    assert missing_rows(la) == []
    assert header_rows(la) == []


def test_header_has_one_row_per_child_in_the_missing_table_with_dfe_codes(la: Organisation) -> None:
    girl = looked_after(la, la_child_id="G1", gender=Gender.FEMALE, ethnicity="BAFR", upn="A123456789012")
    boy = looked_after(
        la, la_child_id="B1", gender=Gender.MALE, ethnicity="WBRI", date_of_birth=date(2011, 1, 2)
    )
    looked_after(la, la_child_id="N1")  # looked after, never missing: no Header row
    for child in (girl, boy, boy):
        MissingEpisodeFactory.create(child=child, missing_at=at(2025, 9, 1 + child.pk % 20))

    rows = sorted(header_rows(la))
    # 2025/26: SEX is M or F (rule 101 since 2024/25); no UPN held → UN5 for a child of school age.
    assert rows == [
        ("B1", "M", "02/01/2011", "WBRI", "UN5", "", ""),
        ("G1", "F", "15/06/2010", "BAFR", "A123456789012", "", ""),
    ]


def test_a_clean_set_passes_every_rule(la: Organisation) -> None:
    child = looked_after(la, gender=Gender.FEMALE)
    MissingEpisodeFactory.create(child=child, missing_at=at(2025, 4, 10), returned_at=at(2025, 4, 11))
    MissingEpisodeFactory.create(
        child=child, missing_at=at(2025, 4, 11, 15), returned_at=at(2025, 4, 12)
    )  # same day: fine
    MissingEpisodeFactory.create(child=child, missing_at=at(2026, 3, 30), returned_at=None)
    MissingEpisodeFactory.create(
        child=looked_after(la, gender=Gender.MALE),
        category=EpisodeCategory.ABSENT,
        missing_at=at(2025, 12, 24),
    )

    assert ssda903.validate_year(local_authority_id=la.pk, year=YEAR) == []


# --- Each rule, triggered by a crafted row (the rows as they would be written to the files) ------------------

HEADER = [HeaderRecord(1, "C1", "M", "15/06/2010", "WBRI", "UN5", "", "")]


def missing(
    start: Any = "01/05/2025",
    end: Any = "02/05/2025",
    code: Any = "M",
    dob: Any = "15/06/2010",
    child: Any = "C1",
    episode: Any = 10,
) -> Any:
    return MissingRecord(1, episode, child, dob, code, start, end)


@pytest.mark.parametrize(
    ("rows", "rule"),
    [
        ([missing(start="")], "MIS_START_BLANK"),
        ([missing(code="X")], "MISSING_TYPE"),
        ([missing(start="31/02/2025")], "MIS_START_INVALID"),
        ([missing(end="2025-05-02")], "MIS_END_INVALID"),
        ([missing(start="05/05/2025", end="02/05/2025")], "MIS_END_BEFORE_START"),
        ([missing(start="01/04/2026", end="")], "MIS_START_AFTER_YEAR"),
        ([missing(start="01/03/2026", end="02/04/2026")], "MIS_END_OUTSIDE_YEAR"),
        (
            [missing(start="01/05/2025", end=""), missing(start="03/05/2025", end="04/05/2025", episode=11)],
            "MISSING_OVERLAP",
        ),
        (
            [
                missing(start="01/05/2025", end="10/05/2025"),
                missing(start="09/05/2025", end="12/05/2025", episode=11),
            ],
            "MISSING_OVERLAP",
        ),
        ([missing(dob="15/06/2011")], "DOB_DIFFERS"),
        ([missing(child="C9")], "NOT_IN_HEADER"),
    ],
)
def test_each_rule_is_reported_with_the_child_and_the_rule(rows: Any, rule: str) -> None:
    failures = ssda903.validate(HEADER, rows, year=YEAR)

    assert [f.rule for f in failures] == [rule]
    assert failures[0].child == rows[-1][2]
    assert failures[0].message == ssda903.RULES[rule].message


def test_dates_before_birth_are_reported() -> None:
    header = [HeaderRecord(1, "C1", "M", "01/06/2025", "WBRI", "UN1", "", "")]
    failures = ssda903.validate(header, [missing(dob="01/06/2025")], year=YEAR)

    assert [f.rule for f in failures] == ["BEFORE_BIRTH"]


@pytest.mark.parametrize(
    ("year", "sex", "rules"),
    [
        (YEAR, "1", ["SEX_INVALID"]),  # the code before 2024/25: every Header row failed rule 101
        (YEAR, "", ["SEX_INVALID"]),
        (YEAR, "U", ["SEX_UNKNOWN"]),  # accepted by rule 101, queried by rule 232
        (YEAR, "F", []),
        (CollectionYear.starting(2023), "1", []),
        (CollectionYear.starting(2023), "M", ["SEX_INVALID"]),
    ],
)
def test_header_sex_follows_the_years_codes(year: CollectionYear, sex: str, rules: list[str]) -> None:
    header = [HeaderRecord(1, "C1", sex, "15/06/2010", "WBRI", "UN5", "", "")]
    row = missing(start=f"01/05/{year.start.year}", end=f"02/05/{year.start.year}")

    assert [f.rule for f in ssda903.validate(header, [row], year=year)] == rules


def test_source_records_that_break_the_rules_are_found_with_their_episode(la: Organisation) -> None:
    child = looked_after(la, la_child_id="R1", gender=Gender.MALE, date_of_birth=date(2010, 6, 15))
    first = MissingEpisodeFactory.create(child=child, missing_at=at(2025, 6, 1), returned_at=None)
    second = MissingEpisodeFactory.create(child=child, missing_at=at(2025, 6, 5), returned_at=at(2025, 6, 6))
    wrong_type = MissingEpisodeFactory.create(child=child, category="other", missing_at=at(2025, 8, 1))
    # A period of care wrongly recorded from before birth (the model does not refuse it; the service does).
    unborn = looked_after(
        la, la_child_id="R2", gender=Gender.FEMALE, date_of_birth=date(2025, 9, 1), care_period=False
    )
    CarePeriod.objects.create(child=unborn, start_date=date(2025, 1, 1), legal_status=CareLegalStatus.V2)
    early = MissingEpisodeFactory.create(child=unborn, missing_at=at(2025, 7, 1))

    found = {(f.rule, f.episode_pk) for f in ssda903.validate_year(local_authority_id=la.pk, year=YEAR)}

    # Rule 574 as the DfE runs it compares each period with the one before it in order of end: the second
    # (the first still open) fails; the third follows the second, which had ended.
    assert found == {
        ("MISSING_OVERLAP", second.pk),
        ("MISSING_TYPE", wrong_type.pk),
        ("BEFORE_BIRTH", early.pk),
    }
    assert first.pk not in {pk for _, pk in found}


@time_machine.travel(datetime(2026, 5, 10, 12, tzinfo=UTC), tick=False)
def test_the_childs_own_page_shows_its_failures_to_the_worker(client: Client, la: Organisation) -> None:
    child = looked_after(la, la_child_id="P1", gender=Gender.MALE)
    MissingEpisodeFactory.create(child=child, missing_at=at(2025, 6, 1), returned_at=None)
    second = MissingEpisodeFactory.create(child=child, missing_at=at(2025, 6, 5), returned_at=at(2025, 6, 6))
    manager = user_with_role(Role.TEAM_MANAGER, organisation=la)
    client.force_login(manager)

    page = client.get(reverse("missing_episodes:child_detail", args=[child.pk])).content.decode()

    assert 'id="ssda903-failures"' in page
    assert "MISSING_OVERLAP" in page
    assert reverse("missing_episodes:episode_detail", args=[second.pk]) in page


@time_machine.travel(datetime(2026, 5, 10, 12, tzinfo=UTC), tick=False)
def test_a_clean_childs_page_shows_no_failures(client: Client, la: Organisation) -> None:
    child = looked_after(la, gender=Gender.FEMALE)
    MissingEpisodeFactory.create(child=child, missing_at=at(2025, 6, 1), returned_at=at(2025, 6, 2))
    client.force_login(user_with_role(Role.TEAM_MANAGER, organisation=la))

    response = client.get(reverse("missing_episodes:child_detail", args=[child.pk]))

    # The child's page itself (not a refusal or an error page, which would show no failures either).
    assert response.status_code == 200
    page = response.content.decode()
    assert child.la_child_id in page
    assert "ssda903-failures" not in page
