"""The performance return page, its PDF and xlsx downloads, the performance lead's dashboard and the records
behind a figure, through Django's test client on the hand-built data of tests/reporting/performance_world.py."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import time_machine
import weasyprint
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from audit.models import AuditAction, AuditEvent, AuditOutcome
from reporting.exports import write_export
from reporting.performance import build_export
from rhi.models import Associate, Location
from tests.factories import user_with_role
from tests.reporting.performance_world import NOW, PerformanceWorld, build_world

pytestmark = pytest.mark.django_db
PERIOD = {"date_from": "2025-04-01", "date_to": "2026-03-31"}


@dataclass(frozen=True)
class LeadWorld(PerformanceWorld):
    """The performance world with North's performance lead."""

    lead: User


@pytest.fixture
def world() -> Iterator[LeadWorld]:
    with time_machine.travel(NOW, tick=False):
        data = build_world()
        lead = user_with_role(Role.PERFORMANCE_LEAD, organisation=data.north)
        yield LeadWorld(**vars(data), lead=lead)


def query(world: LeadWorld, **extra: Any) -> dict:
    return {"la": world.north.pk, **PERIOD, **extra}


def denied_events(user: Any) -> int:
    return AuditEvent.objects.filter(actor=user, outcome=AuditOutcome.DENIED).count()


