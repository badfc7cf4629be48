"""Issue #16: one diary entry a day. Today's form edits today's entry; a write for a day that
has an entry under a new id (an offline phone's, a second phone's) updates it by the usual
last-write-wins rule, keeps every warning sign, and that id then addresses the entry.
"""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from diary.models import DiaryEntry, EntryAlias
from tests.diary.conftest import body, entry_url, put

pytestmark = pytest.mark.django_db


def test_todays_form_edits_todays_entry(patient_client, patient):
    first = put(patient_client, uuid.uuid4(), body(date=patient.today().isoformat(), pain=6))
    assert first.status_code == 201
    page = patient_client.get(reverse("diary:today"))
    assert page.context["form"].initial["id"] == uuid.UUID(first.json()["id"])
    assert page.context["form"].initial["pain"] == 6
    form = page.context["form"].initial | {"pain": "3", "swelling": "none"}
    form = {key: value for key, value in form.items() if value not in (None, False, [])}
    response = patient_client.post(reverse("diary:today"), form)
    assert response.status_code == 302
    [entry] = DiaryEntry.objects.of(patient)
    assert entry.pain == 3


def test_a_new_id_for_a_day_with_an_entry_updates_it_and_then_addresses_it(patient_client, patient):
    kept_id, other_id = uuid.uuid4(), uuid.uuid4()
    put(patient_client, kept_id, body(pain=4, client_updated_at="2026-01-10T09:00Z"))
    response = put(patient_client, other_id, body(pain=8, client_updated_at="2026-01-10T10:00Z"))
    assert response.status_code == 200
    assert response.json()["id"] == str(kept_id) and response.json()["kept"] == "sent"
    [entry] = DiaryEntry.objects.of(patient)
    assert entry.pk == kept_id and entry.pain == 8
    assert patient_client.get(entry_url(other_id)).json()["id"] == str(kept_id)
    # An older edit under either id loses, by the same rule.
    stale = put(patient_client, other_id, body(pain=1, client_updated_at="2026-01-10T08:00Z"))
    assert stale.json()["kept"] == "server"
    entry.refresh_from_db()
    assert entry.pain == 8


@pytest.mark.parametrize("newer_first", [True, False])
def test_warning_signs_are_united_whichever_write_wins(patient_client, patient, newer_first):
    writes = [
        (uuid.uuid4(), body(red_flags=["fever"], client_updated_at="2026-01-10T09:00Z")),
        (uuid.uuid4(), body(red_flags=["calf_swelling"], client_updated_at="2026-01-10T10:00Z")),
    ]
    for entry_id, data in reversed(writes) if newer_first else writes:
        put(patient_client, entry_id, data)
    [entry] = DiaryEntry.objects.of(patient)
    assert set(entry.red_flags) == {"fever", "calf_swelling"}


def test_moving_an_entry_onto_a_day_that_has_one_is_refused_naming_the_date(
    patient_client, patient
):
    today, yesterday = patient.today(), patient.today() - dt.timedelta(days=1)
    moved = uuid.uuid4()
    put(patient_client, uuid.uuid4(), body(date=today.isoformat()))
    put(patient_client, moved, body(date=yesterday.isoformat(), pain=2))
    response = put(
        patient_client,
        moved,
        body(date=today.isoformat(), client_updated_at=timezone.now().isoformat()),
    )
    assert response.status_code == 400 and list(response.json()) == ["date"]
    assert DiaryEntry.objects.get(pk=moved).date == yesterday


def test_deleting_the_entry_keeps_its_other_ids_deleted_too(patient_client, patient):
    kept_id, other_id = uuid.uuid4(), uuid.uuid4()
    put(patient_client, kept_id, body(client_updated_at="2026-01-10T09:00Z"))
    put(patient_client, other_id, body(client_updated_at="2026-01-10T10:00Z"))
    assert patient_client.delete(entry_url(other_id)).status_code == 204
    late = put(patient_client, other_id, body(client_updated_at="2026-01-10T11:00Z"))
    assert late.json()["kept"] == "deleted"
    assert not DiaryEntry.objects.of(patient).exists() and not EntryAlias.objects.exists()


def test_another_patients_day_is_not_theirs_to_merge_into(
    patient_client, other_patient_client, patient
):
    put(patient_client, uuid.uuid4(), body(pain=4))
    response = put(other_patient_client, uuid.uuid4(), body(pain=9))
    assert response.status_code == 201
    assert DiaryEntry.objects.of(patient).get().pain == 4


@pytest.mark.django_db(transaction=True)
def test_the_migration_merges_days_with_more_than_one_entry_and_keeps_every_id(patient):
    executor = MigrationExecutor(connection)
    before = [("diary", "0002_deleted_entry")]
    executor.migrate(before)
    Entry = executor.loader.project_state(before).apps.get_model("diary", "DiaryEntry")
    day = dt.date(2026, 3, 1)
    ids = [uuid.uuid4() for _ in range(3)]
    for entry_id, hour, flags in zip(
        ids, (8, 12, 10), (["fever"], [], ["calf_swelling"]), strict=True
    ):
        Entry.objects.create(
            id=entry_id, patient_id=patient.pk, date=day, pain=hour % 10, red_flags=flags,
            client_updated_at=dt.datetime(2026, 3, 1, hour, tzinfo=dt.UTC),
        )  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    [entry] = DiaryEntry.objects.of(patient)
    assert entry.pk == ids[1]  # edited last on the phone
    assert set(entry.red_flags) == {"fever", "calf_swelling"}
    for entry_id in ids:
        assert DiaryEntry.objects.addressed(entry_id).get() == entry
