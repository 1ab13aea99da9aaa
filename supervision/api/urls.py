"""/api/v1/ routes of the supervision app ."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import reporting, views

router = SimpleRouter()
router.register("issues", views.IssueViewSet, basename="issue")
router.register("inspections", views.InspectionViewSet, basename="inspection")
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [
    path("reporting/", reporting.ReportingView.as_view(), name="reporting"),
    *router.urls,
]
