from django.urls import path

from sharing import views

app_name = "sharing"

urlpatterns = [
    path("rhi/<int:pk>/share/", views.share_new, name="share"),
    path("shared/", views.shared_list, name="shared"),
    path("shared/approvals/", views.share_approvals, name="approvals"),
    path("shared/approvals/<int:pk>/", views.share_decide, name="decide"),
    path("shared/<int:pk>/", views.disclosure_detail, name="detail"),
    path("shared/<int:pk>/document.pdf", views.disclosure_pdf, name="pdf"),
    path("shared/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("shared/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("police/episodes/", views.police_episodes, name="police_episodes"),
]
