"""/api/v1/summary/, /api/v1/rankings/ and /api/v1/assessments/."""

from django.urls import path

from .views import (
    AssessmentPublishView,
    AssessmentScoreView,
    AssessmentsView,
    AssessmentVersionsView,
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
    path("assessments/", AssessmentsView.as_view(), name="api-assessments"),
    path("assessments/versions/", AssessmentVersionsView.as_view(), name="api-assessment-versions"),
    path("assessments/publish/", AssessmentPublishView.as_view(), name="api-assessment-publish"),
    path("assessments/scores/", AssessmentScoreView.as_view(), name="api-assessment-scores"),
    path("map/", MapView.as_view(), name="api-map"),
]