def test_performance_lead_sees_their_authority_return_with_the_method_and_six_definitions(
    client: Client, world: LeadWorld
) -> None:
    client.force_login(world.lead)
    response = client.get(reverse("performance:return"), query(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "North, 1 April 2025 to 31 March 2026" in html
    assert "From police notification: 3 working days" in html
    assert "restarts at the latest return" in html
    assert 'role="img"' in html and "Missing and absent episodes by month" in html
    assert response.context["result"].incidents == 8
    assert AuditEvent.objects.filter(
        actor=world.lead, action=AuditAction.VIEW, object_id=str(world.north.pk)
    ).exists()


def test_performance_lead_asking_for_another_authority_gets_404_and_an_audit_record(
    client: Client, world: LeadWorld
) -> None:
    client.force_login(world.lead)
    for name, args in (
        ("performance:return", []),
        ("performance:download", ["pdf"]),
        ("performance:records", ["incidents"]),
    ):
        response = client.get(reverse(name, args=args), {**PERIOD, "la": str(world.south.pk)})
        assert response.status_code == 404, name
    assert denied_events(world.lead) == 3


@pytest.mark.parametrize("role", [Role.RHI_WORKER, Role.TEAM_MANAGER, Role.POLICE, Role.ORG_ADMIN])
def test_users_without_the_performance_lead_role_get_404_and_an_audit_record(
    client: Client, world: LeadWorld, role: Any
) -> None:
    user = user_with_role(role, organisation=world.north)
    client.force_login(user)
    for url in (
        reverse("performance:return"),
        reverse("performance:dashboard"),
        reverse("performance:download", args=["xlsx"]),
        reverse("performance:records", args=["incidents"]),
    ):
        assert client.get(url, query(world)).status_code == 404, url
    assert denied_events(user) == 4


def test_bad_dates_show_errors_in_the_summary_not_a_crash(client: Client, world: LeadWorld) -> None:
    client.force_login(world.lead)
    response = client.get(
        reverse("performance:return"), query(world, date_from="2026-13-45", date_to="2025-01-01")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: RHI performance return" in html
    assert "There is a problem" in html and "The start of the period must be a real date." in html
    assert "result" not in response.context or response.context.get("result") is None


def test_pdf_holds_the_six_definition_table_and_the_method_paragraph(
    client: Client, world: LeadWorld, tmp_path: Path
) -> None:
    assert shutil.which("pdftotext"), "poppler-utils is installed by scripts/test.sh"
    client.force_login(world.lead)
    response = client.get(reverse("performance:download", args=["pdf"]), query(world))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "return.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert "Carried out within the timeframe: own policy and the six standard definitions" in flat
    for label in (
        "From return: 72 hours",
        "From return: 3 calendar days",
        "From return: 3 working days",
        "From police notification: 72 hours",
        "From police notification: 3 calendar days",
        "From police notification: 3 working days",
    ):
        assert label in flat, label
    assert "How this was counted" in flat
    assert "The clock starts at the child's return" in flat and "restarts at the latest return" in flat
    assert AuditEvent.objects.filter(actor=world.lead, action=AuditAction.EXPORT).count() == 1


def _pages_as_png(pdf: Path, folder: Path) -> list[bytes]:
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(folder / pdf.stem)], check=True)
    return [page.read_bytes() for page in sorted(folder.glob(f"{pdf.stem}-*.png"))]


def test_the_return_s_pdf_with_the_exports_own_user_agent_stylesheet_looks_exactly_as_with_weasyprint_s(
    world: LeadWorld, tmp_path: Path
) -> None:
    assert shutil.which("pdftoppm"), "poppler-utils is installed by scripts/test.sh"
    content = build_export(local_authority=world.north, date_from=date(2025, 4, 1), date_to=date(2026, 3, 31))
    ours = tmp_path / "ours.pdf"
    write_export(content, "pdf", ours)
    sheets = [
        {"name": sheet.name, "header": sheet.header, "rows": list(sheet.rows)} for sheet in content.sheets
    ]
    html = render_to_string(
        content.pdf_template, {**content.pdf_context, "title": content.title, "sheets": sheets}
    )
    html5 = tmp_path / "html5.pdf"
    weasyprint.HTML(string=html).write_pdf(html5, pdf_variant="pdf/ua-1")
    pages = _pages_as_png(ours, tmp_path)
    assert len(pages) > 1
    assert pages == _pages_as_png(html5, tmp_path)


def test_xlsx_opens_with_openpyxl_and_holds_the_same_suppressed_figures(
    client: Client, world: LeadWorld
) -> None:
    client.force_login(world.lead)
    response = client.get(reverse("performance:download", args=["xlsx"]), query(world))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert {"Headline", "Timeliness", "Cohorts", "Declines", "By month", "Method"} <= set(workbook.sheetnames)
    headline = {row[0]: row[1] for row in workbook["Headline"].iter_rows(values_only=True)}
    # North's 8 incidents are made of "<5"s in every breakdown, so the total is withheld as well: with it,
    # the offers (5, of 2 + 1 + 2) could be worked out (tests/reporting/test_suppression_audit.py).
    assert headline["Missing and absent episodes (incidents)"] == "[c]"
    assert headline["Declined"] == "<5"
    timeliness = [str(row[0]) for row in workbook["Timeliness"].iter_rows(min_row=2, values_only=True)]
    assert len(timeliness) == 7 and timeliness[0].startswith("Own policy")


def test_dashboard_links_each_number_to_the_records_behind_it(client: Client, world: LeadWorld) -> None:
    client.force_login(world.lead)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("performance:dashboard"))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.this_period.date_from.isoformat() == "2026-04-01"
    records_url = reverse("performance:records", args=["declined_by_parent"])
    response = client.get(records_url, query(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"EP-{world.c.pk}" in html and "1 episode behind this figure" in html
    assert world.c.child.first_name not in html
    assert (
        reverse("performance:records", args=["incidents"])
        in client.get(reverse("performance:dashboard")).content.decode()
    )


def test_unknown_figure_or_format_is_404(client: Client, world: LeadWorld) -> None:
    client.force_login(world.lead)
    assert client.get(reverse("performance:records", args=["nonsense"]), query(world)).status_code == 404
    assert client.get(reverse("performance:download", args=["docx"]), query(world)).status_code == 404


def test_performance_lead_sees_places_and_associates_as_figures_never_names_on_page_pdf_and_xlsx(
    client: Client, world: LeadWorld, tmp_path: Path
) -> None:
    # The world's RHIs name "Jay" and a bus station in Luton; make the narrative unmistakable.
    Associate.objects.filter(name__icontains="jay").update(name="Zebedee Quux", is_adult=True)
    Location.objects.update(description="Behind the Quuxton arcade", town="Quuxton", postcode="QX9 9ZZ")
    secrets = ("Zebedee", "Quux", "QX9", "arcade")
    client.force_login(world.lead)

    page = client.get(reverse("performance:return"), query(world)).content.decode()
    assert "Associates named, by age group" in page and "Adult (18 or over)" in page
    assert "Station or transport hub" in page
    assert not [word for word in secrets if word.lower() in page.lower()]

    pdf = tmp_path / "return.pdf"
    pdf.write_bytes(client.get(reverse("performance:download", args=["pdf"]), query(world)).content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    assert "Associates named, by age group" in " ".join(text.split())
    assert not [word for word in secrets if word.lower() in text.lower()]

    response = client.get(reverse("performance:download", args=["xlsx"]), query(world))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    cells = [str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row]
    assert not [word for word in secrets if any(word.lower() in cell.lower() for cell in cells)]
    associates = list(workbook["Associates"].iter_rows(values_only=True))
    assert associates[0] == ("Age group", "Children", "RHIs")
    assert associates[1] == ("Adult (18 or over)", "<5", "<5")
