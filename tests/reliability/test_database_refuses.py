"""A database that refuses writes: a clear 503 (page or JSON), nothing half-saved, and the same
request goes through once the database takes writes again.

The refusal is the database's own: on PostgreSQL a trigger raising ``read_only_sql_transaction``
(what a read-only replica says) or a read-only transaction; on SQLite a trigger whose body fails
with an OperationalError, or ``PRAGMA query_only``.
"""

import json
import uuid
import zoneinfo
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from diary.models import DiaryEntry
from reminders.models import Completion, ReminderSchedule
from tests.diary.conftest import body as diary_body
from tests.diary.conftest import put as diary_put
from tests.reminders.conftest import make_plan
from triage.models import Assessment

pytestmark = pytest.mark.django_db

MESSAGE = "We could not save this just now, so nothing was changed."

REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION kneeapp_refuse_write() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'writes to % are refused', TG_TABLE_NAME
        USING ERRCODE = 'read_only_sql_transaction';
END
$$ LANGUAGE plpgsql
"""


@contextmanager
def tables_refuse_writes(*tables):
    """Triggers that make the database refuse every write to ``tables``."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(REFUSE_FUNCTION)
            for table in tables:
                cursor.execute(
                    f'CREATE TRIGGER refuse_writes BEFORE INSERT OR UPDATE OR DELETE ON "{table}" '
                    "FOR EACH ROW EXECUTE FUNCTION kneeapp_refuse_write()"
                )
        else:
            for table in tables:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    # The body reads a table that does not exist: "no such table", an
                    # OperationalError raised by SQLite on the write itself.
                    cursor.execute(
                        f'CREATE TRIGGER "refuse_{event}_{table}" BEFORE {event} ON "{table}" '
                        "BEGIN SELECT * FROM kneeapp_writes_refused; END"
                    )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table in tables:
                if connection.vendor == "postgresql":
                    cursor.execute(f'DROP TRIGGER refuse_writes ON "{table}"')
                else:
                    for event in ("INSERT", "UPDATE", "DELETE"):
                        cursor.execute(f'DROP TRIGGER "refuse_{event}_{table}"')


@contextmanager
def database_read_only():
    """The whole database read-only, as a replica after a failover would be."""
    if connection.vendor == "postgresql":
        # Inside the test's transaction: a savepoint whose rollback lifts it again.
        savepoint = transaction.savepoint_create()
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
        try:
            yield
        finally:
            transaction.savepoint_rollback(savepoint)
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = ON")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA query_only = OFF")


def assert_page_refusal(response):
    assert response.status_code == 503
    assert response["Retry-After"]
    html = response.content.decode()
    assert MESSAGE in html and "Not saved" in html
    assert "Traceback" not in html


def assert_api_refusal(response):
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith(MESSAGE)


def diary_page(client):
    data = {"id": str(uuid.uuid4()), "date": "2026-01-10", "pain": "6", "swelling": "moderate"}
    return lambda: client.post("/diary/", data)


def diary_api(client):
    entry_id = uuid.uuid4()
    return lambda: diary_put(client, entry_id, diary_body())


def triage_page(client):
    data = {"answers": json.dumps({"heard_pop": True}), "id": str(uuid.uuid4())}
    return lambda: client.post(reverse("triage:save"), data)


def triage_api(client):
    data = {"id": str(uuid.uuid4()), "answers": {"heard_pop": True}}
    return lambda: client.post("/api/v1/triage/assessments/", data, content_type="application/json")


def today_in_london():
    return timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/London")).date()


def done_api(client, schedule):
    data = {"schedule": schedule.pk, "date": today_in_london().isoformat()}
    return lambda: client.post("/api/v1/plan/done/", data, content_type="application/json")


def done_page(client, schedule):
    data = {"schedule": schedule.pk, "date": today_in_london().isoformat()}
    return lambda: client.post(reverse("reminders:done"), data)


FLOWS = {
    # name: (table that refuses, model whose rows must not change, is the API, success status)
    "diary page": ("diary_diaryentry", DiaryEntry, False, 302),
    "diary API": ("diary_diaryentry", DiaryEntry, True, 201),
    "triage page": ("triage_assessment", Assessment, False, 302),
    "triage API": ("triage_assessment", Assessment, True, 201),
    "done page": ("reminders_completion", Completion, False, 302),
    "done API": ("reminders_completion", Completion, True, 201),
}


def make_request(name, client, schedule):
    return {
        "diary page": lambda: diary_page(client),
        "diary API": lambda: diary_api(client),
        "triage page": lambda: triage_page(client),
        "triage API": lambda: triage_api(client),
        "done page": lambda: done_page(client, schedule),
        "done API": lambda: done_api(client, schedule),
    }[name]()


@pytest.fixture
def schedule(patient, physiotherapist):
    return make_plan(patient, physiotherapist, times=("00:00",)).schedules.get()


@pytest.mark.parametrize("name", FLOWS)
def test_a_table_refusing_writes_is_a_clear_503_and_the_same_request_works_after(
    name, patient_client, schedule
):
    table, model, is_api, success = FLOWS[name]
    request = make_request(name, patient_client, schedule)
    with tables_refuse_writes(table):
        response = request()
    (assert_api_refusal if is_api else assert_page_refusal)(response)
    assert model.objects.count() == 0
    # The outbox (or the person) sends the same thing again: saved once.
    assert request().status_code == success
    assert model.objects.count() == 1


@pytest.mark.parametrize("name", FLOWS)
def test_a_read_only_database_refuses_writes_but_pages_still_read(name, patient_client, schedule):
    _table, model, is_api, success = FLOWS[name]
    request = make_request(name, patient_client, schedule)
    # One request first: the session then has nothing new to write for a minute.
    assert patient_client.get("/diary/").status_code == 200
    with database_read_only():
        response = request()
        (assert_api_refusal if is_api else assert_page_refusal)(response)
        assert patient_client.get("/diary/").status_code == 200
        assert patient_client.get("/api/v1/plan/").status_code == 200
    assert model.objects.count() == 0
    assert request().status_code == success
    assert model.objects.count() == 1


def test_a_new_time_zone_is_not_saved_without_the_reminders_it_moves(
    patient_client, patient, schedule
):
    """Two tables in one request: the user's row saves, the schedules' refuse: neither saves."""
    before = ReminderSchedule.objects.get(pk=schedule.pk).next_run_at
    with tables_refuse_writes("reminders_reminderschedule"):
        response = patient_client.patch(
            "/api/v1/preferences/", {"time_zone": "Asia/Tokyo"}, content_type="application/json"
        )
    assert_api_refusal(response)
    patient.refresh_from_db()
    assert patient.time_zone == "Europe/London"
    assert ReminderSchedule.objects.get(pk=schedule.pk).next_run_at == before
    response = patient_client.patch(
        "/api/v1/preferences/", {"time_zone": "Asia/Tokyo"}, content_type="application/json"
    )
    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.time_zone == "Asia/Tokyo"
    assert ReminderSchedule.objects.get(pk=schedule.pk).next_run_at != before
