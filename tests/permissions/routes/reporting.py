"""Reporting: performance returns and dashboards, statutory returns and exports."""

from __future__ import annotations

from tests.permissions.grids import OWN_EXPORT, PERFORMANCE_LEAD_OWN_LA, PERFORMANCE_LEADS_ONLY
from tests.permissions.matrix import GET, Route
from tests.permissions.targets import (
    EXPORTS,
    NO_RECORD,
    no_case_narrative,
    own_authority_figures,
    performance_targets,
)

ROUTES: dict[str, Route] = {
    "performance:return": Route(
        GET, performance_targets(), PERFORMANCE_LEAD_OWN_LA, markers=own_authority_figures
    ),
    "performance:download": Route(
        GET,
        performance_targets(fmt="xlsx"),
        PERFORMANCE_LEAD_OWN_LA,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "performance:dashboard": Route(
        GET, performance_targets(), PERFORMANCE_LEAD_OWN_LA, markers=own_authority_figures
    ),
    "performance:records": Route(
        GET,
        performance_targets(figure="incidents"),
        PERFORMANCE_LEAD_OWN_LA,
        markers=own_authority_figures,
    ),
    "reporting:returns": Route(GET, NO_RECORD, PERFORMANCE_LEADS_ONLY, markers=no_case_narrative),
    "reporting:ssda903_validation": Route(GET, NO_RECORD, PERFORMANCE_LEADS_ONLY, markers=no_case_narrative),
    "reporting:list8_complete": Route(GET, NO_RECORD, PERFORMANCE_LEADS_ONLY, markers=no_case_narrative),
    "reporting:export_detail": Route(GET, EXPORTS, OWN_EXPORT, markers=no_case_narrative),
    "reporting:export_download": Route(GET, EXPORTS, OWN_EXPORT, content_type="text/csv"),
}
