"""The stretch plan in real Chromium: hold timer, "done" offline through the outbox, once."""

import pytest

from reminders.models import Completion
from tests.browser.conftest import open_plan, wait_until
from tests.reminders.conftest import make_plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_hold_timer_counts_down(page, live_server, patient, physiotherapist):
    make_plan(patient, physiotherapist)
    open_plan(page, patient, live_server)
    page.get_by_role("button", name="Start a 30 second hold").first.click()
    page.wait_for_timeout(1200)
    count = page.locator("[data-count]").first.text_content()
    assert count and int(count) < 30


def test_done_marked_offline_is_sent_once_when_back_online(
    page, phone, live_server, patient, physiotherapist
):
    make_plan(patient, physiotherapist)
    open_plan(page, patient, live_server, offline_ready=True)
    phone.set_offline(True)
    page.get_by_role("button", name="Mark the 08:00 stretches done").click()
    page.get_by_text("Done: waiting to be sent").first.wait_for()
    assert Completion.objects.count() == 0
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, lambda: Completion.objects.count() == 1)
    page.reload()
    page.get_by_text("Done ✓").first.wait_for()
    assert Completion.objects.count() == 1


def test_the_plan_marks_done_without_javascript(
    page_without_javascript, live_server, patient, physiotherapist
):
    make_plan(patient, physiotherapist)
    page = page_without_javascript
    open_plan(page, patient, live_server)
    page.get_by_role("button", name="Mark the 19:00 stretches done").click()
    page.get_by_text("Marked as done").wait_for()
    assert Completion.objects.count() == 1
