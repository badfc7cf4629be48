"""SMTP or the push service failing, end to end: retried with backoff, then sent once or
recorded as failed with the error; never a duplicate.

A real Celery worker on a real Redis (a private redis-server); a loopback SMTP server
answering DATA from a script; a loopback push service answering from a list (it checks VAPID
and decrypts, see peers.py).
The retry backoff starts at 250 ms here (REMINDERS_RETRY_BACKOFF_MS).
"""

import json

import pytest

from reminders.sending import MAX_ATTEMPTS
from tests.reliability.harness import SMTPSink, parse, stays_false, wait_until
from tests.reminders.peers import BrowserSubscription, PushEndpoint, b64url

pytestmark = pytest.mark.production

FINISHED = ("sent", "failed")


def run_until_finished(app, settle_on) -> tuple:
    """Dispatch the due reminder, let a worker send it; the delivery row once it is done."""
    app.worker(pool="solo")
    app.dispatch()
    wait_until(
        lambda: app.deliveries() and app.deliveries()[0][2] in FINISHED, 60, message="an end"
    )
    # Nothing more arrives afterwards (no late duplicate of a retry).
    count = settle_on()
    assert stays_false(lambda: settle_on() > count, 2)
    [delivery] = app.deliveries()
    return delivery


def email_reminder(make_app, broker, **script) -> tuple:
    """The due email reminder sent to an SMTP server answering from ``script``: the delivery
    row's (status, attempts, error) once it is done, and the server."""
    with SMTPSink(**script) as smtp:
        app = make_app(REDIS_URL=broker, EMAIL_URL=smtp.url)
        app.set_up()
        _id, _channel, status, attempts, error = run_until_finished(
            app, lambda: len(smtp.handler.attempts)
        )
    return (status, attempts, error), smtp


def test_smtp_refusing_for_a_while_is_retried_and_the_reminder_sent_once(make_app, broker):
    script = ["421 4.3.2 Service not available, closing", "451 4.3.0 Try again later"]
    delivery, smtp = email_reminder(make_app, broker, script=script)
    assert delivery == ("sent", 3, "")
    [envelope] = smtp.messages
    assert parse(envelope)["Subject"] == "Time to stretch"
    # The three tries were the same message.
    assert len({parse(e)["Message-ID"] for e in smtp.handler.attempts}) == 1


def test_smtp_refusing_for_good_is_a_recorded_failure_after_the_last_retry(make_app, broker):
    (status, attempts, error), smtp = email_reminder(
        make_app, broker, always="451 4.3.0 Try again later"
    )
    assert (status, attempts) == ("failed", MAX_ATTEMPTS)
    assert error.startswith("gave up: email:") and "451" in error
    assert smtp.messages == [] and len(smtp.handler.attempts) == MAX_ATTEMPTS


def test_an_smtp_address_refused_for_good_fails_at_once(make_app, broker):
    (status, attempts, error), _smtp = email_reminder(
        make_app, broker, always="550 5.1.1 No such user"
    )
    assert (status, attempts) == ("failed", 1) and "550" in error


def push_app(make_app, broker, endpoint, browser):
    app = make_app(REDIS_URL=broker)
    app.set_up(
        email=False,
        push=True,
        more=f"""
from reminders.models import PushSubscription
PushSubscription.objects.create(
    patient=patient, endpoint="{endpoint.url}/push/phone-1",
    p256dh="{browser.p256dh}", auth="{b64url(browser.auth)}",
)
""",
    )
    return app


def test_a_push_service_failing_then_accepting_gets_the_reminder_once(make_app, broker):
    browser = BrowserSubscription()
    with PushEndpoint() as endpoint:
        endpoint.answers = [(500, {}), (429, {"Retry-After": "1"})]
        app = push_app(make_app, broker, endpoint, browser)
        _id, channel, status, attempts, error = run_until_finished(
            app, lambda: len(endpoint.requests)
        )
    assert (channel, status, attempts, error) == ("push", "sent", 3, "")
    assert len(endpoint.requests) == 3
    # One Topic for the three tries: a push service replaces a waiting copy with the next.
    assert len({request.headers["topic"] for request in endpoint.requests}) == 1
    payload = json.loads(browser.decrypt(endpoint.requests[-1].body))
    assert payload["title"] == "Time to stretch"
    assert app.rows("select count(*) from reminders_pushsubscription") == [(1,)]


@pytest.mark.parametrize("gone", [404, 410])
def test_a_gone_push_subscription_is_removed_and_not_retried(gone, make_app, broker):
    browser = BrowserSubscription()
    with PushEndpoint() as endpoint:
        endpoint.answers = [(gone, {})]
        app = push_app(make_app, broker, endpoint, browser)
        _id, _channel, status, attempts, error = run_until_finished(
            app, lambda: len(endpoint.requests)
        )
    assert (status, attempts) == ("failed", 1) and str(gone) in error
    assert len(endpoint.requests) == 1
    assert app.rows("select count(*) from reminders_pushsubscription") == [(0,)]
