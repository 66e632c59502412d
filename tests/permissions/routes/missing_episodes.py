"""Intake: police notifications, episodes, children, pending links and web imports."""

from __future__ import annotations

from tests.permissions.grids import CASEWORK_ELSE_403, CASEWORK_ELSE_404, CASEWORK_OWN_AND_PLACED, OWN_IMPORT
from tests.permissions.matrix import GET, POST, Route
from tests.permissions.targets import (
    CHILDREN,
    EPISODES,
    IMPORT_JOBS,
    NO_RECORD,
    child_page,
    episode_page,
    no_case_narrative,
)

ROUTES: dict[str, Route] = {
    # --- Intake: police notifications, episodes and children --------------------------------------
    # Workers and managers of a provider record notifications for the LAs commissioning it.
    "missing_episodes:episode_new": Route(
        GET,
        NO_RECORD,
        CASEWORK_ELSE_404,
    ),
    "missing_episodes:episode_import": Route(
        GET,
        NO_RECORD,
        CASEWORK_ELSE_404,
    ),
    # Importing periods of care: the council's own RHI workers and team managers (access.episodes.
    # care_authority_ids, as can_record_care). The world's workers and managers are a commissioned provider's,
    # never the council's own, so no one here may (the allowed path: tests/missing_episodes/test_care_period_upload.py).
    "missing_episodes:care_period_import": Route(
        GET,
        NO_RECORD,
        """
            none
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
    # Children (and their episodes) of the commissioning LAs and of the RHIs the user works on: the
    # child placed in Home's area is P's to see through its RHI.
    "missing_episodes:episode_detail": Route(
        GET,
        EPISODES,
        """
                                    own   own_open  placed_in  placed_in_open  unrelated
            worker                  200   200       200        200             404
            manager                 200   200       200        200             404
            performance_lead        404   404       404        404             404
            police                  404   404       404        404             404
            partner_viewer          404   404       404        404             404
            org_admin               404   404       404        404             404
            worker_other            404   404       404        404             200
            manager_other           404   404       404        404             200
            performance_lead_other  404   404       404        404             404
            police_other            404   404       404        404             404
            partner_viewer_other    404   404       404        404             404
            org_admin_other         404   404       404        404             404
            support                 404   404       404        404             404
            anonymous               login login     login      login           login
            """,
        markers=episode_page,
    ),
    # POST with nothing: a missing child's return form again with its errors (200); a returned episode
    # "already recorded" (302). Only those who may record the child's notification record the return
    # (access.episodes.can_record_return): P sees the placed child through its RHI, but Placing's
    # notifications are not P's to record (403).
    "missing_episodes:episode_record_return": Route(
        POST,
        EPISODES,
        """
                                    own   own_open  placed_in  placed_in_open  unrelated
            worker                  409   200       403        403             404
            manager                 409   200       403        403             404
            performance_lead        404   404       404        404             404
            police                  404   404       404        404             404
            partner_viewer          404   404       404        404             404
            org_admin               404   404       404        404             404
            worker_other            404   404       404        404             409
            manager_other           404   404       404        404             409
            performance_lead_other  404   404       404        404             404
            police_other            404   404       404        404             404
            partner_viewer_other    404   404       404        404             404
            org_admin_other         404   404       404        404             404
            support                 404   404       404        404             404
            anonymous               login login     login      login           login
            """,
    ),
    "missing_episodes:child_detail": Route(
        GET,
        CHILDREN,
        CASEWORK_OWN_AND_PLACED,
        markers=child_page,
    ),
    # Police notifications naming a child the force has no relation to wait for the child's council or its
    # commissioned provider (issue 11 item 6). No link is pending in this world: every decision page is 404.
    "missing_episodes:pending_links": Route(
        GET,
        NO_RECORD,
        CASEWORK_ELSE_403,
    ),
    "missing_episodes:pending_link": Route(
        GET,
        {"none": lambda w: ({"pk": 0}, "")},
        """
            none
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
    "missing_episodes:import_job": Route(GET, IMPORT_JOBS, OWN_IMPORT, markers=no_case_narrative),
    "missing_episodes:import_job_problems": Route(GET, IMPORT_JOBS, OWN_IMPORT, content_type="text/csv"),
}
