"""Web Push to a loopback push service that checks VAPID and decrypts what it gets."""

import datetime as dt
import json
import os
import socket
import time

import http_ece
import pytest
import urllib3
from cryptography.hazmat.primitives.asymmetric import ec

from reminders import push_encryption, sending, tasks, transports, vapid
from reminders.models import Channel, Delivery, PushSubscription, Status
from reminders.transports import PUSH_TTL, TransportError
from reminders.vapid import vapid_keys
from tests.reminders.conftest import stretch_delivery
from tests.reminders.peers import BrowserSubscription, b64url, unb64url, verify_vapid


@pytest.fixture(autouse=True)
def loopback_push_allowed(settings):
    # The push service of these tests is on loopback, which production refuses.
    settings.REMINDERS_ALLOW_LOOPBACK_PUSH = True


def test_the_push_is_signed_with_vapid_and_decrypts_to_the_reminder(
    push_delivery, endpoint, browser
):
    assert sending.send(push_delivery.pk) is True
    [request] = endpoint.requests
    assert request.path == "/push/phone-1"
    vapid = verify_vapid(request.headers["authorization"], audience=endpoint.url)
    assert vapid["key"] == vapid_keys().public_key
    assert vapid["claims"]["sub"].startswith("mailto:")
    assert request.headers["ttl"] == str(PUSH_TTL)
    assert request.headers["urgency"] == "normal"
    assert len(request.headers["topic"]) <= 32
    assert request.headers["content-encoding"] == "aes128gcm"
    assert len(request.body) < 4096
    payload = json.loads(browser.decrypt(request.body))
    assert payload["title"] == "Time to stretch"
    assert payload["url"] == "/plan/"
    assert payload["reminder"] == {"schedule": push_delivery.schedule_id, "date": "2026-06-01"}
    push_delivery.refresh_from_db()
    assert push_delivery.status == Status.SENT


def test_the_same_reminder_sent_again_carries_the_same_topic(push_delivery, endpoint):
    sending.send(push_delivery.pk)
    Delivery.objects.filter(pk=push_delivery.pk).update(status=Status.QUEUED)
    sending.send(push_delivery.pk)
    first, second = endpoint.requests
    assert first.headers["topic"] == second.headers["topic"]


def test_a_gone_subscription_410_is_deleted_and_the_delivery_failed(push_delivery, endpoint):
    endpoint.answers = [(410, {})]
    assert sending.send(push_delivery.pk) is False
    assert not PushSubscription.objects.exists()
    push_delivery.refresh_from_db()
    assert push_delivery.status == Status.FAILED and "410" in push_delivery.error


def test_a_404_deletes_the_subscription_too(push_delivery, endpoint):
    endpoint.answers = [(404, {})]
    sending.send(push_delivery.pk)
    assert not PushSubscription.objects.exists()


def test_429_is_retried_after_the_time_the_service_asks_for(push_delivery, endpoint, monkeypatch):
    endpoint.answers = [(429, {"Retry-After": "120"})]
    retries = []
    monkeypatch.setattr(
        tasks.send_delivery, "retry", lambda **kw: retries.append(kw) or RuntimeError("retry")
    )
    with pytest.raises(RuntimeError):
        tasks.send_delivery(push_delivery.pk)
    assert retries[0]["countdown"] == 120
    push_delivery.refresh_from_db()
    assert push_delivery.status == Status.QUEUED
    assert PushSubscription.objects.exists()
    # The retry then goes through.
    assert tasks.send_delivery(push_delivery.pk) is True
    assert len(endpoint.requests) == 2


def test_a_5xx_is_retried_with_backoff_and_given_up_after_the_bound(
    push_delivery, endpoint, monkeypatch
):
    endpoint.answers = [(503, {})]
    with pytest.raises(TransportError) as raised:
        sending.send(push_delivery.pk)
    assert not raised.value.permanent and raised.value.retry_after is None
    assert sending.backoff(1) < sending.backoff(2) < sending.backoff(5) <= sending.MAX_BACKOFF
    endpoint.answers = [(503, {})]
    monkeypatch.setattr(tasks.send_delivery, "retry", pytest.fail)
    # The last attempt: the row's count, not Celery's, decides (sending.out_of_attempts).
    Delivery.objects.filter(pk=push_delivery.pk).update(attempts=sending.MAX_ATTEMPTS - 1)
    assert tasks.send_delivery(push_delivery.pk) is False
    push_delivery.refresh_from_db()
    assert push_delivery.status == Status.FAILED and "503" in push_delivery.error


