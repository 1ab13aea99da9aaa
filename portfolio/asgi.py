import os

from django.core.asgi import get_asgi_application

from core.db import enable_web_timeouts

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")
application = get_asgi_application()
# Short lock and statement timeouts for this process only (not for Celery or commands).
enable_web_timeouts()
