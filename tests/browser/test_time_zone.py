"""Issue #15.6 in real Chromium: sign-up takes the browser's time zone, offered first in the
list of readable names, and a sign-in on one's own phone can stay signed in."""

import pytest
from django.conf import settings

from kneeapp.models import User
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tokyo_phone(browser, live_server):
    from tests.browser.conftest import PHONE

    context = browser.new_context(base_url=live_server.url, timezone_id="Asia/Tokyo", **PHONE)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def test_sign_up_chooses_the_browsers_zone_and_offers_it_first(tokyo_phone):
    page = tokyo_phone.new_page()
    page.goto("/account/signup/")
    select = page.locator('select[name="time_zone"]')
    assert select.input_value() == "Asia/Tokyo"
    first = select.locator("option").first
    assert first.get_attribute("value") == "Asia/Tokyo"
    assert first.inner_text() == "Asia/Tokyo — Tokyo (GMT+9)"
    page.get_by_label("Email").fill("tokyo@test.example")
    page.locator('input[name="password1"]').fill(PASSWORD)
    page.locator('input[name="password2"]').fill(PASSWORD)
    page.locator('input[name="consent"]').check()
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/")
    assert User.objects.get(email="tokyo@test.example").time_zone == "Asia/Tokyo"


def test_the_settings_page_keeps_the_chosen_zone_and_offers_the_browsers_first(
    tokyo_phone, live_server, patient
):
    from tests.browser.conftest import sign_in

    sign_in(tokyo_phone, patient, live_server)
    page = tokyo_phone.new_page()
    page.goto("/plan/preferences/")
    select = page.locator('select[name="time_zone"]')
    assert select.input_value() == "Europe/London"  # the patient's own, not replaced
    assert select.locator("option").first.get_attribute("value") == "Asia/Tokyo"


def test_keep_me_signed_in_gives_the_phone_a_long_session(phone, patient):
    page = phone.new_page()
    page.goto("/account/login/")
    page.get_by_label("Email").fill(patient.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    [cookie] = [c for c in phone.cookies() if c["name"] == settings.SESSION_COOKIE_NAME]
    left = cookie["expires"] - page.evaluate("Date.now() / 1000")
    assert settings.SESSION_COOKIE_AGE < left <= settings.SESSION_KEPT_AGE
