"""Pages of the supervision office (namespace `supervision:`): issues, and the downloads of
their attachments and of inspection photos."""

from django.urls import path

from . import preference_views, reporting_views, views

app_name = "supervision"

urlpatterns = [
    path("issues/", views.issue_board, name="issue_board"),
    path("issues/<int:pk>/", views.issue_detail, name="issue_detail"),
    path("projects/<str:code>/issues/new/", views.issue_new, name="issue_new"),
    path("issues/attachments/<int:pk>/", views.attachment_file, name="attachment_file"),
    path("inspections/photos/<int:pk>/", views.photo_file, name="photo_file"),
    path(
        "accounts/notifications/",
        preference_views.notification_preferences,
        name="notification_preferences",
    ),
    path("reporting/completeness/", reporting_views.completeness, name="reporting_completeness"),
]
