"""Settings for bench/ runs: production-like (DEBUG off) plus a bare JSON view as the baseline."""

import os

from shop.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

if os.environ.get("BENCH_UNCACHED") == "1":
    # `python bench/catalog.py --uncached`: what every request costs when the catalog cache misses.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
