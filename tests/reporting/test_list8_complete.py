"""Complete your List 8: Camden's performance lead uploads the List 8 exported from the council's case system
(xlsx or csv) and gets it back with the missing and return interview columns filled by Child Unique ID, every
uploaded column and value unchanged, Ofsted's other columns added in Ofsted's order, and the children in only
one of the two lists. As at 31 March 2026.

  L1  looked after, placed in Camden: two missing episodes and one absence in the 12 months; the RHI of the last
      missing one was offered and accepted before the day.
  L2  known to the service but not looked after (child in need).
  L4  looked after here, no placement, not in the upload.
  Z9  not known to the service at all.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import Nation, Organisation, Role, User
from audit.models import AuditAction, AuditEvent
from missing_episodes.models import EpisodeCategory, LegalStatus
from reporting import annex_a_spec as spec
from reporting import list8_complete
from rhi.models import Outcome, RHIState
from tests.dates import boxes
from tests.factories import user_with_role
from tests.factories_domain import (
    ChildFactory,
    LocalAuthorityFactory,
    MissingEpisodeFactory,
    PlacementFactory,
    RHIEpisodeFactory,
    RHIFactory,
)

if TYPE_CHECKING:  # the test client's response type exists in django-stubs only
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db
URL = reverse("reporting:list8_complete")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The case system's export: some of Ofsted's columns in its own order, a local column, and the four
# missing/RHI columns left blank.
UPLOADED_HEADER = [
    "Child Unique ID",
    "Local reference",
    "Date of Birth",
    "Gender",
    "Child's Legal Status",
    "Number of Placements in the Last 12 months",
    spec.MISSING_COUNT,
    spec.ABSENT_COUNT,
    spec.OFFERED,
    spec.ACCEPTED,
    "Placement Location",
]


def excel_day(year: int, month: int, day: int) -> datetime:
    """A date cell as Excel holds it: a naive midnight."""
    return datetime.combine(date(year, month, day), time())


UPLOADED_ROWS: list[list[object]] = [
    [
        "L1",
        "=HYPERLINK(1)",
        excel_day(2010, 6, 15),
        "b) Female",
        "C2: FCO",
        2,
        None,
        None,
        None,
        None,
        "a) In",
    ],
    [
        "L2",
        "R-2",
        excel_day(2011, 1, 2),
        "a) Male",
        "V2: Single period under S20",
        1,
        None,
        None,
        None,
        None,
        "b) Out",
    ],
    ["Z9", "R-9", excel_day(2012, 3, 4), "a) Male", "C1: ICO", 0, None, None, None, None, "a) In"],
]


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@dataclass(frozen=True)
class List8World:
    la: Organisation
    lead: User


@pytest.fixture
def world() -> List8World:
    la = LocalAuthorityFactory.create(code="202", name="Camden")
    l1 = ChildFactory.create(
        responsible_la=la,
        la_child_id="L1",
        legal_status=LegalStatus.LOOKED_AFTER,
        date_of_birth=date(2010, 6, 15),
    )
    PlacementFactory.create(child=l1, host_la=la, start_date=date(2024, 1, 1))
    MissingEpisodeFactory.create(child=l1, missing_at=at(2025, 9, 1))
    MissingEpisodeFactory.create(child=l1, category=EpisodeCategory.ABSENT, missing_at=at(2025, 11, 1))
    last = MissingEpisodeFactory.create(child=l1, missing_at=at(2026, 1, 10))
    recorded = last.missing_at + timedelta(days=2)
    rhi = RHIFactory.create(
        child=l1,
        state=RHIState.DRAFTING,
        offered_at=recorded,
        outcome=Outcome.ACCEPTED,
        created_at=recorded,
        state_changed_at=recorded,
    )
    RHIEpisodeFactory.create(rhi=rhi, episode=last)
    ChildFactory.create(responsible_la=la, la_child_id="L2", legal_status=LegalStatus.CHILD_IN_NEED)
    ChildFactory.create(responsible_la=la, la_child_id="L4", legal_status=LegalStatus.LOOKED_AFTER)
    lead = user_with_role(Role.PERFORMANCE_LEAD, organisation=la, username="pat")
    return List8World(la=la, lead=lead)


def xlsx_file(
    header: Sequence[object], rows: list[list[object]], name: str = "list8.xlsx"
) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "List 8"
    for row in [header, *rows]:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


def csv_file(header: list[str], rows: list[list[object]]) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [f"{v:%d/%m/%Y}" if isinstance(v, datetime) else ("" if v is None else v) for v in row]
        )
    return SimpleUploadedFile("list8.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")


def post(
    client: Client, world: List8World, upload: SimpleUploadedFile, action: str, fmt: str = "xlsx"
) -> TestResponse:
    client.force_login(world.lead)
    data = {
        "local_authority": world.la.pk,
        **boxes("as_at", "2026-03-31"),
        "file": upload,
        "format": fmt,
        "action": action,
    }
    return client.post(URL, data)


def test_lead_downloads_a_complete_list8_that_keeps_every_uploaded_column_and_fills_the_four(
    client: Client, world: List8World
) -> None:
    response = post(client, world, xlsx_file(UPLOADED_HEADER, UPLOADED_ROWS), "download")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    workbook = load_workbook(io.BytesIO(response.content))
    rows = [list(row) for row in workbook["List 8"].iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    # Ofsted's 34 columns in Ofsted's order, then the upload's own column.
    assert header == [*spec.COLUMNS, "Local reference"]
    for column, heading in enumerate(UPLOADED_HEADER):
        if heading in spec.FILLED_HERE:
            continue
        written = [row[header.index(heading)] for row in body]
        expected = [row[column] for row in UPLOADED_ROWS]
        if heading == "Local reference":  # Excel's value of a formula cell (none was computed here)
            expected = [None, "R-2", "R-9"]
        assert written == expected, heading
    l1 = dict(zip(header, body[0], strict=True))
    assert (l1[spec.MISSING_COUNT], l1[spec.ABSENT_COUNT], l1[spec.OFFERED], l1[spec.ACCEPTED]) == (
        2,
        1,
        "Y",
        "Y",
    )
    # Ofsted's columns the upload lacked: filled where this service holds them, blank otherwise.
    assert (l1["Ethnicity"], l1["LA of Placement"], l1["Date Started to be Looked After"]) == (
        "s) NOBT",
        "Camden",
        None,
    )
    l2 = dict(zip(header, body[1], strict=True))
    assert (l2[spec.MISSING_COUNT], l2[spec.OFFERED], l2["Ethnicity"]) == (None, None, None)
    not_here = [list(row) for row in workbook["Not looked after here"].iter_rows(min_row=2, values_only=True)]
    assert [(child, line) for child, line, _ in not_here] == [("L2", 3), ("Z9", 4)]
    assert "Not looked after" in str(not_here[0][2]) and "Not known" in str(not_here[1][2])
    assert [row[0] for row in workbook["Not in your upload"].iter_rows(min_row=2, values_only=True)] == ["L4"]
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, object_type=list8_complete.AUDIT_TYPE)
    assert event.actor == world.lead and event.object_id == "202"
    assert event.detail["rows"] == 3 and event.detail["not_in_upload"] == 1


def test_lead_checks_a_csv_upload_and_sees_the_children_in_only_one_list(
    client: Client, world: List8World
) -> None:
    response = post(client, world, csv_file(UPLOADED_HEADER, UPLOADED_ROWS), "check")

    text = response.content.decode()
    assert response.status_code == 200
    assert (
        "3 rows in your List 8; 2 not looked after here; 1 looked after here but not in your upload" in text
    )
    assert "Z9" in text and "L4" in text
    event = AuditEvent.objects.get(action=AuditAction.VIEW, object_type=list8_complete.AUDIT_TYPE)
    assert event.detail["not_looked_after_here"] == 2


def test_a_csv_download_is_a_zip_whose_list8_keeps_the_uploaded_text(
    client: Client, world: List8World
) -> None:
    response = post(client, world, csv_file(UPLOADED_HEADER, UPLOADED_ROWS), "download", fmt="csv")

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == sorted(
        [
            "list-8.csv",
            "list-8-not-looked-after-here.csv",
            "list-8-not-in-your-upload.csv",
            "list-8-data-quality.csv",
        ]
    )
    rows = list(csv.DictReader(io.StringIO(archive.read("list-8.csv").decode())))
    assert [row["Date of Birth"] for row in rows] == ["15/06/2010", "02/01/2011", "04/03/2012"]
    assert [row["Child's Legal Status"] for row in rows] == [
        "C2: FCO",
        "V2: Single period under S20",
        "C1: ICO",
    ]
    assert rows[0][spec.MISSING_COUNT] == "2" and rows[2][spec.MISSING_COUNT] == ""
    assert [row["Local reference"] for row in rows] == ["'=HYPERLINK(1)", "R-2", "R-9"]  # inert, text kept


def test_a_different_value_in_a_filled_column_and_a_blank_placement_are_data_quality_items(
    world: List8World,
) -> None:
    header = ["Child Unique ID", spec.MISSING_COUNT]
    uploaded = list8_complete.UploadedList(header, [(2, ["L1", 5]), (3, ["L4", None]), (4, ["L1", None])])

    completed = list8_complete.complete(
        uploaded=uploaded, local_authority_id=world.la.pk, as_at=date(2026, 3, 31)
    )

    problems = {(child, column): problem for child, column, problem in completed.data_quality}
    assert "Your upload had '5'" in problems[("L1", spec.MISSING_COUNT)]
    assert "Blank" in problems[("L4", spec.PLACEMENT_LOCATION)]
    assert "Given twice" in problems[("L1", spec.CHILD_ID)]
    assert completed.rows[0][completed.header.index(spec.MISSING_COUNT)] == 2


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("list8.pdf", b"%PDF-1.7"), "must be an Excel workbook (.xlsx) or a CSV file"),
        (SimpleUploadedFile("list8.xlsx", b"not a zip at all"), "could not be read as an Excel workbook"),
        (
            SimpleUploadedFile("list8.csv", b"Name,Gender\nAnna,b) Female\n"),
            "with a &#x27;Child Unique ID&#x27; column",
        ),
        (SimpleUploadedFile("list8.csv", b"Child Unique ID,Gender,gender\n"), "is given twice"),
        (SimpleUploadedFile("list8.csv", b"Child Unique ID\nL1,extra\n"), "Line 2 has a value to the right"),
        (SimpleUploadedFile("list8.csv", b"\xff\xfeC\x00"), "is not CSV text"),
    ],
    ids=["pdf", "fake-xlsx", "no-child-id", "repeated-heading", "ragged", "utf16"],
)
def test_a_bad_upload_is_a_field_error_and_nothing_is_answered(
    client: Client, world: List8World, upload: SimpleUploadedFile, message: str
) -> None:
    response = post(client, world, upload, "download")

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(object_type=list8_complete.AUDIT_TYPE).exists()


def test_a_list_longer_than_the_limit_is_refused(
    client: Client, world: List8World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(list8_complete, "MAX_ROWS", 2)

    response = post(client, world, xlsx_file(UPLOADED_HEADER, UPLOADED_ROWS), "check")

    assert "limited to 2 children" in response.content.decode()


def test_a_welsh_authority_is_told_annex_a_is_englands(client: Client, world: List8World) -> None:
    Organisation.objects.filter(pk=world.la.pk).update(nation=Nation.WALES)

    response = post(client, world, csv_file(UPLOADED_HEADER, UPLOADED_ROWS), "download")

    assert "collected from local authorities in England only" in response.content.decode()
    assert not AuditEvent.objects.filter(object_type=list8_complete.AUDIT_TYPE).exists()
