"""Grids that several routes share, each named once (see matrix.py for how to read a grid)."""

# Every signed-in user (their own page); anonymous users go to sign in.
EVERYONE_SIGNED_IN = """
            none
            worker                  200
            manager                 200
            performance_lead        200
            police                  200
            partner_viewer          200
            org_admin               200
            worker_other            200
            manager_other           200
            performance_lead_other  200
            police_other            200
            partner_viewer_other    200
            org_admin_other         200
            support                 200
            anonymous               login
"""

# Public: everyone, signed in or not.
EVERYONE_EVEN_ANONYMOUS = """
            none
            worker                  200
            manager                 200
            performance_lead        200
            police                  200
            partner_viewer          200
            org_admin               200
            worker_other            200
            manager_other           200
            performance_lead_other  200
            police_other            200
            partner_viewer_other    200
            org_admin_other         200
            support                 200
            anonymous               200
"""

# Every signed-in user is sent on (302); anonymous users go to sign in.
EVERYONE_SIGNED_IN_SENT_ON = """
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
            anonymous               login
"""

# Workers and managers of a provider; every other signed-in role refused (403).
CASEWORK_ELSE_403 = """
            none
            worker                  200
            manager                 200
            performance_lead        403
            police                  403
            partner_viewer          403
            org_admin               403
            worker_other            200
            manager_other           200
            performance_lead_other  403
            police_other            403
            partner_viewer_other    403
            org_admin_other         403
            support                 403
            anonymous               login
"""

# Workers and managers of a provider; the page does not exist for other roles (404).
CASEWORK_ELSE_404 = """
            none
            worker                  200
            manager                 200
            performance_lead        404
            police                  404
            partner_viewer          404
            org_admin               404
            worker_other            200
            manager_other           200
            performance_lead_other  404
            police_other            404
            partner_viewer_other    404
            org_admin_other         404
            support                 404
            anonymous               login
"""

# The API to everyone signed in, for either organisation's record (results filtered).
API_EVERYONE_BOTH_LAS = """
                                    own   unrelated
            worker                  200   200
            manager                 200   200
            performance_lead        200   200
            police                  200   200
            partner_viewer          200   200
            org_admin               200   200
            worker_other            200   200
            manager_other           200   200
            performance_lead_other  200   200
            police_other            200   200
            partner_viewer_other    200   200
            org_admin_other         200   200
            support                 200   200
            anonymous               401   401
"""

# Through the API, a child or referral is its casework's: own and placed-in for P, unrelated for Q.
API_CASEWORK_RECORD = """
                                    own   placed_in  unrelated
            worker                  200   200        404
            manager                 200   200        404
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
            anonymous               401   401        401
"""


# The steps taken by the allocated worker or a manager of the provider while the RHI is in the state the
# step needs (``in_progress``); approved RHIs are frozen (403).
ALLOCATED_WORKER_OR_MANAGER_STEP = """
                                    own   placed_in  in_progress  unrelated
            worker                  403   403        200          404
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
"""

# Casework over a child's own records (a child's page, a referral's steps): workers and managers of the
# provider working on the child (own, placed in), nobody else; the unrelated targets are the other provider's.
CASEWORK_OWN_AND_PLACED = """
                                    own   placed_in  unrelated
            worker                  200   200        404
            manager                 200   200        404
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
"""

# Performance leads, for their own LA (another LA asked for by id: 404).
PERFORMANCE_LEAD_OWN_LA = """
                                    own   unrelated
            worker                  404   404
            manager                 404   404
            performance_lead        200   404
            police                  404   404
            partner_viewer          404   404
            org_admin               404   404
            worker_other            404   404
            manager_other           404   404
            performance_lead_other  200   200
            police_other            404   404
            partner_viewer_other    404   404
            org_admin_other         404   404
            support                 404   404
            anonymous               login login
"""

# Performance leads of either LA, nobody else.
PERFORMANCE_LEADS_ONLY = """
            none
            worker                  404
            manager                 404
            performance_lead        200
            police                  404
            partner_viewer          404
            org_admin               404
            worker_other            404
            manager_other           404
            performance_lead_other  200
            police_other            404
            partner_viewer_other    404
            org_admin_other         404
            support                 404
            anonymous               login
"""

# An export job is its requester's alone.
OWN_EXPORT = """
                                    own   unrelated
            worker                  404   404
            manager                 404   404
            performance_lead        200   404
            police                  404   404
            partner_viewer          404   404
            org_admin               404   404
            worker_other            404   404
            manager_other           404   404
            performance_lead_other  404   200
            police_other            404   404
            partner_viewer_other    404   404
            org_admin_other         404   404
            support                 404   404
            anonymous               login login
"""

# Web imports: only the person who uploaded the file sees its job and its problems.
OWN_IMPORT = """
                                    own   unrelated
            worker                  200   404
            manager                 404   404
            performance_lead        404   404
            police                  404   404
            partner_viewer          404   404
            org_admin               404   404
            worker_other            404   200
            manager_other           404   404
            performance_lead_other  404   404
            police_other            404   404
            partner_viewer_other    404   404
            org_admin_other         404   404
            support                 404   404
            anonymous               login login
"""

# Organisation admins: API clients and webhooks (users and systems, never case content).
ORG_ADMINS_ONLY = """
            none
            worker                  404
            manager                 404
            performance_lead        404
            police                  404
            partner_viewer          404
            org_admin               200
            worker_other            404
            manager_other           404
            performance_lead_other  404
            police_other            404
            partner_viewer_other    404
            org_admin_other         200
            support                 404
            anonymous               login
"""

# An API client or webhook: its own organisation's admins.
OWN_ORGANISATIONS_RECORD = """
                                    own   unrelated
            worker                  404   404
            manager                 404   404
            performance_lead        404   404
            police                  404   404
            partner_viewer          404   404
            org_admin               200   404
            worker_other            404   404
            manager_other           404   404
            performance_lead_other  404   404
            police_other            404   404
            partner_viewer_other    404   404
            org_admin_other         404   200
            support                 404   404
            anonymous               login login
"""

# Lists filtered to what the caller may see: 200 for everyone signed in.
API_LIST = """
            none
            worker                  200
            manager                 200
            performance_lead        200
            police                  200
            partner_viewer          200
            org_admin               200
            worker_other            200
            manager_other           200
            performance_lead_other  200
            police_other            200
            partner_viewer_other    200
            org_admin_other         200
            support                 200
            anonymous               401
"""
# An export asked for through the API: its requester's alone; anonymous callers get 401.
API_OWN_EXPORT = OWN_EXPORT.replace("login", "401")


# A disclosure through the API: only the organisation it was shared with (police, the placing LA's partner
# viewer); the sharing provider reads its RHI instead.
API_DISCLOSURE_RECIPIENT = """
                                    shared_with_police  shared_with_placing  placed_in_full_report  unrelated
            worker                  404                 404                  404                    404
            manager                 404                 404                  404                    404
            performance_lead        404                 404                  404                    404
            police                  200                 404                  404                    404
            partner_viewer          404                 200                  200                    404
            org_admin               404                 404                  404                    404
            worker_other            404                 404                  404                    404
            manager_other           404                 404                  404                    404
            performance_lead_other  404                 404                  404                    404
            police_other            404                 404                  404                    200
            partner_viewer_other    404                 404                  404                    404
            org_admin_other         404                 404                  404                    404
            support                 404                 404                  404                    404
            anonymous               401                 401                  401                    401
"""
