"""Signing in, the home page, health checks, two-factor and organisation admins' API clients."""

from __future__ import annotations

from tests.permissions.grids import (
    EVERYONE_EVEN_ANONYMOUS,
    EVERYONE_SIGNED_IN,
    EVERYONE_SIGNED_IN_SENT_ON,
    ORG_ADMINS_ONLY,
    OWN_ORGANISATIONS_RECORD,
)
from tests.permissions.matrix import GET, POST, Route, Target
from tests.permissions.targets import API_CLIENT_DECISIONS, API_CLIENTS, NO_RECORD, no_case_narrative

ROUTES: dict[str, Route] = {
    # --- Signing in and the home page -------------------------------------------------------------
    "home": Route(
        GET,
        NO_RECORD,
        EVERYONE_SIGNED_IN,
        markers=no_case_narrative,
    ),
    "healthz": Route(
        GET,
        NO_RECORD,
        EVERYONE_EVEN_ANONYMOUS,
    ),
    "readyz": Route(
        GET,
        NO_RECORD,
        EVERYONE_EVEN_ANONYMOUS,
    ),
    # Signed-in users are sent on to the home page.
    "accounts:login": Route(
        GET,
        NO_RECORD,
        """
            none
            worker                  302
            manager                 302
            performance_lead        302
            police                  302
            partner_viewer          302
            org_admin               302
            worker_other            302
            manager_other           302
            performance_lead_other  302
            police_other            302
            partner_viewer_other    302
            org_admin_other         302
            support                 302
            anonymous               200
            """,
    ),
    # Signing out (POST) ends on the sign-in page, for everyone.
    "accounts:logout": Route(
        POST,
        NO_RECORD,
        """
            none
            worker                  login
            manager                 login
            performance_lead        login
            police                  login
            partner_viewer          login
            org_admin               login
            worker_other            login
            manager_other           login
            performance_lead_other  login
            police_other            login
            partner_viewer_other    login
            org_admin_other         login
            support                 login
            anonymous               login
            """,
    ),
    # Nobody here has an authenticator app: nothing to verify, back to where they were going.
    "accounts:two_factor_verify": Route(
        GET,
        NO_RECORD,
        EVERYONE_SIGNED_IN_SENT_ON,
    ),
    "accounts:two_factor_setup": Route(
        GET,
        NO_RECORD,
        EVERYONE_SIGNED_IN,
    ),
    "accounts:api_clients": Route(GET, NO_RECORD, ORG_ADMINS_ONLY, markers=no_case_narrative),
    "accounts:api_client_new": Route(GET, NO_RECORD, ORG_ADMINS_ONLY),
    "accounts:api_client_revoke": Route(GET, API_CLIENTS, OWN_ORGANISATIONS_RECORD),
    # Approving a client (issue 11): anyone holding a case role may open the list (it may be empty); a
    # client's page only for a holder of its role in its organisation who did not issue it, while it waits.
    "accounts:api_client_approvals": Route(
        GET,
        NO_RECORD,
        """
            none
            worker                  200
            manager                 200
            performance_lead        200
            police                  200
            partner_viewer          200
            org_admin               404
            worker_other            200
            manager_other           200
            performance_lead_other  200
            police_other            200
            partner_viewer_other    200
            org_admin_other         404
            support                 404
            anonymous               login
            """,
        markers=no_case_narrative,
    ),
    "accounts:api_client_decide": Route(
        GET,
        API_CLIENT_DECISIONS,
        """
                                    pending_provider  pending_force  pending_council  approved  unrelated
            worker                  404               404            404              404       404
            manager                 200               404            404              404       404
            performance_lead        404               404            404              404       404
            police                  404               200            404              404       404
            partner_viewer          404               404            404              404       404
            org_admin               404               404            404              404       404
            worker_other            404               404            404              404       404
            manager_other           404               404            404              404       404
            performance_lead_other  404               404            404              404       404
            police_other            404               404            404              404       404
            partner_viewer_other    404               404            404              404       200
            org_admin_other         404               404            404              404       404
            support                 404               404            404              404       404
            anonymous               login             login          login            login     login
            """,
        markers=no_case_narrative,
    ),
}


# --- An organisation admin's people and settings (issue 14 item 6) -------------------------------------------
# Home's performance lead is one of Home's admin's people; Other's is Other's admin's.
PEOPLE: dict[str, Target] = {
    "own": lambda w: ({"pk": w.users["performance_lead"].pk}, ""),
    "unrelated": lambda w: ({"pk": w.users["performance_lead_other"].pk}, ""),
}
ORGANISATIONS: dict[str, Target] = {
    "own": lambda w: ({"organisation_id": w.home.pk}, ""),
    "unrelated": lambda w: ({"organisation_id": w.other.pk}, ""),
}
# Posted empty: a form's errors on the page (200) or, for a button with nothing to choose, back to the page.
OWN_ADMIN_302 = OWN_ORGANISATIONS_RECORD.replace("200", "302")

ROUTES |= {
    "accounts:org_users": Route(GET, NO_RECORD, ORG_ADMINS_ONLY, markers=no_case_narrative),
    "accounts:org_user": Route(GET, PEOPLE, OWN_ORGANISATIONS_RECORD, markers=no_case_narrative),
    "accounts:org_user_role_give": Route(POST, PEOPLE, OWN_ORGANISATIONS_RECORD),
    "accounts:org_user_role_remove": Route(POST, PEOPLE, OWN_ORGANISATIONS_RECORD),
    "accounts:org_user_role_team": Route(POST, PEOPLE, OWN_ORGANISATIONS_RECORD),
    "accounts:org_user_active": Route(POST, PEOPLE, OWN_ADMIN_302),
    "accounts:org_user_two_factor_reset": Route(POST, PEOPLE, OWN_ADMIN_302),
    "accounts:org_user_unlock": Route(POST, PEOPLE, OWN_ADMIN_302),
    "accounts:org_settings": Route(GET, ORGANISATIONS, OWN_ORGANISATIONS_RECORD, markers=no_case_narrative),
    "accounts:org_team_new": Route(POST, ORGANISATIONS, OWN_ORGANISATIONS_RECORD),
}

ROUTES |= {
    "accounts:org_user_invite": Route(GET, NO_RECORD, ORG_ADMINS_ONLY),
    "accounts:org_user_invitation_resend": Route(POST, PEOPLE, OWN_ADMIN_302),
    # A link that does not work says only that, to anyone (the link is the invitee's credential, no sign-in).
    "accounts:invitation": Route(
        GET, {"none": lambda w: ({"token": "not-a-real-token"}, "")}, EVERYONE_EVEN_ANONYMOUS
    ),
}
