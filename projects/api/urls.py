"""/api/v1/ — each part of the API keeps its routes in its own module."""

from django.urls import include, path

urlpatterns = [
    path("", include("projects.api.routes")),  # projects, reports, reference lists
    path("", include("projects.api.measures_urls")),  # summary, rankings
    path("", include("supervision.api.urls")),  # issues, meetings, letters, inspections
]
