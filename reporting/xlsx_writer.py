"""The exports' xlsx writer: sheets of plain values streamed into an Office Open XML workbook (ECMA-376), each
row written as one line of XML into the zip as it comes.

Why not openpyxl, which reads the uploads: without lxml its write-only mode spends 20–50 µs a cell in pure-Python
XML serialisation, which put an xlsx export of one LA at 4–10 times a PostgreSQL COPY of the same rows
(docs/benchmarks.md). Here a cell is one formatted string. The workbook holds only what the exports need: text
(inline strings, so no shared-string table to hold in memory), numbers, booleans, dates (dd/mm/yyyy) and empty
cells; any other value is written as its text. openpyxl reads the files back in the tests.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from math import isfinite
from pathlib import Path
from types import TracebackType
from xml.sax.saxutils import escape, quoteattr

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError

_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _text(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def cell_xml(ref: str, value: object) -> str:
    """One cell at ``ref`` (e.g. ``B7``); "" for an empty one (None), which is simply not written."""
    if type(value) is str:  # the common case first
        return _text(ref, value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal) and isfinite(value):
        return f'<c r="{ref}"><v>{value}</v></c>'
    # Dates as date cells (style 1: dd/mm/yyyy; 2 with the time), e.g. an uploaded List 8's dates passed on;
    # an aware datetime has no spreadsheet form and is written as its text.
    if isinstance(value, datetime) and value.tzinfo is None:
        return f'<c r="{ref}" s="2"><v>{to_excel(value)}</v></c>'
    if isinstance(value, date) and not isinstance(value, datetime):
        return f'<c r="{ref}" s="1"><v>{to_excel(value)}</v></c>'
    return _text(ref, str(value))


class XlsxBook:
    """``with XlsxBook(path) as book: book.add_sheet(name, batches)``; the workbook's other parts are written
    when the block ends (nothing is left half-written: an error inside the block leaves an unfinished zip that
    the caller discards, as the export job's temporary folder is)."""

    def __init__(self, path: Path) -> None:
        # Level 1: most of the size saving of the default level 6 for a fraction of its time on this XML.
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._names: list[str] = []
        self._letters: list[str] = []

    def __enter__(self) -> XlsxBook:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self._finish()
        self._zip.close()

    def _refs(self, width: int) -> list[str]:
        while len(self._letters) < width:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters

    def add_sheet(self, name: str, batches: Iterable[Sequence[Sequence[object]]]) -> None:
        """A sheet named ``name`` whose rows come in batches (lists of rows of plain values), top to bottom."""
        self._names.append(name)
        number = 0
        with self._zip.open(f"xl/worksheets/sheet{len(self._names)}.xml", "w") as part:
            part.write(f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            for batch in batches:
                lines = []
                for row in batch:
                    number += 1
                    letters = self._refs(len(row))
                    cells = "".join(
                        [cell_xml(f"{letter}{number}", v) for letter, v in zip(letters, row, strict=False)]
                    )
                    lines.append(f'<row r="{number}">{cells}</row>')
                text = "\n".join(lines)
                # Control characters XML cannot hold: refused as openpyxl refuses them, never written.
                if ILLEGAL_CHARACTERS_RE.search(text):
                    raise IllegalCharacterError(
                        f"A cell of sheet {name!r} holds a character XML cannot hold."
                    )
                part.write(text.encode())
            part.write(b"</sheetData></worksheet>")

    def _finish(self) -> None:
        sheets = range(1, len(self._names) + 1)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>' for n in sheets
        )
        self._zip.writestr(
            "[Content_Types].xml",
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
        )
        self._zip.writestr(
            "_rels/.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>'
            for n, name in zip(sheets, self._names, strict=True)
        )
        self._zip.writestr(
            "xl/workbook.xml",
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{entries}</sheets></workbook>',
        )
        links = "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in sheets
        )
        styles = f'<Relationship Id="rId{len(self._names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        self._zip.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{links}{styles}</Relationships>',
        )
        self._zip.writestr("xl/styles.xml", _STYLES)
