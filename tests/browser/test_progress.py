"""The PSFS on the progress page in real Chromium at 360 px: answered offline, kept, then
delivered once when the phone is back online; and the same form without JavaScript."""

import pytest
from django.contrib.auth.models import Group

from diary.models import PsfsAssessment, PsfsRating
from kneeapp.models import PHYSIOTHERAPISTS_GROUP
from tests.browser.conftest import PHONE, sign_in, wait_for_service_worker, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def physiotherapists_group(transactional_db):
    Group.objects.get_or_create(name=PHYSIOTHERAPISTS_GROUP)


def rate_first_activity(page, name: str, score: str) -> None:
    row = page.locator("[data-psfs-row]").first
    row.locator('input[name="name_0"]').fill(name)
    row.locator(".pain-option", has_text=score).first.click()


def test_answers_made_offline_are_queued_then_delivered_once(page, phone, live_server, patient):
    sign_in(phone, patient, live_server)
    page.goto("/diary/progress/")
    wait_for_service_worker(page)
    page.goto("/diary/progress/")  # visited online with the worker: kept for offline use

    phone.set_offline(True)
    rate_first_activity(page, "Stairs", "3")
    page.get_by_role("button", name="Save my ratings").click()
    page.get_by_text("Kept on this phone: it will be sent when you are back online.").wait_for()
    assert PsfsAssessment.objects.count() == 0

    phone.set_offline(False)
    wait_until(page, lambda: PsfsAssessment.objects.count() == 1)
    page.goto("/diary/progress/")  # another load flushes again: nothing is left to send
    page.wait_for_timeout(1000)
    assessment = PsfsAssessment.objects.get()
    assert assessment.patient == patient
    assert PsfsRating.objects.count() == 1
    assert assessment.average == 3
    assert page.locator(".chart-summary", has_text="Rated once: 3 out of 10.").is_visible()
    # The activity comes back for next time.
    assert page.locator('input[name="name_0"]').input_value() == "Stairs"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the progress page is {width} px wide on a 360 px phone"


def test_saving_online_goes_straight_to_the_server(page, phone, live_server, patient):
    sign_in(phone, patient, live_server)
    page.goto("/diary/progress/")
    rate_first_activity(page, "Kneeling", "5")
    page.get_by_role("button", name="Save my ratings").click()
    wait_until(page, lambda: PsfsAssessment.objects.count() == 1)
    page.locator(".chart-summary", has_text="Rated once: 5 out of 10.").wait_for()


def test_the_psfs_form_works_without_javascript(browser, live_server, patient):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **PHONE)
    try:
        sign_in(context, patient, live_server)
        page = context.new_page()
        page.goto("/diary/progress/")
        rate_first_activity(page, "Squatting", "2")
        page.get_by_role("button", name="Save my ratings").click()
        page.locator(".chart-summary", has_text="Rated once: 2 out of 10.").wait_for()
        assert PsfsAssessment.objects.get().average == 2
    finally:
        context.close()
