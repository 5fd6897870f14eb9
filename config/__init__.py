"""The project package: settings, the root / H5 / API url lists, the Celery app, WSGI/ASGI and the
``weishop-admin`` command. The one place that may import every app (docs/architecture.md)."""

from config.celery import app as celery_app

__all__ = ("celery_app",)
