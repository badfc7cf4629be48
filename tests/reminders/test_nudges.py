"""The nudge (reminders/nudges.py): after 2 days with nothing logged, one gentle reminder, at
most every 3 days, in daytime and never in quiet hours; switchable off. Time travels through
the explicit ``now`` of the check and of the send."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from diary.models import DiaryEntry
from reminders import nudges, sending, tasks
from reminders.models import Completion, Delivery, Kind, Status
from tests.reminders.conftest import at, make_plan

# 11:00 in London (BST), 06:00 in New York.
NOW = at("2026-06-10 10:00")


@pytest.fixture
def idle(plan):
    """The patient's plan runs since January, and nothing was ever logged."""
    return plan


def nudged(now=NOW) -> list[Delivery]:
    return list(Delivery.objects.filter(pk__in=nudges.check(now)))


def test_an_idle_patient_gets_one_gentle_email(idle, patient):
    [nudge] = nudged()
    assert (nudge.patient, nudge.kind, nudge.channel) == (patient, Kind.NUDGE, "email")
    assert nudge.slot == NOW
    assert sending.send_batch([nudge.pk], now=NOW) == (1, [])
    [message] = mail.outbox
    assert message.subject == "A few minutes for your knee?"
    assert "Nothing has been logged for 2 days" in message.body
    assert "turn these nudges off" in message.body
    assert "diagnosis" in message.body  # possible causes, not a diagnosis: the footer
    nudge.refresh_from_db()
    assert nudge.status == Status.SENT


def test_at_most_once_every_three_days(idle):
    assert len(nudged()) == 1
    assert nudged(NOW + dt.timedelta(hours=1)) == []
    assert nudged(NOW + dt.timedelta(days=2, hours=23)) == []
    assert len(nudged(NOW + dt.timedelta(days=3, hours=1))) == 1


def test_the_same_pass_twice_records_one_nudge(idle):
    first = nudges.check(NOW)
    assert nudges.check(NOW + dt.timedelta(minutes=5)) in ([], first)
    assert Delivery.objects.filter(kind=Kind.NUDGE).count() == 1


def test_a_done_mark_or_a_diary_entry_in_the_last_two_days_means_no_nudge(idle, patient):
    schedule = idle.schedules.first()
    done = Completion.objects.create(
        patient=patient,
        schedule=schedule,
        date=dt.date(2026, 6, 9),
        done_at=NOW - dt.timedelta(days=1),
    )
    assert nudged() == []
    done.delete()
    entry = DiaryEntry.objects.create(
        patient=patient, date=dt.date(2026, 6, 9), pain=2, client_updated_at=NOW
    )
    DiaryEntry.objects.filter(pk=entry.pk).update(updated_at=NOW - dt.timedelta(hours=47))
    assert nudged() == []
    DiaryEntry.objects.filter(pk=entry.pk).update(updated_at=NOW - dt.timedelta(hours=49))
    assert len(nudged()) == 1


@pytest.mark.parametrize(
    ("now", "why"),
    [(at("2026-06-10 21:30"), "22:30 BST: night"), (at("2026-06-10 06:30"), "07:30: quiet")],
)
def test_never_at_night_nor_in_quiet_hours(idle, patient, now, why):
    patient.quiet_hours_start, patient.quiet_hours_end = dt.time(22), dt.time(9)
    patient.save()
    assert nudged(now) == [], why


def test_a_nudge_held_up_into_quiet_hours_waits_for_their_end(idle, patient):
    [nudge] = nudged()
    patient.quiet_hours_start, patient.quiet_hours_end = dt.time(10, 30), dt.time(12)
    patient.save()
    assert sending.send_batch([nudge.pk], now=NOW) == (0, [])
    nudge.refresh_from_db()
    assert (nudge.status, nudge.not_before) == (Status.QUEUED, at("2026-06-10 11:00"))
    assert sending.send_batch([nudge.pk], now=at("2026-06-10 11:00")) == (1, [])


def test_switched_off_no_nudge(idle, patient, patient_client):
    response = patient_client.post(
        reverse("reminders:preferences"),
        {"reminder_channels": "email", "time_zone": "Europe/London"},  # the box left empty
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.send_nudges is False
    assert nudged() == []


def test_the_settings_page_offers_the_switch_on_by_default(patient_client):
    html = patient_client.get(reverse("reminders:preferences")).text
    [tag] = re.findall(r'<input[^>]*name="send_nudges"[^>]*>', html)
    assert "checked" in tag
    assert "Nudge me when I have not logged anything for 2 days" in html


def test_no_plan_a_plan_ended_or_one_just_started_means_no_nudge(patient, physiotherapist):
    assert nudged() == []
    plan = make_plan(patient, physiotherapist, starts_on=dt.date(2026, 6, 9))
    assert nudged() == []  # started yesterday: not yet 2 days
    plan.starts_on, plan.ends_on = dt.date(2026, 5, 1), dt.date(2026, 6, 1)
    plan.save()
    assert nudged() == []


def test_only_the_idle_patient_is_nudged(idle, other_plan, other_patient, patient):
    Completion.objects.create(
        patient=other_patient,
        schedule=other_plan.schedules.first(),
        date=dt.date(2026, 6, 9),
        done_at=NOW - dt.timedelta(hours=20),
    )
    # Both daytime: 15:00 BST for one, 10:00 EDT for the other.
    assert [d.patient for d in nudged(at("2026-06-10 14:00"))] == [patient]


def test_without_a_channel_nothing_is_recorded(idle, patient):
    patient.remind_by_email = False
    patient.save()
    assert nudged() == [] and not Delivery.objects.exists()


def test_the_hourly_task_hands_the_nudge_to_the_senders(idle):
    assert tasks.send_nudges(now=NOW.isoformat()) == 1
    nudge = Delivery.objects.get(kind=Kind.NUDGE)
    assert nudge.enqueued_at == NOW
