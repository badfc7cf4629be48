"""The diary history and the plan page show exactly what they showed before they were made
faster (#17): their HTML for a seeded patient, compared with the files under tests/golden/.

Normalised before comparing: runs of white space, which a browser shows as one space (one
per line here, before a tag, so that a diff reads), and none at the end of a block; what
changes from request to request or from run to run (the CSRF token, the outbox owner's key,
the VAPID key, hashed static names); and the dates, which follow today (each seeded day is
written ``{day-N}``, N days before the patient's today). The seed covers what a row or a card can
show: every swelling, each tick, stretches of the plan and one no longer in it, warning
signs, notes with line breaks and markup to escape, doses of one and of many, reminders done
as a whole, by every exercise, and not done, phones confirmed and not.

After a deliberate change to what these pages show, write the files again and read the diff:

    KNEEAPP_WRITE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_page_html.py
"""

import datetime as dt
import os
import re
import uuid
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from diary.models import DiaryEntry
from reminders.library import ensure_library
from reminders.models import Completion, PlanItem, PushSubscription, ReminderSchedule, StretchPlan

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).with_name("golden")
DAYS = 35  # more than a page of history (30)


def seed_plan(patient, physiotherapist, today):
    library = ensure_library()
    plan = StretchPlan.objects.create(
        pk=9201,
        patient=patient,
        physiotherapist=physiotherapist,
        starts_on=today - dt.timedelta(days=30),
        notes="Gently at first.\nStop if it <hurts> & rest.",
    )
    slugs = ["calf-wall-stretch", "seated-hamstring-stretch", "standing-quad-stretch"]
    items = [
        PlanItem.objects.create(pk=9001 + n, plan=plan, exercise=library[slug], position=n)
        for n, slug in enumerate(slugs)
    ]
    items[1].hold_seconds, items[1].reps, items[1].sets = 1, 1, 1
    items[1].notes = "Keep your back straight."
    items[1].save()
    items[2].sets = 2
    items[2].save()
    times = [dt.time(8), dt.time(13), dt.time(19, 30)]
    schedules = [
        ReminderSchedule.objects.create(pk=9101 + n, plan=plan, time_of_day=time)
        for n, time in enumerate(times)
    ]
    Completion.objects.create(patient=patient, schedule=schedules[0], date=today)
    for item in items:  # every exercise of the 13:00 reminder, one by one: done
        Completion.objects.create(
            patient=patient, schedule=schedules[1], date=today, exercise=item.exercise
        )
    Completion.objects.create(  # one exercise of the 19:30 one: not done yet
        patient=patient, schedule=schedules[2], date=today, exercise=items[0].exercise
    )
    moment = dt.datetime(2026, 3, 2, 8, 15, tzinfo=dt.UTC)
    for n, (confirmed, agent) in enumerate(
        [(moment, "Mozilla/5.0 (Linux; Android 14) " + "AppleWebKit " * 8), (None, "")]
    ):
        PushSubscription.objects.create(
            patient=patient,
            endpoint=f"https://push.example/{n}",
            p256dh="key",
            auth="auth",
            user_agent=agent,
            created_at=moment - dt.timedelta(days=3),
            confirmed_at=confirmed,
        )
    return items


def seed_diary(patient, today, items):
    swellings = ["none", "mild", "moderate", "severe"]
    flags = [["calf_swelling"], ["cannot_bear_weight", "breathless"]]
    notes = ["", "Stairs were hard.", "Walked to the shop.\nSore <after> & stiff.", ""]
    DiaryEntry.objects.bulk_create(
        DiaryEntry(
            id=uuid.UUID(int=age + 1),
            patient=patient,
            date=today - dt.timedelta(days=age),
            pain=(age * 7) % 11,
            swelling=swellings[age % 4],
            stiffness=age % 2 == 0,
            walked_normally=age % 5 != 1,
            rice=age % 3 == 0,
            pain_relief=age % 4 == 2,
            stretches_done=[[], [items[0].pk], [items[1].pk, items[2].pk, 424242]][age % 3],
            red_flags=flags[age % 2] if age % 6 == 5 else [],
            notes=notes[age % 4],
            client_updated_at=timezone.now(),
        )
        for age in range(DAYS)
    )


@pytest.fixture
def seeded(patient, physiotherapist):
    today = patient.today()
    items = seed_plan(patient, physiotherapist, today)
    seed_diary(patient, today, items)
    return today


def normalised(html: str, today: dt.date) -> str:
    html = re.sub(r"\s+", " ", html)
    # White space at the end of a block is not shown either.
    html = re.sub(r" (</(?:p|li|h[1-6]|article|ol|ul|section|div|nav|form|fieldset)>)", r"\1", html)
    html = html.replace(" <", "\n<")
    html = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1{csrf}", html)
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1{csrf}", html)
    html = re.sub(r'(name="kneeapp-owner" content=")[0-9a-f]+', r"\1{owner}", html)
    html = re.sub(r'(data-vapid-key=")[^"]+', r"\1{vapid}", html)
    html = re.sub(r"(/static/[^\"' ]+?)\.[0-9a-f]{12}(\.\w+)", r"\1\2", html)
    # The longest first: "Dec. 13, 2026" must not become "Dec. 1{day-0}".
    days = [today - dt.timedelta(days=age) for age in range(DAYS + 1)]
    words = {date_format(day, "DATE_FORMAT"): day for day in days} | {
        day.isoformat(): day for day in days
    }
    for text in sorted(words, key=len, reverse=True):
        html = html.replace(text, f"{{day-{(today - words[text]).days}}}")
    return html


def check(name: str, html: str, today: dt.date) -> None:
    path = GOLDEN / name
    got = normalised(html, today)
    if os.environ.get("KNEEAPP_WRITE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(got)
    assert got == path.read_text(), f"{name} changed: KNEEAPP_WRITE_GOLDEN=1 shows the diff"


@pytest.mark.parametrize(("query", "name"), [("", "history-1.html"), ("?page=2", "history-2.html")])
def test_the_history_shows_what_it_showed(patient_client, seeded, query, name):
    response = patient_client.get(f"/diary/history/{query}")
    assert response.status_code == 200
    check(name, response.text, seeded)


def test_the_empty_history_shows_what_it_showed(patient_client, patient):
    check("history-empty.html", patient_client.get("/diary/history/").text, patient.today())


def test_an_entry_shows_what_it_showed(patient_client, seeded):
    for age, name in ((5, "entry-5.html"), (2, "entry-2.html")):
        check(name, patient_client.get(f"/diary/{uuid.UUID(int=age + 1)}/").text, seeded)
    check("delete-5.html", patient_client.get(f"/diary/{uuid.UUID(int=6)}/delete/").text, seeded)


def test_the_plan_page_shows_what_it_showed(patient_client, seeded):
    response = patient_client.get("/plan/")
    assert response.status_code == 200
    check("plan.html", response.text, seeded)


def test_the_plan_fragment_after_done_shows_what_it_showed(patient_client, seeded):
    data = {"schedule": 9103, "date": seeded.isoformat()}
    response = patient_client.post("/plan/done/", data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    check("plan-after-done.html", response.text, seeded)


def test_the_signed_out_plan_page_shows_what_it_showed(anonymous_client, db):
    check("plan-signed-out.html", anonymous_client.get("/plan/").text, timezone.localdate())