def test_another_refusal_is_permanent_and_not_retried(push_delivery, endpoint):
    endpoint.answers = [(400, {})]
    assert sending.send(push_delivery.pk) is False
    push_delivery.refresh_from_db()
    assert push_delivery.status == Status.FAILED
    assert PushSubscription.objects.exists()


def test_nothing_is_posted_to_a_name_that_now_resolves_off_the_public_internet(
    push_delivery, endpoint, settings
):
    """Checked when subscribing, and again when sending: a name can be pointed elsewhere."""
    settings.REMINDERS_ALLOW_LOOPBACK_PUSH = False
    port = endpoint.url.rsplit(":", 1)[1]
    PushSubscription.objects.update(endpoint=f"https://localhost:{port}/push/phone-1")
    assert sending.send(push_delivery.pk) is False
    push_delivery.refresh_from_db()
    assert push_delivery.status == Status.FAILED
    assert "off the public internet" in push_delivery.error
    assert endpoint.requests == []


def more_push_deliveries(push_delivery, count: int) -> list[int]:
    """``count`` more push reminders of the same schedule, at later minutes."""
    return [
        stretch_delivery(
            push_delivery.schedule,
            push_delivery.slot + dt.timedelta(minutes=minute),
            channel=Channel.PUSH,
        ).pk
        for minute in range(1, count + 1)
    ]


def test_a_worker_reuses_one_kept_alive_connection_per_push_service(push_delivery, endpoint):
    ids = [push_delivery.pk, *more_push_deliveries(push_delivery, 3)]
    assert tasks.send_deliveries(ids[:2]) == 2
    assert tasks.send_deliveries(ids[2:]) == 2  # the next batch, in the same process
    assert len(endpoint.requests) == 4
    assert len({request.peer for request in endpoint.requests}) == 1  # one kept-alive connection
    assert transports.connection_for(endpoint.url) is transports.connection_for(endpoint.url)


def test_the_vapid_signature_is_reused_within_its_lifetime_and_renewed_after(
    push_delivery, endpoint, monkeypatch
):
    first, second, third = [push_delivery.pk, *more_push_deliveries(push_delivery, 2)]
    started = time.time()
    assert sending.send(first) and sending.send(second)
    signed = [verify_vapid(r.headers["authorization"], endpoint.url) for r in endpoint.requests]
    assert (
        endpoint.requests[0].headers["authorization"]
        == endpoint.requests[1].headers["authorization"]
    )
    expires = signed[0]["claims"]["exp"]
    assert started + 60 * 60 < expires <= time.time() + 24 * 60 * 60  # RFC 8292: at most 24 h
    # Close to its expiry (within the margin), the next push gets a new signature.
    later = expires - vapid.VAPID_MARGIN + 1
    monkeypatch.setattr(vapid.time, "time", lambda: later)
    assert sending.send(third)
    renewed = endpoint.requests[2].headers["authorization"]
    assert renewed != endpoint.requests[0].headers["authorization"]
    assert verify_vapid(renewed, endpoint.url)["claims"]["exp"] > expires


def test_a_connection_the_push_service_closed_while_idle_is_opened_again(push_delivery, endpoint):
    ids = [push_delivery.pk, *more_push_deliveries(push_delivery, 1)]
    assert tasks.send_deliveries(ids[:1]) == 1
    connection = transports.connection_for(endpoint.url)
    connection.sock.shutdown(socket.SHUT_RDWR)  # as if the service had hung up
    assert tasks.send_deliveries(ids[1:]) == 1
    assert len(endpoint.requests) == 2
    assert Delivery.objects.get(pk=ids[1]).status == Status.SENT


def test_through_a_proxy_a_push_goes_by_urllib3s_proxy_pool(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    origin = "https://push.proxied.example"
    assert transports.connection_for(origin) is None
    transports.pool_for(origin)
    assert isinstance(transports._pools[(os.getpid(), origin)][0], urllib3.ProxyManager)


@pytest.mark.parametrize("size", [1, 300, transports.PUSH_MAX_PAYLOAD, 5000])
def test_the_encryption_is_http_eces_byte_for_byte(size):
    """RFC 8291 aes128gcm written out (push_encryption.encrypt), against http_ece as pywebpush
    calls it, for the same sender key and salt; a payload over one record is http_ece's."""
    browser = BrowserSubscription()
    subscription = PushSubscription(p256dh=browser.p256dh, auth=b64url(browser.auth))
    data, key, salt = os.urandom(size), ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
    ours = push_encryption.encrypt(data, subscription, private_key=key, salt=salt)
    theirs = http_ece.encrypt(
        data,
        salt=salt,
        private_key=key,
        dh=unb64url(browser.p256dh),
        auth_secret=browser.auth,
        version="aes128gcm",
    )
    assert ours == theirs
    assert browser.decrypt(ours) == data
