"""Settings for the test suite: production settings (DEBUG off) with the secrets a test run may use
and plain http (the test client and live servers speak http)."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdHMtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")

from config.settings import *  # noqa: F403

# Both simulators are installed and routed in every test run (tests turn a simulator off by setting
# WECHAT_SIMULATOR / WECHATPAY_SIMULATOR to False: its views then answer 404, its accounts'
# calls fail with ``simulator_off``).
WECHAT_SIMULATOR = WECHATPAY_SIMULATOR = True
INSTALLED_APPS = [*INSTALLED_APPS, *(app for app in SIMULATOR_APPS.values() if app not in INSTALLED_APPS)]  # noqa: F405
MIDDLEWARE = [*MIDDLEWARE, *(mw for mw in SIMULATOR_MIDDLEWARE.values() if mw not in MIDDLEWARE)]  # noqa: F405

# Tests run with DEBUG off but without `collectstatic`: static files keep their plain names and are
# found in static/ and the apps (tests/config/test_static.py checks the production storage itself).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True

# Visits are written to the cache as they are counted (analytics.counters), so a test reads them back
# at once; tests/analytics/test_counter_buffer.py checks the buffered way.
ANALYTICS_BUFFER_SECONDS = 0

# Each cached page is read from the cache itself, not from the process's near copy (shop.cache), so
# a test sees a change at once; tests/shop/test_near_cache.py checks the near copy.
STOREFRONT_NEAR_SECONDS = 0

# pytest-xdist (``make test`` runs a worker per CPU): each worker has its own test database
# (pytest-django names it per worker) and its own Redis database, since tests clear the cache.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    from urllib.parse import urlsplit, urlunsplit

    # the URL before any worker's change (a process a test starts inherits the changed one)
    _url = urlsplit(os.environ.setdefault("WEISHOP_TEST_REDIS_BASE", os.environ["REDIS_URL"]))
    _db = (int((_url.path or "/0").lstrip("/") or 0) + 8 + int(_worker[2:])) % 16  # Redis has 16
    REDIS_URL = urlunsplit(_url._replace(path=f"/{_db}"))
    CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
    CELERY_BROKER_URL = REDIS_URL
    os.environ["REDIS_URL"] = REDIS_URL  # for the processes a test starts
