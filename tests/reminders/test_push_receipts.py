"""Pushes a phone can be trusted with, at the loopback push endpoint (decrypted there):
Declarative Web Push fields, the alert's TTL and Urgency, and the signed receipt the
service worker sends back without a session."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from reminders import sending
from reminders.models import AlertKind, Channel, Delivery, DoctorAlert, Kind, PushSubscription
from reminders.receipts import receipt_token
from reminders.transports import ALERT_PUSH_TTL, PUSH_TTL
from tests.reminders.peers import b64url


@pytest.fixture(autouse=True)
def loopback_push_allowed(settings):
    settings.REMINDERS_ALLOW_LOOPBACK_PUSH = True  # the loopback push endpoint of conftest


def sent_payload(endpoint, browser) -> dict:
    [request] = endpoint.requests
    return json.loads(browser.decrypt(request.body))


def test_the_payload_is_also_a_declarative_web_push_message(push_delivery, endpoint, browser):
    sending.send(push_delivery.pk)
    payload = sent_payload(endpoint, browser)
    assert payload["web_push"] == 8030 and payload["mutable"] is True
    notification = payload["notification"]
    assert notification["title"] == "Time to stretch"
    assert notification["body"] == payload["body"] and "stretches" in notification["body"]
    assert notification["navigate"] == "http://127.0.0.1:8000/plan/"  # absolute, as Safari asks
    assert notification["tag"] == payload["tag"]
    # The worker's own fields stay, for browsers without declarative push.
    assert payload["url"] == "/plan/" and payload["title"] == notification["title"]
    assert payload["receipt"]["url"] == f"/api/v1/push-receipts/{push_delivery.pk}/"


def test_a_see_a_doctor_push_waits_a_day_with_high_urgency_a_stretch_an_hour(
    push_delivery, endpoint, patient
):
    sending.send(push_delivery.pk)
    alert = DoctorAlert.objects.create(
        patient=patient,
        kind=AlertKind.PERSISTING,
        started_on=dt.date(2026, 5, 28),
        alerted_at=timezone.now(),
    )
    urgent = Delivery.objects.create(
        patient=patient,
        kind=Kind.PERSISTING,
        doctor_alert=alert,
        slot=timezone.now(),
        channel=Channel.PUSH,
    )
    assert sending.send(urgent.pk) is True
    stretch, see_doctor = endpoint.requests
    assert (stretch.headers["ttl"], stretch.headers["urgency"]) == (str(PUSH_TTL), "normal")
    assert (see_doctor.headers["ttl"], see_doctor.headers["urgency"]) == (
        str(ALERT_PUSH_TTL),
        "high",
    )
    assert ALERT_PUSH_TTL >= 24 * 60 * 60


def test_the_receipt_needs_no_session_and_records_when_the_phone_showed_it(
    push_delivery, endpoint, browser, anonymous_client
):
    sending.send(push_delivery.pk)
    receipt = sent_payload(endpoint, browser)["receipt"]
    response = anonymous_client.post(
        receipt["url"], {"token": receipt["token"]}, content_type="application/json"
    )
    assert response.status_code == 204
    push_delivery.refresh_from_db()
    phone = PushSubscription.objects.get()
    assert push_delivery.confirmed_at is not None
    assert phone.confirmed_at == push_delivery.confirmed_at
    # The same receipt again changes nothing: the phone's time is that of its first report.
    again = anonymous_client.post(
        receipt["url"], {"token": receipt["token"]}, content_type="application/json"
    )
    assert again.status_code == 204
    phone_after = PushSubscription.objects.get()
    assert phone_after.confirmed_at == phone.confirmed_at


def test_a_forged_or_another_deliverys_receipt_changes_nothing(
    push_delivery, endpoint, browser, anonymous_client, patient
):
    sending.send(push_delivery.pk)
    receipt = sent_payload(endpoint, browser)["receipt"]
    url = receipt["url"]
    forged = anonymous_client.post(
        url, {"token": receipt["token"][:-2] + "xx"}, content_type="application/json"
    )
    assert forged.status_code == 400 and "token" in forged.json()
    phone = PushSubscription.objects.get()
    other = Delivery.objects.create(
        patient=patient,
        kind=Kind.STRETCH,
        schedule=push_delivery.schedule,
        slot=push_delivery.slot + dt.timedelta(days=1),
        channel=Channel.PUSH,
    )
    # A sound token, but for another delivery than the URL's.
    wrong = anonymous_client.post(
        url, {"token": receipt_token(other.pk, phone.pk)}, content_type="application/json"
    )
    assert wrong.status_code == 404
    # A token for a subscription that is not the delivery's patient's.
    stranger = anonymous_client.post(
        url,
        {"token": receipt_token(push_delivery.pk, phone.pk + 99)},
        content_type="application/json",
    )
    assert stranger.status_code == 404
    missing = anonymous_client.post(url, {}, content_type="application/json")
    assert missing.status_code == 400 and "token" in missing.json()
    assert not Delivery.objects.filter(confirmed_at__isnull=False).exists()
    assert PushSubscription.objects.get().confirmed_at is None
    assert anonymous_client.get(url).status_code == 405


def test_a_receipt_token_expires(push_delivery, endpoint, browser, anonymous_client, monkeypatch):
    sending.send(push_delivery.pk)
    receipt = sent_payload(endpoint, browser)["receipt"]
    later = timezone.now() + dt.timedelta(days=3)
    monkeypatch.setattr("django.core.signing.time.time", lambda: later.timestamp())
    response = anonymous_client.post(
        receipt["url"], {"token": receipt["token"]}, content_type="application/json"
    )
    assert response.status_code == 400
    push_delivery.refresh_from_db()
    assert push_delivery.confirmed_at is None


def test_each_phone_gets_its_own_receipt_token(push_delivery, endpoint, browser, patient):
    second = type(browser)()
    PushSubscription.objects.create(
        patient=patient,
        endpoint=f"{endpoint.url}/push/phone-2",
        p256dh=second.p256dh,
        auth=b64url(second.auth),
    )
    sending.send(push_delivery.pk)
    by_path = {request.path: request for request in endpoint.requests}
    one = json.loads(browser.decrypt(by_path["/push/phone-1"].body))["receipt"]["token"]
    two = json.loads(second.decrypt(by_path["/push/phone-2"].body))["receipt"]["token"]
    assert one != two
