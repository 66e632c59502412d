"""Sharing: disclosures, approvals, police episodes, out-of-area placements and webhooks."""

from __future__ import annotations

from tests.permissions.grids import ORG_ADMINS_ONLY, OWN_ORGANISATIONS_RECORD
from tests.permissions.matrix import GET, PDF, POST, Route
from tests.permissions.targets import (
    DISCLOSURES,
    NO_RECORD,
    PLACEMENTS,
    WEBHOOKS,
    disclosure_at_its_level,
    disclosure_target,
    no_case_narrative,
    police_list_rows,
    rhi_targets,
    shared_list_rows,
    unnotified_rows,
)

ROUTES: dict[str, Route] = {
    # --- Sharing -----------------------------------------------------------------------------------
    # Share an approved RHI: its allocated worker or a manager; a drafting one sends them back (302).
    "sharing:share": Route(
        GET,
        rhi_targets("draft"),
        """
                                    own   placed_in  in_progress  unrelated
            worker                  200   200        302          404
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
    # "Shared with your organisation": recipients' roles (police, partner viewers, casework); never
    # performance leads (figures only) or org admins (users only).
    "sharing:shared": Route(
        GET,
        NO_RECORD,
        """
            none
            worker                  200
            manager                 200
            performance_lead        403
            police                  200
            partner_viewer          200
            org_admin               403
            worker_other            200
            manager_other           200
            performance_lead_other  403
            police_other            200
            partner_viewer_other    200
            org_admin_other         403
            support                 403
            anonymous               login
            """,
        markers=shared_list_rows,
    ),
    # A disclosure opens for its recipient organisation (at its level) and for the sharing provider.
    "sharing:detail": Route(
        GET,
        DISCLOSURES,
        """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            worker                  200                 200                  200                    404
            manager                 200                 200                  200                    404
            performance_lead        404                 404                  404                    404
            police                  200                 404                  404                    404
            partner_viewer          404                 200                  200                    404
            org_admin               404                 404                  404                    404
            worker_other            404                 404                  404                    200
            manager_other           404                 404                  404                    200
            performance_lead_other  404                 404                  404                    404
            police_other            404                 404                  404                    200
            partner_viewer_other    404                 404                  404                    404
            org_admin_other         404                 404                  404                    404
            support                 404                 404                  404                    404
            anonymous               login               login                login                  login
            """,
        markers=disclosure_at_its_level,
    ),
    # The full report's PDF is the RHI's stored report: a redirect to rhi:report_download.
    "sharing:pdf": Route(
        GET,
        DISCLOSURES,
        """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            worker                  200                 200                  302                    404
            manager                 200                 200                  302                    404
            performance_lead        404                 404                  404                    404
            police                  200                 404                  404                    404
            partner_viewer          404                 200                  302                    404
            org_admin               404                 404                  404                    404
            worker_other            404                 404                  404                    200
            manager_other           404                 404                  404                    200
            performance_lead_other  404                 404                  404                    404
            police_other            404                 404                  404                    200
            partner_viewer_other    404                 404                  404                    404
            org_admin_other         404                 404                  404                    404
            support                 404                 404                  404                    404
            anonymous               login               login                login                  login
            """,
        content_type=PDF,
    ),
    # Only the receiving organisation acknowledges (302 back to the disclosure); the sharer may open
    # it but not acknowledge it (403).
    "sharing:acknowledge": Route(
        POST,
        DISCLOSURES,
        """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            worker                  403                 403                  403                    404
            manager                 403                 403                  403                    404
            performance_lead        404                 404                  404                    404
            police                  302                 404                  404                    404
            partner_viewer          404                 302                  302                    404
            org_admin               404                 404                  404                    404
            worker_other            404                 404                  404                    403
            manager_other           404                 404                  404                    403
            performance_lead_other  404                 404                  404                    404
            police_other            404                 404                  404                    302
            partner_viewer_other    404                 404                  404                    404
            org_admin_other         404                 404                  404                    404
            support                 404                 404                  404                    404
            anonymous               login               login                login                  login
            """,
    ),
    # Revoke: the person who shared it (the worker shared the notification, the manager the summary)
    # or a manager of the provider; automatic disclosures (the placed child's report) by a manager.
    "sharing:revoke": Route(
        GET,
        DISCLOSURES,
        """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            worker                  403                 200                  403                    404
            manager                 200                 200                  200                    404
            performance_lead        404                 404                  404                    404
            police                  403                 404                  404                    404
            partner_viewer          404                 403                  403                    404
            org_admin               404                 404                  404                    404
            worker_other            404                 404                  404                    403
            manager_other           404                 404                  404                    200
            performance_lead_other  404                 404                  404                    404
            police_other            404                 404                  404                    403
            partner_viewer_other    404                 404                  404                    404
            org_admin_other         404                 404                  404                    404
            support                 404                 404                  404                    404
            anonymous               login               login                login                  login
            """,
    ),
    # Shares outside the child's relations wait for a manager of the provider (issue 11 item 8): the queue
    # is for team managers; a share already decided (the approved notification to Placing) is 404.
    "sharing:approvals": Route(
        GET,
        NO_RECORD,
        """
            none
            worker                  403
            manager                 200
            performance_lead        403
            police                  403
            partner_viewer          403
            org_admin               403
            worker_other            403
            manager_other           200
            performance_lead_other  403
            police_other            403
            partner_viewer_other    403
            org_admin_other         403
            support                 403
            anonymous               login
            """,
    ),
    "sharing:decide": Route(
        GET,
        {"decided": disclosure_target("placing_note")},
        """
            decided
            worker                  404
            manager                 404
            performance_lead        404
            police                  404
            partner_viewer          404
            org_admin               404
            worker_other            404
            manager_other           404
            performance_lead_other  404
            police_other            404
            partner_viewer_other    404
            org_admin_other         404
            support                 404
            anonymous               login
            """,
    ),
    # Episodes reported to the coordinator's own force (notification level).
    "sharing:police_episodes": Route(
        GET,
        NO_RECORD,
        """
            none
            worker                  403
            manager                 403
            performance_lead        403
            police                  200
            partner_viewer          403
            org_admin               403
            worker_other            403
            manager_other           403
            performance_lead_other  403
            police_other            200
            partner_viewer_other    403
            org_admin_other         403
            support                 403
            anonymous               login
            """,
        markers=police_list_rows,
    ),
    # --- Out-of-area placements: staff of the responsible (placing) or host LA ----------------------
    "sharing_out_of_area:unnotified": Route(
        GET,
        NO_RECORD,
        """
            none
            worker                  404
            manager                 404
            performance_lead        200
            police                  404
            partner_viewer          200
            org_admin               404
            worker_other            404
            manager_other           404
            performance_lead_other  200
            police_other            404
            partner_viewer_other    200
            org_admin_other         404
            support                 404
            anonymous               login
            """,
        markers=unnotified_rows,
    ),
    "sharing_out_of_area:record": Route(
        GET,
        PLACEMENTS,
        """
                                    in_area  placed_in  unrelated
            worker                  404      404        404
            manager                 404      404        404
            performance_lead        200      200        404
            police                  404      404        404
            partner_viewer          404      200        404
            org_admin               404      404        404
            worker_other            404      404        404
            manager_other           404      404        404
            performance_lead_other  404      404        200
            police_other            404      404        404
            partner_viewer_other    404      404        200
            org_admin_other         404      404        404
            support                 404      404        404
            anonymous               login    login      login
            """,
    ),
    "sharing_webhooks:list": Route(GET, NO_RECORD, ORG_ADMINS_ONLY, markers=no_case_narrative),
    "sharing_webhooks:new": Route(GET, NO_RECORD, ORG_ADMINS_ONLY),
    "sharing_webhooks:deactivate": Route(GET, WEBHOOKS, OWN_ORGANISATIONS_RECORD),
    "sharing_webhooks:deliveries": Route(GET, NO_RECORD, ORG_ADMINS_ONLY, markers=no_case_narrative),
}
