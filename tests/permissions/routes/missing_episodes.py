"""Intake: police notifications, episodes, children, pending links and web imports."""

from __future__ import annotations

from tests.permissions.grids import CASEWORK_ELSE_403, CASEWORK_ELSE_404, CASEWORK_OWN_AND_PLACED, OWN_IMPORT
from tests.permissions.matrix import GET, POST, Route, Target
from tests.permissions.targets import (
    CHILDREN,
    EPISODES,
    IMPORT_JOBS,
    NO_RECORD,
    child_page,
    episode_page,
    no_case_narrative,
)

# Periods of care on a child's page: the council's own RHI workers and team managers (access.episodes.
# can_record_care). The world's workers and managers are a commissioned provider's, so the pages do not exist for
# anyone here, even those who see the child's page (404, audited). The allowed path and the refusals with a
# council's own worker: tests/missing_episodes/test_care_pages.py.
CARE_NOBODY = """
                                    own   placed_in  unrelated
            worker                  404   404        404
            manager                 404   404        404
            performance_lead        404   404        404
            police                  404   404        404
            partner_viewer          404   404        404
            org_admin               404   404        404
            worker_other            404   404        404
            manager_other           404   404        404
            performance_lead_other  404   404        404
            police_other            404   404        404
            partner_viewer_other    404   404        404
            org_admin_other         404   404        404
            support                 404   404        404
            anonymous               login login      login
"""


def _care_period_target(child_target: Target) -> Target:
    # No period of care in this world: the child's page decides first, so any period id shows the refusal.
    return lambda w: ({**child_target(w)[0], "period_pk": 0}, "")


CARE_PERIODS: dict[str, Target] = {relation: _care_period_target(t) for relation, t in CHILDREN.items()}


def _correction_target(episode_target: Target) -> Target:
    return lambda w: ({**episode_target(w)[0], "field": "missing_at"}, "")


EPISODE_CORRECTIONS: dict[str, Target] = {relation: _correction_target(t) for relation, t in EPISODES.items()}

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
    # POST with nothing: the change form again with its errors (200), on an open or a returned episode. Only
    # those who may record the child's notification record a reclassification or re-graded risk
    # (access.episodes.can_reclassify_episode): P sees the placed child through its RHI, but Placing's
    # notifications are not P's to record (403).
    "missing_episodes:episode_reclassify": Route(
        POST,
        EPISODES,
        """
                                    own   own_open  placed_in  placed_in_open  unrelated
            worker                  200   200       403        403             404
            manager                 200   200       403        403             404
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
    ),
    "missing_episodes:child_detail": Route(
        GET,
        CHILDREN,
        CASEWORK_OWN_AND_PLACED,
        markers=child_page,
    ),
    # Correcting an episode's times and a child's date of birth (access.episodes.can_correct_facts): the workers
    # and managers who record the responsible LA's notifications. P sees the placed child through its RHI, but
    # Placing's records are not P's to correct (403, as recording the return).
    "missing_episodes:episode_correct": Route(
        GET,
        EPISODE_CORRECTIONS,
        """
                                    own   own_open  placed_in  placed_in_open  unrelated
            worker                  200   200       403        403             404
            manager                 200   200       403        403             404
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
    ),
    "missing_episodes:child_correct_date_of_birth": Route(
        GET,
        CHILDREN,
        """
                                    own   placed_in  unrelated
            worker                  200   403        404
            manager                 200   403        404
            performance_lead        404   404        404
            police                  404   404        404
            partner_viewer          404   404        404
            org_admin               404   404        404
            worker_other            404   404        200
            manager_other           404   404        200
            performance_lead_other  404   404        404
            police_other            404   404        404
            partner_viewer_other    404   404        404
            org_admin_other         404   404        404
            support                 404   404        404
            anonymous               login login      login
            """,
    ),
    "missing_episodes:care_period_new": Route(GET, CHILDREN, CARE_NOBODY),
    "missing_episodes:care_period_end": Route(POST, CARE_PERIODS, CARE_NOBODY),
    "missing_episodes:care_period_correct": Route(GET, CARE_PERIODS, CARE_NOBODY),
    "missing_episodes:care_period_delete": Route(POST, CARE_PERIODS, CARE_NOBODY),
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
    # The "match the child" queue (issue 14 item 1): notifications without an LA child id that fit several
    # children or nearly fit one, decided by the responsible LA's (or its provider's) workers and managers. No
    # question is open in this world: every decision page is 404. The allowed path and another council's
    # refusal: tests/missing_episodes/test_match_queue_pages.py and test_child_matching.py.
    "missing_episodes:match_queue": Route(GET, NO_RECORD, CASEWORK_ELSE_403),
    "missing_episodes:match_question": Route(
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
    # Matching a police file's columns: whoever may follow the job (its uploader). The world's jobs have
    # finished, so the uploader is sent on to the job's report (302); the page itself, and refusals of a job
    # waiting for its columns: tests/missing_episodes/test_import_workbooks.py.
    "missing_episodes:import_columns": Route(GET, IMPORT_JOBS, OWN_IMPORT.replace("200", "302")),
}
