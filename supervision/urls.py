"""Pages of the supervision office (namespace `supervision:`): issues, and the downloads of
their attachments and of inspection photos; the reporting completeness; the notifications' inbox."""

from django.urls import path

from . import inbox_views, reporting_views, views

app_name = "supervision"

urlpatterns = [
    path("issues/", views.issue_board, name="issue_board"),
    path("issues/<int:pk>/", views.issue_detail, name="issue_detail"),
    path("projects/<str:code>/issues/new/", views.issue_new, name="issue_new"),
    path("issues/attachments/<int:pk>/", views.attachment_file, name="attachment_file"),
    path("inspections/photos/<int:pk>/", views.photo_file, name="photo_file"),
    path("reporting/completeness/", reporting_views.completeness, name="reporting_completeness"),
    path("notifications/", inbox_views.inbox, name="inbox"),
    path("notifications/badge/", inbox_views.inbox_badge, name="inbox_badge"),
    path("notifications/read-all/", inbox_views.notifications_read_all, name="inbox_read_all"),
    path("notifications/<int:pk>/", inbox_views.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", inbox_views.notification_read, name="notification_read"),
]
