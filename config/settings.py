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
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
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


def required_secret(name: str, dev_default: str) -> str:
    """A secret the server must not run without: with ``DEBUG`` off (production) a missing one stops
    the process at start, instead of running on a public development key that anyone could use to
    forge sessions or decrypt the stored WeChat Pay keys."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(
        f"{name} is not set. With DEBUG off (production) WeiShop refuses to start without it: "
        f"see docs/deployment.md (for development, run with DEBUG=1, as `make run` does)."
    )


SECRET_KEY = required_secret("SECRET_KEY", "django-insecure-dev-only-weishop-key")

# Encrypts secrets at rest (core.fields.EncryptedTextField): a Fernet key, required in production;
# development derives one from SECRET_KEY (an empty value here).
FIELD_ENCRYPTION_KEY = required_secret("FIELD_ENCRYPTION_KEY", "")
if FIELD_ENCRYPTION_KEY:
    from cryptography.fernet import Fernet

    try:
        Fernet(FIELD_ENCRYPTION_KEY.encode())
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is not a Fernet key (32 url-safe base64-encoded bytes): make one with "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.'
        ) from exc

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "config.admin_apps.WeiShopAdminConfig",
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
    "django_guid",
    "axes",
    "accounts",
    "shop",
    "catalog",
    "orders",
    "payments",
    "wechat",
    "notifications",
    "promotions",
    "marketing",
    "groupbuy",
    "distribution",
    "reviews",
    "complaints",
    "crm",
    "analytics",
    "config",  # the project's own commands (load_demo)
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files: gzip copies made by collectstatic
    # Pages and API answers of WEISHOP_GZIP_MIN_BYTES or more gzipped for browsers that ask, with
    # Django's BREACH mitigation (random padding; CSRF tokens are masked per response):
    # docs/deployment.md#compression. Above every middleware that reads or rewrites a body.
    "core.compression.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.middleware.AuthenticationMiddleware",  # Django's, the user read through the cache
    "wechat.views.SilentLoginMiddleware",
    "orders.middleware.AttributionMiddleware",  # request.attribution: ?ch= / ?ref= / API header
    "marketing.middleware.GenuineLinkMiddleware",  # the shop's window and channels; the 已认证 banner
    "analytics.middleware.VisitCountingMiddleware",  # page views and visitors, in the cache only
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out login into the lockout page
    "shop.middleware.DebugNotFoundMiddleware",  # the shop's 404 page under DEBUG too
]

ROOT_URLCONF = "config.urls"
CSRF_FAILURE_VIEW = "shop.views.csrf_failure"  # a Chinese "page expired" page, not Django's bare 403
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
            ],
            "builtins": ["core.templatetags.money"],
        },
    }
]


def database_config(url: str) -> dict[str, Any]:
    """The database from its URL. On PostgreSQL a server that accepts connections but never answers
    fails within ``DB_CONNECT_TIMEOUT`` seconds, and a statement that runs longer than
    ``DB_STATEMENT_TIMEOUT_MS`` is cancelled, so a request fails fast (503) instead of hanging."""
    config = dj_database_url.parse(
        url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")), conn_health_checks=True
    )
    if config["ENGINE"].endswith("postgresql"):
        options = config.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5")))
        statement_ms = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "30000"))
        if statement_ms:
            options.setdefault("options", f"-c statement_timeout={statement_ms}")
    elif config["ENGINE"].endswith("sqlite3"):
        config.setdefault("OPTIONS", {}).setdefault("timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5")))
    return config


DATABASES = {
    "default": database_config(os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
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
            # Redis down or unreachable: fail within seconds (the request answers 503), never hang.
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("REDIS_TIMEOUT", "2")),
                "socket_timeout": float(os.environ.get("REDIS_TIMEOUT", "2")),
            },
        }
    }
elif os.environ.get("CACHE_DIR"):
    # `make run` (devtools/run.py): the web server and the job runner are two processes, and a cache
    # in files is one they share (with the per-process memory cache neither would see the other's
    # changes: an order the job closes, a flash sale it starts). Development only: its add and incr
    # are not atomic across processes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ["CACHE_DIR"],
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "weishop"}}

# The storefront cache (shop.cache): how long a process reuses its last read of a cached page.
STOREFRONT_NEAR_SECONDS = float(os.environ.get("STOREFRONT_NEAR_SECONDS", "1"))

# Visit counting (analytics.counters): each process writes its counts to the cache this often.
ANALYTICS_BUFFER_SECONDS = float(os.environ.get("ANALYTICS_BUFFER_SECONDS", "1"))

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
    "payments-sync-transfers": {"task": "payments.tasks.sync_transfers", "schedule": 120.0},
    "wechat-send-due-notifications": {"task": "wechat.tasks.send_due_notifications", "schedule": 60.0},
    "promotions-flash-sessions": {"task": "promotions.tasks.flash_sessions_sync", "schedule": 15.0},
    "groupbuy-groups": {"task": "groupbuy.tasks.groups_sync", "schedule": 30.0},  # expiry + refunds
    "marketing-channel-stats": {"task": "marketing.tasks.channel_stats_flush", "schedule": 60.0},
    "distribution-commissions-settle": {"task": "distribution.tasks.commissions_settle", "schedule": 600.0},
    "crm-campaigns-send": {"task": "crm.tasks.campaigns_send", "schedule": 60.0},  # marketing messages
    # the after-sale deadlines (orders/services/returns.py)
    "orders-after-sales-auto-approve": {"task": "orders.tasks.after_sales_auto_approve", "schedule": 300.0},
    "orders-after-sales-close-unreturned": {
        "task": "orders.tasks.after_sales_close_unreturned",
        "schedule": 600.0,
    },
    "orders-after-sales-auto-receive": {"task": "orders.tasks.after_sales_auto_receive", "schedule": 600.0},
    "crm-points-unfreeze": {
        "task": "crm.tasks.points_unfreeze",
        "schedule": 600.0,
    },  # after-sales window closed
    "crm-points-expire": {"task": "crm.tasks.points_expire", "schedule": 3600.0},
    "analytics-figures-rollup": {"task": "analytics.tasks.figures_rollup", "schedule": 60.0},
    # shoppers' photo uploads no form took (accounts.PhotoUpload), with their files
    "orders-photo-uploads-purge": {"task": "orders.tasks.photo_uploads_purge", "schedule": 3600.0},
}

# Password logins (the admin) go through django-axes first: it refuses a locked-out login.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin login lockout (docs/deployment.md#admin-login-lockout): after AXES_FAILURE_LIMIT wrong
# passwords for one username from one client IP, that pair is refused (the right password too) for
# AXES_COOLOFF_TIME. Attempts live in the database, so every process and node shares them. Another
# IP or another username is not held back, so an attacker cannot lock a merchant out everywhere.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.h5.client_ip"  # the project's one client-IP rule (BEHIND_PROXY)
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"  # a Chinese page, status 429
AXES_ENABLE_ADMIN = False  # accounts/admin.py registers axes' models for superusers only

# Django's password rules, worded in plain Chinese (core/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "core.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "core.passwords.CommonPasswordValidator"},
    {"NAME": "core.passwords.NumericPasswordValidator"},
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
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=True)
# Static files (docs/deployment.md#static-files): in production `collectstatic` writes each file under
# a name carrying a hash of its content (app.3f2a….css) with gzip copies beside it; WhiteNoise serves
# the gzip copy to browsers that accept it and, the name changing whenever the content does, lets
# browsers and proxies keep them for a year (immutable). Pages name the hashed files
# ({% static %}), so DEBUG off needs `collectstatic` first. Under DEBUG (`make run`) the files are
# served as they are in static/ and the apps, found on each request (WhiteNoise's defaults).
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
# Bodies smaller than this go out uncompressed: they fit TCP's first window anyway (core/compression.py).
WEISHOP_GZIP_MIN_BYTES = int(os.environ.get("WEISHOP_GZIP_MIN_BYTES", str(14 * 1024)))
# Uploaded images are capped here and validated again by catalog.images.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGIN_URL = "admin:login"
# Sessions are read from the cache (Redis with REDIS_URL) and written through to the database, so a
# signed-in page view reads no session row when warm and a session survives a cache flush
# (docs/deployment.md#sessions). Nothing on a page view writes to its session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
# HTTPS in production: secure by default whenever DEBUG is off, each switch overridable from the
# environment (docs/deployment.md). WeChat Pay, OAuth and the JS-SDK need https anyway.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = "same-origin"
# Behind nginx (BEHIND_PROXY=1): the scheme comes from X-Forwarded-Proto and the client's address
# from the last X-Forwarded-For entry, the one our own proxy appended (core.h5.client_ip).
BEHIND_PROXY = env_bool("BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Token first: an anonymous call is answered 401 with "WWW-Authenticate: Token" (the
    # mini-program signs in again); H5 pages calling the API use the session (with CSRF).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.auth_cache.CachedTokenAuthentication",  # DRF's TokenAuthentication, cached
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
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

# One line per record: time, level, logger, the request id (django-guid: taken from a valid
# X-Request-ID header or made up, returned in the response) and the message, so a request's lines can
# be found together across processes.
DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "RETURN_HEADER": True, "EXPOSE_HEADER": True}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_guid": {"level": "WARNING"},
        "axes": {"level": os.environ.get("AXES_LOG_LEVEL", "WARNING")},
    },
}

# The public https origin WeChat sends notifications to (production); empty: taken from the request.
PUBLIC_URL = os.environ.get("PUBLIC_URL", "").rstrip("/")
# This server's own origin for calls it makes to itself (the simulators): PUBLIC_URL, else the address
# `runserver`/gunicorn listens on as given in PORT (default 8000) on the loopback.
SELF_URL = (
    os.environ.get("SELF_URL", "").rstrip("/")
    or PUBLIC_URL
    or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
)

# WeChat Pay. Each shop's account (payments.WeChatPayConfig) has a mode: "live" (the default) calls
# WECHATPAY_API_URL, "simulator" calls the local WeChat Pay simulator (devtools/wechatpay_sim/) at
# WECHATPAY_SIMULATOR_URL. That simulator is installed and routed at /wechatpay-sim/ only while
# WECHATPAY_SIMULATOR is on: with DEBUG on it is on unless turned off; with DEBUG off only an explicit
# WECHATPAY_SIMULATOR=1 turns it on, and then the start-up log and `check --deploy` say loudly that
# payments are simulated (shop/checks.py). With it off, admin refuses simulator mode and a
# simulator-mode account's calls fail with `simulator_off`.
WECHATPAY_SIMULATOR = env_bool("WECHATPAY_SIMULATOR", default=DEBUG)
WECHATPAY_SIMULATOR_URL = os.environ.get("WECHATPAY_SIMULATOR_URL", f"{SELF_URL}/wechatpay-sim").rstrip("/")
WECHATPAY_API_URL = os.environ.get("WECHATPAY_API_URL", "https://api.mch.weixin.qq.com").rstrip("/")

# Catalog image rules (see catalog/images.py).
WEISHOP_IMAGE_MAX_BYTES = 5 * 1024 * 1024
WEISHOP_IMAGE_MAX_PIXELS = 6000
WEISHOP_IMAGE_MIN_PIXELS = 100
WEISHOP_THUMB_SIZES = {"list": (360, 360), "detail": (750, 750)}
# A shopper's photos uploaded one by one before the form that uses them (accounts.PhotoUpload:
# the mini-program's wx.uploadFile): kept this many hours unless a review, after-sales request or
# complaint takes them, and at most this many unused at once per shopper and shop.
WEISHOP_PHOTO_UPLOAD_HOURS = int(os.environ.get("WEISHOP_PHOTO_UPLOAD_HOURS", "24"))
WEISHOP_PHOTO_UPLOADS_MAX = int(os.environ.get("WEISHOP_PHOTO_UPLOADS_MAX", "30"))

# WeChat official account and mini-program (wechat/). Each shop's account (wechat.WeChatAccount) is
# "live" (the default: WeChat at the URLs below) or "simulator": the local WeChat API simulator
# (devtools/wechat_sim/) at WECHAT_SIMULATOR_URL for the server's calls, and at that URL's path on the
# page's own host for the browser (OAuth, the JS-SDK copy). It is installed and routed at /wechat-sim/
# only while WECHAT_SIMULATOR is on (default: with DEBUG), like the WeChat Pay simulator above.
WECHAT_SIMULATOR = env_bool("WECHAT_SIMULATOR", default=DEBUG)
WECHAT_SIMULATOR_URL = os.environ.get("WECHAT_SIMULATOR_URL", f"{SELF_URL}/wechat-sim").rstrip("/")
WECHAT_API_URL = os.environ.get("WECHAT_API_URL", "https://api.weixin.qq.com").rstrip("/")
WECHAT_OPEN_URL = os.environ.get("WECHAT_OPEN_URL", "https://open.weixin.qq.com").rstrip("/")
WECHAT_JSSDK_URL = os.environ.get("WECHAT_JSSDK_URL", "https://res.wx.qq.com/open/js/jweixin-1.6.0.js")
WECHAT_HTTP_TIMEOUT = float(os.environ.get("WECHAT_HTTP_TIMEOUT", "5"))
# The simulator can answer /cgi-bin/token slowly, so that tests can race several refreshers.
WECHAT_SIMULATOR_TOKEN_DELAY = float(os.environ.get("WECHAT_SIMULATOR_TOKEN_DELAY", "0"))

# The simulators are development apps: installed (their tables, their admin-free models) only when
# on. config/urls.py routes them under the same condition. The WeChat Pay simulator also plays
# WeChat's browser: its middleware gives pages opened with a WeChat user agent a WeixinJSBridge.
SIMULATOR_APPS = {"WECHAT_SIMULATOR": "devtools.wechat_sim", "WECHATPAY_SIMULATOR": "devtools.wechatpay_sim"}
SIMULATOR_MIDDLEWARE = {"WECHATPAY_SIMULATOR": "devtools.wechatpay_sim.bridge.BridgeMiddleware"}
INSTALLED_APPS += [app for flag, app in SIMULATOR_APPS.items() if globals()[flag]]
MIDDLEWARE += [mw for flag, mw in SIMULATOR_MIDDLEWARE.items() if globals()[flag]]

# Text messages (shopper login codes): a dotted path to a backend class (accounts/sms.py). The default
# prints to the console (development); production names a real provider's backend.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "accounts.sms.ConsoleBackend")

# Unpaid orders hold their stock until paid or expired: one shopper may hold this many in a shop.
WEISHOP_MAX_UNPAID_ORDERS = int(os.environ.get("WEISHOP_MAX_UNPAID_ORDERS", "5"))

# How long a visit through a channel or referral link (?ch= / ?ref=) is remembered for the orders
# that follow it: last touch wins (orders/middleware.py).
WEISHOP_ATTRIBUTION_WINDOW_DAYS = int(os.environ.get("WEISHOP_ATTRIBUTION_WINDOW_DAYS", "7"))
# Marketing (docs/marketing.md): a shop may choose its own window (its 渠道设置) from 1 day up to
# this many (the remembering cookie lives this long).
WEISHOP_ATTRIBUTION_MAX_DAYS = int(os.environ.get("WEISHOP_ATTRIBUTION_MAX_DAYS", "30"))
# Posters draw Chinese with Noto Sans CJK (Debian's fonts-noto-cjk) or
# this font file.
WEISHOP_POSTER_FONT = os.environ.get("WEISHOP_POSTER_FONT", "")

# Content-Security-Policy (django-csp) on every page: H5, admin, simulators. Scripts and styles come
# from our own origin or carry the response's nonce (`{{ request.csp_nonce }}`); never inline
# otherwise. The WeChat JS-SDK loads from WECHAT_JSSDK_URL's origin (the simulator's copy is served
# from our own origin); WeixinJSBridge is injected by WeChat itself (by the WeChat Pay simulator's
# middleware, from our own origin, when it is on). Images may come from any https
# host (merchants' product descriptions). The API docs pages relax styles (core/api/views.py) and
# /media/ answers with its own sandbox policy (core/uploads.py). docs/deployment.md has the details.
from urllib.parse import urlsplit  # noqa: E402

from csp.constants import NONCE, NONE, SELF  # noqa: E402

_jssdk = urlsplit(WECHAT_JSSDK_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE, *([f"{_jssdk.scheme}://{_jssdk.netloc}"] if _jssdk.netloc else [])],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "https:", "http:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}
