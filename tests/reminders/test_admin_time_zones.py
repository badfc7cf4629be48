"""Issue #12: in the admin a time zone is a choice from a list, not free text: a reminder
time follows the patient's own zone unless another is chosen, and an unknown zone is refused
naming the field."""

import pytest
from django.urls import reverse

from reminders.models import ReminderSchedule
from tests.admin_forms import form_data

pytestmark = pytest.mark.django_db


def plan_page(client, plan):
    return reverse("admin:reminders_stretchplan_change", args=[plan.pk])


def test_a_reminder_times_zone_is_a_list_that_follows_the_patient_by_default(
    physiotherapist_client, plan
):
    page = physiotherapist_client.get(plan_page(physiotherapist_client, plan)).content.decode()
    assert '<select name="schedules-0-time_zone"' in page
    assert "The patient&#x27;s own time zone (follows it)" in page
    assert '<option value="Europe/London">Europe/London — London (GMT+' in page


def test_an_unknown_zone_is_refused_naming_the_field_and_nothing_changes(
    physiotherapist_client, plan
):
    url = plan_page(physiotherapist_client, plan)
    data = form_data(physiotherapist_client.get(url).content.decode())
    data["schedules-0-time_zone"] = ["Mars/Olympus_Mons"]
    response = physiotherapist_client.post(url, data)
    assert response.status_code == 200
    [formset] = [
        f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "schedules"
    ]
    assert "time_zone" in formset.formset.forms[0].errors
    assert set(ReminderSchedule.objects.filter(plan=plan).values_list("time_zone", flat=True)) == {
        ""
    }


def test_a_zone_chosen_from_the_list_is_saved(physiotherapist_client, plan):
    url = plan_page(physiotherapist_client, plan)
    data = form_data(physiotherapist_client.get(url).content.decode())
    data["schedules-0-time_zone"] = ["America/New_York"]
    assert physiotherapist_client.post(url, data).status_code == 302
    zones = ReminderSchedule.objects.filter(plan=plan).values_list("time_zone", flat=True)
    assert "America/New_York" in zones


def test_the_user_admins_time_zone_is_a_list_too(administrator_client, patient):
    page = administrator_client.get(reverse("admin:kneeapp_user_change", args=[patient.pk]))
    assert '<select name="time_zone"' in page.content.decode()
