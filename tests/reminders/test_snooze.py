""" "Later" (reminders/snooze.py): the email's link (a GET asks, a POST acts) and the push's
token make ONE new delivery 30 minutes on, linked to its original; once; signed tokens that
expire and act only on their patient's delivery."""

import datetime as dt
import json
import time

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from reminders import notifications, sending, snooze
from reminders.emails import message_id
from reminders.models import Completion, Delivery, Status
from tests.reminders.conftest import stretch_delivery

LATER_API = reverse("api-plan-later")


@pytest.fixture
def sent(plan):
    """This morning's 08:00 email, sent a minute ago."""
    now = timezone.now()
    return stretch_delivery(
        plan.schedules.get(time_of_day=dt.time(8)),
        now - dt.timedelta(minutes=1),
        status=Status.SENT,
        sent_at=now,
    )


def page(delivery) -> str:
    return reverse("reminders:later", args=[snooze.later_token(delivery)])


def post_token(client, token):
    return client.post(LATER_API, {"token": token}, content_type="application/json")


def test_the_email_link_asks_first_and_a_post_moves_the_reminder_once(anonymous_client, sent):
    url = page(sent)
    response = anonymous_client.get(url)  # the session may have expired: no sign-in needed
    assert response.status_code == 200
    assert "Remind me in 30 minutes?" in response.text
    assert not Delivery.objects.filter(snoozed_from=sent).exists()  # a GET changes nothing
    before = timezone.now()
    response = anonymous_client.post(url)
    assert response.status_code == 200 and "We will remind you again" in response.text
    again = Delivery.objects.get(snoozed_from=sent)
    assert (again.status, again.channel, again.schedule, again.slot) == (
        Status.QUEUED,
        sent.channel,
        sent.schedule,
        sent.slot,
    )
    assert before + snooze.SNOOZE <= again.not_before <= timezone.now() + snooze.SNOOZE
    # A second "Later" on the same original: nothing new, and it says so.
    response = anonymous_client.post(url)
    assert response.status_code == 200 and "Already moved" in response.text
    assert Delivery.objects.filter(snoozed_from=sent).count() == 1
    assert Delivery.objects.count() == 2


def test_the_patient_signed_in_may_use_it_another_signed_in_gets_404(
    patient_client, other_patient_client, sent
):
    assert other_patient_client.get(page(sent)).status_code == 404
    assert other_patient_client.post(page(sent)).status_code == 404
    assert not Delivery.objects.filter(snoozed_from=sent).exists()
    assert patient_client.post(page(sent)).status_code == 200
    assert Delivery.objects.filter(snoozed_from=sent).exists()


def test_a_forged_token_or_one_of_another_patient_is_not_found(
    anonymous_client, sent, other_plan, other_patient
):
    forged = snooze.later_token(sent)[:-2] + "xx"
    for url in (reverse("reminders:later", args=[forged]), reverse("reminders:later", args=["x"])):
        assert anonymous_client.get(url).status_code == 404
        assert anonymous_client.post(url).status_code == 404
    assert post_token(anonymous_client, forged).status_code == 404
    # A token naming the patient's delivery under another patient's id (signed by us, as if
    # the rows had been swapped) acts on nothing.
    mixed = signing.dumps([sent.pk, other_patient.pk], salt=snooze.LATER_SALT)
    assert post_token(anonymous_client, mixed).status_code == 404
    assert Delivery.objects.count() == 1


def test_an_old_token_has_expired_and_changes_nothing(anonymous_client, sent, monkeypatch):
    signed = timezone.now() - snooze.LATER_MAX_AGE - dt.timedelta(minutes=1)
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: signed.timestamp())  # the signature's own clock
        token = snooze.later_token(sent)
    url = reverse("reminders:later", args=[token])
    for method in (anonymous_client.get, anonymous_client.post):
        response = method(url)
        assert response.status_code == 410 and "This link has expired" in response.text
    response = post_token(anonymous_client, token)
    assert response.status_code == 410 and "token" in response.json()
    assert Delivery.objects.count() == 1


def test_the_push_token_moves_it_without_a_session_once(anonymous_client, sent):
    token = snooze.later_token(sent)
    first = post_token(anonymous_client, token)
    assert first.status_code == 201 and first.json()["created"] is True
    second = post_token(anonymous_client, token)
    assert second.status_code == 200 and second.json() == {**first.json(), "created": False}
    assert Delivery.objects.filter(snoozed_from=sent).count() == 1


def test_a_later_cannot_be_moved_again(anonymous_client, sent):
    again = snooze.snooze(sent, timezone.now()).delivery
    assert post_token(anonymous_client, snooze.later_token(again)).status_code == 409
    response = anonymous_client.post(page(again))
    assert response.status_code == 409 and "cannot be moved again" in response.text
    assert Delivery.objects.count() == 2
    assert notifications.for_delivery(again).later_token == ""  # it offers no "later" itself


def test_a_bad_body_is_refused_naming_the_field(anonymous_client):
    response = anonymous_client.post(LATER_API, {}, content_type="application/json")
    assert response.status_code == 400 and "token" in response.json()


def test_the_later_goes_out_30_minutes_on_as_a_message_of_its_own(sent):
    now = timezone.now()
    again = snooze.snooze(sent, now).delivery
    assert again.pk not in sending.stranded(now + dt.timedelta(minutes=29))
    assert sending.send_batch([again.pk], now=now + dt.timedelta(minutes=29)) == (0, [])
    due = now + snooze.SNOOZE
    assert again.pk in sending.stranded(due)
    assert sending.send_batch([again.pk], now=due) == (1, [])
    [message] = mail.outbox
    original = notifications.for_delivery(sent)
    assert notifications.for_delivery(again).tag == original.tag + "-later"
    assert message.extra_headers["Message-ID"] == message_id(original.tag + "-later")
    assert message_id(original.tag + "-later") != message_id(original.tag)
    assert "Remind me in 30 minutes" not in message.body
    again.refresh_from_db()
    assert again.status == Status.SENT


def test_a_later_for_a_reminder_done_meanwhile_is_dropped(sent, patient):
    now = timezone.now()
    again = snooze.snooze(sent, now).delivery
    Completion.objects.create(patient=patient, schedule=sent.schedule, date=sent.local_slot.date())
    assert sending.send_batch([again.pk], now=now + snooze.SNOOZE) == (0, [])
    again.refresh_from_db()
    assert (again.status, again.error) == (
        Status.SKIPPED,
        '"Later"; already marked done',
    )


def test_the_email_and_the_push_carry_the_later(plan, patient, sent):
    mail.outbox.clear()
    email = stretch_delivery(plan.schedules.get(time_of_day=dt.time(19)), timezone.now())
    assert sending.send_batch([email.pk]) == (1, [])
    [message] = mail.outbox
    assert "Not now? Remind me in 30 minutes: http://127.0.0.1:8000/plan/later/" in message.body
    html = message.alternatives[0][0]
    assert "/plan/later/" in html
    payload = notifications.for_delivery(email).push_payload()
    assert payload["later"]["url"] == LATER_API
    assert snooze.read_token(payload["later"]["token"]) == email
    json.dumps(payload)
