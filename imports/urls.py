"""The upload pages (namespace `imports:`)."""

from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("uploads/ledger/", views.ledger_upload, name="ledger_upload"),
    path("uploads/reports/", views.reports_upload, name="reports_upload"),
    path("uploads/template/<str:kind>.xlsx", views.import_template, name="import_template"),
    path(
        "uploads/template/reports/<str:region>/<str:period>.xlsx",
        views.reports_template_prefilled,
        name="reports_template_prefilled",
    ),
    path("uploads/ledger/export.xlsx", views.ledger_export, name="ledger_export"),
    path("exports/background/<str:kind>/", views.export_start, name="export_start"),
    path("exports/jobs/<uuid:job>/", views.export_job, name="export_job"),
    path("exports/jobs/<uuid:job>/progress/", views.export_progress, name="export_progress"),
    path("exports/jobs/<uuid:job>/file/", views.export_download, name="export_download"),
    path("uploads/<uuid:job>/", views.import_job, name="import_job"),
    path("uploads/<uuid:job>/progress/", views.import_progress, name="import_progress"),
    path("uploads/<uuid:job>/retry/", views.import_retry, name="import_retry"),
]
