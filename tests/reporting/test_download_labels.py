"""Downloads named for what they are (issue 14 item 16): a CSV export of several tables says it is a ZIP and how
many CSV files it holds, and the count is what the export writes."""

from __future__ import annotations

from datetime import date

import pytest

from reporting.exports import RETURNS
from reporting.models import (
    PERFORMANCE_CSV_FILES,
    SSDA903_CSV_FILES,
    ExportFormat,
    ExportJob,
    ReturnKind,
)
from tests.factories_domain import LocalAuthorityFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "files"),
    [(ReturnKind.SSDA903_MISSING, SSDA903_CSV_FILES), (ReturnKind.PERFORMANCE, PERFORMANCE_CSV_FILES)],
)
def test_a_csv_export_is_labelled_with_the_number_of_csv_files_its_zip_holds(kind: str, files: int) -> None:
    la = LocalAuthorityFactory.create(code="333", name="Sandwell")
    content = RETURNS[kind](local_authority=la, date_from=date(2025, 4, 1), date_to=date(2026, 3, 31))
    assert len(content.sheets) == files
    label = ExportJob(return_kind=kind, format=ExportFormat.CSV).format_label
    assert label.startswith(f"ZIP of {files} CSV files")


def test_a_single_table_csv_and_an_xlsx_are_named_as_they_are() -> None:
    assert ExportJob(return_kind=ReturnKind.ANNEX_A_LIST8, format=ExportFormat.CSV).format_label == "CSV"
    assert (
        ExportJob(return_kind=ReturnKind.PERFORMANCE, format=ExportFormat.XLSX).format_label == "Excel (xlsx)"
    )
