"""Celery tasks of the project itself: housekeeping."""

from celery import shared_task
from django.utils import timezone

from kneeapp.models import UserSession


@shared_task
def clear_expired_sessions() -> int:
    """Delete session rows past their expiry (what ``manage.py clearsessions`` does)."""
    deleted, _ = UserSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
