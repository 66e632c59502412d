"""Follow-up referrals."""

from __future__ import annotations

from tests.permissions.grids import CASEWORK_OWN_AND_PLACED, EVERYONE_SIGNED_IN
from tests.permissions.matrix import GET, Route
from tests.permissions.targets import NO_RECORD, REFERRALS, no_case_narrative, rhi_targets

ROUTES: dict[str, Route] = {
    # --- Follow-up referrals -----------------------------------------------------------------------
    # From an RHI whose interview is held, by its allocated worker or a manager; before the interview
    # (intake) a manager is sent back to the RHI (302) and a worker not allocated to it refused (403).
    "referrals:new": Route(
        GET,
        rhi_targets("intake"),
        """
                                    own   placed_in  in_progress  unrelated
            worker                  200   200        403          404
            manager                 200   200        302          404
            performance_lead        404   404        404          404
            police                  404   404        404          404
            partner_viewer          404   404        404          404
            org_admin               404   404        404          404
            worker_other            404   404        404          200
            manager_other           404   404        404          200
            performance_lead_other  404   404        404          404
            police_other            404   404        404          404
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          404
            support                 404   404        404          404
            anonymous               login login      login        login
            """,
    ),
    # Each worker's own list (empty for everyone else).
    "referrals:awaiting": Route(
        GET,
        NO_RECORD,
        EVERYONE_SIGNED_IN,
        markers=no_case_narrative,
    ),
}

for step in ("mark_sent", "acknowledge", "outcome", "withdraw"):
    ROUTES[f"referrals:{step}"] = Route(GET, REFERRALS, CASEWORK_OWN_AND_PLACED)
