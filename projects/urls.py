"""The web UI (issue #5), namespace `projects:`. The supervision office's pages (issues,
meetings, letters) are included from `supervision.urls_ui` into the same namespace."""

from django.urls import include, path, register_converter

from . import views


class PeriodConverter:
    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(PeriodConverter, "period")

app_name = "projects"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/<str:code>/", views.project_detail, name="project_detail"),
    path("my/", views.my_projects, name="my_projects"),
    path("reporting/", views.reporting, name="reporting"),
    path("reporting/<str:region>/<period:period>/", views.reporting_form, name="reporting_form"),
    path(
        "reporting/<str:region>/<period:period>/status/",
        views.reporting_status,
        name="reporting_status",
    ),
    path("uploads/ledger/", views.ledger_upload, name="ledger_upload"),
    path("uploads/reports/", views.reports_upload, name="reports_upload"),
    path("uploads/template/<str:kind>.xlsx", views.import_template, name="import_template"),
    path("uploads/<uuid:job>/", views.import_job, name="import_job"),
    path("uploads/<uuid:job>/progress/", views.import_progress, name="import_progress"),
    path("screen/", views.screen, name="screen"),
    path("bulletin/", views.bulletin, name="bulletin"),
    path("", include("supervision.urls_ui")),
]
