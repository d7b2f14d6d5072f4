"""Django settings of the peer: production-like (no debug), the portal's database and secret."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

BASE_DIR = Path(__file__).resolve().parent

DEBUG = False
SECRET_KEY = os.environ["PORTAL_SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.peers.django.urls"
WSGI_APPLICATION = "bench.peers.django.wsgi.application"
INSTALLED_APPS = ["bench.peers.django.apps.PeerConfig"]
# The usual stack of a Django project; sessions and auth are not needed, the cookie is the
# portal's own.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,  # with DEBUG off, Django caches the compiled templates
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
            ]
        },
    }
]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "en"
# As the portal's production settings: HTTPS-only cookies, HSTS, no sniffing, no framing.
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
LOGGING_CONFIG = None


def _database(url_text: str) -> dict[str, object]:
    url = make_url(url_text)
    conn_max_age = int(os.environ.get("PEER_CONN_MAX_AGE", "0"))
    if url.get_backend_name() == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": url.database,
            "CONN_MAX_AGE": conn_max_age,
            "OPTIONS": {"timeout": 15},
        }
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.database,
        "USER": url.username or "postgres",
        "PASSWORD": url.password or "",
        "HOST": url.host or "127.0.0.1",
        "PORT": str(url.port or 5432),
        "CONN_MAX_AGE": conn_max_age,
    }


DATABASES = {"default": _database(os.environ["PORTAL_DATABASE_URL"])}
