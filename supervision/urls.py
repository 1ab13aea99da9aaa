"""Pages of the supervision office (namespace `supervision:`): issues."""

from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("issues/", views.issue_board, name="issue_board"),
    path("issues/<int:pk>/", views.issue_detail, name="issue_detail"),
    path("projects/<str:code>/issues/new/", views.issue_new, name="issue_new"),
]
