"""The plan pages: today's stretches, "done" without JavaScript, settings, the service worker."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders.models import Completion, PushSubscription

PLAN = reverse("reminders:plan")


def today():
    return timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/London")).date()


def test_anyone_gets_the_plan_page_with_a_way_to_sign_in(anonymous_client):
    response = anonymous_client.get(PLAN)
    assert response.status_code == 200
    assert reverse("login") in response.text


def test_the_patient_sees_todays_stretches_with_timers_and_done_buttons(patient_client, plan):
    response = patient_client.get(PLAN)
    assert response.status_code == 200
    html = response.text
    assert "Calf stretch against a wall" in html and "Hold 30 seconds, 3 times" in html
    assert 'data-hold-seconds="30"' in html
    assert html.count('class="done-form"') == 2
    assert "Turn on reminders on this phone" in html
    assert " style=" not in html and "<script>" not in html  # the CSP forbids both


def test_a_patient_without_a_plan_is_told_so(other_patient_client, plan):
    response = other_patient_client.get(PLAN)
    assert "no stretch plan yet" in response.text
    assert "Calf stretch" not in response.text


def test_done_works_as_a_plain_form_and_only_once(patient_client, plan):
    schedule = plan.schedules.first()
    data = {"schedule": schedule.pk, "date": today().isoformat()}
    response = patient_client.post(reverse("reminders:done"), data)
    assert response.status_code == 302 and response["Location"] == PLAN
    patient_client.post(reverse("reminders:done"), data)
    assert Completion.objects.count() == 1
    assert "Done ✓" in patient_client.get(PLAN).text


def test_another_patient_cannot_mark_my_reminder_done(other_patient_client, plan):
    schedule = plan.schedules.first()
    data = {"schedule": schedule.pk, "date": today().isoformat()}
    assert other_patient_client.post(reverse("reminders:done"), data).status_code == 404
    assert not Completion.objects.exists()


def test_anonymous_done_goes_to_sign_in(anonymous_client, plan):
    response = anonymous_client.post(reverse("reminders:done"), {})
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_preferences_are_saved_from_the_form(patient_client, patient):
    url = reverse("reminders:preferences")
    assert patient_client.get(url).status_code == 200
    response = patient_client.post(
        url,
        {
            "reminder_channels": "email",
            "time_zone": "America/New_York",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.time_zone == "America/New_York" and not patient.remind_by_push
    assert patient.quiet_hours_start == dt.time(22)


def test_half_given_quiet_hours_show_the_form_again_with_the_error(patient_client, patient):
    response = patient_client.post(
        reverse("reminders:preferences"),
        {"time_zone": "Europe/London", "quiet_hours_start": "22:00"},
    )
    assert response.status_code == 200
    assert "Give both the start and the end" in response.text
    patient.refresh_from_db()
    assert patient.quiet_hours_start is None


def test_the_service_worker_shows_pushes_with_done_and_later(client, db):
    body = client.get("/sw.js").content.decode()
    assert 'addEventListener("push"' in body
    assert 'addEventListener("notificationclick"' in body
    assert '"/api/v1/plan/done/"' in body
    assert 'action: "done"' in body and 'action: "later"' in body


@pytest.mark.parametrize("marks", [0, 8])
def test_the_plan_page_uses_a_fixed_number_of_queries(
    patient_client, patient, plan, marks, django_assert_num_queries
):
    schedules = list(plan.schedules.all())
    exercises = [item.exercise for item in plan.items.all()]
    for n in range(marks):  # whole reminders and single exercises, on several days
        Completion.objects.create(
            patient=patient,
            schedule=schedules[n % 2],
            date=today() - dt.timedelta(days=n // 4),
            exercise=exercises[n % 3] if n % 4 else None,
        )
    # The user, the plan, its items, its schedules with the day's marks, the phones.
    with django_assert_num_queries(5):
        assert patient_client.get(PLAN).status_code == 200


def test_what_a_physio_or_a_patient_wrote_is_escaped_on_the_plan_page(
    patient_client, patient, plan
):
    """The cards are built in Python and the sections filled in after rendering (#17): every
    text a person wrote still goes through escaping, with nothing of it run as markup."""
    script = '<script>alert("x")</script>'
    item = plan.items.first()
    item.notes = f"{script} & rest"
    item.save()
    exercise = item.exercise
    exercise.name, exercise.instructions, exercise.cautions = (f"{script} {n}" for n in "abc")
    exercise.save()
    PushSubscription.objects.create(
        patient=patient, endpoint="https://push.example/1", p256dh="k", auth="a", user_agent=script
    )
    html = patient_client.get(PLAN).text
    assert "<script>" not in html
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    for text in (f"{escaped} &amp; rest", f"{escaped} a", f"{escaped} b", f"{escaped} c"):
        assert text in html
    assert f'data-name="{escaped} a"' in html and f"Save: {escaped} a done" in html
    assert f'<span class="help">{escaped}</span>' in html  # the phone's browser


def test_a_day_without_reminders_says_so_and_still_lists_the_stretches(patient_client, plan):
    not_today = 0b1111111 & ~(1 << today().weekday())
    plan.schedules.update(weekdays=not_today)
    html = patient_client.get(PLAN).text
    assert "No reminders today: stretch when it suits you." in html
    assert 'class="done-form"' not in html and 'class="exercise-done-form"' not in html
    assert "No reminder today, so nothing is marked done." in html  # the session says so too
    assert html.count('class="card stretch"') == 3


def test_the_plan_pages_prepared_queries_answer_as_the_orm_does(patient, plan, other_plan):
    """The plan, its schedules with the day's marks and the phones are compiled once per
    connection (kneeapp.prepared): the same rows as the ORM's, in the same order."""
    from django.db import connection

    from reminders.fragments import PHONES
    from reminders.plans import PLAN_ON_DAY, SCHEDULES_WITH_MARKS

    day = today()
    schedule = plan.schedules.first()
    Completion.objects.create(patient=patient, schedule=schedule, date=day)
    exercise = plan.items.first().exercise
    Completion.objects.create(patient=patient, schedule=schedule, date=day, exercise=exercise)
    PushSubscription.objects.create(
        patient=patient, endpoint="https://push.example/1", p256dh="k", auth="a"
    )
    cases = [
        (PLAN_ON_DAY, {"patient_id": patient.pk, "day": day}, lambda row: row.pk),
        (PLAN_ON_DAY, {"patient_id": patient.pk, "day": dt.date(2025, 12, 31)}, lambda row: row.pk),
        (SCHEDULES_WITH_MARKS, {"plan_id": plan.pk, "day": day},
         lambda row: (row.pk, row.time_of_day, row.mark, row.mark_exercise)),
        (PHONES, {"patient_id": patient.pk}, lambda row: (row.pk, row.endpoint)),
    ]  # fmt: skip
    for query, values, seen in cases:
        assert query.compiled("default", connection) is not None  # not the ORM's fallback
        assert [seen(row) for row in query.all(**values)] == [
            seen(row) for row in query.build(**values)
        ]
    assert len(SCHEDULES_WITH_MARKS.all(plan_id=plan.pk, day=day)) == 3  # 2 marks, 1 without
