"""The RHI performance return: the figures councils are asked for (ECRC FOI, DESIGN.md §6), for one local
authority or provider and any period. docs/performance-return.md defines every figure.

How it is counted, one concern per module:

- ``rows``: the unit is the missing **episode** (an "incident"), one row per episode fetched as tuples. An
  episode belongs to the period when its start (last seen, Europe/London date) falls in it. An LA's return
  counts the episodes of the children it is responsible for (wherever they live); episodes of children another
  LA placed in its area are a separate cohort, outside the headline totals. A provider's return counts the
  episodes addressed by its RHIs.
- ``timeliness``: own policy and the six standard definitions per episode, with ``rhi.clock``'s rules (which
  policy, which start, what "in time" means); bunched earlier episodes are excluded; an episode without the
  basis timestamp is "clock not started", never guessed.
- ``figures``: each figure is one predicate over a row (``FIGURES``); the count on the page and the list of
  records behind it (``figure_records``) call the same predicate, so they cannot disagree.
- ``findings``: referrals, risk indicators, places by kind and associates by age group. Figures, never names:
  the return is for figures-only roles, so no narrative or intelligence-level field (associate names, place
  descriptions, towns, postcodes) is read into it; the names and places stay behind ``access`` on the RHI.
- ``result``: ``performance_figures`` (the whole return) and ``figure_records``, the reference: they define
  every figure; ``method``: the method paragraph.
- ``kept`` and ``kept_read``: the same return and records from facts kept per episode and summed in SQL
  (``kept_performance_figures``, ``kept_figure_records``), what the pages, the downloads and the dashboard
  read; equal to the reference by construction and by test (tests/reporting/test_kept_figures.py).
- ``suppression``, ``tables``, ``charts``, ``export``: what is published. Every count of every table goes
  through one ``protect`` (1–4 shown as "<5", and the cells that would give one away by subtraction withheld
  as "[c]", from the sums each table declares next to its layout in ``tables.TABLES``).

Speed: one ``values_list`` query for the episode rows and one grouped query per finding table; the clock runs
in Python over tuples, with day-unit deadlines cached per (local date, rules).

The names below are the package's public surface; callers import them from ``reporting.performance``.
"""

from reporting.performance.charts import BarChart, bar_chart, monthly_chart
from reporting.performance.export import build_export, export_title, pdf_context
from reporting.performance.figures import COHORTS, FIGURES, Figure, count_figures
from reporting.performance.kept_read import kept_figure_records, kept_performance_figures
from reporting.performance.method import method_paragraph
from reporting.performance.result import PerformanceReturn, figure_records, performance_figures
from reporting.performance.rows import Scope, fetch_rows
from reporting.performance.suppression import Relation, percent, protect, suppress, suppress_percent
from reporting.performance.tables import PublishedCells, Table, published_cells, published_tables
from reporting.performance.timeliness import (
    DEFINITION_KEYS,
    EXCLUDED,
    IN_TIME,
    LATE,
    NOT_DONE,
    NOT_STARTED,
    NOT_YET_DUE,
    OWN,
    TIMELINESS_LABELS,
    TIMELINESS_STATUSES,
)

__all__ = [
    "COHORTS",
    "DEFINITION_KEYS",
    "EXCLUDED",
    "FIGURES",
    "IN_TIME",
    "LATE",
    "NOT_DONE",
    "NOT_STARTED",
    "NOT_YET_DUE",
    "OWN",
    "TIMELINESS_LABELS",
    "TIMELINESS_STATUSES",
    "BarChart",
    "Figure",
    "PerformanceReturn",
    "PublishedCells",
    "Relation",
    "Scope",
    "Table",
    "bar_chart",
    "build_export",
    "count_figures",
    "export_title",
    "fetch_rows",
    "figure_records",
    "kept_figure_records",
    "kept_performance_figures",
    "method_paragraph",
    "monthly_chart",
    "pdf_context",
    "percent",
    "performance_figures",
    "protect",
    "published_cells",
    "published_tables",
    "suppress",
    "suppress_percent",
]
