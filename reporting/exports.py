"""What an export holds (sheets of rows, streamed) and the writers that turn it into CSV, xlsx, PDF or JSON.

Shared by ``manage.py export_return`` and the web's export jobs, so both write the same bytes. What an export
holds (``Sheet``, ``ExportContent``) is ``reporting.export_types``, which the builders import. Every return
registers a builder in ``RETURNS``: a callable taking keyword-only ``local_authority``, ``date_from`` and
``date_to`` and giving an ``ExportContent``. Rows are sequences of plain values streamed from the database,
never model instances; a sheet's rows can be read once.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from accounts.models import Nation, Organisation
from reporting import annex_a, ssda903
from reporting.export_types import Builder, ExportContent, Sheet
from reporting.models import ReturnKind
from reporting.performance import export as performance_export
from reporting.xlsx_writer import XlsxBook

PROGRESS_EVERY = 2000
FORMATS = ("csv", "xlsx", "pdf", "json")
# A spreadsheet reads a cell starting with one of these as a formula (CSV injection); full-width forms too,
# since some spreadsheet programs normalise them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Where a cell begins in csv.writer's output: the start of a line or after a comma, perhaps inside quotes. A
# cell starting with a carriage return is always quoted (csv.writer quotes any \r), so a bare \r after a comma
# is the line end after an empty last cell, not a formula: matching it made every batch with an empty last
# cell (most SSDA903 rows) take the slow path.
_CSV_FORMULA_CELL = re.compile(r'(?:^|,)(?:"?[=+\-@\t\uff1d\uff0b\uff0d\uff20]|"\r)', re.MULTILINE)


RETURNS: dict[str, Builder] = {
    "ssda903-missing": ssda903.build_export,
    "annex-a-list8": annex_a.build_export,
    "performance": performance_export.build_export,
}

# England's statutory returns: the DfE's SSDA903 and Ofsted's Annex A (ILACS) are collected from English
# authorities only. Welsh, Scottish and Northern Irish authorities get the performance return (docs/returns.md,
# "Authorities outside England", says why there is no Welsh census return).
ENGLAND_ONLY: frozenset[str] = frozenset({ReturnKind.SSDA903_MISSING.value, ReturnKind.ANNEX_A_LIST8.value})


def returns_offered(local_authority: Organisation) -> list[str]:
    """The returns ``local_authority`` is offered, in ``RETURNS`` order: every return for an English authority,
    the ones not only England's for any other. The one rule behind the returns page, its form, the API, the
    export jobs and ``export_return``."""
    english = local_authority.nation == Nation.ENGLAND
    return [kind for kind in RETURNS if english or kind not in ENGLAND_ONLY]


def not_offered_reason(return_kind: str, local_authority: Organisation) -> str | None:
    """Why ``return_kind`` is not offered to ``local_authority`` (None when it is), in words for the lead."""
    if return_kind not in RETURNS or return_kind in returns_offered(local_authority):
        return None
    return (
        f"{ReturnKind(return_kind).label} is collected from local authorities in England only, and "
        f"{local_authority.name} is in {Nation(local_authority.nation).label}. Export the RHI performance "
        "return instead."
    )


def offer_note(local_authority: Organisation) -> str | None:
    """What the returns page says of an authority that is not offered every return (None when it is)."""
    missing = [ReturnKind(kind).label for kind in RETURNS if kind not in returns_offered(local_authority)]
    if not missing:
        return None
    return (
        f"{local_authority.name} is in {Nation(local_authority.nation).label}: {' and '.join(missing)} "
        f"{'are' if len(missing) > 1 else 'is'} collected from local authorities in England only, so "
        f"{local_authority.name} is offered the RHI performance return."
    )


class _Counter:
    """Counts rows as they pass, in batches of ``PROGRESS_EVERY`` (so the per-row cost stays in C), and
    reports progress after each batch."""

    def __init__(self, progress: Callable[[int], None] | None) -> None:
        self.rows = 0
        self.progress = progress

    def batches(self, rows: Iterable[Sequence[object]]) -> Iterator[list[Sequence[object]]]:
        iterator = iter(rows)
        while batch := list(islice(iterator, PROGRESS_EVERY)):
            self.rows += len(batch)
            yield batch
            if self.progress is not None:
                self.progress(self.rows)

    def count(self, rows: Iterable[Sequence[object]]) -> Iterator[Sequence[object]]:
        for batch in self.batches(rows):
            yield from batch


def sheet_path(path: Path, index: int, sheet: Sheet) -> Path:
    """The first sheet goes to ``path``; each further one beside it, e.g. ``out.csv`` → ``out-header.csv``."""
    if index == 0:
        return path
    slug = re.sub(r"[^a-z0-9]+", "-", sheet.name.lower()).strip("-") or f"sheet{index + 1}"
    return path.with_name(f"{path.stem}-{slug}{path.suffix}")


def neutralise_cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, made inert with a leading apostrophe (the OWASP
    advice: shown as text, and the text is all still there). Numbers, dates and other text pass unchanged, so
    a negative number written as a number stays a number. Every CSV and xlsx the product writes calls this."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(row: Sequence[object]) -> list[object]:
    return [neutralise_cell(value) for value in row]


def _csv_text(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def write_csv(content: ExportContent, path: Path, counter: _Counter) -> list[Path]:
    written = []
    for index, sheet in enumerate(content.sheets):
        target = sheet_path(path, index, sheet)
        with target.open("w", newline="", encoding="utf-8") as handle:
            handle.write(_csv_text([neutralise_row(sheet.header)]))
            for batch in counter.batches(sheet.rows):
                # Fast path: write the batch in C and look for a cell that could start a formula; only a batch
                # with one (or a negative number, or a false alarm) is neutralised cell by cell in Python.
                text = _csv_text(batch)
                if _CSV_FORMULA_CELL.search(text):
                    text = _csv_text(neutralise_row(row) for row in batch)
                handle.write(text)
        written.append(target)
    return written


def write_xlsx(content: ExportContent, path: Path, counter: _Counter) -> list[Path]:
    """Through reporting.xlsx_writer, not openpyxl's write-only workbook: about nine times faster a cell."""
    with XlsxBook(path) as book:
        for sheet in content.sheets:
            header = [neutralise_row(sheet.header)]
            rows = ([neutralise_row(row) for row in batch] for batch in counter.batches(sheet.rows))
            book.add_sheet(sheet.name[:31], chain([header], rows))
    return [path]


