"""The REST API with bearer tokens (issue 11): the same answers as a person in the token's role, and nothing at
all (403, audited) for a client an org admin issued that no holder of its role has approved.

One grid per API route (the columns are the route's relations in ``routes/api.py``), one row per token of
tests/matrix_world.TOKEN_AS. test_every_api_route_has_a_token_grid fails for an API route without one.
"""

from __future__ import annotations

TOKEN_GRIDS: dict[str, str] = {
    "api:child-list": """
                                    own   unrelated
            token_manager           200   200
            token_police            200   200
            token_partner_viewer    200   200
            token_performance_lead  200   200
            token_pending_manager   403   403
            token_pending_police    403   403
            token_pending_council   403   403
""",
    "api:child-search": """
                                    own   unrelated
            token_manager           200   200
            token_police            200   200
            token_partner_viewer    200   200
            token_performance_lead  200   200
            token_pending_manager   403   403
            token_pending_police    403   403
            token_pending_council   403   403
""",
    "api:child-detail": """
                                    own   placed_in  unrelated
            token_manager           200   200        404
            token_police            404   404        404
            token_partner_viewer    404   404        404
            token_performance_lead  404   404        404
            token_pending_manager   403   403        403
            token_pending_police    403   403        403
            token_pending_council   403   403        403
""",
    # Home's client has care:write (approved by a Home team manager too): it reads its own children's periods
    # of care (for their ETags) and nothing else of theirs (tests/api/test_care_periods_client.py).
    "api:care-period-list": """
                                    own   placed_in  unrelated
            token_manager           200   200        404
            token_police            404   404        404
            token_partner_viewer    404   404        404
            token_performance_lead  200   404        404
            token_pending_manager   403   403        403
            token_pending_police    403   403        403
            token_pending_council   403   403        403
""",
    # Case notes: the provider's manager's client (case_notes:read) as its manager; no other role sees the child.
    "api:case-note-list": """
                                    own   placed_in  unrelated
            token_manager           200   200        404
            token_police            404   404        404
            token_partner_viewer    404   404        404
            token_performance_lead  404   404        404
            token_pending_manager   403   403        403
            token_pending_police    403   403        403
            token_pending_council   403   403        403
""",
    "api:care-period-detail": """
                                    own   placed_in  unrelated
            token_manager           404   404        404
            token_police            404   404        404
            token_partner_viewer    404   404        404
            token_performance_lead  404   404        404
            token_pending_manager   403   403        403
            token_pending_police    403   403        403
            token_pending_council   403   403        403
""",
    "api:episode-list": """
                                    none
            token_manager           200
            token_police            200
            token_partner_viewer    200
            token_performance_lead  200
            token_pending_manager   403
            token_pending_police    403
            token_pending_council   403
""",
    "api:episode-detail": """
                                    own   own_open  placed_in  placed_in_open  unrelated
            token_manager           200   200       200        200             404
            token_police            200   200       200        200             404
            token_partner_viewer    404   404       404        404             404
            token_performance_lead  404   404       404        404             404
            token_pending_manager   403   403       403        403             403
            token_pending_police    403   403       403        403             403
            token_pending_council   403   403       403        403             403
""",
    "api:episode-return": """
                                    own   own_open  placed_in  placed_in_open  unrelated
            token_manager           428   428       403        403             404
            token_police            428   428       428        428             404
            token_partner_viewer    404   404       404        404             404
            token_performance_lead  404   404       404        404             404
            token_pending_manager   403   403       403        403             403
            token_pending_police    403   403       403        403             403
            token_pending_council   403   403       403        403             403
""",
    "api:rhi-list": """
                                    none
            token_manager           200
            token_police            200
            token_partner_viewer    200
            token_performance_lead  200
            token_pending_manager   403
            token_pending_police    403
            token_pending_council   403
""",
    "api:rhi-detail": """
                                    own   placed_in  in_progress  unrelated
            token_manager           200   200        200          404
            token_police            200   404        404          404
            token_partner_viewer    200   200        404          404
            token_performance_lead  404   404        404          404
            token_pending_manager   403   403        403          403
            token_pending_police    403   403        403          403
            token_pending_council   403   403        403          403
""",
    "api:referral-list": """
                                    none
            token_manager           200
            token_police            200
            token_partner_viewer    200
            token_performance_lead  200
            token_pending_manager   403
            token_pending_police    403
            token_pending_council   403
""",
    "api:referral-detail": """
                                    own   placed_in  unrelated
            token_manager           200   200        404
            token_police            404   404        404
            token_partner_viewer    404   404        404
            token_performance_lead  404   404        404
            token_pending_manager   403   403        403
            token_pending_police    403   403        403
            token_pending_council   403   403        403
""",
    "api:disclosure-list": """
                                    none
            token_manager           200
            token_police            200
            token_partner_viewer    200
            token_performance_lead  200
            token_pending_manager   403
            token_pending_police    403
            token_pending_council   403
""",
    "api:disclosure-detail": """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            token_manager           404                 404                  404                    404
            token_police            200                 404                  404                    404
            token_partner_viewer    404                 200                  200                    404
            token_performance_lead  404                 404                  404                    404
            token_pending_manager   403                 403                  403                    403
            token_pending_police    403                 403                  403                    403
            token_pending_council   403                 403                  403                    403
""",
    "api:disclosure-acknowledge": """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            token_manager           404                 404                  404                    404
            token_police            200                 404                  404                    404
            token_partner_viewer    404                 200                  200                    404
            token_performance_lead  404                 404                  404                    404
            token_pending_manager   403                 403                  403                    403
            token_pending_police    403                 403                  403                    403
            token_pending_council   403                 403                  403                    403
""",
    # Only an approved council client with returns:run starts its own LA's return. A client polls only the
    # jobs it started itself (the performance lead's own job is theirs: 404); without the scope, 403.
    "api:return-start": """
                                    own   unrelated
            token_manager           403   403
            token_police            403   403
            token_partner_viewer    403   403
            token_performance_lead  202   403
            token_pending_manager   403   403
            token_pending_police    403   403
            token_pending_council   403   403
""",
    "api:return-detail": """
                                    own   unrelated
            token_manager           404   404
            token_police            404   404
            token_partner_viewer    403   403
            token_performance_lead  404   404
            token_pending_manager   403   403
            token_pending_police    403   403
            token_pending_council   403   403
""",
    "api:return-file": """
                                    own   unrelated
            token_manager           404   404
            token_police            404   404
            token_partner_viewer    403   403
            token_performance_lead  404   404
            token_pending_manager   403   403
            token_pending_police    403   403
            token_pending_council   403   403
""",
    # An unapproved client's token answers 403 before anything else, even where nothing exists.
    "api:not-found": """
                                    none
            token_manager           404
            token_police            404
            token_partner_viewer    404
            token_performance_lead  404
            token_pending_manager   403
            token_pending_police    403
            token_pending_council   403
""",
}
