"""The performance return, the performance lead's dashboard and the records behind each figure."""

from django.urls import path

from reporting import performance_views

app_name = "performance"

urlpatterns = [
    path("reporting/performance/", performance_views.performance_return, name="return"),
    path("reporting/performance/download.<str:fmt>", performance_views.performance_download, name="download"),
    path("reporting/dashboard/", performance_views.dashboard, name="dashboard"),
    path("reporting/records/<str:figure>/", performance_views.records, name="records"),
]
