from django.urls import path

from casenotes import views

app_name = "casenotes"

urlpatterns = [
    path("children/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("children/<int:pk>/timeline/print/", views.timeline_print, name="timeline_print"),
    path("children/<int:pk>/case-notes/new/", views.note_new, name="note_new"),
    path("children/<int:pk>/case-notes/<int:note_pk>/correct/", views.note_correct, name="note_correct"),
]
