"""The REST API (/api/v1/): the same policy; anonymous callers get 401, never a redirect."""

from __future__ import annotations

from tests.permissions.grids import (
    API_CASEWORK_RECORD,
    API_DISCLOSURE_RECIPIENT,
    API_EVERYONE_BOTH_LAS,
    API_LIST,
    API_OWN_EXPORT,
)
from tests.permissions.matrix import GET, POST, Route
from tests.permissions.routes.missing_episodes import CARE_PERIODS
from tests.permissions.targets import (
    API_CHILD_SEARCH,
    API_CHILD_SEARCH_POST,
    API_NOT_FOUND,
    API_RETURN_FOR,
    CHILDREN,
    DISCLOSURES,
    EPISODES,
    EXPORTS,
    NO_RECORD,
    RHI_KEYS,
    api_child_results,
    api_child_search_body,
    api_disclosure_at_its_level,
    api_episode_rows,
    api_return_request,
    api_rhi_at_level,
    child_page,
    episode_page,
    no_case_narrative,
    record_target,
    rhi_targets,
)

ROUTES: dict[str, Route] = {
    "api:child-list": Route(
        GET,
        API_CHILD_SEARCH,
        API_EVERYONE_BOTH_LAS,
        markers=api_child_results,
    ),
    "api:child-search": Route(
        POST,
        API_CHILD_SEARCH_POST,
        API_EVERYONE_BOTH_LAS,
        markers=api_child_results,
        body=api_child_search_body,
    ),
    "api:child-detail": Route(
        GET,
        CHILDREN,
        API_CASEWORK_RECORD,
        markers=child_page,
    ),
    # A child's periods of care: read by whoever sees the child (as on the child's page).
    "api:care-period-list": Route(GET, CHILDREN, API_CASEWORK_RECORD),
    # A child's case notes (access.casenotes), as the timeline; adding one: tests/casenotes/test_api.py.
    "api:case-note-list": Route(GET, CHILDREN, API_CASEWORK_RECORD),
    # No period of care in this world: 404 for every caller (reading and writing one, and the refusals of a
    # council's own worker's writes: tests/api/test_care_periods_api.py).
    "api:care-period-detail": Route(
        GET,
        CARE_PERIODS,
        """
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
            anonymous               401   401        401
            """,
    ),
    "api:episode-list": Route(GET, NO_RECORD, API_LIST, markers=api_episode_rows),
    # A missing-person coordinator reads the episodes reported to their force (without the child's
    # details), whichever council is responsible for the child.
    "api:episode-detail": Route(
        GET,
        EPISODES,
        """
                                    own   own_open  placed_in  placed_in_open  unrelated
            worker                  200   200       200        200             404
            manager                 200   200       200        200             404
            performance_lead        404   404       404        404             404
            police                  200   200       200        200             404
            partner_viewer          404   404       404        404             404
            org_admin               404   404       404        404             404
            worker_other            404   404       404        404             200
            manager_other           404   404       404        404             200
            performance_lead_other  404   404       404        404             404
            police_other            404   404       404        404             200
            partner_viewer_other    404   404       404        404             404
            org_admin_other         404   404       404        404             404
            support                 404   404       404        404             404
            anonymous               401   401       401        401             401
            """,
        markers=episode_page,
    ),
    # POST without If-Match: 428 for whoever may record the return (casework of the child's LA, the
    # force's coordinator); readable but not theirs to record: 403.
    "api:episode-return": Route(
        POST,
        EPISODES,
        """
                                    own   own_open  placed_in  placed_in_open  unrelated
            worker                  428   428       403        403             404
            manager                 428   428       403        403             404
            performance_lead        404   404       404        404             404
            police                  428   428       428        428             404
            partner_viewer          404   404       404        404             404
            org_admin               404   404       404        404             404
            worker_other            404   404       404        404             428
            manager_other           404   404       404        404             428
            performance_lead_other  404   404       404        404             404
            police_other            404   404       404        404             428
            partner_viewer_other    404   404       404        404             404
            org_admin_other         404   404       404        404             404
            support                 404   404       404        404             404
            anonymous               401   401       401       401             401
            """,
    ),
    "api:rhi-list": Route(GET, NO_RECORD, API_LIST, markers=no_case_narrative),
    # At the caller's level: casework full; the police the intelligence summary of Home's RHI; Placing
    # the notification of Home's RHI and the full report of its placed child's.
    "api:rhi-detail": Route(
        GET,
        rhi_targets("draft"),
        """
                                    own   placed_in  in_progress  unrelated
            worker                  200   200        200          404
            manager                 200   200        200          404
            performance_lead        404   404        404          404
            police                  200   404        404          404
            partner_viewer          200   200        404          404
            org_admin               404   404        404          404
            worker_other            404   404        404          200
            manager_other           404   404        404          200
            performance_lead_other  404   404        404          404
            police_other            404   404        404          200
            partner_viewer_other    404   404        404          404
            org_admin_other         404   404        404          404
            support                 404   404        404          404
            anonymous               401   401        401          401
            """,
        markers=api_rhi_at_level,
    ),
    "api:referral-list": Route(GET, NO_RECORD, API_LIST, markers=no_case_narrative),
    "api:referral-detail": Route(
        GET,
        {key: record_target("referrals", rk) for key, rk in RHI_KEYS.items()},
        API_CASEWORK_RECORD,
    ),
    "api:disclosure-list": Route(GET, NO_RECORD, API_LIST, markers=no_case_narrative),
    # The API answers recipients only (what was shared with the caller's organisation): the sharing
    # provider reads its RHI instead (404 here).
    "api:disclosure-detail": Route(
        GET,
        DISCLOSURES,
        API_DISCLOSURE_RECIPIENT,
        markers=api_disclosure_at_its_level,
    ),
    "api:disclosure-acknowledge": Route(
        POST,
        DISCLOSURES,
        API_DISCLOSURE_RECIPIENT,
    ),
    # Start a return for Home (own) or Other (unrelated): only that LA's performance lead (202).
    "api:return-start": Route(
        POST,
        API_RETURN_FOR,
        """
                                    own   unrelated
            worker                  403   403
            manager                 403   403
            performance_lead        202   403
            police                  403   403
            partner_viewer          403   403
            org_admin               403   403
            worker_other            403   403
            manager_other           403   403
            performance_lead_other  403   202
            police_other            403   403
            partner_viewer_other    403   403
            org_admin_other         403   403
            support                 403   403
            anonymous               401   401
            """,
        body=api_return_request,
    ),
    "api:return-detail": Route(GET, EXPORTS, API_OWN_EXPORT, markers=no_case_narrative),
    "api:return-file": Route(GET, EXPORTS, API_OWN_EXPORT, content_type="text/csv"),
    # Anything else under /api/v1/: the API's own 404, for everyone.
    "api:not-found": Route(
        GET,
        API_NOT_FOUND,
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
            anonymous               404
            """,
    ),
}
