"""The peer's project: django-helpdesk 2.6.1 served on its own, for bench/peer_run.py.

Our own few lines, in the peer's virtualenv (`.run/peer-venv`, never the project's): its app
and what it needs (auth, sessions, sites, humanize, DRF with token authentication so the API
is called the way ours is), PostgreSQL from `PEER_DATABASE_URL`, mail kept in memory (the
peer sends its mail inline; nothing leaves the machine). Everything else is the peer's default.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

SECRET_KEY = os.environ["PEER_SECRET_KEY"]  # the runner makes one per run
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

_db = urlsplit(os.environ.get("PEER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_peer"))
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": str(_db.port or 5432),
        "CONN_MAX_AGE": 60,
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
ROOT_URLCONF = "bench.peer.urls"
SITE_ID = 1
LOGIN_URL = "helpdesk:login"
STATIC_URL = "static/"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@peer.invalid"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ]
}
# Teams need the pinax-teams app, which a plain install does not bring; the peer's own switch.
HELPDESK_TEAMS_MODE_ENABLED = False
