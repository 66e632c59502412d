from django.urls import path

from accounts import api_client_views, views

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
