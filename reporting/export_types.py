"""What an export holds: sheets of rows and a PDF template. Its own module so each return's builder
(``ssda903``, ``annex_a``, ``performance.export``) imports it at the top, and ``reporting.exports`` (the writers
and the ``RETURNS`` registry) imports the builders without a loop back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sheet:
    name: str
    header: list[str]
    rows: Iterable[Sequence[object]]


@dataclass
class ExportContent:
    title: str
    sheets: list[Sheet]
    pdf_template: str
    pdf_context: dict[str, Any] = field(default_factory=dict)
    row_count: int | None = None


# A return's builder: keyword-only ``local_authority``, ``date_from`` and ``date_to``, giving its content.
Builder = Callable[..., ExportContent]
