"""The performance return as an export: sheets (xlsx, csv, json) and the PDF template's context, registered in
``reporting.exports.RETURNS`` and used by the page's downloads."""

from __future__ import annotations

from datetime import date
from typing import Any

from accounts.models import Organisation
from reporting.export_types import ExportContent, Sheet
from reporting.performance.charts import monthly_chart
from reporting.performance.kept_read import kept_performance_figures
from reporting.performance.result import PerformanceReturn
from reporting.performance.tables import PublishedCells, published_cells, published_tables


def pdf_context(result: PerformanceReturn, cells: PublishedCells | None = None) -> dict[str, Any]:
    cells = cells or published_cells(result)
    return {
        "result": result,
        "method": cells.method,
        "tables": published_tables(result, cells),
        "chart": monthly_chart(result, cells),
        "title": export_title(result),
    }


def export_title(result: PerformanceReturn) -> str:
    scope = result.scope
    return (
        f"RHI performance return – {scope.organisation.name} – "
        f"{scope.date_from:%d/%m/%Y} to {scope.date_to:%d/%m/%Y}"
    )


def build_export(*, local_authority: Organisation, date_from: date, date_to: date) -> ExportContent:
    """The performance return as sheets (xlsx/csv/json) and a PDF template, for reporting.exports.RETURNS."""

    result = kept_performance_figures(local_authority=local_authority, date_from=date_from, date_to=date_to)
    return export_content(result)


def export_content(result: PerformanceReturn) -> ExportContent:
    """The export of a return already computed (``build_export``'s; the benchmark times the reference's)."""
    cells = published_cells(result)  # suppression decided once for the sheets and the PDF
    tables = published_tables(result, cells)
    sheets = [Sheet(name=table.sheet, header=table.header, rows=table.rows) for table in tables]
    sheets.append(Sheet(name="Method", header=["How this return was counted"], rows=[[cells.method]]))
    return ExportContent(
        title=export_title(result),
        sheets=sheets,
        pdf_template="reporting/pdf/performance.html",
        pdf_context=pdf_context(result, cells),
        row_count=result.incidents,
    )
