"""SSDA903's edges: a period that is not a DfE collection year (1 April to 31 March) is refused by the one
rule (``CollectionYear.of_period``) wherever an export is asked for (the command, the API); the CSV download
says it is a zip of two CSV files; the Header's codes follow the year's specification (UN1 or UN5 for a UPN
not held, by rule 209's school-age test)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import ApiScope, Organisation
from audit.models import AuditAction, AuditEvent
from reporting.models import ExportFormat, ExportJob, ReturnKind
from reporting.periods import CollectionYear
from reporting.ssda903 import upn_as_written
from reporting.ssda903_spec import SPEC_2024_25, SPEC_2025_26, spec_for
from tests.api.conftest import as_client, new_client
from tests.factories_domain import LocalAuthorityFactory

DAYS = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


@given(DAYS, st.integers(min_value=0, max_value=800))
def test_a_period_is_a_collection_year_only_from_1_april_to_the_next_31_march(
    start: date, length: int
) -> None:
    end = start + timedelta(days=length)
    is_year = (start.month, start.day, end.month, end.day, end.year) == (4, 1, 3, 31, start.year + 1)
    if is_year:
        assert CollectionYear.of_period(start, end) == CollectionYear.starting(start.year)
    else:
        with pytest.raises(ValidationError) as refused:
            CollectionYear.of_period(start, end)
        assert "1 April to 31 March" in refused.value.message_dict["date_from"][0]


@pytest.mark.django_db
def test_export_return_refuses_june_to_may_and_writes_nothing(tmp_path: Path) -> None:
    LocalAuthorityFactory.create(code="202")
    out = tmp_path / "missing.csv"

    with pytest.raises(CommandError, match="1 April to 31 March: 1 June 2025 to 31 May 2026 is not one"):
        call_command(
            "export_return",
            "ssda903-missing",
            *("--la", "202", "--from", "2025-06-01", "--to", "2026-05-31", "--out", str(out)),
            stdout=io.StringIO(),
        )

    assert not out.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.django_db
def test_the_api_refuses_an_ssda903_export_for_a_period_that_is_not_a_collection_year() -> None:
    la: Organisation = LocalAuthorityFactory.create(code="202")
    api = as_client(new_client(la, [ApiScope.RETURNS_RUN]))
    body = {"local_authority": "202", "format": "csv", "return_kind": "ssda903-missing"}

    refused = api.post(
        reverse("api:return-start"), body | {"date_from": "2025-06-01", "date_to": "2026-05-31"}
    )
    accepted = api.post(
        reverse("api:return-start"), body | {"date_from": "2025-04-01", "date_to": "2026-03-31"}
    )

    assert refused.status_code == 400
    assert "is not one" in str(refused.json())
    assert accepted.status_code == 202, accepted.json()
    assert ExportJob.objects.count() == 1


def test_the_ssda903_csv_download_says_it_is_a_zip_of_two_csv_files() -> None:
    ssda903_csv = ExportJob(return_kind=ReturnKind.SSDA903_MISSING, format=ExportFormat.CSV)
    annex_a_csv = ExportJob(return_kind=ReturnKind.ANNEX_A_LIST8, format=ExportFormat.CSV)
    ssda903_xlsx = ExportJob(return_kind=ReturnKind.SSDA903_MISSING, format=ExportFormat.XLSX)

    assert ssda903_csv.format_label == "ZIP of 2 CSV files (Missing and Header)"
    assert annex_a_csv.format_label == "CSV"
    assert ssda903_xlsx.format_label == "Excel (xlsx)"


@pytest.mark.parametrize(
    ("dob", "upn", "written"),
    [
        # 2025/26: rule 209's reference day is 31 August 2024; four years old by then is school age.
        (date(2020, 8, 31), "", "UN5"),
        (date(2020, 9, 1), "", "UN1"),
        (date(2010, 6, 15), " a123456789012 ", "A123456789012"),
    ],
)
def test_a_upn_not_held_is_un1_under_school_age_and_un5_otherwise(dob: date, upn: str, written: str) -> None:
    assert upn_as_written(upn, dob, SPEC_2025_26) == written


def test_each_year_has_its_own_specification_and_a_later_year_keeps_the_last() -> None:
    assert spec_for(2023).sex_codes["male"] == "1"
    assert spec_for(2024) is SPEC_2024_25 and spec_for(2024).sex_codes["male"] == "M"
    assert "UPN_DUPLICATE" not in spec_for(2024).rules and "UPN_DUPLICATE" in spec_for(2025).rules
    assert spec_for(2030).label == "2026/27"
    assert spec_for(2019).label == "2023/24"
