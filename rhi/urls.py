from django.urls import path

from rhi import views

app_name = "rhi"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("rhi/<int:pk>/", views.rhi_detail, name="detail"),
    path("rhi/<int:pk>/allocate/", views.allocate, name="allocate"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    path("clock-policies/", views.policies, name="policies"),
    path("clock-policies/<int:authority_id>/new/", views.policy_new, name="policy_new"),
]
