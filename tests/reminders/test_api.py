"""The reminders API: owner checks, idempotent "done", push subscriptions, preferences."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from reminders.models import Completion, PushSubscription, ReminderSchedule
from tests.reminders.peers import BrowserSubscription, b64url

PLAN, DONE, SUBS, PREFS = (
    "/api/v1/plan/",
    "/api/v1/plan/done/",
    "/api/v1/push-subscriptions/",
    "/api/v1/preferences/",
)


@pytest.fixture(autouse=True)
def loopback_push_allowed(settings):
    settings.REMINDERS_ALLOW_LOOPBACK_PUSH = True


def today_in_london():
    return timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/London")).date()


def subscription_json(endpoint="https://push.example/send/abc"):
    browser = BrowserSubscription()
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": browser.p256dh, "auth": b64url(browser.auth)},
    }


@pytest.mark.parametrize("url", [PLAN, DONE, SUBS, PREFS])
def test_anonymous_callers_are_turned_away(anonymous_client, url):
    response = anonymous_client.get(url)
    assert response.status_code in (401, 403)


def test_my_plan_lists_the_stretches_and_todays_reminders(patient_client, plan):
    data = patient_client.get(PLAN).json()
    assert [item["name"] for item in data["plan"]["items"]] == [
        "Calf stretch against a wall",
        "Seated hamstring stretch",
        "Standing quadriceps stretch",
    ]
    assert data["plan"]["items"][0]["hold_seconds"] == 30
    assert [r["time_of_day"] for r in data["today"]] == ["08:00:00", "19:00:00"]
    assert {r["done"] for r in data["today"]} == {False}


def test_another_patient_sees_no_plan_of_mine(other_patient_client, plan):
    assert other_patient_client.get(PLAN).json()["plan"] is None


def test_marking_a_reminder_done_twice_records_it_once(patient_client, plan):
    schedule = plan.schedules.first()
    body = {"schedule": schedule.pk, "date": today_in_london().isoformat()}
    assert patient_client.post(DONE, body, content_type="application/json").status_code == 201
    assert patient_client.post(DONE, body, content_type="application/json").status_code == 200
    assert Completion.objects.count() == 1
    assert patient_client.get(PLAN).json()["today"][0]["done"] is True


def test_another_patients_reminder_is_not_found(other_patient_client, plan):
    schedule = plan.schedules.first()
    body = {"schedule": schedule.pk, "date": today_in_london().isoformat()}
    response = other_patient_client.post(DONE, body, content_type="application/json")
    assert response.status_code == 404
    assert not Completion.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"schedule": "x", "date": "2026-01-01"}, "schedule"),
        ({"date": "2026-01-01"}, "schedule"),
        ({"schedule": 1, "date": "yesterday"}, "date"),
        ({"schedule": None, "date": "2099-01-01"}, "schedule"),
    ],
)
def test_bad_done_marks_get_a_message_per_field(patient_client, plan, body, field):
    response = patient_client.post(DONE, body, content_type="application/json")
    assert response.status_code == 400 and field in response.json()


def test_a_done_mark_in_the_future_is_refused(patient_client, plan):
    schedule = plan.schedules.first()
    body = {"schedule": schedule.pk, "date": "2099-01-01"}
    response = patient_client.post(DONE, body, content_type="application/json")
    assert response.status_code == 400 and "date" in response.json()


def test_a_browser_subscription_is_saved_once_and_turns_push_on(patient_client, patient):
    body = subscription_json()
    assert patient_client.post(SUBS, body, content_type="application/json").status_code == 201
    assert patient_client.post(SUBS, body, content_type="application/json").status_code == 200
    subscription = PushSubscription.objects.get()
    assert subscription.patient == patient and subscription.p256dh == body["keys"]["p256dh"]
    patient.refresh_from_db()
    assert patient.remind_by_push is True


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "http://push.example/abc"}, "endpoint"),
        ({"endpoint": "not a url"}, "endpoint"),
        ({"keys": {"p256dh": "short", "auth": b64url(b"x" * 16)}}, "keys"),
        ({"keys": {"p256dh": b64url(b"\x04" + b"x" * 64), "auth": b64url(b"x" * 15)}}, "keys"),
        ({"keys": {"p256dh": "!!!" + "A" * 84, "auth": b64url(b"x" * 16)}}, "keys"),
        ({"keys": None}, "keys"),
    ],
)
def test_a_bad_subscription_gets_a_clear_400(patient_client, change, field):
    body = {**subscription_json(), **change}
    response = patient_client.post(SUBS, body, content_type="application/json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not PushSubscription.objects.exists()


def test_loopback_endpoints_are_only_for_development(patient_client, settings):
    body = subscription_json("http://127.0.0.1:8123/push")
    assert patient_client.post(SUBS, body, content_type="application/json").status_code == 201
    settings.REMINDERS_ALLOW_LOOPBACK_PUSH = False
    body = subscription_json("http://127.0.0.1:8123/other")
    assert patient_client.post(SUBS, body, content_type="application/json").status_code == 400


def test_deleting_a_subscription_is_for_its_owner_only(patient_client, other_patient_client):
    body = subscription_json()
    patient_client.post(SUBS, body, content_type="application/json")
    endpoint = {"endpoint": body["endpoint"]}
    response = other_patient_client.delete(SUBS, endpoint, content_type="application/json")
    assert response.status_code == 404
    assert PushSubscription.objects.exists()
    response = patient_client.delete(SUBS, endpoint, content_type="application/json")
    assert response.status_code == 204
    assert not PushSubscription.objects.exists()


def test_preferences_read_and_change_and_move_the_next_reminders(patient_client, patient, plan):
    assert patient_client.get(PREFS).json() == {
        "remind_by_email": True,
        "remind_by_push": False,
        "time_zone": "Europe/London",
        "quiet_hours_start": None,
        "quiet_hours_end": None,
        "send_nudges": True,
        "reminder_channels": "email",
    }
    before = ReminderSchedule.objects.get(time_of_day=dt.time(8)).next_run_at
    response = patient_client.patch(
        PREFS,
        {"time_zone": "Asia/Tokyo", "quiet_hours_start": "22:00", "quiet_hours_end": "07:00"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    patient.refresh_from_db()
    assert patient.time_zone == "Asia/Tokyo" and patient.quiet_hours_end == dt.time(7)
    after = ReminderSchedule.objects.get(time_of_day=dt.time(8)).next_run_at
    assert after != before
    assert after.astimezone(patient.zone).time() == dt.time(8)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"quiet_hours_start": "22:00"}, "quiet_hours_end"),
        ({"quiet_hours_end": "25:00"}, "quiet_hours_end"),
        ({"remind_by_email": "perhaps"}, "remind_by_email"),
    ],
)
def test_bad_preferences_are_refused_and_nothing_changes(patient_client, patient, body, field):
    response = patient_client.patch(PREFS, body, content_type="application/json")
    assert response.status_code == 400 and field in response.json()
    patient.refresh_from_db()
    assert patient.time_zone == "Europe/London" and patient.quiet_hours_start is None


def test_my_export_carries_my_plan_and_reminders(patient_client, plan, other_plan):
    data = patient_client.get("/api/v1/me/export/").json()["data"]
    [mine] = data["reminders.StretchPlan"]
    assert mine["id"] == plan.pk
    times = [row["time_of_day"] for row in data["reminders.ReminderSchedule"]]
    assert sorted(times) == ["08:00:00", "19:00:00"]
    assert {row["exercise"] for row in data["reminders.PlanItem"]} == {
        str(item.exercise) for item in plan.items.all()
    }
