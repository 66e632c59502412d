"""Secondary suppression on the demo data: every authority's performance return for a whole collection year of
``seed_demo --size small`` audited as in test_suppression_audit.py (no withheld cell can be worked out). Its own
module: the seeded data lives in one transaction for the module, rolled back at its end."""

from __future__ import annotations

from datetime import date

from accounts.models import Organisation, OrganisationKind
from reporting.performance import performance_figures, published_cells
from tests.reporting.performance_world import NOW
from tests.reporting.test_suppression_audit import assert_protected


def test_no_withheld_cell_can_be_worked_out_in_any_demo_authoritys_return(
    seeded_demo: None, db: None
) -> None:
    authorities = Organisation.objects.filter(kind=OrganisationKind.LOCAL_AUTHORITY).order_by("code")
    audited = 0
    for authority in authorities:
        result = performance_figures(
            local_authority=authority, date_from=date(2024, 4, 1), date_to=date(2025, 3, 31), now=NOW
        )
        if result.incidents == 0:
            continue
        cells = published_cells(result)
        assert_protected(cells.values, cells.relations, cells.shown)
        audited += 1
    assert audited >= 5
