"""Casework on an RHI: the dashboard, the RHI page, the journey steps, notifications, clock policies and imports of past outcomes."""

from __future__ import annotations

from tests.permissions.grids import (
    ALLOCATED_WORKER_OR_MANAGER_STEP,
    CASEWORK_ELSE_403,
    EVERYONE_SIGNED_IN,
    EVERYONE_SIGNED_IN_SENT_ON,
)
from tests.permissions.matrix import GET, PDF, POST, Route
from tests.permissions.targets import (
    AUTHORITIES,
    NO_RECORD,
    REPORTS,
    dashboard_rows,
    no_case_narrative,
    rhi_page_at_full_level,
    rhi_targets,
)

ROUTES: dict[str, Route] = {
    # --- Casework: the dashboard and an RHI ------------------------------------------------------
    "rhi:dashboard": Route(
        GET,
        NO_RECORD,
        CASEWORK_ELSE_403,
        markers=dashboard_rows,
    ),
    # The RHI page is casework only: recipients of a disclosure open the disclosure (sharing:detail).
    "rhi:detail": Route(
        GET,
        rhi_targets("draft"),
        """
                                    own   placed_in  in_progress  unrelated
            worker                  200   200        200          404
            manager                 200   200        200          404
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
        markers=rhi_page_at_full_level,
    ),
    # POST with no worker: the form's error goes back as a message (302); invisible RHIs 404.
    # The matrix posts no worker: a manager who may allocate this RHI gets its page again with the error
    # summary (400); anyone else a message and a redirect (the service refuses them on a valid form).
    "rhi:allocate": Route(
        POST,
        rhi_targets("intake"),
        """
                                    own   placed_in  in_progress  unrelated
            worker                  302   302        302          404
            manager                 302   302        400          404
            performance_lead        404   404        404          404
            police                  404   404        404          404
            partner_viewer          404   404        404          404
            org_admin               404   404        404          404
            worker_other            404   404        404          302
            manager_other           404   404        404          302
            performance_lead_other  404   404        404          404
            police_other            404   404        404          404
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          404
            support                 404   404        404          404
            anonymous               login login      login        login
            """,
    ),
    # The full report needs the full level; the notification letter any level a disclosure gives
    # (police were sent an intelligence summary of Home's RHI, Placing a notification of it and the
    # full report of its placed child's RHI). A drafting RHI has no report yet.
    "rhi:report_download": Route(
        GET,
        REPORTS,
        """
                                    own   own_letter  placed_in  placed_in_letter  drafting  unrelated
            worker                  200   200         200        200               404       404
            manager                 200   200         200        200               404       404
            performance_lead        404   404         404        404               404       404
            police                  404   200         404        404               404       404
            partner_viewer          404   200         200        200               404       404
            org_admin               404   404         404        404               404       404
            worker_other            404   404         404        404               404       200
            manager_other           404   404         404        404               404       200
            performance_lead_other  404   404         404        404               404       404
            police_other            404   404         404        404               404       404
            partner_viewer_other    404   404         404        404               404       404
            org_admin_other         404   404         404        404               404       404
            support                 404   404         404        404               404       404
            anonymous               login login       login      login             login     login
            """,
        content_type=PDF,
    ),
    # --- The journey pages: 404 unless visible, 403 unless the step is the user's to take now -------
    # Take (POST): only an RHI worker of the provider, on an unallocated RHI (self-allocation allowed).
    "rhi:take": Route(
        POST,
        rhi_targets("intake"),
        """
                                    own   placed_in  in_progress  unrelated
            worker                  403   403        302          404
            manager                 403   403        403          404
            performance_lead        404   404        404          404
            police                  404   404        404          404
            partner_viewer          404   404        404          404
            org_admin               404   404        404          404
            worker_other            404   404        404          403
            manager_other           404   404        404          403
            performance_lead_other  404   404        404          404
            police_other            404   404        404          404
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          404
            support                 404   404        404          404
            anonymous               login login      login        login
            """,
    ),
    # Four eyes: only a manager of the provider reviews a submitted report.
    "rhi:review": Route(
        GET,
        rhi_targets("submitted"),
        """
                                    own   placed_in  in_progress  unrelated
            worker                  403   403        403          404
            manager                 403   403        200          404
            performance_lead        404   404        404          404
            police                  404   404        404          404
            partner_viewer          404   404        404          404
            org_admin               404   404        404          404
            worker_other            404   404        404          403
            manager_other           404   404        404          403
            performance_lead_other  404   404        404          404
            police_other            404   404        404          404
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          404
            support                 404   404        404          404
            anonymous               login login      login        login
            """,
    ),
    # Each user's own notifications (nobody has any here).
    "alerts:notifications": Route(
        GET,
        NO_RECORD,
        EVERYONE_SIGNED_IN,
        markers=no_case_narrative,
    ),
    "alerts:notifications_mark_read": Route(
        POST,
        NO_RECORD,
        EVERYONE_SIGNED_IN_SENT_ON,
    ),
    # Clock policies: org admins of a local authority, for that authority.
    "rhi:policies": Route(
        GET,
        NO_RECORD,
        """
            none
            worker                  403
            manager                 403
            performance_lead        403
            police                  403
            partner_viewer          403
            org_admin               200
            worker_other            403
            manager_other           403
            performance_lead_other  403
            police_other            403
            partner_viewer_other    403
            org_admin_other         200
            support                 403
            anonymous               login
            """,
        markers=no_case_narrative,
    ),
    "rhi:policy_new": Route(
        GET,
        AUTHORITIES,
        """
                                    own   placing  unrelated
            worker                  404   404      404
            manager                 404   404      404
            performance_lead        404   404      404
            police                  404   404      404
            partner_viewer          404   404      404
            org_admin               200   404      404
            worker_other            404   404      404
            manager_other           404   404      404
            performance_lead_other  404   404      404
            police_other            404   404      404
            partner_viewer_other    404   404      404
            org_admin_other         404   404      200
            support                 404   404      404
            anonymous               login login    login
            """,
    ),
    # Importing past RHI outcomes: team managers (for the LAs they serve) and performance leads.
    "rhi:import_history": Route(
        GET,
        NO_RECORD,
        """
            none
            worker                  404
            manager                 200
            performance_lead        200
            police                  404
            partner_viewer          404
            org_admin               404
            worker_other            404
            manager_other           200
            performance_lead_other  200
            police_other            404
            partner_viewer_other    404
            org_admin_other         404
            support                 404
            anonymous               login
            """,
    ),
}

for step, state in [
    ("contact", "allocated"),
    ("offer", "allocated"),
    ("outcome", "allocated"),
    ("interview", "draft"),
    ("findings", "draft"),
    ("consent", "draft"),
    ("submit", "draft"),
]:
    ROUTES[f"rhi:{step}"] = Route(GET, rhi_targets(state), ALLOCATED_WORKER_OR_MANAGER_STEP)
