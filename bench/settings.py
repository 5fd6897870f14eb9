"""Settings for bench/ runs: production-like (DEBUG off) plus a bare JSON view as the baseline."""

import os

# Production settings need real secrets; a bench run on a laptop uses throwaway ones, over plain http.
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")

from config.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

if os.environ.get("BENCH_CACHE_PREFIX"):
    # bench/catalog.py on Redis: this run's keys apart from any other's (and removed after it)
    CACHES["default"]["KEY_PREFIX"] = os.environ["BENCH_CACHE_PREFIX"]  # noqa: F405

if os.environ.get("BENCH_UNCACHED") == "1":
    # `python bench/catalog.py --uncached`: what every request costs when the catalog cache misses.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

if os.environ.get("BENCH_PLAIN_STATIC") == "1":
    # bench/scale.py runs in-process without `collectstatic`: plain static names, as the tests do.
    _plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    STORAGES = {**STORAGES, "staticfiles": _plain}  # noqa: F405
