"""Who has seen this record."""

from __future__ import annotations

from tests.permissions.matrix import GET, Route
from tests.permissions.targets import CHILDREN, no_case_narrative, rhi_targets

ROUTES: dict[str, Route] = {
    # --- Who has seen this record: managers who see the record, org admins of the child's LA --------
    "audit:child": Route(
        GET,
        CHILDREN,
        """
                                    own   placed_in  unrelated
            worker                  404   404        404
            manager                 200   200        404
            performance_lead        404   404        404
            police                  404   404        404
            partner_viewer          404   404        404
            org_admin               200   404        404
            worker_other            404   404        404
            manager_other           404   404        200
            performance_lead_other  404   404        404
            police_other            404   404        404
            partner_viewer_other    404   404        404
            org_admin_other         404   404        200
            support                 404   404        404
            anonymous               login login      login
            """,
        markers=no_case_narrative,
    ),
    "audit:rhi": Route(
        GET,
        rhi_targets("draft"),
        """
                                    own   placed_in  in_progress  unrelated
            worker                  404   404        404          404
            manager                 200   200        200          404
            performance_lead        404   404        404          404
            police                  404   404        404          404
            partner_viewer          404   404        404          404
            org_admin               200   404        200          404
            worker_other            404   404        404          404
            manager_other           404   404        404          200
            performance_lead_other  404   404        404          404
            police_other            404   404        404          404
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          200
            support                 404   404        404          404
            anonymous               login login      login        login
            """,
        markers=no_case_narrative,
    ),
}
