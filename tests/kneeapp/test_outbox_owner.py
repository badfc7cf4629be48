"""The offline outbox sends a write only for the person who made it (kneeapp/outbox.py)."""

import re
import uuid

import pytest

from diary.models import DiaryEntry
from kneeapp.outbox import outbox_owner
from tests.diary.conftest import body, entry_url

pytestmark = pytest.mark.django_db


def put_as(client, owner: str):
    return client.put(
        entry_url(uuid.uuid4()), body(), content_type="application/json", HTTP_X_KNEEAPP_OWNER=owner
    )


def page_owner(client) -> str:
    html = client.get("/").content.decode()
    return re.search(r'<meta name="kneeapp-owner" content="([^"]*)">', html).group(1)


def test_each_page_carries_the_signed_in_persons_key_and_a_visitor_has_none(
    patient_client, other_patient_client, anonymous_client, patient, other_patient
):
    assert page_owner(patient_client) == outbox_owner(patient)
    assert page_owner(other_patient_client) == outbox_owner(other_patient)
    assert outbox_owner(patient) != outbox_owner(other_patient)
    assert page_owner(anonymous_client) == ""


def test_a_write_queued_by_its_author_is_saved(patient_client, patient):
    assert put_as(patient_client, outbox_owner(patient)).status_code == 201
    assert DiaryEntry.objects.get().patient == patient


def test_a_write_queued_by_another_person_is_refused_and_nothing_is_saved(
    patient_client, other_patient
):
    response = put_as(patient_client, outbox_owner(other_patient))
    assert response.status_code == 403  # the outbox keeps it for its author
    assert "another account" in response.json()["detail"]
    assert not DiaryEntry.objects.exists()


def test_a_write_sent_signed_out_is_refused_as_ever(anonymous_client, patient):
    assert put_as(anonymous_client, outbox_owner(patient)).status_code == 403
    assert not DiaryEntry.objects.exists()
