"""The project's URLs plus the supervision pages, until portfolio/urls.py includes them."""

from django.urls import include, path

from portfolio.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("supervision/", include("supervision.urls")),
]
