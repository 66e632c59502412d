from django.urls import path

from sharing import out_of_area_views

app_name = "sharing_out_of_area"

urlpatterns = [
    path("placements/unnotified/", out_of_area_views.unnotified, name="unnotified"),
    path("placements/<int:pk>/notifications/", out_of_area_views.record_notification, name="record"),
]
