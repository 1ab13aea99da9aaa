"""Pages of the supervision office (namespace `supervision:`): issues (with their attachments),
inspections (record one from a phone, a project's list, one inspection, a finding → an issue),
the downloads of attachments and inspection photos; the reporting completeness; the
notifications' inbox and the user's notification preferences."""

from django.urls import path

from . import inbox_views, preference_views, reporting_views, views

app_name = "supervision"

urlpatterns = [
    path("issues/", views.issue_board, name="issue_board"),
    path("issues/<int:pk>/", views.issue_detail, name="issue_detail"),
    path("projects/<str:code>/issues/new/", views.issue_new, name="issue_new"),
    path("issues/<int:pk>/attachments/", views.issue_attach, name="issue_attach"),
    path("issues/attachments/<int:pk>/", views.attachment_file, name="attachment_file"),
    path("projects/<str:code>/inspections/", views.inspection_list, name="inspection_list"),
    path("projects/<str:code>/inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path(
        "inspections/findings/<int:pk>/raise-issue/",
        views.finding_raise_issue,
        name="finding_raise_issue",
    ),
    path("inspections/photos/<int:pk>/", views.photo_file, name="photo_file"),
    path(
        "accounts/notifications/",
        preference_views.notification_preferences,
        name="notification_preferences",
    ),
    path("reporting/completeness/", reporting_views.completeness, name="reporting_completeness"),
    path("notifications/", inbox_views.inbox, name="inbox"),
    path("notifications/badge/", inbox_views.inbox_badge, name="inbox_badge"),
    path("notifications/read-all/", inbox_views.notifications_read_all, name="inbox_read_all"),
    path("notifications/<int:pk>/", inbox_views.notification_open, name="notification_open"),
    path("notifications/<int:pk>/read/", inbox_views.notification_read, name="notification_read"),
]
