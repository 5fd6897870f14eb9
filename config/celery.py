"""The Celery app: `celery -A config worker -B` in production (Redis broker from REDIS_URL)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("weishop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
