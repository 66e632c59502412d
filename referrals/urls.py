from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("rhi/<int:pk>/referrals/new/", views.referral_new, name="new"),
    path("referrals/awaiting/", views.awaiting, name="awaiting"),
    path("referrals/<int:referral_id>/sent/", views.mark_sent, name="mark_sent"),
    path("referrals/<int:referral_id>/acknowledgement/", views.acknowledge, name="acknowledge"),
    path("referrals/<int:referral_id>/outcome/", views.outcome, name="outcome"),
    path("referrals/<int:referral_id>/withdraw/", views.withdraw, name="withdraw"),
]
