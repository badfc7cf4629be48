"""Issue #12: the admin is usable on a 360 px phone: a physiotherapist's patient page (with
the diary and the pain chart), a plan's page (with its inline rows), a plan template's
pages and the exercise library's do not run off the right edge of the screen; wide tables
scroll inside their own box."""

import datetime as dt
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from diary.models import DiaryEntry
from reminders.library import ensure_templates
from tests.browser.conftest import sign_in
from tests.reminders.conftest import make_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_patient_and_plan_pages_fit_a_phone(page, phone, live_server, patient, physiotherapist):
    plan = make_plan(patient, physiotherapist)
    for days_ago, pain in ((1, 7), (0, 5)):
        DiaryEntry.objects.create(
            id=uuid.uuid4(),
            patient=patient,
            date=patient.today() - dt.timedelta(days=days_ago),
            pain=pain,
            notes="Stairs-were-hard-and-the-calf-felt-tight-all-afternoon-" * 3,
            client_updated_at=timezone.now(),
        )
    sign_in(phone, physiotherapist, live_server)
    for url in (
        f"/admin/kneeapp/user/{patient.pk}/change/",
        f"/admin/reminders/stretchplan/{plan.pk}/change/",
    ):
        page.goto(url)
        assert page.locator("#content").is_visible()
        assert page_width(page) <= 360, url
    page.goto(f"/admin/kneeapp/user/{patient.pk}/change/")
    charts = page.locator(".pain-chart-svg").all()  # the pain chart, weekly pain and PSFS
    assert len(charts) == 3
    for chart in charts:
        assert chart.bounding_box()["width"] <= 360
    # The line is drawn in the admin's colours (its SVG carries no colour of its own).
    stroke = page.evaluate("getComputedStyle(document.querySelector('.chart-line')).stroke")
    assert stroke not in ("none", "")


def test_the_library_and_template_pages_fit_a_phone(page, phone, live_server, physiotherapist):
    # What the data migrations grant the group (an earlier transactional test's flush
    # takes it away).
    physiotherapist.groups.get().permissions.add(
        *Permission.objects.filter(
            content_type__app_label="reminders",
            codename__in=["view_exercise", "add_exercise", "add_stretchplan"]
            + [f"{a}_plantemplate{m}" for a in ("view", "add") for m in ("", "item", "time")],
        )
    )
    template = ensure_templates()["knee-osteoarthritis"]
    exercise = template.items.first().exercise
    sign_in(phone, physiotherapist, live_server)
    for url in (
        f"/admin/reminders/plantemplate/{template.pk}/change/",
        f"/admin/reminders/plantemplate/{template.pk}/start-plan/",
        f"/admin/reminders/exercise/{exercise.pk}/change/",
        "/admin/reminders/exercise/add/",
    ):
        page.goto(url)
        assert page.locator("#content").is_visible()
        assert page_width(page) <= 360, url
