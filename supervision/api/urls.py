"""/api/v1/ routes of the supervision app ."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("issues", views.IssueViewSet, basename="issue")
router.register("inspections", views.InspectionViewSet, basename="inspection")
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = router.urls
