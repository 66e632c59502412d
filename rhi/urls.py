from django.urls import path

from rhi import history_views, journey_views, report_views, views

app_name = "rhi"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("rhi/<int:pk>/", views.rhi_detail, name="detail"),
    path("rhi/<int:pk>/allocate/", views.allocate, name="allocate"),
    path("rhi/<int:pk>/report/<str:kind>.pdf", report_views.report_download, name="report_download"),
    path("rhi/<int:pk>/take/", journey_views.take, name="take"),
    path("rhi/<int:pk>/contact/", journey_views.contact, name="contact"),
    path("rhi/<int:pk>/offer/", journey_views.offer, name="offer"),
    path("rhi/<int:pk>/outcome/", journey_views.outcome, name="outcome"),
    path("rhi/<int:pk>/interview/", journey_views.interview, name="interview"),
    path("rhi/<int:pk>/findings/", journey_views.findings, name="findings"),
    path("rhi/<int:pk>/consent/", journey_views.consent, name="consent"),
    path("rhi/<int:pk>/submit/", journey_views.submit, name="submit"),
    path("rhi/<int:pk>/review/", journey_views.review, name="review"),
    path("clock-policies/", views.policies, name="policies"),
    path("clock-policies/<int:authority_id>/new/", views.policy_new, name="policy_new"),
    path("rhi/import-history/", history_views.import_history, name="import_history"),
]
