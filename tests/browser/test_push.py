"""Push on this phone in real Chromium: every push shows a notification and is confirmed by
the service worker, and turning push on shows each state.

Chromium here has no push service, so ``subscribe()`` fails (the error state is real); the
pushes are handed to the service worker through the DevTools protocol, as the browser does
with what its push service delivers. Where a test needs a subscription that works, the page's
``PushManager`` is given a stand-in for the push service (``FAKE_PUSH_SERVICE``: the one part
that cannot run here), with real P-256 keys from WebCrypto; the page, the service worker and
the server around it are the real ones.
"""

import datetime as dt
import json

import pytest
from django.utils import timezone

from reminders import dispatch
from reminders.models import Completion, Delivery, PushSubscription
from reminders.notifications import for_delivery
from reminders.snooze import SNOOZE
from reminders.transports import push_payload
from tests.browser.conftest import sign_in, wait_for_service_worker, wait_until
from tests.reminders.conftest import at, make_plan, set_next_runs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PREFERENCES = "/plan/preferences/"

# Real subscription keys, as a browser makes them: a P-256 public key and 16 random bytes.
NEW_KEYS = """async () => {
  const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .split("+").join("-").split("/").join("_").replace(/=+$/, "");
  const pair = await crypto.subtle.generateKey(
    { name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  return {
    p256dh: b64url(await crypto.subtle.exportKey("raw", pair.publicKey)),
    auth: b64url(crypto.getRandomValues(new Uint8Array(16))),
  };
}"""

# A push service for this page: subscribe() and getSubscription() answer with an endpoint the
# test picks (localStorage "fake-push-endpoint") and real keys, kept in localStorage.
FAKE_PUSH_SERVICE = f"""
(() => {{
  async function keys() {{
    const kept = localStorage.getItem("fake-push-keys");
    if (kept) return JSON.parse(kept);
    const made = await ({NEW_KEYS})();
    localStorage.setItem("fake-push-keys", JSON.stringify(made));
    return made;
  }}
  async function made() {{
    const endpoint = localStorage.getItem("fake-push-endpoint") || "https://push.example/first";
    const json = {{ endpoint, expirationTime: null, keys: await keys() }};
    return {{ endpoint, options: {{}}, toJSON: () => json, unsubscribe: async () => true }};
  }}
  PushManager.prototype.subscribe = async function () {{
    localStorage.setItem("fake-push-subscribed", "1");
    return made();
  }};
  PushManager.prototype.getSubscription = async function () {{
    return localStorage.getItem("fake-push-subscribed") ? made() : null;
  }};
}})();
"""


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


# A notification's action button cannot be pressed from a test. The browser's click is the
# one part made here: a NotificationEvent for the notification the real worker showed, with the
# action the button carries, handed to the worker's real listener. Chromium refuses waitUntil
# on an event a script made, so the test keeps the promises the listener hands it instead.
CLICK_THE_SHOWN_NOTIFICATION = """async (action) => {
    const [shown] = await self.registration.getNotifications();
    const event = new NotificationEvent("notificationclick", { notification: shown, action });
    const handled = [];
    Object.defineProperty(event, "waitUntil", { value: (promise) => handled.push(promise) });
    self.dispatchEvent(event);
    await Promise.all(handled);
    return (await self.registration.getNotifications()).length;
}"""


def shown_reminder(
    phone, page, live_server, patient, physiotherapist, settings, url=PREFERENCES, now=None
):
    """A stretching reminder due 10 minutes before ``now`` (by default a day long past),
    pushed to this phone's real service worker while ``url`` is open, and shown: the delivery,
    and the push's payload."""
    settings.SITE_URL = live_server.url
    now = now or at("2026-06-01 07:00")
    due = (timezone.localtime(now, patient.zone) - dt.timedelta(minutes=10)).time()
    plan = make_plan(patient, physiotherapist, times=[due.strftime("%H:%M")])
    patient.remind_by_push = True
    patient.save()
    subscription = PushSubscription.objects.create(
        patient=patient, endpoint="https://push.example/phone", p256dh="x" * 87, auth="y" * 22
    )
    set_next_runs(plan, now - dt.timedelta(minutes=30))
    [delivery_id] = dispatch.dispatch_due(now)
    delivery = Delivery.objects.get(pk=delivery_id)
    payload = push_payload(for_delivery(delivery), subscription)
    ready_phone(phone, page, live_server, patient, url)
    deliver_push(phone, page, live_server, payload)
    wait_until(page, lambda: notifications(page))
    return delivery, payload


