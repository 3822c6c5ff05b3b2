"""Settings for the Park Service Desk: one module, every knob from the environment.

Development works with nothing set (SQLite, DEBUG, an insecure dev key). Production mode
(`DJANGO_ENV=production`) refuses to start without a secret key and allowed hosts, and
turns on the security settings that `manage.py check --deploy` looks for.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from scaleout.redis import parse_sentinel_url

# Lets the admin and querysets be written with type parameters (ModelAdmin[Park]) at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = env_str("DJANGO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "axes",
    "servicedesk",
    "tickets",
    "notifications",
    "visits",
    "knowledge",
    "replies",
    "policies",
    "triage",
    "subscriptions",
    "mailin",
    "web",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "servicedesk.unavailable.DatabaseUnavailableMiddleware",  # the database away: 503, not 500
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "servicedesk.lockout.SignInAddressLimitMiddleware",  # password spraying: failed sign-ins per address
    "scaleout.replica.PrimaryAfterWriteMiddleware",  # who just wrote reads the primary (with a replica)
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "web.language.UserLanguageMiddleware",  # a signed-in user's stored language, kept in step
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into a 429
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.nav.navigation",
                "web.inbox.context_processors.inbox_unread",
            ],
        },
    },
]

# --- database: DATABASE_URL (PostgreSQL in production), SQLite otherwise ------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Persistent connections are checked before a request or task reuses them: after a
    # database restart the first request of each process would otherwise be a 500.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            # SQLITE_PATH: the development database file (tests never use this one)
            "NAME": env_str("SQLITE_PATH") or str(BASE_DIR / "db.sqlite3"),
            # IMMEDIATE transactions + WAL let web, worker and beat share the file safely.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
# Behind PgBouncer in transaction mode (DATABASE_PGBOUNCER=1): no server-side cursors (a
# cursor lives in a session, and a pooled session changes between transactions). Django's
# psycopg 3 binds on the client and prepares nothing; the beat lease needs a direct
# connection (BEAT_LEASE_DATABASE_URL).
DATABASE_PGBOUNCER = env_bool("DATABASE_PGBOUNCER", False)
if DATABASE_PGBOUNCER and "postgresql" in DATABASES["default"]["ENGINE"]:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A hot standby for the heavy reads (reports, rankings, sheets, exports): scaleout.replica.
# Without DATABASE_REPLICA_URL everything reads from the default database.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
REPLICA_MAX_LAG_SECONDS = env_float("REPLICA_MAX_LAG_SECONDS", 30.0)  # further behind: read the primary
REPLICA_CHECK_SECONDS = env_float("REPLICA_CHECK_SECONDS", 5.0)  # how often each process asks the standby
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 30)  # who just wrote reads the primary this long
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    DATABASES["replica"]["OPTIONS"] = {"connect_timeout": 2, "application_name": "servicedesk-replica"}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_PGBOUNCER
DATABASE_ROUTERS = ["scaleout.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "servicedesk.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- language and time -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- static and uploaded files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": env_str("DEFAULT_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production whitenoise serves the apps' static files straight from their folders, so
# a development server with DEBUG off (as `make run` starts it) has its styles without a
# collectstatic; production serves the collected, hashed files only.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Redis and Celery --------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
# Redis behind Sentinel: REDIS_URL=sentinel://host:26379;sentinel://host2:26379;…/0 (scaleout.redis)
REDIS_SENTINEL_MASTER = env_str("REDIS_SENTINEL_MASTER", "mymaster")
REDIS_SENTINEL_PASSWORD = env_str("REDIS_SENTINEL_PASSWORD")
REDIS_SENTINEL = parse_sentinel_url(REDIS_URL, master=REDIS_SENTINEL_MASTER, sentinel_password=REDIS_SENTINEL_PASSWORD)
CELERY_BROKER_URL = REDIS_SENTINEL.broker_url() if REDIS_SENTINEL else REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    **(REDIS_SENTINEL.broker_transport_options() if REDIS_SENTINEL else {}),
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Any number of beat processes may run: the one holding the lease (an advisory lock on its own
# connection, scaleout.beat) sends the periodic tasks, the others take over when it dies.
CELERY_BEAT_SCHEDULER = "scaleout.beat:LeasedDatabaseScheduler"
# The lease needs a session of its own: a direct PostgreSQL URL when DATABASE_URL is PgBouncer.
BEAT_LEASE_DATABASE_URL = env_str("BEAT_LEASE_DATABASE_URL")
BEAT_LEASE_RETRY_SECONDS = env_float("BEAT_LEASE_RETRY_SECONDS", 5.0)  # how often a standby beat asks
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Several desks (or test runs) can share one Redis when each has its own queue.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Periodic tasks, installed into django-celery-beat's tables by the scheduler.
# One entry per line, each app its own.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "sla-sweep": {"task": "tickets.tasks.sla_sweep", "schedule": env_float("SLA_SWEEP_SECONDS", 60.0)},
    "notification-retry": {"task": "notifications.tasks.notification_retry_pending", "schedule": 60.0},
    "notification-digest": {"task": "tickets.tasks.notification_daily_digest", "schedule": crontab(0, 8)},
    "rating-auto-close": {"task": "tickets.tasks.rating_auto_close", "schedule": crontab(minute="*/15")},
    # the routing model learns the day's tickets every night (Asia/Shanghai)
    "routing-retrain": {"task": "triage.tasks.routing_retrain", "schedule": crontab(minute=30, hour=2)},
    # policies newly in effect are matched, and officers reminded before a policy ends
    "policies-sweep": {"task": "policies.tasks.policies_sweep", "schedule": crontab(minute=0, hour=9)},
    # the sheets managers subscribed to: due ones go out from 08:30 (again each hour: once each)
    "sheets-send-due": {"task": "subscriptions.tasks.sheets_send_due", "schedule": crontab(minute=30, hour="8-17")},
    # does nothing while MAILIN_IMAP_HOST is empty
    "mailin-imap-poll": {"task": "mailin.tasks.mailin_imap_poll", "schedule": env_float("MAILIN_IMAP_SECONDS", 60.0)},
}

# --- REST API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "servicedesk.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "servicedesk.api.parsers.JSONParser",  # a deeply nested body is a 400, not a 500
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    # Proxies in front of gunicorn; 0 keys throttles on REMOTE_ADDR (X-Forwarded-For ignored).
    "NUM_PROXIES": env_int("NUM_PROXIES", 0) or None,
    "DEFAULT_PAGINATION_CLASS": "servicedesk.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "servicedesk.api.filters.DeskFilterBackend",  # foreign keys filter by id: no existence leak
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "servicedesk.api.errors.exception_handler",
    "DEFAULT_METADATA_CLASS": "servicedesk.api.metadata.DeskMetadata",  # OPTIONS on a route without an object
    "DEFAULT_THROTTLE_RATES": {
        "auth": env_str("AUTH_THROTTLE_RATE", "10/min"),
        "user": env_str("USER_THROTTLE_RATE", "3000/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# API tokens (servicedesk.ApiToken): each expires this many days after it is issued; its
# owner lists and revokes their tokens at /api/v1/auth/tokens/.
API_TOKEN_LIFETIME_DAYS = env_int("API_TOKEN_LIFETIME_DAYS", 30)
if API_TOKEN_LIFETIME_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_LIFETIME_DAYS must be at least 1")
# A script that signs in on every run would pile tokens up: past this many, a new token
# replaces the user's least recently used one.
API_TOKEN_MAX_PER_USER = max(1, env_int("API_TOKEN_MAX_PER_USER", 20))
# Per enterprise user (servicedesk.api.throttles): tickets filed, and replies and uploads
# written, through the API; staff are not limited by these. DRF's notation: "20/hour".
ENTERPRISE_TICKET_THROTTLE_RATE = env_str("ENTERPRISE_TICKET_THROTTLE_RATE", "20/hour")
ENTERPRISE_WRITE_THROTTLE_RATE = env_str("ENTERPRISE_WRITE_THROTTLE_RATE", "60/hour")
SPECTACULAR_SETTINGS = {
    "TITLE": "Park Service Desk API",
    "DESCRIPTION": "Enterprise service requests for industrial parks: tickets, deadlines, ratings, reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar wheel: no CDN, nothing vendored.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # every operation documents the error answers it can give (400/401/403/404/409/413/429)
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "servicedesk.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TicketKindEnum": "tickets.models.Kind",
        "EventKindEnum": "tickets.models.EventKind",
        "ArticleStatusEnum": "knowledge.models.ArticleStatus",
        "SheetChannelEnum": "subscriptions.models.Channel",
        "SheetEnum": "subscriptions.models.Sheet",
    },
}

# The shared cache: throttle counters, shared by every web process. Redis, in tests too;
# while Redis is away each process counts in memory and nothing fails (servicedesk.cache).
_CACHE_URL = env_str("CACHE_URL", REDIS_URL)
# Behind Sentinel the cache keeps its backend; its connection pool asks the Sentinels for the master.
_CACHE_SENTINEL = parse_sentinel_url(
    _CACHE_URL, master=REDIS_SENTINEL_MASTER, sentinel_password=REDIS_SENTINEL_PASSWORD
)
CACHES = {
    "default": {
        "BACKEND": "servicedesk.cache.ResilientRedisCache",
        "LOCATION": _CACHE_SENTINEL.cache_location() if _CACHE_SENTINEL else _CACHE_URL,
        "KEY_PREFIX": "cache",
        "RETRY_SECONDS": env_float("CACHE_RETRY_SECONDS", 5.0),
        "OPTIONS": {
            "socket_connect_timeout": 1,
            "socket_timeout": 1,
            **(_CACHE_SENTINEL.cache_options() if _CACHE_SENTINEL else {}),
        },
    }
}

# --- email -------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "servicedesk@localhost")
# Password reset by e-mail (/accounts/password/reset/): the link works this long (seconds), and
# at most this many reset mails go out per window (seconds) for one client address and for one
# e-mail address; past that the page answers as usual but sends nothing.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 3600)
PASSWORD_RESET_RATE_PER_ADDRESS = env_int("PASSWORD_RESET_RATE_PER_ADDRESS", 5)
PASSWORD_RESET_RATE_PER_EMAIL = env_int("PASSWORD_RESET_RATE_PER_EMAIL", 3)
PASSWORD_RESET_RATE_WINDOW = env_int("PASSWORD_RESET_RATE_WINDOW", 3600)

# --- security ----------------------------------------------------------------------------
# See SECURITY.md for the threat model; tests/security/ checks every line of this block.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx and Swagger UI read the token from the cookie
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp): everything from this origin, nothing inline, no
# plugins, never framed. The API docs page adds the hash of its one inline style
# (servicedesk.api.docs); attachment downloads send their own `default-src 'none'; sandbox`.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

# Password guessing (django-axes): after AXES_FAILURE_LIMIT wrong passwords in a row for one
# username from one address, that pair is locked out for AXES_COOLOFF_MINUTES, even with the
# right password (429). Usernames count regardless of case, as they sign in. Covers the API
# token, the admin login and the web login; the token endpoint is also throttled per address
# (the "auth" rate above).
AUTHENTICATION_BACKENDS = [
    "servicedesk.lockout.LoginLockoutBackend",  # first: refuses a locked-out login
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "servicedesk.lockout.client_address"
AXES_USERNAME_CALLABLE = "servicedesk.lockout.client_username"  # case-folded: Alice and alice count together
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "servicedesk.lockout.lockout_response"
AXES_VERBOSE = False
# Password spraying (one password, many usernames): SIGNIN_ADDRESS_FAILURE_LIMIT failed sign-ins
# from one address within SIGNIN_ADDRESS_WINDOW_MINUTES refuse further sign-ins from it (429) on
# every sign-in path until the window ends (servicedesk.lockout).
SIGNIN_ADDRESS_FAILURE_LIMIT = env_int("SIGNIN_ADDRESS_FAILURE_LIMIT", 20)
SIGNIN_ADDRESS_WINDOW_MINUTES = env_int("SIGNIN_ADDRESS_WINDOW_MINUTES", 15)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- notifications -----------------------------------------------------------------------
# The beat entries above: the retry sweep every minute, the digest at 08:00 (crontab(minute=0, hour=8)).
NOTIFICATIONS_SMS_BACKEND = env_str("NOTIFICATIONS_SMS_BACKEND", "notifications.channels.sms.ConsoleSmsBackend")
# The desk's address as people reach it: the links in group-robot messages and mails.
SERVICEDESK_BASE_URL = env_str("SERVICEDESK_BASE_URL", "http://127.0.0.1:8000")
NOTIFICATIONS_WEBHOOK_TIMEOUT = float(env_str("NOTIFICATIONS_WEBHOOK_TIMEOUT", "5"))  # seconds
# Webhooks and group robots reach public addresses only (notifications/channels/safeurl.py);
# networks named here (CIDR, comma-separated: an on-premise receiver) are let through too.
NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = env_list("NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS")
for _network in NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS: {exc}") from exc
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 8)

# --- mail in (README "E-mail in") ----------------------------------------------------------
# The desk's own address; empty: no mail in, and notification mails carry no Reply-To.
MAILIN_ADDRESS = env_str("MAILIN_ADDRESS", "")
# The service item a ticket filed by mail is filed under (its code); empty: the first active one.
MAILIN_DEFAULT_SERVICE_ITEM = env_str("MAILIN_DEFAULT_SERVICE_ITEM", "")
MAILIN_MAX_BYTES = env_int("MAILIN_MAX_BYTES", 30 * 1024 * 1024)  # a whole message, attachments included
MAILIN_TICKETS_PER_HOUR = env_int("MAILIN_TICKETS_PER_HOUR", 10)  # per sender
# IMAP polling (beat, every MAILIN_IMAP_SECONDS); disabled while the host is empty.
MAILIN_IMAP_HOST = env_str("MAILIN_IMAP_HOST", "")
MAILIN_IMAP_PORT = env_int("MAILIN_IMAP_PORT", 993)
MAILIN_IMAP_SSL = env_bool("MAILIN_IMAP_SSL", True)
MAILIN_IMAP_USER = env_str("MAILIN_IMAP_USER", "")
MAILIN_IMAP_PASSWORD = env_str("MAILIN_IMAP_PASSWORD", "")
MAILIN_IMAP_FOLDER = env_str("MAILIN_IMAP_FOLDER", "INBOX")
MAILIN_IMAP_BATCH = env_int("MAILIN_IMAP_BATCH", 50)  # messages per run
NOTIFICATIONS_BACKOFF_BASE = env_int("NOTIFICATIONS_BACKOFF_BASE", 30)  # seconds, doubled per attempt
NOTIFICATIONS_BACKOFF_MAX = env_int("NOTIFICATIONS_BACKOFF_MAX", 3600)
# A fresh row waits this long for its own task before the sweep takes it over.
NOTIFICATIONS_SWEEP_GRACE = env_int("NOTIFICATIONS_SWEEP_GRACE", 120)
# The sweep claims what it publishes for this long (so the next sweep does not publish it again).
NOTIFICATIONS_CLAIM_SECONDS = env_int("NOTIFICATIONS_CLAIM_SECONDS", 300)
# Publishing a send task must never hold a request up long when the broker is down.
NOTIFICATIONS_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

# --- reports (reports/) ------------------------------------------------------------------
# The ranking's weights, "acceptance,resolution,satisfaction" (on-time rates and 满意率).
_REPORT_WEIGHTS = [float(w) for w in env_str("REPORT_WEIGHTS", "0.3,0.3,0.4").split(",")]
REPORT_WEIGHTS = dict(zip(("acceptance", "resolution", "satisfaction"), _REPORT_WEIGHTS, strict=True))
REPORT_LIST_SIZE = env_int("REPORT_LIST_SIZE", 5)  # honour roll 红榜 (top) and watch list 黑榜 (bottom)
REPORT_MIN_TICKETS = env_int("REPORT_MIN_TICKETS", 3)  # tickets received in the period to be ranked
# The assessment month runs from this day to the day before it next month (19 → 19th–18th).
ASSESSMENT_MONTH_START_DAY = env_int("ASSESSMENT_MONTH_START_DAY", 1)

# --- triage --------------------------------------------------------------------------------
# A service item is suggested only once the zone has this many confirmed tickets under it.
TRIAGE_MIN_TICKETS_PER_ITEM = env_int("TRIAGE_MIN_TICKETS_PER_ITEM", 20)
