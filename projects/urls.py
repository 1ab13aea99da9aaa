"""Pages of the ledger (namespace `projects:`): the project list, the forms that keep the
ledger (project, stage, plan, chain, withdrawal and its review queue), the search and the
monthly reporting sheet. A project's own page combines every app and is `web:project_detail`."""

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
    # "projects/new/" would be taken by the project page of a project coded "new".
    path("ledger/new/", views.project_create, name="project_create"),
    path("projects/<str:code>/edit/", views.project_edit, name="project_edit"),
    path("projects/<str:code>/stage/", views.project_stage, name="project_stage"),
    path("projects/<str:code>/plan/", views.project_plan, name="project_plan"),
    path("projects/<str:code>/stoppage/", views.project_stoppage, name="project_stoppage"),
    path(
        "projects/<str:code>/plan/<int:year>/months/",
        views.project_monthly_plan,
        name="project_monthly_plan",
    ),
    path("projects/<str:code>/task-forces/", views.project_task_forces, name="project_task_forces"),
    path(
        "projects/<str:code>/task-forces/<int:pk>/<str:action>/",
        views.task_force_action,
        name="task_force_action",
    ),
    path("projects/<str:code>/chain/", views.project_chain, name="project_chain"),
    path("projects/<str:code>/milestones/", views.project_milestones, name="project_milestones"),
    path(
        "projects/<str:code>/milestones/<int:pk>/<str:action>/",
        views.milestone_action,
        name="milestone_action",
    ),
    path("approvals/", views.approvals, name="approvals"),
    path("projects/<str:code>/factors/", views.project_factors, name="project_factors"),
    path("factors/gaps/", views.factor_gaps, name="factor_gaps"),
    path("projects/<str:code>/withdrawal/", views.project_withdrawal, name="project_withdrawal"),
    path("withdrawals/", views.withdrawal_queue, name="withdrawal_queue"),
    path("withdrawals/<int:pk>/review/", views.withdrawal_review, name="withdrawal_review"),
    path("search/", views.search, name="search"),
    path("reporting/", views.reporting, name="reporting"),
    path("reporting/<str:region>/<period:period>/", views.reporting_form, name="reporting_form"),
    path(
        "reporting/<str:region>/<period:period>/status/",
        views.reporting_status,
        name="reporting_status",
    ),
]
