"""'Who has seen this record' on a big audit trail: the busiest child's first page, a page 20 pages deep (keyset
cursor), one UK month, and an ordinary child's first page, each as the selector runs them, plus the plan of
the first page. Reads only. The trail needs events: seed them once with ``seed_audit_events`` below (a
Django shell on the benchmark database; docs/benchmarks.md says how the figures were made).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.db import connection

from audit.models import AuditEvent
from audit.selectors import AuditCursor, child_targets, month_bounds, who_has_seen
from tools.benchmarks.timing import timings

CHILD = "missing_episodes.child"

SEED_SQL = """
WITH bounds AS (
    SELECT (SELECT min(id) FROM missing_episodes_child) AS c0, (SELECT max(id) FROM missing_episodes_child) AS c1,
           (SELECT min(id) FROM rhi_returnhomeinterview) AS r0, (SELECT max(id) FROM rhi_returnhomeinterview) AS r1,
           (SELECT min(id) FROM missing_episodes_missingepisode) AS e0,
           (SELECT max(id) FROM missing_episodes_missingepisode) AS e1
)
INSERT INTO audit_auditevent (at, action, outcome, object_type, object_id, level, request_id,
                              client_request_id, path_name, detail, actor_organisation_id)
SELECT now() - random() * interval '3 years', 'view', 'allowed',
       (ARRAY['missing_episodes.child', 'rhi.returnhomeinterview', 'missing_episodes.missingepisode'])[g %% 3 + 1],
       CASE g %% 3 WHEN 0 THEN (c0 + floor(random() * (c1 - c0 + 1)))::bigint::text
                  WHEN 1 THEN (r0 + floor(random() * (r1 - r0 + 1)))::bigint::text
                  ELSE (e0 + floor(random() * (e1 - e0 + 1)))::bigint::text END,
       'full', md5(g::text), '', 'rhi:detail', '{}', NULL
FROM bounds, generate_series(1, %s) AS g
"""


def busiest_child() -> int:
    """The child with the most RHIs (the lowest id of those): the one whose trail is seeded busiest."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child_id FROM rhi_returnhomeinterview GROUP BY child_id ORDER BY count(*) DESC, child_id LIMIT 1"
        )
        return int(cursor.fetchone()[0])


def seed_audit_events(*, rows: int, busy_child_events: int) -> int:
    """``rows`` view events spread over three years and the existing children, RHIs and episodes, and
    ``busy_child_events`` more on the child with the most RHIs and on its records. Returns that child's id."""
    with connection.cursor() as cursor:
        cursor.execute(SEED_SQL, [rows])
        child_id = busiest_child()
        pairs = [(t, i) for t, ids in child_targets(child_id).items() for i in ids]
        cursor.execute(
            "INSERT INTO audit_auditevent (at, action, outcome, object_type, object_id, level, request_id,"
            " client_request_id, path_name, detail)"
            " SELECT now() - random() * interval '3 years', 'view', 'allowed', (%s::text[])[g %% %s + 1],"
            " (%s::text[])[g %% %s + 1], 'full', '', '', 'rhi:detail', '{}' FROM generate_series(1, %s) AS g",
            [[t for t, _ in pairs], len(pairs), [i for _, i in pairs], len(pairs), busy_child_events],
        )
        cursor.execute("ANALYZE audit_auditevent")
    return child_id


def _time(runs: int, work: Any) -> dict[str, float]:
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        values.append(time.perf_counter() - started)
    return timings(values)


def who_has_seen_figures(runs: int, child_id: int | None = None) -> dict[str, Any]:
    if not AuditEvent.objects.filter(object_type=CHILD).exists():
        return {"skipped": "no audit events: seed them with tools.benchmarks.audit.seed_audit_events"}
    child_id = busiest_child() if child_id is None else child_id
    targets = child_targets(child_id)
    cursor: AuditCursor | None = None
    for _ in range(20):
        _rows, cursor = who_has_seen(targets, cursor=cursor)
    deep = cursor
    month = date(2025, 6, 1)
    since, until = month_bounds(month)
    ordinary = child_targets(child_id + 1)
    with connection.cursor() as db:
        db.execute("SELECT count(*) FROM audit_auditevent")
        total = db.fetchone()[0]
    plan = (
        AuditEvent.objects.filter(object_type=CHILD, object_id=str(child_id))
        .order_by("-at", "-pk")[:51]
        .explain(analyze=True, buffers=True)
    )
    return {
        "audit_events": total,
        "child_id": child_id,
        "child_records": sum(len(ids) for ids in targets.values()),
        "first_page": _time(runs, lambda: who_has_seen(targets)),
        "page_21": _time(runs, lambda: who_has_seen(targets, cursor=deep)),
        "one_month": _time(runs, lambda: who_has_seen(targets, since=since, until=until)),
        "ordinary_child_first_page": _time(runs, lambda: who_has_seen(ordinary)),
        "plan_child_only": plan.splitlines()[-2:],
    }