def write_json(content: ExportContent, path: Path, counter: _Counter) -> list[Path]:
    """``{"title": …, "sheets": {name: [{column: value, …}, …]}}``, written row by row."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"title": ' + json.dumps(content.title) + ', "sheets": {')
        for index, sheet in enumerate(content.sheets):
            handle.write((", " if index else "") + json.dumps(sheet.name) + ": [")
            for number, row in enumerate(counter.count(sheet.rows)):
                item = json.dumps(dict(zip(sheet.header, row, strict=False)), default=str)
                handle.write(("," if number else "") + "\n" + item)
            handle.write("]")
        handle.write("}}\n")
    return [path]


USER_AGENT_CSS = Path(__file__).with_name("pdf_user_agent.css")
_parsed_css: dict[str, Any] = {}


def _user_agent_css(css: Callable[..., Any]) -> Any:
    """The export PDFs' user-agent stylesheet, parsed once per process (a parsed stylesheet is only read)."""
    if "ua" not in _parsed_css:
        _parsed_css["ua"] = css(string=USER_AGENT_CSS.read_text(encoding="utf-8"))
    return _parsed_css["ua"]


# A page in the export PDFs' font, rendered once by prepare_pdf_rendering.
WARM_UP_HTML = '<html lang="en"><body style="font-family: \'DejaVu Sans\', Arial, sans-serif">.</body></html>'


def prepare_pdf_rendering() -> None:
    """Load WeasyPrint, Pango and the export PDFs' font and stylesheet now: about 0.8 s of importing and a first
    layout that the first PDF each web worker serves would otherwise pay on top of its own rendering (the return
    PDF's p95 at concurrency 1 was that cold request: docs/benchmarks.md). gunicorn calls this as each worker
    starts (config/gunicorn.conf.py); the PDFs are unchanged."""
    import weasyprint  # noqa: PLC0415 — see write_pdf

    weasyprint.HTML(string=WARM_UP_HTML).write_pdf(
        stylesheets=[_user_agent_css(weasyprint.CSS)], pdf_variant="pdf/ua-1"
    )


def write_pdf(content: ExportContent, path: Path, counter: _Counter) -> list[Path]:
    """Render ``pdf_template`` (given the title, the sheets with their rows and ``pdf_context``) as a tagged
    PDF. The rows are held in memory for rendering: PDFs suit an authority's return, not a national file."""
    # Imported here, not at the top: WeasyPrint loads Pango and its fonts (about a second), and only PDFs
    # need it, so the CSV/xlsx/JSON exports and everything importing this module do not pay for it.
    import weasyprint  # noqa: PLC0415 — see the comment above

    class ExportHTML(weasyprint.HTML):
        """WeasyPrint's document with the export PDFs' own user-agent stylesheet (``pdf_user_agent.css``)."""

        def _ua_stylesheets(self, forms: bool = False) -> list[weasyprint.CSS]:
            return [_user_agent_css(weasyprint.CSS)]

    sheets = [
        {"name": sheet.name, "header": sheet.header, "rows": list(counter.count(sheet.rows))}
        for sheet in content.sheets
    ]
    html = render_to_string(
        content.pdf_template, {**content.pdf_context, "title": content.title, "sheets": sheets}
    )
    ExportHTML(string=html).write_pdf(path, pdf_variant="pdf/ua-1")
    return [path]


WRITERS: dict[str, Callable[[ExportContent, Path, _Counter], list[Path]]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "pdf": write_pdf,
    "json": write_json,
}


@dataclass(frozen=True)
class Written:
    rows: int
    paths: list[Path]


def write_export(
    content: ExportContent, fmt: str, path: Path, *, progress: Callable[[int], None] | None = None
) -> Written:
    """Write ``content`` in ``fmt`` to ``path`` (CSV puts each further sheet in a file beside it). Calls
    ``progress(rows_so_far)`` as it goes. Returns how many data rows were written over all sheets."""
    if fmt not in WRITERS:
        raise ValueError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    counter = _Counter(progress)
    paths = WRITERS[fmt](content, Path(path), counter)
    return Written(rows=counter.rows, paths=paths)
