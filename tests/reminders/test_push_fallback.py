"""Channels as a choice, email as the fallback of push, and one row per browser however
often its subscription is renewed (the page resyncs it on every load)."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kneeapp.models import ReminderChannels
from reminders import dispatch, sending
from reminders.models import Channel, Delivery, Fallback, PushSubscription, Status
from reminders.vapid import vapid_keys
from tests.reminders.conftest import at, set_next_runs
from tests.reminders.test_api import SUBS, subscription_json

RENEW = "/api/v1/push-subscriptions/renew/"


@pytest.fixture(autouse=True)
def loopback_push_allowed(settings):
    settings.REMINDERS_ALLOW_LOOPBACK_PUSH = True  # the loopback push endpoint of conftest


def phone(patient, created_at, confirmed_at=None, endpoint="https://push.example/phone"):
    return PushSubscription.objects.create(
        patient=patient,
        endpoint=endpoint,
        p256dh="x" * 87,
        auth="y" * 22,
        created_at=created_at,
        confirmed_at=confirmed_at,
    )


def choose(patient, choice: ReminderChannels):
    for name, value in choice.switches().items():
        setattr(patient, name, value)
    patient.save()


def dispatched(plan, day: str) -> dict:
    """The channels of the 08:00 reminder of ``day`` (June, London: 07:00 UTC)."""
    set_next_runs(plan, at(f"{day} 06:00"))
    dispatch.dispatch_due(at(f"{day} 07:00"))
    rows = Delivery.objects.filter(slot=at(f"{day} 07:00"))
    return {row.channel: row.fallback for row in rows}


def test_each_choice_sends_by_its_channels(plan, patient):
    phone(patient, at("2026-05-31 12:00"))
    expected = {
        ReminderChannels.PUSH_THEN_EMAIL: {Channel.PUSH: Fallback.NONE},
        ReminderChannels.PUSH: {Channel.PUSH: Fallback.NONE},
        ReminderChannels.EMAIL: {Channel.EMAIL: Fallback.NONE},
        ReminderChannels.OFF: {},
    }
    for day, (choice, channels) in enumerate(expected.items(), start=1):
        choose(patient, choice)
        assert patient.reminder_channels == choice
        assert dispatched(plan, f"2026-06-0{day}") == channels, choice


def test_with_no_phone_set_up_the_fallback_choice_emails(plan, patient):
    choose(patient, ReminderChannels.PUSH_THEN_EMAIL)
    assert dispatched(plan, "2026-06-01") == {Channel.EMAIL: Fallback.NONE}


def test_a_phone_silent_for_three_days_gets_the_email_too_saying_why(plan, patient):
    choose(patient, ReminderChannels.PUSH_THEN_EMAIL)
    phone(patient, at("2026-05-01 12:00"), confirmed_at=at("2026-05-20 07:01"))
    # A push went out 4 days ago and was never confirmed.
    pushed = Delivery.objects.create(
        patient=patient, kind="stretch", schedule=plan.schedules.first(),
        slot=at("2026-05-28 07:00"), channel=Channel.PUSH, status=Status.SENT,
        sent_at=at("2026-05-28 07:00"),
    )  # fmt: skip
    assert dispatched(plan, "2026-06-01") == {
        Channel.PUSH: Fallback.NONE,
        Channel.EMAIL: Fallback.PUSH_UNCONFIRMED,
    }
    email = Delivery.objects.get(slot=at("2026-06-01 07:00"), channel=Channel.EMAIL)
    assert sending.send(email.pk) is True
    [message] = mail.outbox
    assert "has not confirmed a notification from us for 3 days" in message.body
    assert "has not confirmed a notification" in message.alternatives[0][0]
    # Once the phone confirms again, the email is the fallback only.
    Delivery.objects.filter(pk=pushed.pk).update(confirmed_at=at("2026-05-28 07:01"))
    PushSubscription.objects.update(confirmed_at=at("2026-06-01 07:01"))
    assert dispatched(plan, "2026-06-02") == {Channel.PUSH: Fallback.NONE}


def test_a_phone_sent_nothing_for_days_is_not_silent(plan, patient):
    choose(patient, ReminderChannels.PUSH_THEN_EMAIL)
    phone(patient, at("2026-05-01 12:00"))
    assert dispatched(plan, "2026-06-01") == {Channel.PUSH: Fallback.NONE}


@pytest.mark.parametrize(
    ("choice", "emails"),
    [(ReminderChannels.PUSH_THEN_EMAIL, 1), (ReminderChannels.PUSH, 0)],
)
def test_a_push_that_fails_for_good_is_followed_by_the_email_once(
    plan, patient, endpoint, browser, choice, emails
):
    choose(patient, choice)
    PushSubscription.objects.create(
        patient=patient,
        endpoint=f"{endpoint.url}/push/phone-1",
        p256dh=browser.p256dh,
        auth=browser.auth.hex()[:22],
    )
    set_next_runs(plan, at("2026-06-01 06:00"))
    [push] = dispatch.dispatch_due(at("2026-06-01 07:00"))
    endpoint.answers = [(410, {})]
    assert sending.send(push) is False
    fallback = Delivery.objects.filter(channel=Channel.EMAIL)
    assert fallback.count() == emails
    if not emails:
        return
    email = fallback.get()
    assert (email.status, email.fallback, email.slot) == (
        Status.QUEUED,
        Fallback.PUSH_FAILED,
        at("2026-06-01 07:00"),
    )
    # The next pass's sweep hands it to a sender; offered again, it stays one row.
    assert email.pk in sending.stranded(at("2026-06-01 07:01"))
    Delivery.objects.get(pk=push).email_instead(Fallback.PUSH_FAILED)
    assert fallback.count() == 1
    assert sending.send(email.pk) is True
    [message] = mail.outbox
    assert "the notification could not reach your phone" in message.body


def test_the_choice_is_saved_from_the_form_and_the_api(patient_client, patient):
    url = reverse("reminders:preferences")
    page = patient_client.get(url).content.decode()
    assert 'value="push_then_email"' in page and "Email only" in page
    response = patient_client.post(url, {"reminder_channels": "push", "time_zone": "Europe/London"})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.remind_by_push, patient.remind_by_email) == (True, False)
    response = patient_client.patch(
        "/api/v1/preferences/", {"reminder_channels": "push_then_email"}, "application/json"
    )
    assert response.status_code == 200 and response.json()["reminder_channels"] == "push_then_email"
    patient.refresh_from_db()
    assert patient.reminder_channels == ReminderChannels.PUSH_THEN_EMAIL


def test_a_bad_choice_is_refused_by_name_and_changes_nothing(patient_client, patient):
    response = patient_client.patch(
        "/api/v1/preferences/", {"reminder_channels": "pigeon"}, "application/json"
    )
    assert response.status_code == 400 and "reminder_channels" in response.json()
    response = patient_client.post(
        reverse("reminders:preferences"),
        {"reminder_channels": "pigeon", "time_zone": "Europe/London"},
    )
    assert response.status_code == 200 and "reminder_channels" in response.context["form"].errors
    patient.refresh_from_db()
    assert patient.reminder_channels == ReminderChannels.EMAIL


def test_a_resync_with_new_keys_or_a_new_endpoint_replaces_this_browsers_row(
    patient_client, patient
):
    keys_before = vapid_keys()
    first = subscription_json("https://push.example/send/first")
    assert patient_client.post(SUBS, first, content_type="application/json").status_code == 201
    row = PushSubscription.objects.get()
    PushSubscription.objects.update(confirmed_at=at("2026-06-01 07:01"))
    # New browser keys, same endpoint (an OS update): the same row, with the new keys.
    new_keys = subscription_json("https://push.example/send/first")
    response = patient_client.post(SUBS, new_keys, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["confirmed_at"] == "2026-06-01T07:01:00Z"
    renewed = PushSubscription.objects.get()
    assert renewed.pk == row.pk and renewed.p256dh == new_keys["keys"]["p256dh"]
    assert renewed.created_at > row.created_at  # the silence is counted from now
    # A new endpoint for this browser: it replaces the old one, still one row.
    moved = {**subscription_json("https://push.example/send/second"), "replaces": first["endpoint"]}
    assert patient_client.post(SUBS, moved, content_type="application/json").status_code == 200
    assert list(PushSubscription.objects.values_list("pk", "endpoint")) == [
        (row.pk, "https://push.example/send/second")
    ]
    assert vapid_keys() == keys_before


def test_a_resync_cannot_replace_another_patients_phone(
    patient_client, other_patient_client, other_patient
):
    theirs = subscription_json("https://push.example/send/theirs")
    other_patient_client.post(SUBS, theirs, content_type="application/json")
    mine = {**subscription_json("https://push.example/send/mine"), "replaces": theirs["endpoint"]}
    assert patient_client.post(SUBS, mine, content_type="application/json").status_code == 201
    assert PushSubscription.objects.filter(patient=other_patient).count() == 1
    assert PushSubscription.objects.count() == 2


def test_the_service_worker_renews_a_subscription_without_a_session(
    patient_client, anonymous_client, patient
):
    old = subscription_json("https://push.example/send/old")
    patient_client.post(SUBS, old, content_type="application/json")
    new = subscription_json("https://push.example/send/new")
    body = {"old_endpoint": old["endpoint"], "subscription": new}
    response = anonymous_client.post(RENEW, body, content_type="application/json")
    assert response.status_code == 200
    row = PushSubscription.objects.get()
    assert (row.patient, row.endpoint) == (patient, new["endpoint"])
    # An endpoint nobody has is not found; a bad subscription is refused by name.
    body = {"old_endpoint": "https://push.example/send/nobody", "subscription": new}
    assert anonymous_client.post(RENEW, body, content_type="application/json").status_code == 404
    bad = {"old_endpoint": new["endpoint"], "subscription": {**new, "keys": None}}
    response = anonymous_client.post(RENEW, bad, content_type="application/json")
    assert response.status_code == 400 and "subscription" in response.json()
    assert PushSubscription.objects.get().endpoint == new["endpoint"]


def test_the_pages_say_when_a_reminder_last_reached_each_phone(patient_client, patient, plan):
    phone(patient, at("2026-05-01 12:00"), confirmed_at=at("2026-06-01 07:01"))
    phone(patient, at("2026-05-02 12:00"), endpoint="https://push.example/tablet")
    for url in (reverse("reminders:plan"), reverse("reminders:preferences")):
        page = patient_client.get(url).content.decode()
        # The date and time as every other page writes them (DATETIME_FORMAT).
        assert "Last reminder reached this phone at June 1, 2026, 08:01." in page, url
        assert "Not confirmed since May 2, 2026, 13:00." in page, url


def test_no_phone_of_another_patient_is_shown(other_patient_client, patient):
    phone(patient, timezone.now() - dt.timedelta(days=1), confirmed_at=timezone.now())
    page = other_patient_client.get(reverse("reminders:preferences")).content.decode()
    assert "Phones and browsers with reminders on" not in page
    assert "reached this phone at 1" not in page
