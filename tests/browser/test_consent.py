"""Consent in real Chromium: a diary entry saved while the consent text changed waits in the
outbox, the page says why with a link to the consent page, and it is sent once they agree."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from diary.models import DiaryEntry
from kneeapp import consent
from kneeapp.models import PHYSIOTHERAPISTS_GROUP
from tests.browser.conftest import sign_in, wait_for_service_worker, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def physiotherapists_group(transactional_db):
    # An earlier transactional test may have flushed the group its data migration made.
    Group.objects.get_or_create(name=PHYSIOTHERAPISTS_GROUP)


def test_an_entry_refused_for_consent_waits_and_is_sent_once_they_agree(
    page, phone, live_server, patient, monkeypatch
):
    sign_in(phone, patient, live_server)
    page.goto("/diary/")
    # Installed first: its precaching requests would otherwise race the test's on the live
    # server's one SQLite connection.
    wait_for_service_worker(page)
    page.locator(".pain-option", has_text="4").first.click()
    # A new text comes into force while the page is open (the live server runs in-process).
    monkeypatch.setitem(consent.TEXTS, "2099-01-01", "A new text about your data.")
    monkeypatch.setattr(consent, "CURRENT_VERSION", "2099-01-01")
    page.get_by_role("button", name="Save today's entry").click()

    banner = page.locator("#consent-banner")
    expect(banner).to_be_visible()
    assert DiaryEntry.objects.count() == 0
    banner.get_by_role("link").click()
    page.wait_for_url("**/account/consent/")
    expect(page.get_by_text("A new text about your data.")).to_be_visible()
    page.get_by_role("button", name="I agree").click()
    page.wait_for_url(live_server.url + "/")

    page.goto("/diary/")  # a page with the outbox sends what waited
    wait_until(page, lambda: DiaryEntry.objects.count() == 1)
    assert DiaryEntry.objects.get().pain == 4
    expect(page.locator("#consent-banner")).to_be_hidden()
