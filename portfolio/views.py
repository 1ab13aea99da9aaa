"""Project-level views: the health check used by docker compose and load balancers."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app

# A health check must answer quickly: a broker that does not accept the connection within this
# many seconds counts as down (the compose healthcheck itself times out after 10 s).
BROKER_TIMEOUT_SECONDS = 3


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL:
        return "eager"
    # The URL is read from the settings on every call (not from the app's cached config) so that
    # what the check reports is what the settings say now.
    with app.connection_for_write(
        url=settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS
    ) as conn:
        conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
    return "ok"


@never_cache
@require_GET
def healthz(request):  # noqa: ARG001  (a view's signature)
    """200 with {"status": "ok", "database": "ok", "broker": "ok"|"eager"} when both answer;
    503 with the failing part as "error: <ExceptionClass>" otherwise. No detail beyond the class
    name is shown: the endpoint is public."""
    report, healthy = {}, True
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            report[name] = check()
        except Exception as exc:
            report[name] = f"error: {exc.__class__.__name__}"
            healthy = False
    report["status"] = "ok" if healthy else "error"
    return JsonResponse(report, status=200 if healthy else 503)
