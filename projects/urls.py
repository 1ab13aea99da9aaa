"""Pages of the ledger (namespace `projects:`): the project list and the monthly reporting
sheet. A project's own page combines every app and is `web:project_detail`."""

from django.urls import path, register_converter

from . import views


class PeriodConverter:
    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(PeriodConverter, "period")

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list, name="project_list"),
    path("reporting/", views.reporting, name="reporting"),
    path("reporting/<str:region>/<period:period>/", views.reporting_form, name="reporting_form"),
    path(
        "reporting/<str:region>/<period:period>/status/",
        views.reporting_status,
        name="reporting_status",
    ),
]
