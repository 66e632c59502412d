from django.urls import path

from missing_episodes import (
    care_import_views,
    care_views,
    column_views,
    correction_views,
    link_views,
    match_views,
    views,
)

app_name = "missing_episodes"

urlpatterns = [
    path("episodes/new/", views.episode_new, name="episode_new"),
    path("episodes/import/", views.episode_import, name="episode_import"),
    path("imports/<int:pk>/", views.import_job, name="import_job"),
    path("imports/<int:pk>/columns/", column_views.import_columns, name="import_columns"),
    path("imports/<int:pk>/problems.csv", views.import_job_problems, name="import_job_problems"),
    path("episodes/<int:pk>/", views.episode_detail, name="episode_detail"),
    path("episodes/<int:pk>/return/", views.episode_record_return, name="episode_record_return"),
    path("episodes/<int:pk>/reclassify/", views.episode_reclassify, name="episode_reclassify"),
    path("episodes/<int:pk>/correct/<slug:field>/", correction_views.episode_correct, name="episode_correct"),
    path("children/<int:pk>/", views.child_detail, name="child_detail"),
    path(
        "children/<int:pk>/correct-date-of-birth/",
        correction_views.child_correct_date_of_birth,
        name="child_correct_date_of_birth",
    ),
    path("children/<int:pk>/care-periods/new/", care_views.care_period_new, name="care_period_new"),
    path(
        "children/<int:pk>/care-periods/<int:period_pk>/end/",
        care_views.care_period_end,
        name="care_period_end",
    ),
    path(
        "children/<int:pk>/care-periods/<int:period_pk>/correct/",
        care_views.care_period_correct,
        name="care_period_correct",
    ),
    path(
        "children/<int:pk>/care-periods/<int:period_pk>/delete/",
        care_views.care_period_delete,
        name="care_period_delete",
    ),
    path(
        "children/care-periods/import/",
        care_import_views.care_period_import,
        name="care_period_import",
    ),
    path("episodes/to-confirm/", link_views.pending_links, name="pending_links"),
    path("episodes/to-confirm/<int:pk>/", link_views.pending_link, name="pending_link"),
    path("children/to-match/", match_views.match_queue_list, name="match_queue"),
    path("children/to-match/<int:pk>/", match_views.match_question, name="match_question"),
]
