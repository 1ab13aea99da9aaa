"""/api/v1/summary/ and /api/v1/rankings/."""

from django.urls import path

from .views import MapView, RankingsView, SummaryView

urlpatterns = [
    path("summary/", SummaryView.as_view(), name="api-summary"),
    path("rankings/", RankingsView.as_view(), name="api-rankings"),
    path("map/", MapView.as_view(), name="api-map"),
]
