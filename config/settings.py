"""Settings for the RHI case management service.

One module, configured entirely from the environment (see docs/configuration.md):

- ``DATABASE_URL``          unset: an SQLite file under ``var/`` (the embedded default)
- ``REDIS_URL``             unset: Celery uses a local-file broker under ``var/celery``
- ``DJANGO_SECRET_KEY``     required with ``DATABASE_URL``; the embedded default makes its own in var/
- ``DJANGO_DEBUG``          ``true``/``false`` (default false: production behaviour)
- ``DJANGO_ALLOWED_HOSTS``  comma-separated
- ``DJANGO_HTTPS``          default: the opposite of DEBUG; secure cookies, HSTS and the HTTPS redirect
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RHI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)


def _embedded_secret_key() -> str:
    """The embedded default (no DATABASE_URL: SQLite on this machine) with no DJANGO_SECRET_KEY gets a random
    key of its own, made once and kept in VAR_DIR/secret_key (readable by its owner only), so that
    `manage.py …` works with no environment at all and sessions survive restarts. Never a fixed key."""
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(64)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if os.environ.get("DATABASE_URL"):
        # A shared database means a deployment: every process must be given the same key.
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DATABASE_URL is set.")
    SECRET_KEY = _embedded_secret_key()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin with refusals of non-staff users audited (audit/admin_site.py).
    "audit.admin_apps.AuditedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "drf_spectacular_sidecar",
    "accounts",
    "audit",
    "api",
    "missing_episodes",
    "rhi",
    "referrals",
    "sharing",
    "casenotes",
    "reporting",
    "alerts",
    "operations",
    # Tooling: demo data generators and their commands; nothing in the apps above imports it.
    "demo",
    # Tooling: the speed benchmarks (manage.py benchmark); nothing in the apps above imports it.
    "tools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "accounts.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "audit.middleware.RequestIdMiddleware",
    # Cache-Control: no-store, private on every response the app makes (static files are served above).
    "audit.middleware.NoStoreMiddleware",
    # 405s (DELETE on a page) are refused before any view runs: audited here (docs/audit.md).
    "audit.denials.MethodNotAllowedAuditMiddleware",
    # An oversized body is refused (413) before anything reads it (core/limits.py).
    "core.limits.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Reads that may be stale go to the replica, but never a user's own fresh writes (core/replica.py).
    "core.replica.ReadYourWritesMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Account security (docs/account-security.md): idle/absolute session limits, then the second factor.
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A view's NotVisible/NotAllowed is audited here, once (audit.exceptions; docs/audit.md "Denials").
    "audit.denials.AuditedDenialMiddleware",
    # Axes turns a locked-out sign-in into the lockout page; it must come last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "home.context_processors.navigation",
            ],
            # core is no app, so its template filters are named here ({% load dates %}).
            "libraries": {"dates": "core.templatetags.dates"},
            # Its faster ``date`` filter (same output) replaces Django's everywhere: core/templatetags/dates.py.
            "builtins": ["core.templatetags.dates"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default runs web, worker and beat against one file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0


def _statement_timeout(name: str, default_ms: int) -> str:
    """PostgreSQL's statement_timeout for every connection, as a libpq startup option: a query running longer is
    cancelled with an error (QueryCanceled), so a slow query cannot hold a web worker and its connection while
    requests pile up behind it (docs/database.md). 0 turns it off (migrations, bulk seeding)."""
    return f"-c statement_timeout={int(os.environ.get(name, str(default_ms)))}"


# Web requests give up before gunicorn's 30 s timeout kills the worker; workers and the replica's reporting
# reads are given their own (docker-compose.yml sets RHI_DB_STATEMENT_TIMEOUT_MS per service).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = _statement_timeout(
        "RHI_DB_STATEMENT_TIMEOUT_MS", 25_000
    )
# A PostgreSQL streaming replica (hot standby) for reads that may be seconds stale: core/replica.py decides
# which (docs/database.md). In tests it mirrors the primary's test database (same name, on the replica's
# server): pytest-django creates and flushes databases on the primary only, and the replica streams them.
# Only beside a PostgreSQL primary: the embedded SQLite default has nothing to replicate.
if (
    os.environ.get("DATABASE_REPLICA_URL")
    and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["OPTIONS"] = {
        "options": _statement_timeout("RHI_DB_REPLICA_STATEMENT_TIMEOUT_MS", 120_000)
    }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# A psycopg connection pool per process (Django's "pool" option), for threaded servers: at most
# RHI_DB_POOL_MAX_SIZE connections, and a thread that waits RHI_DB_POOL_TIMEOUT_SECONDS for one gets an error
# instead of queueing without end. Unset: one persistent connection per process and thread (CONN_MAX_AGE), which
# for gunicorn's sync workers and Celery's prefork pool is the same bound (docs/database.md).
if int(os.environ.get("RHI_DB_POOL_MAX_SIZE", "0")) > 0:
    for _database in DATABASES.values():
        if _database["ENGINE"] == "django.db.backends.postgresql":
            _database["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django refuses both
            _database.setdefault("OPTIONS", {})["pool"] = {
                "min_size": 1,
                "max_size": int(os.environ["RHI_DB_POOL_MAX_SIZE"]),
                "timeout": float(os.environ.get("RHI_DB_POOL_TIMEOUT_SECONDS", "10")),
            }
# Read-your-writes across requests: a user who wrote reads from the primary for this long (core/replica.py).
RHI_REPLICA_PIN_SECONDS = int(os.environ.get("RHI_REPLICA_PIN_SECONDS", "10"))
RHI_REPLICA_PIN_CACHE = "replica_pins"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses sign-in attempts for a locked-out username + IP before any password check.
    "accounts.backends.AxesLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# No guardian anonymous user: anonymous visitors see nothing but the sign-in page.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env_bool("RHI_FAST_PASSWORD_HASHER", False):
    # Test runs only: hashing demo passwords with PBKDF2 at full strength costs seconds per user.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# --- Sign-in lockout (django-axes) and second factor (django-otp): docs/account-security.md -------------
AXES_FAILURE_LIMIT = int(os.environ.get("RHI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("RHI_LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A locked-out client that keeps trying does not push its lockout further on.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are already audit events
AXES_VERBOSE = False
# The client address: REMOTE_ADDR, or the proxy's X-Forwarded-For only when behind a trusted proxy.
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if env_bool("DJANGO_BEHIND_PROXY", False) else ["REMOTE_ADDR"]
)
OTP_TOTP_ISSUER = "Return home interviews"

# --- Session limits (accounts.middleware.SessionTimeoutMiddleware) ---------------------------------------
SESSION_IDLE_TIMEOUT_SECONDS = int(os.environ.get("RHI_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_ABSOLUTE_TIMEOUT_SECONDS = int(os.environ.get("RHI_SESSION_MAX_HOURS", "12")) * 3600

# --- Time and language ----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
# Built GOV.UK Frontend assets (scripts/build_frontend.sh copies them out of node_modules).
STATICFILES_DIRS = [BASE_DIR / "static_build"]
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
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

# --- Request size limits (core/limits.py): refused before the body is read -------------------------------
RHI_MAX_UPLOAD_BYTES = int(os.environ.get("RHI_MAX_UPLOAD_BYTES", str(5 * 1024 * 1024)))
# The upload plus the form's other fields and multipart framing.
RHI_MAX_REQUEST_BYTES = RHI_MAX_UPLOAD_BYTES + 256 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # fields other than files (Django's default, stated)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # bigger uploads spool to a temporary file, not memory
FILE_UPLOAD_HANDLERS = [
    "core.limits.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Security -------------------------------------------------------------------------------------------
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline scripts or styles anywhere: every script and stylesheet is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Django's 403 page for a failed CSRF check, with the refusal audited.
CSRF_FAILURE_VIEW = "audit.denials.csrf_failure"
# The session store keeps a session at most this long; the middleware enforces the idle and absolute limits.
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_SECONDS
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- REST API -------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Partner systems: bearer tokens of API clients (accounts/api_auth.py); people: their browser session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
}
# Requests per API client (docs/api.md), counted in a cache every web process shares (Redis when configured).
RHI_API_THROTTLE_RATE = os.environ.get("RHI_API_THROTTLE_RATE", "1200/min")
RHI_API_THROTTLE_CACHE = "api_throttle"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api_throttle": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api-throttle"}
    ),
    # Which users wrote within RHI_REPLICA_PIN_SECONDS (user ids only), shared by every web process.
    "replica_pins": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "replica-pins"}
    ),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Return home interview case management API",
    "DESCRIPTION": "Partner systems' API: police forces push missing notifications and returns; councils "
    "pull RHI outcomes and what was shared with them. Walk-through: docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RHIStateEnum": "rhi.models.RHIState",
        "RHIOutcomeEnum": "rhi.models.Outcome",
        "ClockStateEnum": "rhi.serializers.CLOCK_STATES",
        "VisibilityLevelEnum": "rhi.serializers.LEVELS",
        "DisclosureLevelEnum": "sharing.models.DisclosureLevel",
        "ExportStateEnum": "reporting.models.ExportState",
        "ReferralOutcomeEnum": "referrals.models.ReferralOutcome",
        "CareLegalStatusEnum": "missing_episodes.models.CareLegalStatus",
    },
    "TAGS": [
        {"name": "children", "description": "Search the children the caller may see."},
        {"name": "episodes", "description": "Police notifications in, returns, and episode sync."},
        {"name": "rhis", "description": "Return home interviews at the caller's level."},
        {"name": "referrals", "description": "Follow-up referrals from the caller's RHIs."},
        {"name": "disclosures", "description": "What was shared with the caller's organisation."},
        {"name": "returns", "description": "Statutory returns as export jobs."},
    ],
    # Swagger UI from the installed sidecar package's static files, not a CDN (the CSP allows only 'self').
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery ---------------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# check_beat (the beat healthcheck) reports the clock stopped when no deadline sweep finished for this long.
RHI_SWEEP_STALE_SECONDS = float(os.environ.get("RHI_SWEEP_STALE_SECONDS", "300"))
CELERY_FILE_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # kombu's Redis transport with a guard that keeps a busy worker alive through a broker loss (config/broker.py).
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    for sub in ("in", "processed", "control"):
        (CELERY_FILE_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILE_BROKER_DIR / "in"),
        "data_folder_out": str(CELERY_FILE_BROKER_DIR / "in"),
        "processed_folder": str(CELERY_FILE_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_FILE_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# An import job still queued, or running without progress, this long is sent again by the import sweep (its
# task was lost with the broker, or its worker died mid-file). Importers are idempotent.
RHI_IMPORT_STALE_SECONDS = int(os.environ.get("RHI_IMPORT_STALE_SECONDS", "900"))
# One queue per kind of work, so a backlog of one (thousands of emails after an outage, a hung mail server, a
# slow export) never delays the deadline sweep: production runs a worker for "deadlines" alone
# (docker-compose.yml). A worker started without -Q consumes every queue listed here (scripts/run.sh).
# Unrouted tasks go to Celery's own default name, "celery", so a sender without these routes still reaches
# a worker.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in ("deadlines", "notifications", "webhooks", "exports", "celery")
]
# Every task is routed here, on purpose (tests/test_celery_routes.py fails on a task with no entry); the groups
# and their workers are in docs/docker-compose.md ("Workers and queues").
CELERY_TASK_ROUTES = {
    # The deadline sweep: its own worker, never behind anything else.
    "rhi.deadline_sweep": {"queue": "deadlines"},
    # Alerts and other emails.
    "rhi.send_notification_email": {"queue": "notifications"},
    "rhi.send_manager_digests": {"queue": "notifications"},
    "rhi.notify_handoff": {"queue": "notifications"},
    "rhi.send_invitation_email": {"queue": "notifications"},
    "sharing.deliver_webhook": {"queue": "webhooks"},
    "sharing.webhook_sweep": {"queue": "webhooks"},
    # Long tasks: PDFs, exports and imports (one at a time per process, prefetch 1).
    "reporting.run_export": {"queue": "exports"},
    "rhi.generate_report": {"queue": "exports"},
    # Web uploads imported in the background (missing_episodes.import_jobs): bulk work, like the exports.
    "missing_episodes.run_import": {"queue": "exports"},
    "missing_episodes.run_care_period_import": {"queue": "exports"},
    "rhi.run_history_import": {"queue": "exports"},
    "missing_episodes.import_sweep": {"queue": "exports"},
    # Housekeeping, daily or hourly: the general queue. The kept performance facts' catch-up runs every minute
    # and is short: never behind a national export.
    "reporting.refresh_performance_facts": {"queue": "celery"},
    "missing_episodes.end_care_at_eighteen": {"queue": "celery"},
    "api.purge_idempotency_keys": {"queue": "celery"},
}
# Every task has a time limit: soft raises inside the task (it records what happened), hard kills the pool
# process. Nothing may hold a worker for ever (a mail server that accepts and never answers did).
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("RHI_TASK_SOFT_TIME_LIMIT", "300"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("RHI_TASK_TIME_LIMIT", "360"))
RHI_EMAIL_TASK_SOFT_TIME_LIMIT = int(os.environ.get("RHI_EMAIL_TASK_SOFT_TIME_LIMIT", "60"))
RHI_EMAIL_TASK_TIME_LIMIT = int(os.environ.get("RHI_EMAIL_TASK_TIME_LIMIT", "90"))
RHI_EXPORT_TASK_SOFT_TIME_LIMIT = int(os.environ.get("RHI_EXPORT_TASK_SOFT_TIME_LIMIT", "3600"))
RHI_EXPORT_TASK_TIME_LIMIT = int(os.environ.get("RHI_EXPORT_TASK_TIME_LIMIT", "3700"))
CELERY_TASK_ANNOTATIONS = {
    "rhi.send_notification_email": {
        "soft_time_limit": RHI_EMAIL_TASK_SOFT_TIME_LIMIT,
        "time_limit": RHI_EMAIL_TASK_TIME_LIMIT,
    },
    "reporting.run_export": {
        "soft_time_limit": RHI_EXPORT_TASK_SOFT_TIME_LIMIT,
        "time_limit": RHI_EXPORT_TASK_TIME_LIMIT,
    },
    "missing_episodes.run_import": {
        "soft_time_limit": RHI_EXPORT_TASK_SOFT_TIME_LIMIT,
        "time_limit": RHI_EXPORT_TASK_TIME_LIMIT,
    },
    "rhi.run_history_import": {
        "soft_time_limit": RHI_EXPORT_TASK_SOFT_TIME_LIMIT,
        "time_limit": RHI_EXPORT_TASK_TIME_LIMIT,
    },
}
# Notification emails (docs/alerts.md). An email task not started within RHI_EMAIL_TASK_EXPIRES_SECONDS is
# dropped by the worker, and only then does the sweep queue another: a queued first task is never doubled.
RHI_EMAIL_TASK_EXPIRES_SECONDS = int(os.environ.get("RHI_EMAIL_TASK_EXPIRES_SECONDS", "600"))
RHI_EMAIL_MAX_ATTEMPTS = int(os.environ.get("RHI_EMAIL_MAX_ATTEMPTS", "8"))
RHI_EMAIL_RETRY_BACKOFF_SECONDS = int(os.environ.get("RHI_EMAIL_RETRY_BACKOFF_SECONDS", "60"))
RHI_EMAIL_RETRY_BACKOFF_MAX_SECONDS = int(os.environ.get("RHI_EMAIL_RETRY_BACKOFF_MAX_SECONDS", "1800"))

# --- Email ----------------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
# Seconds for connecting and for each SMTP reply: a mail server that stops answering must not hold a worker.
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "rhi-service@localhost")

# --- Logging: request ids and codes only, never personal data --------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "audit.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # The default 'django.request' logger prints the request line, which can carry search terms.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Axes logs the typed username on every failure: keep only its errors.
        "axes": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # WeasyPrint narrates every rendering step at INFO; its warnings (missing fonts, bad CSS) still show.
        "weasyprint": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "fontTools": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Service --------------------------------------------------------------------------------------------
SERVICE_NAME = "Return home interviews"
# The service's public address, for the links in emails (hand-offs, digests, invitations): without it they are
# paths only. No trailing slash.
SERVICE_BASE_URL = os.environ.get("DJANGO_SERVICE_BASE_URL", "").rstrip("/")
SERVICE_PHASE = "alpha"
# How often long forms (the RHI findings) save a draft in the background while someone types.
RHI_AUTOSAVE_SECONDS = int(os.environ.get("RHI_AUTOSAVE_SECONDS", "30"))
# Outbound webhooks (docs/webhooks.md) go to public https addresses only. A developer's local receiver on
# loopback (http or https) needs this on explicitly; check --deploy refuses it with DEBUG off. The older
# name RHI_WEBHOOK_ALLOW_HTTP_LOCALHOST is still read.
RHI_WEBHOOK_ALLOW_LOCALHOST = env_bool(
    "RHI_WEBHOOK_ALLOW_LOCALHOST", env_bool("RHI_WEBHOOK_ALLOW_HTTP_LOCALHOST", False)
)
# Fernet keys for webhook signing secrets at rest, newest first (sharing/secret_box.py). Unset: a key
# derived from SECRET_KEY, for development only (check --deploy refuses it with DEBUG off).
RHI_WEBHOOK_SECRET_KEYS = env_list("RHI_WEBHOOK_SECRET_KEYS")
# Idempotency keys of API POSTs are kept this long, then purged by Celery beat (accounts.tasks).
RHI_IDEMPOTENCY_KEY_RETENTION_HOURS = int(os.environ.get("RHI_IDEMPOTENCY_KEY_RETENTION_HOURS", "168"))
# The audit table is partitioned by month (PostgreSQL): `manage.py audit_partitions`, run as the tables' owner,
# keeps this many months' partitions ready ahead and drops whole months older than the retention period
# (0: keep every month, the default until the council sets its retention schedule; docs/audit.md).
RHI_AUDIT_RETENTION_MONTHS = int(os.environ.get("RHI_AUDIT_RETENTION_MONTHS", "0"))
RHI_AUDIT_PARTITIONS_AHEAD = int(os.environ.get("RHI_AUDIT_PARTITIONS_AHEAD", "2"))
