"""/api/v1/summary/ and /api/v1/rankings/."""

from django.urls import path

from .views import (
    ForecastView,
    MapView,
    RankingDiffView,
    RankingPublishView,
    RankingsView,
    RankingVersionsView,
    SummaryView,
)

urlpatterns = [
    path("summary/", SummaryView.as_view(), name="api-summary"),
    path("forecast/", ForecastView.as_view(), name="api-forecast"),
    path("rankings/", RankingsView.as_view(), name="api-rankings"),
    path("rankings/versions/", RankingVersionsView.as_view(), name="api-ranking-versions"),
    path("rankings/diff/", RankingDiffView.as_view(), name="api-ranking-diff"),
    path("rankings/publish/", RankingPublishView.as_view(), name="api-ranking-publish"),
    path("map/", MapView.as_view(), name="api-map"),
]
