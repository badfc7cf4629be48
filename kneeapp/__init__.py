"""kneeapp: the project package (settings, URLs, the Celery app, accounts and the PWA shell)."""

from kneeapp.celery import app as celery_app

__all__ = ["celery_app"]
