"""The URLs of the installation: each app keeps its own (`<app>/urls.py` for pages,
`<app>/api/urls.py` under /api/v1/), included here and nowhere else."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views

admin.site.site_header = settings.ADMIN_SITE_HEADER
admin.site.site_title = settings.ADMIN_SITE_HEADER

# Swagger UI and ReDoc (served from drf-spectacular-sidecar, no CDN) start with inline scripts
# and styles: the policy is relaxed for these two pages only.
DOCS_CSP = csp_update(
    {
        "script-src": ["'unsafe-inline'"],
        "style-src": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
    }
)

api_v1 = [
    path("", include("projects.api.urls")),  # projects, reports, withdrawals, reference lists
    path("", include("assessment.api.urls")),  # summary, rankings
    path("", include("supervision.api.urls")),  # issues, inspections, notifications
    path("", include("meetings.api.urls")),  # meetings, letters
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", DOCS_CSP(SpectacularSwaggerView.as_view(url_name="schema")), name="api-docs"),
    path("api/redoc/", DOCS_CSP(SpectacularRedocView.as_view(url_name="schema")), name="api-redoc"),
    path("", include("web.urls")),
    path("", include("projects.urls")),
    path("", include("imports.urls")),
    path("", include("supervision.urls")),
    path("", include("meetings.urls")),
]
