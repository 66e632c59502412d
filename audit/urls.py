from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("audit/child/<int:pk>/", views.child_trail, name="child"),
    path("audit/rhi/<int:pk>/", views.rhi_trail, name="rhi"),
]
