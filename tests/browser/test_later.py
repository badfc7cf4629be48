"""The email's "later" page in real Chromium on a 360 px phone, with no session (it may have
expired): it asks, the button moves the reminder once, and both states are in reach (44 px
targets, no sideways scroll) with no axe violation."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders import snooze
from reminders.models import Delivery, Status
from tests.browser.test_reach import axe_source, check  # noqa: F401 (a fixture)
from tests.reminders.conftest import make_plan, stretch_delivery

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_later_page_asks_then_moves_the_reminder_once_on_a_phone(
    page, patient, physiotherapist, axe_source
):
    plan = make_plan(patient, physiotherapist)
    sent = stretch_delivery(
        plan.schedules.first(), timezone.now() - dt.timedelta(minutes=2), status=Status.SENT
    )
    url = reverse("reminders:later", args=[snooze.later_token(sent)])
    check(page, url, axe_source)
    assert page.get_by_role("heading", name="Remind me in 30 minutes?").is_visible()
    assert not Delivery.objects.filter(snoozed_from=sent).exists()
    page.get_by_role("button", name="Remind me in 30 minutes").click()
    page.get_by_role("heading", name="We will remind you again").wait_for()
    assert Delivery.objects.filter(snoozed_from=sent).count() == 1
    check(page, url, axe_source)  # the link again: the question again, still in reach
    page.get_by_role("button", name="Remind me in 30 minutes").click()
    page.get_by_role("heading", name="Already moved").wait_for()
    assert Delivery.objects.filter(snoozed_from=sent).count() == 1
