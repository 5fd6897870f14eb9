"""WeiShop settings.

Everything that differs between a laptop and production comes from the environment:

- ``DATABASE_URL``  default ``sqlite:///db.sqlite3``; PostgreSQL in CI and production.
- ``REDIS_URL``     optional; when set, the cache (and so WeChat tokens) is shared through Redis.
- ``SECRET_KEY``    required when ``DEBUG`` is off.
- ``DEBUG``         ``1`` for development (``make run`` sets it), off by default.
- ``ALLOWED_HOSTS`` comma-separated; defaults to localhost only.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

# Development and tests fall back to a fixed key; production must set SECRET_KEY
# (`manage.py check --deploy` flags the fallback; see docs/deployment.md).
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-dev-only-weishop-key"

# Encrypts secrets at rest (shop.fields.EncryptedTextField); a Fernet key. Production sets it.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "shop.admin_apps.WeiShopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "shop",
    "catalog",
    "orders",
    "payments",
    "wechat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "wechat.views.SilentLoginMiddleware",
    "wechat.share.ReferralMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shop.middleware.DebugNotFoundMiddleware",  # the shop's 404 page under DEBUG too
]

ROOT_URLCONF = "shop.urls"
CSRF_FAILURE_VIEW = "shop.views.csrf_failure"  # a Chinese "page expired" page, not Django's bare 403
WSGI_APPLICATION = "shop.wsgi.application"

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
            ],
            "builtins": ["shop.templatetags.money"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Tests against a live server (the WeChat and WeChat Pay simulators) handle each request in a
    # thread of its own; an in-memory SQLite database would be one connection shared by all of them,
    # which breaks under overlapping requests. A file gives every thread its own connection.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "weishop",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "weishop"}}

# Background jobs (docs/architecture.md#jobs): Celery workers + beat on Redis in production;
# without REDIS_URL, `manage.py run_jobs` (started by `make run`) runs the same jobs in-process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    "orders-expire-unpaid": {"task": "orders.tasks.expire_unpaid_orders", "schedule": 60.0},
    "orders-auto-complete": {"task": "orders.tasks.auto_complete_orders", "schedule": 600.0},
    "payments-reconcile": {"task": "orders.tasks.reconcile_payments", "schedule": 120.0},
    "payments-close-abandoned": {"task": "orders.tasks.close_abandoned_payments", "schedule": 120.0},
    "wechat-send-due-notifications": {"task": "wechat.tasks.send_due_notifications", "schedule": 60.0},
}

# Django's password rules, worded in plain Chinese (shop/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "shop.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "shop.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "shop.passwords.CommonPasswordValidator"},
    {"NAME": "shop.passwords.NumericPasswordValidator"},
]

# Chinese for everyone (shoppers and merchants), whatever the browser says; every string is marked
# for translation, so another language is a LANGUAGE_CODE (and a locale folder) away.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
# Uploaded images are capped here and validated again by catalog.images.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGIN_URL = "admin:login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG and bool(os.environ.get("SECRET_KEY")))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind nginx (BEHIND_PROXY=1): the scheme comes from X-Forwarded-Proto and the client's address
# from the last X-Forwarded-For entry, the one our own proxy appended (shop.h5.client_ip).
BEHIND_PROXY = env_bool("BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Token first: an anonymous call is answered 401 with "WWW-Authenticate: Token" (the
    # mini-program signs in again); H5 pages calling the API use the session (with CSRF).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "shop.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "shop.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": os.environ.get("API_AUTH_RATE", "30/min")},
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "WeiShop API",
    "DESCRIPTION": (
        "The REST API behind WeiShop's mini-program. Money is always an integer number of fen "
        "(`price_fen`: 5900 = ¥59.00). Errors share one shape: "
        '`{"code": "...", "message": "...", "fields": {...}}` with a stable `code`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# WeChat Pay. The local simulator (payments/simulator_views.py) is mounted at /wechatpay-sim/ when
# WECHATPAY_SIMULATOR is on (default: with DEBUG); shops in "simulator" mode send their API calls there.
WECHATPAY_SIMULATOR = env_bool("WECHATPAY_SIMULATOR", default=DEBUG)
WECHATPAY_SIMULATOR_URL = os.environ.get("WECHATPAY_SIMULATOR_URL", "http://127.0.0.1:8000/wechatpay-sim")
# The public https origin WeChat sends notifications to (production); empty: taken from the request.
PUBLIC_URL = os.environ.get("PUBLIC_URL", "").rstrip("/")

# Catalog image rules (see catalog/images.py).
WEISHOP_IMAGE_MAX_BYTES = 5 * 1024 * 1024
WEISHOP_IMAGE_MAX_PIXELS = 6000
WEISHOP_IMAGE_MIN_PIXELS = 100
WEISHOP_THUMB_SIZES = {"list": (360, 360), "detail": (750, 750)}

# WeChat official account and mini-program (wechat/). Shops whose account is in "simulator" mode
# talk to the local WeChat API simulator mounted at /wechat-sim/ (on when WECHAT_SIMULATOR, default:
# with DEBUG); "live" accounts talk to WeChat at the URLs below.
WECHAT_SIMULATOR = env_bool("WECHAT_SIMULATOR", default=DEBUG)
WECHAT_SIMULATOR_URL = os.environ.get("WECHAT_SIMULATOR_URL", "http://127.0.0.1:8000/wechat-sim").rstrip("/")
WECHAT_API_URL = os.environ.get("WECHAT_API_URL", "https://api.weixin.qq.com").rstrip("/")
WECHAT_OPEN_URL = os.environ.get("WECHAT_OPEN_URL", "https://open.weixin.qq.com").rstrip("/")
WECHAT_JSSDK_URL = os.environ.get("WECHAT_JSSDK_URL", "https://res.wx.qq.com/open/js/jweixin-1.6.0.js")
WECHAT_HTTP_TIMEOUT = float(os.environ.get("WECHAT_HTTP_TIMEOUT", "5"))
# The simulator can answer /cgi-bin/token slowly, so that tests can race several refreshers.
WECHAT_SIMULATOR_TOKEN_DELAY = float(os.environ.get("WECHAT_SIMULATOR_TOKEN_DELAY", "0"))

# Text messages (shopper login codes): a dotted path to a backend class (accounts/sms.py). The default
# prints to the console (development); production names a real provider's backend.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "accounts.sms.ConsoleBackend")
