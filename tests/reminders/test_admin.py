"""The admin as the physiotherapist's workplace: their own patients' plans, nobody else's."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from diary.models import DiaryEntry
from reminders.models import Completion, ReminderSchedule, Status, StretchPlan
from tests.reminders.conftest import at, stretch_delivery


def change_url(plan):
    return reverse("admin:reminders_stretchplan_change", args=[plan.pk])


def test_a_physiotherapist_lists_only_their_own_patients_plans(
    physiotherapist_client, plan, other_plan
):
    response = physiotherapist_client.get(reverse("admin:reminders_stretchplan_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert ">Pat</a>" in response.text
    assert "Olly" not in response.text


def test_another_physiotherapists_plan_is_not_found_and_shows_nothing(
    physiotherapist_client, other_plan
):
    for url in (change_url(other_plan), change_url(other_plan).replace("change", "delete")):
        response = physiotherapist_client.get(url, follow=True)
        assert response.redirect_chain and response.redirect_chain[-1][0] == reverse("admin:index")
        assert "other-patient@test.example" not in response.text
        assert "Olly" not in response.text
    response = physiotherapist_client.post(change_url(other_plan), {"notes": "hijack"})
    other_plan.refresh_from_db()
    assert other_plan.notes == "Gently."


def test_the_patient_choices_are_only_the_physiotherapists_own_patients(
    physiotherapist_client, patient, other_patient
):
    response = physiotherapist_client.get(reverse("admin:reminders_stretchplan_add"))
    choices = {str(user) for user in response.context["adminform"].form.fields["patient"].queryset}
    assert choices == {"Pat"}


def test_a_physiotherapist_adds_a_plan_with_stretches_and_reminder_times_inline(
    physiotherapist_client, physiotherapist, patient, other_patient
):
    from reminders.library import ensure_library

    calf = ensure_library()["calf-wall-stretch"]
    data = {
        "patient": patient.pk,
        "starts_on": "2026-06-01",
        "ends_on": "",
        "notes": "Twice a day.",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-position": "0",
        "items-0-exercise": calf.pk,
        "schedules-TOTAL_FORMS": "1",
        "schedules-INITIAL_FORMS": "0",
        "schedules-0-time_of_day": "08:00",
        "schedules-0-weekdays": ["0", "2", "4"],
        "schedules-0-time_zone": "",
    }
    response = physiotherapist_client.post(reverse("admin:reminders_stretchplan_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    plan = StretchPlan.objects.get()
    assert plan.physiotherapist == physiotherapist
    schedule = plan.schedules.get()
    assert schedule.weekdays == 0b10101 and schedule.next_run_at is not None
    # Someone else's patient cannot be slipped in.
    data["patient"] = other_patient.pk
    response = physiotherapist_client.post(reverse("admin:reminders_stretchplan_add"), data)
    assert response.status_code == 200 and "patient" in response.context["adminform"].form.errors


def test_the_plan_shows_adherence_and_the_pain_trend_read_only(
    physiotherapist_client, plan, patient
):
    schedule = plan.schedules.first()
    today = dt.date.today()  # noqa: DTZ011 (the admin counts the last 14 days from now)
    for days_ago in (1, 2, 3):
        day = today - dt.timedelta(days=days_ago)
        stretch_delivery(
            schedule, dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), status=Status.SENT
        )
    Completion.objects.create(patient=patient, schedule=schedule, date=today - dt.timedelta(days=1))
    for days_ago, pain in ((3, 6), (2, 5), (1, 3)):
        DiaryEntry.objects.create(
            patient=patient,
            date=today - dt.timedelta(days=days_ago),
            pain=pain,
            client_updated_at=at("2026-01-01 00:00"),
        )
    response = physiotherapist_client.get(change_url(plan))
    assert response.status_code == 200
    # Two reminder times a day for the 13 days before today, and today's that have passed.
    assert re.search(r"1 done of 2[6-8] due", response.text)
    assert re.search(r"08:00: 1 of 1[34]", response.text)
    assert "<polyline" in response.text and "6/10" in response.text
    assert response.text.count('class="chart-label"') >= 5  # axes: 0, 5, 10 and two dates
    assert 'name="adherence_14_days"' not in response.text  # read-only, not a form field


def test_a_superuser_sees_every_plan(administrator_client, plan, other_plan):
    response = administrator_client.get(reverse("admin:reminders_stretchplan_changelist"))
    assert response.context["cl"].result_count == 2
    assert administrator_client.get(change_url(other_plan)).status_code == 200


def test_a_physiotherapist_sees_only_their_patients_deliveries(
    physiotherapist_client, plan, other_plan, patient, other_patient
):
    for owned_plan in (plan, other_plan):
        stretch_delivery(owned_plan.schedules.first(), at("2026-06-01 07:00"))
    response = physiotherapist_client.get(reverse("admin:reminders_delivery_changelist"))
    assert response.context["cl"].result_count == 1


# Not "exercise": the shared library is the administrators' (tests/reminders/test_library.py).
@pytest.mark.parametrize(
    "name", ["stretchplan", "planitem", "reminderschedule", "plantemplate", "plantemplateitem"]
)
def test_the_physiotherapists_group_may_work_on_plans(physiotherapist, name):
    assert physiotherapist.has_perm(f"reminders.change_{name}")


def test_a_patient_has_no_way_into_the_admin(patient_client, plan):
    response = patient_client.get(change_url(plan))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_schedules_move_when_the_plan_ends(plan):
    plan.ends_on = plan.starts_on
    plan.save()
    assert set(ReminderSchedule.objects.values_list("next_run_at", flat=True)) == {None}
