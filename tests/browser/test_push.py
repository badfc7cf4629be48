"""Push on this phone in real Chromium: every push shows a notification and is confirmed by
the service worker, and turning push on shows each state.

Chromium here has no push service, so ``subscribe()`` fails (the error state is real); the
pushes are handed to the service worker through the DevTools protocol, as the browser does
with what its push service delivers.
"""

import json

import pytest

from reminders import dispatch
from reminders.models import Delivery, PushSubscription
from reminders.notifications import for_delivery
from reminders.transports import push_payload
from tests.browser.conftest import sign_in, wait_for_service_worker, wait_until
from tests.reminders.conftest import at, make_plan, set_next_runs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PREFERENCES = "/plan/preferences/"


def deliver_push(phone, page, live_server, data: str) -> None:
    """Hand ``data`` to the page's service worker as a push message."""
    cdp = phone.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.append(event))
    cdp.send("ServiceWorker.enable")
    wait_until(page, lambda: registrations and registrations[0]["registrations"])
    registration = registrations[0]["registrations"][0]["registrationId"]
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server.url, "registrationId": registration, "data": data},
    )


def notifications(page) -> list[dict]:
    return page.evaluate(
        """navigator.serviceWorker.ready
            .then((registration) => registration.getNotifications())
            .then((shown) => shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag })))"""
    )


def ready_phone(phone, page, live_server, patient, url=PREFERENCES):
    phone.grant_permissions(["notifications"])
    sign_in(phone, patient, live_server)
    page.goto(url)
    wait_for_service_worker(page)


@pytest.mark.parametrize("data", ["not json {", "[1, 2]", '{"title": 5}', ""])
def test_a_push_that_cannot_be_read_still_shows_a_reminder(page, phone, live_server, patient, data):
    ready_phone(phone, page, live_server, patient)
    deliver_push(phone, page, live_server, data)
    wait_until(page, lambda: notifications(page))
    [shown] = notifications(page)
    assert shown["title"] == "kneeapp reminder"
    assert shown["body"] == "You have a reminder: open kneeapp to see it."


def test_a_reminder_push_is_shown_and_its_receipt_reaches_the_server(
    page, phone, live_server, patient, physiotherapist, settings
):
    settings.SITE_URL = live_server.url
    plan = make_plan(patient, physiotherapist)
    patient.remind_by_push = True
    patient.save()
    subscription = PushSubscription.objects.create(
        patient=patient, endpoint="https://push.example/phone", p256dh="x" * 87, auth="y" * 22
    )
    set_next_runs(plan, at("2026-06-01 06:00"))
    [delivery_id] = dispatch.dispatch_due(at("2026-06-01 07:00"))
    payload = push_payload(for_delivery(Delivery.objects.get(pk=delivery_id)), subscription)
    assert json.loads(payload)["web_push"] == 8030
    ready_phone(phone, page, live_server, patient)
    # The session has expired by the time the push comes: the receipt does not need it.
    phone.clear_cookies()
    deliver_push(phone, page, live_server, payload)
    wait_until(page, lambda: Delivery.objects.get(pk=delivery_id).confirmed_at is not None)
    [shown] = notifications(page)
    assert shown["title"] == "Time to stretch" and shown["tag"].startswith("stretch-")
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None


def test_a_browser_that_cannot_subscribe_says_so_and_offers_to_try_again(
    page, phone, live_server, patient
):
    ready_phone(phone, page, live_server, patient)
    button = page.get_by_role("button", name="Turn on reminders on this phone")
    button.click()
    page.get_by_text("This phone could not be set up for reminders").wait_for()
    assert button.is_visible() and button.is_enabled()
    assert page.locator("#push-setup").get_attribute("aria-busy") == "false"
    assert not PushSubscription.objects.exists()


def test_notifications_refused_by_the_browser_say_how_to_undo_it(page, phone, live_server, patient):
    sign_in(phone, patient, live_server)
    page.goto(PREFERENCES)
    button = page.get_by_role("button", name="Turn on reminders on this phone")
    button.click()  # headless Chromium refuses when nobody is there to answer
    page.get_by_text("Your browser blocks notifications from this site").wait_for()
    assert page.get_by_text("set Notifications to Allow").is_visible()
    page.reload()  # and says so again on the next visit, without asking
    page.get_by_text("Your browser blocks notifications from this site").wait_for()
    assert not button.is_visible()


def test_while_the_browser_asks_the_page_says_so(page, phone, live_server, patient):
    # The browser's question stays open (a person has not answered yet).
    phone.add_init_script("Notification.requestPermission = () => new Promise(() => {});")
    sign_in(phone, patient, live_server)
    page.goto(PREFERENCES)
    button = page.get_by_role("button", name="Turn on reminders on this phone")
    button.click()
    page.get_by_text("Asking your browser: choose “Allow”").wait_for()
    assert page.locator("[data-state-message=asking] .spinner").is_visible()
    assert page.locator("#push-setup").get_attribute("aria-busy") == "true"
    assert not button.is_visible()


def test_a_browser_without_push_offers_email_instead(
    page, phone, live_server, patient, physiotherapist
):
    make_plan(patient, physiotherapist)
    phone.add_init_script("delete window.PushManager;")
    sign_in(phone, patient, live_server)
    page.goto("/plan/")
    page.get_by_text("This browser cannot show reminders from this site").wait_for()
    page.get_by_role("link", name="Or get your reminders by email.").click()
    page.wait_for_url("**/plan/preferences/")
