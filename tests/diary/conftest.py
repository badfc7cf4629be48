"""Helpers for the diary's tests: an entry body as a phone would send it."""

import datetime
import uuid

import pytest
from django.utils import timezone

from diary.models import DiaryEntry


def body(**changes) -> dict:
    data = {
        "date": timezone.localdate().isoformat(),
        "pain": 5,
        "swelling": "mild",
        "stiffness": True,
        "walked_normally": False,
        "rice": True,
        "pain_relief": False,
        "stretches_done": [],
        "notes": "Sore after the stairs.",
        "red_flags": [],
        "client_updated_at": "2026-01-10T09:00:00Z",
    }
    data.update(changes)
    return data


def entry_url(entry_id) -> str:
    return f"/api/v1/diary/entries/{entry_id}/"


def put(client, entry_id, data):
    return client.put(entry_url(entry_id), data, content_type="application/json")


def make_entries(patient, count: int, *, start=None) -> list[DiaryEntry]:
    start = start or timezone.localdate() - datetime.timedelta(days=count - 1)
    moment = timezone.now()
    return DiaryEntry.objects.bulk_create(
        DiaryEntry(
            id=uuid.uuid4(),
            patient=patient,
            date=start + datetime.timedelta(days=index),
            pain=(index * 7) % 11,
            client_updated_at=moment,
        )
        for index in range(count)
    )


@pytest.fixture
def entry(patient) -> DiaryEntry:
    return DiaryEntry.objects.create(
        id=uuid.UUID("11111111-1111-4111-8111-111111111111"),
        patient=patient,
        date=timezone.localdate(),
        pain=4,
        swelling="none",
        client_updated_at=datetime.datetime(2026, 1, 10, 9, 0, tzinfo=datetime.UTC),
    )
