"""The Celery app: `celery -A shop worker -B` in production (Redis broker from REDIS_URL)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("weishop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
