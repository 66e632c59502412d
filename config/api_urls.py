"""Routes of the REST API, mounted at /api/v1/ (docs/api.md)."""

from django.urls import path, re_path

from api.views import ApiNotFoundView
from casenotes import api as casenotes_api
from missing_episodes import api as episodes_api
from missing_episodes import care_api
from referrals import api as referrals_api
from reporting import api as reporting_api
from rhi import api as rhi_api
from sharing import api as sharing_api

app_name = "api"

urlpatterns = [
    path("children/", episodes_api.ChildListView.as_view(), name="child-list"),
    path("children/search/", episodes_api.ChildSearchView.as_view(), name="child-search"),
    path("children/<int:pk>/", episodes_api.ChildDetailView.as_view(), name="child-detail"),
    path("children/<int:pk>/care-periods/", care_api.CarePeriodListView.as_view(), name="care-period-list"),
    path(
        "children/<int:pk>/care-periods/<int:period_pk>/",
        care_api.CarePeriodDetailView.as_view(),
        name="care-period-detail",
    ),
    path("children/<int:pk>/case-notes/", casenotes_api.CaseNoteListView.as_view(), name="case-note-list"),
    path("episodes/", episodes_api.EpisodeListView.as_view(), name="episode-list"),
    path("episodes/<int:pk>/", episodes_api.EpisodeDetailView.as_view(), name="episode-detail"),
    path("episodes/<int:pk>/return/", episodes_api.EpisodeReturnView.as_view(), name="episode-return"),
    path("rhis/", rhi_api.RHIListView.as_view(), name="rhi-list"),
    path("rhis/<int:pk>/", rhi_api.RHIDetailView.as_view(), name="rhi-detail"),
    path("referrals/", referrals_api.ReferralListView.as_view(), name="referral-list"),
    path("referrals/<int:pk>/", referrals_api.ReferralDetailView.as_view(), name="referral-detail"),
    path("disclosures/", sharing_api.DisclosureListView.as_view(), name="disclosure-list"),
    path("disclosures/<int:pk>/", sharing_api.DisclosureDetailView.as_view(), name="disclosure-detail"),
    path(
        "disclosures/<int:pk>/acknowledge/",
        sharing_api.DisclosureAcknowledgeView.as_view(),
        name="disclosure-acknowledge",
    ),
    path("returns/", reporting_api.ReturnStartView.as_view(), name="return-start"),
    path("returns/<int:pk>/", reporting_api.ReturnDetailView.as_view(), name="return-detail"),
    path("returns/<int:pk>/file/", reporting_api.ReturnFileView.as_view(), name="return-file"),
    re_path(r"^[\s\S]*$", ApiNotFoundView.as_view(), name="not-found"),
]
