"""Issue #14: a deleted diary entry stays deleted. A write made before the deletion, sent
later by an offline phone or a second phone, does not bring it back; one made after it does.
"""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from diary.models import DeletedEntry, DiaryEntry
from tests.diary.conftest import body, entry_url, put

pytestmark = pytest.mark.django_db


def moment(minutes: int) -> str:
    """``minutes`` from now, as a phone would stamp an edit."""
    return (timezone.now() + dt.timedelta(minutes=minutes)).isoformat()


def test_an_edit_made_before_the_deletion_does_not_bring_the_entry_back(patient_client):
    entry_id = uuid.uuid4()
    assert put(patient_client, entry_id, body(client_updated_at=moment(-60))).status_code == 201
    assert patient_client.delete(entry_url(entry_id)).status_code == 204
    # The other phone edited it ten minutes ago, offline, and sends that now.
    response = put(patient_client, entry_id, body(pain=9, client_updated_at=moment(-10)))
    assert response.status_code == 200
    assert response.json()["kept"] == "deleted" and response.json()["id"] == str(entry_id)
    assert not DiaryEntry.objects.filter(pk=entry_id).exists()
    assert patient_client.get(entry_url(entry_id)).status_code == 404


def test_an_edit_made_after_the_deletion_brings_it_back(patient_client):
    entry_id = uuid.uuid4()
    put(patient_client, entry_id, body(client_updated_at=moment(-60)))
    patient_client.delete(entry_url(entry_id))
    response = put(patient_client, entry_id, body(pain=2, client_updated_at=moment(1)))
    assert response.status_code == 201 and response.json()["kept"] == "sent"
    assert DiaryEntry.objects.get(pk=entry_id).pain == 2
    assert not DeletedEntry.objects.filter(pk=entry_id).exists()


def test_a_deletion_sent_twice_is_a_deletion_both_times(patient_client):
    entry_id = uuid.uuid4()
    put(patient_client, entry_id, body(client_updated_at=moment(-5)))
    assert patient_client.delete(entry_url(entry_id)).status_code == 204
    assert patient_client.delete(entry_url(entry_id)).status_code == 204


def test_deleting_on_the_page_leaves_the_same_tombstone(patient_client, patient):
    entry_id = uuid.uuid4()
    put(patient_client, entry_id, body(client_updated_at=moment(-30)))
    response = patient_client.post(reverse("diary:delete", args=[entry_id]))
    assert response.status_code == 302
    assert DeletedEntry.objects.get(pk=entry_id).patient == patient
    response = put(patient_client, entry_id, body(client_updated_at=moment(-20)))
    assert response.json()["kept"] == "deleted"


def test_someone_elses_deleted_entry_can_be_neither_recreated_nor_deleted(
    patient_client, other_patient_client, anonymous_client
):
    entry_id = uuid.uuid4()
    put(patient_client, entry_id, body(client_updated_at=moment(-30)))
    patient_client.delete(entry_url(entry_id))
    for client in (other_patient_client, anonymous_client):
        response = put(client, entry_id, body(client_updated_at=moment(5)))
        assert response.status_code in (403, 404)
        assert client.delete(entry_url(entry_id)).status_code in (403, 404)
    assert not DiaryEntry.objects.filter(pk=entry_id).exists()
    assert DeletedEntry.objects.filter(pk=entry_id).exists()
