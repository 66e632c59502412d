"""Everything under /reporting/: statutory returns, export jobs and (reporting.performance) performance pages."""

from django.urls import path

from reporting import list8_views, views

app_name = "reporting"

urlpatterns = [
    path("reporting/returns/", views.returns, name="returns"),
    path("reporting/returns/ssda903/validation/", views.ssda903_validation, name="ssda903_validation"),
    path("reporting/returns/annex-a/list8/", list8_views.complete_list8, name="list8_complete"),
    path("reporting/exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("reporting/exports/<int:pk>/download/", views.export_download, name="export_download"),
]
