"""Issue #16: each exercise marked done on its own, with how it felt, through the same
``plan/done`` that phones have queued writes for since version 1 (their old body still works);
idempotent; owner-checked; shown to the physio, on the attention list and in the export.
"""

import datetime as dt
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reminders import attention
from reminders.adherence import per_slot
from reminders.models import AttentionReview, Completion

DONE = "/api/v1/plan/done/"
PLAN_PAGE = reverse("reminders:plan")
pytestmark = pytest.mark.django_db


def today():
    return timezone.now().astimezone(zoneinfo.ZoneInfo("Europe/London")).date()


def post(client, body):
    return client.post(DONE, body, content_type="application/json")


def exercise_body(plan, position=0, **feedback):
    item = plan.items.order_by("position")[position]
    schedule = plan.schedules.order_by("time_of_day").first()
    return {"schedule": schedule.pk, "date": today().isoformat(), "item": item.pk, **feedback}


def test_the_old_body_still_marks_the_whole_reminder(patient_client, plan):
    """What phones have queued before this change: schedule and date only."""
    schedule = plan.schedules.first()
    response = post(patient_client, {"schedule": schedule.pk, "date": today().isoformat()})
    assert response.status_code == 201
    [mark] = Completion.objects.all()
    assert mark.exercise is None and mark.effort == "" and mark.pain is None


def test_one_exercise_is_marked_on_its_own_once(patient_client, plan):
    body = exercise_body(plan)
    assert post(patient_client, body).status_code == 201
    assert post(patient_client, body).status_code == 200
    [mark] = Completion.objects.all()
    assert mark.exercise == plan.items.order_by("position")[0].exercise
    # The whole reminder is a mark of its own beside it, also once.
    whole = {"schedule": body["schedule"], "date": body["date"]}
    assert post(patient_client, whole).status_code == 201
    assert post(patient_client, whole).status_code == 200
    assert Completion.objects.count() == 2


def test_feedback_is_kept_with_the_mark_and_a_later_one_updates_it(patient_client, plan):
    assert post(patient_client, exercise_body(plan)).status_code == 201
    response = post(patient_client, exercise_body(plan, effort="too_hard", pain=6))
    assert response.status_code == 200
    assert post(patient_client, exercise_body(plan)).status_code == 200  # no feedback: kept
    [mark] = Completion.objects.all()
    assert (mark.effort, mark.pain) == ("too_hard", 6)


@pytest.mark.parametrize(
    ("feedback", "field"),
    [
        ({"effort": "painful"}, "effort"),
        ({"pain": 11}, "pain"),
        ({"pain": -1}, "pain"),
        ({"pain": "a lot"}, "pain"),
        ({"item": "first"}, "item"),
        ({"item": 0}, "item"),
    ],
)
def test_bad_feedback_is_refused_naming_the_field_and_nothing_is_saved(
    patient_client, plan, feedback, field
):
    response = post(patient_client, {**exercise_body(plan), **feedback})
    assert response.status_code == 400 and field in response.json()
    assert not Completion.objects.exists()


def test_an_exercise_of_another_plan_is_refused_naming_the_item(patient_client, plan, other_plan):
    body = {**exercise_body(plan), "item": other_plan.items.first().pk}
    response = post(patient_client, body)
    assert response.status_code == 400 and "item" in response.json()
    assert not Completion.objects.exists()


def test_another_patient_cannot_mark_my_exercise(other_patient_client, plan):
    assert post(other_patient_client, exercise_body(plan, pain=3)).status_code == 404
    assert not Completion.objects.exists()


def test_anonymous_cannot_mark_an_exercise(anonymous_client, plan):
    assert post(anonymous_client, exercise_body(plan)).status_code in (401, 403)
    assert not Completion.objects.exists()


def test_a_reminder_counts_done_once_every_exercise_is_marked(patient, patient_client, plan):
    schedule = plan.schedules.order_by("time_of_day").first()
    for position in (0, 1):
        post(patient_client, exercise_body(plan, position))
    day = today()
    now = timezone.now() + dt.timedelta(days=1)
    assert per_slot(plan, day, day, now)[0].done == 0  # one skipped: not done
    post(patient_client, exercise_body(plan, 2))
    assert per_slot(plan, day, day, now)[0].done == 1
    assert Completion.objects.done_slots([schedule], day, day) == {(schedule.pk, day)}
    page = patient_client.get(PLAN_PAGE).text
    assert page.count('class="done-form"') == 1  # 08:00 shows done, 19:00 is still open


