"""Web pages of the supervision office; included by `projects/urls.py` into the UI's
`projects:` namespace (one namespace for the whole web UI)."""

from django.urls import path

from . import views_ui

urlpatterns = [
    path("issues/", views_ui.issue_board, name="issue_board"),
    path("issues/<int:pk>/", views_ui.issue_detail, name="issue_detail"),
    path("projects/<str:code>/issues/new/", views_ui.issue_new, name="issue_new"),
    path("meetings/", views_ui.meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", views_ui.meeting_detail, name="meeting_detail"),
    path("letters/", views_ui.letter_list, name="letter_list"),
    path("letters/generate/", views_ui.letter_generate, name="letter_generate"),
]
