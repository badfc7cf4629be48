"""The audit trail of staff access: who in the admin looked at whose data, kept and shown."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kneeapp import tasks
from kneeapp.audit import Action, StaffAccess, pseudonym
from kneeapp.data_rights import delete_account_and_data
from reminders.library import ensure_library
from tests.admin_forms import form_data
from tests.conftest import make_person
from tests.reminders.conftest import make_plan

pytestmark = pytest.mark.django_db


def plan_url(plan, page="change"):
    return reverse(f"admin:reminders_stretchplan_{page}", args=[plan.pk])


def test_opening_a_patients_plan_records_who_whom_what_and_when(
    physiotherapist_client, physiotherapist, patient
):
    plan = make_plan(patient, physiotherapist)
    before = timezone.now()
    assert physiotherapist_client.get(plan_url(plan)).status_code == 200
    [row] = StaffAccess.objects.all()
    assert (row.staff, row.patient, row.action) == (physiotherapist, patient, Action.VIEWED)
    assert row.what == "stretch plan" and row.object_id == str(plan.pk)
    assert row.staff_name == physiotherapist.get_full_name() and row.at >= before


def test_a_saved_change_is_recorded_as_a_change(physiotherapist_client, physiotherapist, patient):
    plan = make_plan(patient, physiotherapist)
    data = form_data(physiotherapist_client.get(plan_url(plan)).content.decode())
    assert physiotherapist_client.post(plan_url(plan), data).status_code == 302
    assert list(StaffAccess.objects.order_by("pk").values_list("action", flat=True)) == [
        Action.VIEWED,
        Action.CHANGED,
    ]


def test_a_deletion_is_recorded_for_the_patient(administrator_client, physiotherapist, patient):
    plan = make_plan(patient, physiotherapist)
    response = administrator_client.post(plan_url(plan, "delete"), {"post": "yes"})
    assert response.status_code == 302
    row = StaffAccess.objects.get(action=Action.DELETED)
    assert row.patient == patient and row.object_id == str(plan.pk)


def test_a_list_page_records_each_patient_it_showed_in_one_insert(
    administrator_client, patient, other_patient
):
    with CaptureQueriesContext(connection) as queries:
        response = administrator_client.get(reverse("admin:kneeapp_user_changelist"))
    assert response.status_code == 200
    rows = StaffAccess.objects.filter(action=Action.LISTED)
    assert {row.patient for row in rows} == {patient, other_patient}  # not the staff accounts
    inserts = [q for q in queries.captured_queries if "INSERT" in q["sql"].upper()]
    assert len([q for q in inserts if "staffaccess" in q["sql"].lower()]) == 1


def test_pages_without_patient_data_or_that_failed_record_nothing(
    physiotherapist_client, other_physiotherapist, other_patient, administrator_client
):
    other_plan = make_plan(other_patient, other_physiotherapist)
    assert physiotherapist_client.get(plan_url(other_plan)).status_code in (302, 404)
    exercise = ensure_library()["calf-wall-stretch"]
    url = reverse("admin:reminders_exercise_change", args=[exercise.pk])
    assert physiotherapist_client.get(url).status_code == 200
    staff_page = reverse("admin:kneeapp_user_change", args=[other_physiotherapist.pk])
    assert administrator_client.get(staff_page).status_code == 200
    assert not StaffAccess.objects.exists()


def test_nobody_edits_or_deletes_the_trail_and_physiotherapists_cannot_read_it(
    physiotherapist_client, administrator_client, physiotherapist, patient
):
    make_plan(patient, physiotherapist)
    physiotherapist_client.get(plan_url(patient.stretch_plans.get()))
    row = StaffAccess.objects.get()
    change = reverse("admin:kneeapp_staffaccess_change", args=[row.pk])
    delete = reverse("admin:kneeapp_staffaccess_delete", args=[row.pk])
    assert (
        physiotherapist_client.get(reverse("admin:kneeapp_staffaccess_changelist")).status_code
        == 403
    )
    assert physiotherapist_client.post(delete, {"post": "yes"}).status_code == 403
    assert (
        administrator_client.get(reverse("admin:kneeapp_staffaccess_changelist")).status_code == 200
    )
    assert administrator_client.get(change).status_code == 200  # read-only
    assert administrator_client.post(change, {"staff_name": "someone else"}).status_code == 403
    assert administrator_client.post(delete, {"post": "yes"}).status_code == 403
    assert StaffAccess.objects.get().staff_name == row.staff_name


def test_the_patient_sees_who_looked_on_the_account_page_and_in_the_export(
    physiotherapist_client, physiotherapist, patient, patient_client, other_patient_client
):
    physiotherapist.name = "Dr Phyllis"
    physiotherapist.save()
    plan = make_plan(patient, physiotherapist)
    physiotherapist_client.get(plan_url(plan))
    page = patient_client.get(reverse("profile")).content.decode()
    assert "Who looked at your data" in page and "Dr Phyllis" in page and "stretch plan" in page
    assert "Dr Phyllis" not in other_patient_client.get(reverse("profile")).content.decode()
    export = json.loads(patient_client.get(reverse("api-export")).content)
    [entry] = export["data"]["kneeapp.StaffAccess"]
    assert entry["staff_name"] == "Dr Phyllis" and entry["action"] == "viewed"
    other_export = json.loads(other_patient_client.get(reverse("api-export")).content)
    assert other_export["data"]["kneeapp.StaffAccess"] == []


def test_the_account_page_says_when_nobody_has_looked(patient_client):
    page = patient_client.get(reverse("profile")).content.decode()
    assert "Nobody at the clinic has looked at your data yet." in page


def test_a_deleted_account_leaves_staff_action_and_time_under_a_pseudonym(
    physiotherapist_client, physiotherapist, patient
):
    plan = make_plan(patient, physiotherapist)
    physiotherapist_client.get(plan_url(plan))
    physiotherapist_client.get(reverse("admin:kneeapp_user_change", args=[patient.pk]))
    patient_id, email, name = patient.pk, patient.email, patient.name
    delete_account_and_data(patient)
    rows = list(StaffAccess.objects.all())
    assert len(rows) == 2
    for row in rows:
        assert row.patient is None and row.patient_pseudonym == pseudonym(patient_id)
        assert row.staff == physiotherapist and row.action == Action.VIEWED
        assert email not in str(vars(row)) and name not in str(vars(row))


def test_an_account_deleted_in_the_admin_is_forgotten_in_the_trail_too(
    administrator_client, physiotherapist, patient
):
    make_plan(patient, physiotherapist)
    url = reverse("admin:kneeapp_user_delete", args=[patient.pk])
    assert administrator_client.get(url).status_code == 200
    assert administrator_client.post(url, {"post": "yes"}).status_code == 302
    rows = StaffAccess.objects.order_by("pk")
    assert [row.action for row in rows] == [Action.VIEWED, Action.DELETED]
    assert {row.patient_pseudonym for row in rows} == {pseudonym(patient.pk)}
    assert all(row.patient is None for row in rows)


def test_rows_past_the_retention_period_are_removed_by_the_daily_task(settings, patient):
    settings.AUDIT_RETENTION_DAYS = 30
    staff = make_person("staff@test.example", is_staff=True)
    now = timezone.now()
    for age in (31, 29):
        StaffAccess.objects.create(
            at=now - dt.timedelta(days=age),
            staff=staff,
            staff_name="S",
            patient=patient,
            action=Action.VIEWED,
            what="stretch plan",
        )
    assert tasks.prune_staff_access() == 1
    assert StaffAccess.objects.get().at == now - dt.timedelta(days=29)