def test_the_plan_page_offers_the_session_and_a_form_per_exercise(patient_client, plan):
    html = patient_client.get(PLAN_PAGE).text
    assert 'id="session"' in html and "Start the exercises" in html
    assert html.count('class="exercise-done-form"') == 3
    assert 'data-hold="30"' in html and 'data-reps="3"' in html
    assert " style=" not in html and "<script>" not in html  # the CSP forbids both


def test_the_plain_form_marks_an_exercise_with_how_it_felt(patient_client, plan):
    body = exercise_body(plan, effort="about_right", pain=2)
    response = patient_client.post(reverse("reminders:done"), body, follow=True)
    assert "Marked as done" in response.text
    [mark] = Completion.objects.all()
    assert (mark.effort, mark.pain) == ("about_right", 2)


@pytest.mark.parametrize(("pain", "advised"), [(6, False), (7, True), (10, True)])
def test_severe_pain_in_the_plain_form_is_met_with_what_to_do(patient_client, plan, pain, advised):
    body = exercise_body(plan, effort="too_hard", pain=pain)
    response = patient_client.post(reverse("reminders:done"), body, follow=True)
    assert "Marked as done" in response.text
    warning = '<p class="message message-warning">That is a lot of pain for an exercise. Stop'
    assert (warning in response.text) is advised


def test_the_plain_form_names_the_field_of_bad_input_and_saves_nothing(patient_client, plan):
    response = patient_client.post(
        reverse("reminders:done"), exercise_body(plan, pain=12), follow=True
    )
    assert "Pain during it" in response.text and "less than or equal to 10" in response.text
    assert not Completion.objects.exists()


def test_the_plain_form_needs_the_csrf_token(patient, plan):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    response = client.post(reverse("reminders:done"), exercise_body(plan, pain=2))
    assert response.status_code == 403 and not Completion.objects.exists()


def test_another_patient_cannot_use_the_form_on_my_exercise(other_patient_client, plan):
    response = other_patient_client.post(reverse("reminders:done"), exercise_body(plan, pain=2))
    assert response.status_code == 404 and not Completion.objects.exists()


def feedback_mark(plan, position, day_offset=0, **feedback):
    item = plan.items.order_by("position")[position]
    schedule = plan.schedules.order_by("time_of_day").first()
    return Completion.objects.create(
        patient=plan.patient,
        schedule=schedule,
        date=today() - dt.timedelta(days=day_offset),
        exercise=item.exercise,
        **feedback,
    )


def texts(patient, physio):
    return [reason.text for reason in attention.reasons_for(patient, physio)]


def test_pain_of_7_during_an_exercise_puts_the_patient_on_the_attention_list(
    patient, physiotherapist, plan
):
    feedback_mark(plan, 0, pain=6)
    assert not any("too painful" in text for text in texts(patient, physiotherapist))
    feedback_mark(plan, 1, pain=8)
    assert "found an exercise too painful (Seated hamstring stretch: pain 8/10)" in texts(
        patient, physiotherapist
    )


def test_too_hard_twice_for_one_exercise_is_a_reason_once_is_not(patient, physiotherapist, plan):
    feedback_mark(plan, 0, day_offset=1, effort="too_hard")
    feedback_mark(plan, 1, day_offset=1, effort="too_hard")
    assert not any("too hard" in text for text in texts(patient, physiotherapist))
    feedback_mark(plan, 0, effort="too_hard")
    assert 'found Calf stretch against a wall "too hard" 2 times in 14 days' in texts(
        patient, physiotherapist
    )


def test_a_review_clears_the_feedback_reasons(patient, physiotherapist, plan):
    feedback_mark(plan, 0, pain=9)
    AttentionReview.objects.create(patient=patient, physiotherapist=physiotherapist)
    assert not any("too painful" in text for text in texts(patient, physiotherapist))


def test_the_physio_sees_how_the_exercises_felt_on_the_plan_page(
    physiotherapist_client, other_physiotherapist_client, plan
):
    feedback_mark(plan, 0, effort="too_hard", pain=7)
    url = reverse("admin:reminders_stretchplan_change", args=[plan.pk])
    html = physiotherapist_client.get(url).text
    assert "How the exercises felt" in html
    assert "Calf stretch against a wall" in html and "Too hard" in html and "7/10" in html
    assert other_physiotherapist_client.get(url).status_code in (302, 403, 404)


def test_my_export_carries_each_exercise_mark_with_its_feedback(patient_client, plan, other_plan):
    post(patient_client, exercise_body(plan, effort="too_easy", pain=1))
    data = patient_client.get("/api/v1/me/export/").json()["data"]
    [mark] = data["reminders.Completion"]
    assert mark["exercise"] == "Calf stretch against a wall"
    assert (mark["effort"], mark["pain"]) == ("too_easy", 1)