def test_later_on_a_shown_reminder_sends_it_again_once_without_a_session(
    page, phone, live_server, patient, physiotherapist, settings
):
    delivery, payload = shown_reminder(phone, page, live_server, patient, physiotherapist, settings)
    phone.clear_cookies()  # "Later" is pressed long after the session ended
    [worker] = phone.service_workers
    clicked = timezone.now()
    assert worker.evaluate(CLICK_THE_SHOWN_NOTIFICATION, "later") == 0  # and it closed
    [later] = Delivery.objects.filter(snoozed_from=delivery)
    assert (later.patient_id, later.schedule_id) == (patient.pk, delivery.schedule_id)
    assert clicked + SNOOZE <= later.not_before <= timezone.now() + SNOOZE
    # The push service delivers the same push again, and "Later" is pressed again: still one.
    deliver_push(phone, page, live_server, payload)
    wait_until(page, lambda: notifications(page))
    assert worker.evaluate(CLICK_THE_SHOWN_NOTIFICATION, "later") == 0
    assert Delivery.objects.filter(snoozed_from=delivery).count() == 1


def test_done_on_a_shown_reminder_marks_the_stretches_done(
    page, phone, live_server, patient, physiotherapist, settings
):
    # The worker sends "done" with the person and CSRF token of the last page that had the
    # outbox (the plan page here): the browser gives a worker no cookies to read.
    delivery, _ = shown_reminder(
        phone, page, live_server, patient, physiotherapist, settings, "/plan/", timezone.now()
    )
    [worker] = phone.service_workers
    assert worker.evaluate(CLICK_THE_SHOWN_NOTIFICATION, "done") == 0
    wait_until(page, lambda: Completion.objects.filter(patient=patient).exists())
    [done] = Completion.objects.filter(patient=patient)
    assert done.schedule_id == delivery.schedule_id


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


def endpoints(patient) -> list[str]:
    return list(patient.push_subscriptions.values_list("endpoint", flat=True))


def test_turning_push_on_ends_on_and_a_reload_with_a_new_endpoint_replaces_the_row(
    page, phone, live_server, patient
):
    phone.add_init_script(FAKE_PUSH_SERVICE)
    ready_phone(phone, page, live_server, patient)
    page.get_by_role("button", name="Turn on reminders on this phone").click()
    page.get_by_text("Reminders are on for this phone.").wait_for()
    assert page.get_by_text("Not confirmed since").first.is_visible()
    assert page.locator("#push-setup").get_attribute("aria-busy") == "false"
    assert endpoints(patient) == ["https://push.example/first"]
    keys = page.evaluate("JSON.parse(localStorage.getItem('fake-push-keys'))")
    assert patient.push_subscriptions.get().p256dh == keys["p256dh"]  # the browser's own key
    patient.refresh_from_db()
    assert patient.remind_by_push

    # After an OS update the browser has a new endpoint: the next load sends it, and it
    # replaces this browser's old row (no second phone, no dead endpoint left behind).
    page.evaluate("localStorage.setItem('fake-push-endpoint', 'https://push.example/second')")
    page.reload()
    page.get_by_text("Reminders are on for this phone.").wait_for()
    wait_until(page, lambda: endpoints(patient) == ["https://push.example/second"])


def test_the_service_worker_sends_a_changed_subscription_without_a_session(
    page, phone, live_server, patient
):
    ready_phone(phone, page, live_server, patient)
    PushSubscription.objects.create(
        patient=patient, endpoint="https://push.example/old", p256dh="x" * 87, auth="y" * 22
    )
    phone.clear_cookies()  # the browser may change it long after the session ended
    [worker] = phone.service_workers
    # The browser's own event, with what it carries; the worker's real listener handles it.
    worker.evaluate(
        f"""async () => {{
            const keys = await ({NEW_KEYS})();
            const [old, endpoint] = ["https://push.example/old", "https://push.example/renewed"];
            const event = new Event("pushsubscriptionchange");
            let handled;
            Object.defineProperties(event, {{
                oldSubscription: {{ value: {{ endpoint: old, options: {{}} }} }},
                newSubscription: {{ value: {{ endpoint, toJSON: () => ({{ endpoint, keys }}) }} }},
                waitUntil: {{ value: (promise) => {{ handled = promise; }} }},
            }});
            self.dispatchEvent(event);
            await handled;
        }}"""
    )
    assert endpoints(patient) == ["https://push.example/renewed"]
