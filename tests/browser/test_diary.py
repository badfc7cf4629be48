"""The diary in real Chromium: written offline, kept through a reload, sent once; chart; no JS."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from diary.models import DiaryEntry
from kneeapp.models import PHYSIOTHERAPISTS_GROUP
from tests.browser.conftest import PHONE, sign_in, wait_for_service_worker, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def physiotherapists_group(transactional_db):
    # An earlier transactional test may have flushed the group its data migration made.
    Group.objects.get_or_create(name=PHYSIOTHERAPISTS_GROUP)


def test_an_entry_written_offline_waits_survives_a_reload_and_is_sent_once(
    page, phone, live_server, patient
):
    sign_in(phone, patient, live_server)
    page.goto("/diary/")
    wait_for_service_worker(page)
    for path in ("/diary/history/", "/diary/"):  # visited online with the worker: kept offline
        page.goto(path)

    phone.set_offline(True)
    page.locator(".pain-option", has_text="6").first.click()
    page.get_by_label("Stiff knee").check()
    page.get_by_label("Swollen calf").check()
    assert page.get_by_role("heading", name="Get medical help today").is_visible()
    page.get_by_label("Notes").fill("Typed on the bus, no signal.")
    page.get_by_role("button", name="Save today's entry").click()

    status = page.locator("#outbox-status")
    status.get_by_text("1 entry is waiting to be sent.").wait_for()
    assert DiaryEntry.objects.count() == 0

    page.reload()  # still offline: the page comes from the service worker's cache
    status.get_by_text("1 entry is waiting to be sent.").wait_for()
    page.goto("/diary/history/")
    pending = page.locator("#pending-entries")
    pending.get_by_text("Waiting to be sent").wait_for()
    assert DiaryEntry.objects.count() == 0

    phone.set_offline(False)
    wait_until(page, lambda: DiaryEntry.objects.count() == 1)
    page.locator("#pending-entries").wait_for(state="hidden")
    page.goto("/diary/")  # another page load flushes again: nothing is left to send
    page.wait_for_timeout(1000)
    entry = DiaryEntry.objects.get()
    assert (entry.patient, entry.pain, entry.stiffness) == (patient, 6, True)
    assert entry.red_flags == ["calf_swelling"]
    assert entry.notes == "Typed on the bus, no signal."
    assert page.locator("#outbox-status").is_hidden()


def test_saving_online_shows_the_saved_entry_with_its_advice(page, phone, live_server, patient):
    sign_in(phone, patient, live_server)
    page.goto("/diary/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator(".pain-option", has_text="3").first.click()
    page.get_by_label("Chest pain").check()
    assert page.get_by_role("heading", name="Call an emergency number now").first.is_visible()
    page.get_by_role("button", name="Save today's entry").click()
    page.wait_for_url("**/diary/*-*/")
    assert page.get_by_role("heading", name="Call an emergency number now").is_visible()
    assert DiaryEntry.objects.get().red_flags == ["chest_pain"]


def test_the_pain_chart_renders_and_switches_period(page, phone, live_server, patient):
    today = timezone.localdate()
    DiaryEntry.objects.bulk_create(
        DiaryEntry(
            id=uuid.uuid4(),
            patient=patient,
            date=today - datetime.timedelta(days=age),
            pain=min(10, 2 + age // 5),
            client_updated_at=timezone.now(),
        )
        for age in range(60)
    )
    sign_in(phone, patient, live_server)
    page.goto("/diary/chart/")
    chart = page.get_by_role("img", name="Pain from")
    assert chart.is_visible()
    assert chart.bounding_box()["width"] > 200
    assert page.locator("svg circle").count() == 30
    assert "improving" in page.locator(".chart-summary").inner_text()
    page.get_by_role("link", name="90 days").click()
    expect(page.locator("svg circle")).to_have_count(60)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_entry_form_works_without_javascript(page_without_javascript, live_server, patient):
    page = page_without_javascript
    sign_in(page.context, patient, live_server)
    page.goto("/diary/")
    page.locator(".pain-option", has_text="4").first.click()
    page.get_by_label("Short of breath").check()
    page.get_by_role("button", name="Save today's entry").click()
    page.wait_for_url("**/diary/*-*/")
    assert page.get_by_role("heading", name="Call an emergency number now").is_visible()
    entry = DiaryEntry.objects.get()
    assert (entry.pain, entry.red_flags) == (4, ["breathless"])


def test_a_failed_send_is_kept_and_retried_never_dropped(browser, live_server, patient):
    # No service worker here: the page alone sends (the path of browsers without Background
    # Sync), and every request it makes goes through the routes below.
    context = browser.new_context(base_url=live_server.url, service_workers="block", **PHONE)
    answers = {"status": 503}

    def answer(route):
        if answers["status"] is None:
            route.continue_()
        else:
            route.fulfill(status=answers["status"], json={"pain": ["Server says no."]})

    try:
        sign_in(context, patient, live_server)
        context.route("**/api/v1/diary/entries/**", answer)
        page = context.new_page()
        page.goto("/diary/")
        page.locator(".pain-option", has_text="5").first.click()
        page.get_by_role("button", name="Save today's entry").click()
        page.locator("#outbox-status").get_by_text("1 entry is waiting").wait_for()

        answers["status"] = 400  # refused: kept, shown as failed with the server's message
        page.goto("/diary/history/")
        pending = page.locator("#pending-entries")
        pending.get_by_text("Could not be saved: 400: pain: Server says no.").wait_for()
        page.reload()
        pending.get_by_text("Could not be saved").wait_for()
        assert DiaryEntry.objects.count() == 0

        answers["status"] = None  # the server accepts it now
        page.get_by_role("button", name="Try again").click()
        wait_until(page, lambda: DiaryEntry.objects.count() == 1)
        page.locator("#pending-entries").wait_for(state="hidden")
    finally:
        context.close()


def test_on_a_shared_phone_a_waiting_entry_is_sent_only_for_its_author(
    page, phone, live_server, patient, other_patient
):
    sign_in(phone, patient, live_server)
    page.goto("/diary/")
    wait_for_service_worker(page)
    page.goto("/diary/")
    phone.set_offline(True)
    page.locator(".pain-option", has_text="4").first.click()
    page.get_by_role("button", name="Save today's entry").click()
    page.locator("#outbox-status").get_by_text("1 entry is waiting to be sent.").wait_for()

    # Pat's session ends while offline; Olly signs in on the same phone once it is online.
    phone.clear_cookies()
    sign_in(phone, other_patient, live_server)
    phone.set_offline(False)
    page.goto("/diary/")
    page.wait_for_timeout(1500)
    assert not DiaryEntry.objects.exists()  # not sent as Olly's
    assert page.locator("#outbox-status").is_hidden()  # and not shown to Olly

    phone.clear_cookies()
    sign_in(phone, patient, live_server)
    page.goto("/diary/")
    wait_until(page, lambda: DiaryEntry.objects.filter(patient=patient, pain=4).exists())
    assert DiaryEntry.objects.count() == 1
