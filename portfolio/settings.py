"""Settings for the key-project portfolio (重点项目) application.

Every value comes from the environment (a `.env` file beside manage.py is read if present), with
the defaults of the embedded installation: SQLite, Celery tasks run eagerly in-process, no Redis.
Every variable is listed in README.md with its default; keep the two in step.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core ---------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET = "insecure-dev-key-only-for-debug-never-in-production-0123456789abcdefghijklmn"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "django_htmx",
    "axes",
    "csp",
    # The apps, from the bottom layer up (docs/architecture.md): what every app shares, the
    # ledger, supervision, the assessment, meetings, the Excel imports, the combined pages.
    "core",
    "projects",
    "supervision",
    "assessment",
    "meetings",
    "imports",
    "web",
    # Demo and synthetic data (seed_demo, generate_dataset): development and benchmarks.
    "seed",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portfolio.middleware.RefuseControlCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portfolio.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "portfolio.middleware.NoStoreMiddleware",
    "portfolio.middleware.PasswordChangeRequiredMiddleware",
    # a lock or statement timeout in a view: 503 "busy, retry" instead of a 500 (core.db)
    "portfolio.middleware.DatabaseBusyMiddleware",
    # last: it turns a lockout raised by the authentication backend into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portfolio.urls"
WSGI_APPLICATION = "portfolio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A connection kept across requests is checked before use (after a database restart, the next
# request reconnects instead of failing).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: several threads and processes (web, eager tasks) write one file.
    # WAL lets readers go on while one writes; IMMEDIATE transactions take the write lock when
    # they begin (not halfway, where SQLite can only answer "database is locked"), and a writer
    # waits up to `timeout` seconds for it — two people saving the same report get a wait and
    # then the optimistic lock's conflict, never a 500.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# The web process only (core.db, enabled by portfolio/wsgi.py and asgi.py; Celery workers and
# management commands keep the server's defaults): a request waits at most this long for a
# lock held by an import or a recompute, then the user is told to retry (503); a statement
# runs at most this long (PostgreSQL). 0: no limit. On SQLite the lock timeout replaces the
# 20 s busy timeout above for the web process.
DATABASE_LOCK_TIMEOUT_MS = env.int("DATABASE_LOCK_TIMEOUT_MS", default=5000)
DATABASE_STATEMENT_TIMEOUT_MS = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=30000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "projects.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username or address before the password is
    # even checked (AXES_* below).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username, or
# from one address, further attempts are refused — the right password too — for
# AXES_COOLOFF_HOURS; every failure is recorded (admin: 访问尝试 / 访问失败记录, where a
# superuser also unlocks by deleting the attempt).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# API tokens older than this many days are refused (0: never); `drf_create_token -r USER` or
# the page 我的账号 → API 令牌 issues a new one.
API_TOKEN_MAX_AGE_DAYS = env.int("API_TOKEN_MAX_AGE_DAYS", default=90)
# How long /api/v1/summary/ and /api/v1/rankings/ answers stay cached (0: not cached; the
# keys change with every recompute and publication anyway, see assessment/api/cache.py).
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=600)

# --- Cache --------------------------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://portfolio")}

# --- Language, time -----------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media files (served by the app itself: intranets have no CDN) --------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploads are never served from MEDIA_URL: each download is a view that checks the user's scope
# (core.files). Behind nginx, set this to an `internal` location aliased to MEDIA_ROOT (e.g.
# "/protected-media/") and the view answers with X-Accel-Redirect instead of the bytes.
MEDIA_ACCEL_REDIRECT = env.str("MEDIA_ACCEL_REDIRECT", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Largest region-boundary file (projects.boundaries: load_boundaries and the admin upload).
BOUNDARY_MAX_BYTES = env.int("BOUNDARY_MAX_BYTES", default=20 * 1024 * 1024)
# The most project points a map carries (red and yellow first; a note says the rest were left
# out): the map page, and the small map of the overview and the meeting screen. A province's
# pages never grow with its projects.
MAP_MAX_POINTS = env.int("MAP_MAX_POINTS", default=10000)
MAP_COMPACT_MAX_POINTS = env.int("MAP_COMPACT_MAX_POINTS", default=1500)
# An installation's own tile server drawn under the boundaries ({z}/{x}/{y}); never required:
# unset, no map request leaves the server.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=50 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A district's monthly sheet posts four fields a project: 2,000 projects and more fit.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=20000)

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes anonymous calls 401, not 403.
        "projects.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "重点项目管理平台 API",
    "DESCRIPTION": "Key-project portfolio API: projects, monthly reports, issues, summaries, "
    "rankings. Money in 万元 as decimal strings; rates as fractions; periods as YYYY-MM.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema enum per choice set, named after it (several models have a `kind` or status).
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "projects.choices.Level",
        "StageEnum": "projects.choices.Stage",
        "ColourEnum": "assessment.choices.Colour",
        "RegionLevelEnum": "projects.choices.RegionLevel",
        "UnitKindEnum": "projects.choices.UnitKind",
        "RoleEnum": "projects.choices.Role",
        "MilestoneKindEnum": "projects.choices.MilestoneKind",
        "FactorKindEnum": "projects.choices.FactorKind",
        "WithdrawalStatusEnum": "projects.choices.WithdrawalStatus",
        "IssueStatusEnum": "supervision.choices.IssueStatus",
        "IssueCategoryEnum": "supervision.choices.IssueCategory",
        "DifficultyEnum": "supervision.choices.Difficulty",
        "AttachmentKindEnum": "supervision.choices.AttachmentKind",
        "MeetingKindEnum": "meetings.choices.MeetingKind",
        "AssessmentKindEnum": "assessment.choices.AssessmentKind",
        "InspectionKindEnum": "supervision.choices.InspectionKind",
    },
}

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
# No broker configured: the embedded default, tasks run in-process when they are sent.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A worker child whose resident memory is above this many KiB after a task is replaced by a
# fresh one (Celery's --max-memory-per-child; 0: never). It recycles a child a large import
# left bloated; the import limits below keep one file from getting there.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=1048576)

# --- Email (notifications; console in the embedded default) --------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="重点项目平台 <noreply@localhost>")

# Notifications (supervision.channels): absolute links in e-mails and group-bot messages, and
# the delivery's retries — attempt n+1 waits NOTIFY_RETRY_BACKOFF_SECONDS × 2^(n-1).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=5)
NOTIFY_RETRY_BACKOFF_SECONDS = env.int("NOTIFY_RETRY_BACKOFF_SECONDS", default=60)
NOTIFY_HTTP_TIMEOUT_SECONDS = env.int("NOTIFY_HTTP_TIMEOUT_SECONDS", default=10)

# --- Security (production: DEBUG=0) -------------------------------------------------------------
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The container health check calls /healthz over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # behind the TLS proxy, the client's address for login throttling is the proxy's header
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
# Content-Security-Policy (django-csp): the pages load only the app's own scripts, styles,
# images and fonts (intranets have no CDN; nothing inline). The API docs pages relax it for
# themselves (portfolio/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Domain defaults ----------------------------------------------------------------------------
# Seconds a burst of monthly-report saves is collected before one recompute of the period runs.
MEASURES_DEBOUNCE_SECONDS = env.int("MEASURES_DEBOUNCE_SECONDS", default=60)
MEASURES_INCREMENTAL_MAX_PROJECTS = env.int("MEASURES_INCREMENTAL_MAX_PROJECTS", default=200)
# The forecast's seasonal shares of a year are learned once (from the earlier years' reports) and
# kept; a changed report of an earlier year drops them at once, and the nightly run relearns
# those older than this many days (projects moved to another district or level since).
FORECAST_RELEARN_DAYS = env.int("FORECAST_RELEARN_DAYS", default=7)
# A queued recompute that has not started after this many seconds is taken for lost (a broker
# outage, a dead worker): the next report save queues a new one.
RECOMPUTE_QUEUED_STALE_SECONDS = env.int("RECOMPUTE_QUEUED_STALE_SECONDS", default=900)
# A month's reporting window: its first this-many working days of the next month (调休 counted).
# A month counts as fully reported from the day after; meeting agendas use the latest such month.
REPORTING_WINDOW_WORKDAYS = env.int("REPORTING_WINDOW_WORKDAYS", default=3)
# Which saved monthly reports the measures read (assessment.measures.read_reports_q): "all"
# (every saved report at once: the default, today's behaviour), "submitted" (months a district
# submitted or the city accepted) or "accepted" (accepted months only). After a change, recompute.
REPORTING_MEASURES_READ = env.str("REPORTING_MEASURES_READ", default="all")
if REPORTING_MEASURES_READ not in ("all", "submitted", "accepted"):
    raise ImproperlyConfigured("REPORTING_MEASURES_READ must be all, submitted or accepted")
# Connections that compute a recompute of all regions at once on PostgreSQL (1: one statement).
RECOMPUTE_WORKERS = env.int("RECOMPUTE_WORKERS", default=2)
# after a whole run on PostgreSQL, VACUUM (ANALYZE) the tables it rewrote a period of
# (assessment.recompute.runs.reclaim_replaced)
RECOMPUTE_VACUUM = env.bool("RECOMPUTE_VACUUM", default=True)
# The category code whose projects make up the "四新" investment share.
MEASURES_FOUR_NEW_CATEGORY = env.str("MEASURES_FOUR_NEW_CATEGORY", default="four_new")
# Excel uploads (imports/limits.py): refused before parsing when larger than this, when their
# unzipped size or compression ratio is beyond these; stopped at these many rows, columns and
# characters a cell while reading.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_UNZIPPED_BYTES = env.int("IMPORT_MAX_UNZIPPED_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = env.float("IMPORT_MAX_COMPRESSION_RATIO", default=100)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=200)
IMPORT_MAX_CELL_CHARS = env.int("IMPORT_MAX_CELL_CHARS", default=32767)
# Import jobs (imports/models.py): a running job without a heartbeat for this many seconds, or a
# queued one not started within IMPORT_JOB_QUEUED_MAX_SECONDS, has lost its worker and shows as
# failed (with a retry); a failed job's stored file is kept IMPORT_JOB_RETENTION_HOURS for it.
IMPORT_JOB_STALE_SECONDS = env.int("IMPORT_JOB_STALE_SECONDS", default=300)
# A list export above this many rows is written in the background (imports.exporting).
EXPORT_BACKGROUND_ROWS = env.int("EXPORT_BACKGROUND_ROWS", default=5000)
# Reminder letters generated when a month's district ranking is published (meetings.services).
LETTERS_AUTO_GENERATE = env.bool("LETTERS_AUTO_GENERATE", default=True)
IMPORT_JOB_QUEUED_MAX_SECONDS = env.int("IMPORT_JOB_QUEUED_MAX_SECONDS", default=3600)
IMPORT_JOB_RETENTION_HOURS = env.int("IMPORT_JOB_RETENTION_HOURS", default=24)
# The demo login printed by `make run` (created by seed_demo).
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo12345")

ADMIN_SITE_HEADER = _("重点项目管理平台")
