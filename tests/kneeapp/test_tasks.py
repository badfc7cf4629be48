"""Housekeeping tasks."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from kneeapp.models import UserSession
from kneeapp.tasks import clear_expired_sessions

pytestmark = pytest.mark.django_db


def test_expired_sessions_are_deleted_and_live_ones_kept(patient):
    now = timezone.now()
    UserSession.objects.create(session_key="a" * 32, session_data="", expire_date=now, user=patient)
    live = UserSession.objects.create(
        session_key="b" * 32, session_data="", expire_date=now + dt.timedelta(hours=1)
    )
    assert clear_expired_sessions() == 1
    assert list(UserSession.objects.all()) == [live]


def test_beat_clears_sessions_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"]
    assert entry["task"] == clear_expired_sessions.name
