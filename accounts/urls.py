from django.urls import path

from accounts import api_client_views, org_admin_views, views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("api-clients/", api_client_views.client_list, name="api_clients"),
    path("api-clients/new/", api_client_views.client_new, name="api_client_new"),
    path("api-clients/<int:pk>/revoke/", api_client_views.client_revoke, name="api_client_revoke"),
    path("api-clients/approvals/", api_client_views.client_approvals, name="api_client_approvals"),
    path("api-clients/<int:pk>/approve/", api_client_views.client_decide, name="api_client_decide"),
]

# An organisation admin's people and settings (accounts.org_admin_views, issue 14 item 6).
urlpatterns += [
    path("users/", org_admin_views.people, name="org_users"),
    path("users/invite/", org_admin_views.invite, name="org_user_invite"),
    path("users/<int:pk>/", org_admin_views.person, name="org_user"),
    path("users/<int:pk>/invitation/", org_admin_views.resend_invitation, name="org_user_invitation_resend"),
    path("users/<int:pk>/roles/give/", org_admin_views.give_role, name="org_user_role_give"),
    path("users/<int:pk>/roles/remove/", org_admin_views.remove_role, name="org_user_role_remove"),
    path("users/<int:pk>/roles/team/", org_admin_views.set_team, name="org_user_role_team"),
    path("users/<int:pk>/active/", org_admin_views.set_active, name="org_user_active"),
    path(
        "users/<int:pk>/two-factor/reset/", org_admin_views.reset_two_factor, name="org_user_two_factor_reset"
    ),
    path("users/<int:pk>/unlock/", org_admin_views.unlock, name="org_user_unlock"),
    path("organisation/<int:organisation_id>/", org_admin_views.organisation_settings, name="org_settings"),
    path("invitation/<str:token>/", org_admin_views.accept_invitation, name="invitation"),
    path("organisation/<int:organisation_id>/teams/new/", org_admin_views.team_new, name="org_team_new"),
]
