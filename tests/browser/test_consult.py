"""The consult pack (issue #16.5) in real Chromium: it fits a 360 px phone, its Print button
prints (a home-screen app has no browser menu) and hides where printing is not available,
and in print it fits an A4 sheet without the app's buttons.

What Chromium here cannot show: printing from an iOS home-screen app (README, "Untested here").
"""

import re

import pytest
from django.contrib.auth.models import Group

from kneeapp.models import PHYSIOTHERAPISTS_GROUP
from tests.browser.conftest import sign_in
from tests.patient_pages import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = "/diary/consult/"
# An A4 sheet is 210 mm wide; less the page's 12 mm margins each side (app.css, @page
# consult), 186 mm of it is printed on: at CSS's 96 px to the inch, 703 px.
A4_PRINTED_WIDTH = round(186 / 25.4 * 96)
COUNT_PRINTS = "window.prints = 0; window.print = () => { window.prints += 1; };"


@pytest.fixture(autouse=True)
def world(transactional_db, patient, physiotherapist):
    # An earlier transactional test may have flushed the group its data migration made.
    Group.objects.get_or_create(name=PHYSIOTHERAPISTS_GROUP)
    return make_world(patient, physiotherapist)


def sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_pack_fits_a_phone_and_its_button_prints(page, phone, live_server, patient):
    sign_in(phone, patient, live_server)
    phone.add_init_script(COUNT_PRINTS)  # before the page's own script, as a stub of print()
    page.goto(PAGE)
    button = page.get_by_role("button", name="Print or save as PDF")
    button.wait_for()
    assert sideways(page) <= 360
    for heading in ("Latest symptom check", "Pain", "Warning signs in the diary"):
        assert page.get_by_role("heading", name=heading, exact=True).is_visible(), heading
    button.click()
    assert page.evaluate("window.prints") == 1


def test_where_the_browser_cannot_print_there_is_no_button(page, phone, live_server, patient):
    sign_in(phone, patient, live_server)
    phone.add_init_script("window.print = undefined;")
    page.goto(PAGE)
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-print]").count() == 1
    assert not page.locator("[data-print]").is_visible()


def test_the_report_has_the_same_print_button(page, phone, live_server, patient):
    sign_in(phone, patient, live_server)
    phone.add_init_script(COUNT_PRINTS)
    page.goto("/diary/report/")
    page.get_by_role("button", name="Print or save as PDF").click()
    assert page.evaluate("window.prints") == 1


def test_in_print_the_pack_fits_an_a4_sheet_without_the_apps_controls(
    page, phone, live_server, patient
):
    sign_in(phone, patient, live_server)
    page.goto(PAGE)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_PRINTED_WIDTH, "height": 1000})
    assert sideways(page) <= A4_PRINTED_WIDTH
    assert not page.locator("[data-print]").is_visible()
    assert not page.locator(".diary-nav").is_visible()
    assert not page.locator(".site-header").is_visible()
    assert page.get_by_role("heading", name="How the exercises felt").is_visible()
    assert page.locator("#consult-chart-title").count() == 1

    pdf = page.pdf(prefer_css_page_size=True)  # headless Chromium prints the page for real
    assert pdf.startswith(b"%PDF")
    # Each sheet is the page's own size, A4: 595.3 × 841.9 points (Letter would be 612 × 792).
    sizes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert sizes, "no page in the PDF"
    for width, height in sizes:
        assert abs(float(width) - 595.3) < 2 and abs(float(height) - 841.9) < 2, sizes
