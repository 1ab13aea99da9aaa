"""The combined pages (namespace `web:`): the overview, sign-in, a project's page, "my projects",
"my tasks" (我的待办),
the meeting screen, the bulletin, and the colour stylesheet generated from the palette."""

from django.urls import path

from . import lists, observation, views, wall

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/", views.account, name="account"),
    path("projects/<str:code>/", views.project_detail, name="project_detail"),
    path("my/", views.my_projects, name="my_projects"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/summary/", views.my_tasks_summary, name="my_tasks_summary"),
    path("screen/", views.screen, name="screen"),
    path("screen/rows/", views.screen_rows, name="screen_rows"),
    path("bulletin/", views.bulletin, name="bulletin"),
    path("bulletin/publish/", views.bulletin_publish, name="bulletin_publish"),
    path("assessment/", views.assessment, name="assessment"),
    path("assessment/scores/", views.assessment_scores, name="assessment_scores"),
    path("assessment/publish/", views.assessment_publish, name="assessment_publish"),
    path("assessment/observation/", observation.observation, name="observation"),
    path("conversion/", views.conversion, name="conversion"),
    path("definitions/", views.definitions, name="definitions"),
    path("colours.css", views.colours_css, name="colours_css"),
    path("exports/", lists.list_page, name="lists"),
    path("exports/<str:kind>.xlsx", lists.list_export, name="list_export"),
    path("map/", wall.map_page, name="map"),
    path("map/outlines/", wall.map_outlines, name="map_outlines"),
    path("wall/", wall.wall_page, name="wall"),
]
