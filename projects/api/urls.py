"""/api/v1/ routes of the ledger: projects, their reports, withdrawals, reference lists.

A SimpleRouter: no API root view (the other apps' routes live in their own modules) and no
format suffixes, so a project code may contain "." or "-" (anything but "/").
"""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("projects", views.ProjectViewSet, basename="project")
router.register(
    r"projects/(?P<project_code>[^/]+)/reports",
    views.MonthlyReportViewSet,
    basename="project-report",
)
router.register("withdrawals", views.WithdrawalViewSet, basename="withdrawal")
router.register("regions", views.RegionViewSet, basename="region")
router.register("units", views.UnitViewSet, basename="unit")
router.register("people", views.PersonViewSet, basename="person")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("chain-roles", views.ChainRoleViewSet, basename="chain-role")

urlpatterns = router.urls
