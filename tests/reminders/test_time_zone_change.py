"""A new time zone moves the patient's next reminders, wherever it is changed: the plan page's
preferences, the account page, the API, and the user admin."""

from django.urls import reverse

from reminders.models import ReminderSchedule
from tests.admin_forms import form_data

NEW_ZONE = "Asia/Tokyo"  # the patient persona lives in London


def next_runs(plan) -> list:
    return list(
        ReminderSchedule.objects.filter(plan=plan)
        .order_by("pk")
        .values_list("next_run_at", flat=True)
    )


def assert_moved_to_new_zone(plan, before):
    plan.patient.refresh_from_db()
    assert plan.patient.time_zone == NEW_ZONE
    after = next_runs(plan)
    assert after != before
    for schedule, run in zip(
        ReminderSchedule.objects.filter(plan=plan).order_by("pk"), after, strict=True
    ):
        local = run.astimezone(plan.patient.zone)
        assert local.time() == schedule.time_of_day


PREFERENCES = {
    "reminder_channels": "email",
    "time_zone": NEW_ZONE,
    "quiet_hours_start": "",
    "quiet_hours_end": "",
}


def test_the_plan_pages_preferences_move_the_reminders(patient_client, plan):
    before = next_runs(plan)
    response = patient_client.post(reverse("reminders:preferences"), PREFERENCES)
    assert response.status_code == 302
    assert_moved_to_new_zone(plan, before)


def test_the_account_page_moves_the_reminders(patient_client, plan):
    before = next_runs(plan)
    response = patient_client.post(reverse("profile"), {"name": "Pat", **PREFERENCES})
    assert response.status_code == 302
    assert_moved_to_new_zone(plan, before)


def test_the_api_moves_the_reminders(patient_client, plan):
    before = next_runs(plan)
    response = patient_client.patch(
        reverse("api-preferences"), {"time_zone": NEW_ZONE}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert_moved_to_new_zone(plan, before)


def test_the_user_admin_moves_the_reminders(administrator_client, plan):
    client = administrator_client  # a physiotherapist sees the patient's account read-only
    url = reverse("admin:kneeapp_user_change", args=[plan.patient.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page.content.decode())
    assert "time_zone" in data
    before = next_runs(plan)
    response = client.post(url, {**data, "time_zone": [NEW_ZONE]})
    assert response.status_code == 302
    assert_moved_to_new_zone(plan, before)
