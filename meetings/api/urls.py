"""/api/v1/ routes of the meetings app."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("letters", views.LetterViewSet, basename="letter")

urlpatterns = router.urls
