"""Issues #7 and #14, account deletion: every row of the account goes, and nothing of anyone
else's; its sessions end on every device; the admin's log names the patient nowhere after it.
The rows are the ones ``test_data_rights.make_everything`` makes, one of every model linked to
a user.
"""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.admin.models import DELETION, LogEntry
from django.test import Client
from django.urls import reverse

from kneeapp.data_rights import models_with_user_data
from kneeapp.models import User
from reminders.models import Exercise
from tests.conftest import PASSWORD
from tests.security.test_data_rights import log_line, make_everything, plan_of, rows_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def counts(user) -> dict[str, int]:
    return {label: len(rows_of(label, user)) for label in models_with_user_data()}


def test_deleting_the_account_removes_every_row_of_it_and_only_those(patient, other_patient):
    make_everything(patient)
    make_everything(other_patient)
    theirs_before = {label: rows_of(label, other_patient) for label in models_with_user_data()}
    client = Client()
    response = client.post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    assert response.status_code == 302
    response = client.post(reverse("delete_account"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    left = {label: count for label, count in counts(patient).items() if count}
    assert left == {}, f"rows of the deleted patient still there: {left}"
    theirs_after = {label: rows_of(label, other_patient) for label in models_with_user_data()}
    assert theirs_after == theirs_before


def test_deleting_the_account_ends_its_sessions_on_every_device(patient, other_patient):
    phone, laptop, someone_else = Client(), Client(), Client()
    for client, user in ((phone, patient), (laptop, patient), (someone_else, other_patient)):
        client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    laptop_key = laptop.cookies[settings.SESSION_COOKIE_NAME].value
    phone.post(reverse("delete_account"), {"password": PASSWORD, "confirm": "on"})
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    assert not store.exists(laptop_key)
    assert laptop.get(reverse("profile")).status_code == 302
    assert someone_else.get(reverse("profile")).status_code == 200


def test_deleting_the_account_removes_the_admins_notes_that_name_it(
    patient, other_patient, physiotherapist
):
    plan = plan_of(patient, {})
    other_plan = plan_of(other_patient, {})
    for thing in (patient, plan, other_patient, other_plan):
        log_line(physiotherapist, thing)
    client = Client()
    client.force_login(patient)
    client.post(reverse("delete_account"), {"password": PASSWORD, "confirm": "on"})
    remaining = " ".join(LogEntry.objects.values_list("object_repr", flat=True))
    assert patient.name not in remaining and patient.email not in remaining
    assert LogEntry.objects.count() == 2 and other_patient.name in remaining


def test_the_physiotherapist_and_the_exercise_library_stay_when_a_patient_goes(
    patient, physiotherapist
):
    make_everything(patient)
    library = set(Exercise.objects.values_list("pk", flat=True))
    client = Client()
    client.force_login(patient)
    client.post(reverse("delete_account"), {"password": PASSWORD, "confirm": "on"})
    assert not User.objects.filter(pk=patient.pk).exists()
    assert User.objects.filter(pk=physiotherapist.pk).exists()
    assert set(Exercise.objects.values_list("pk", flat=True)) == library and library


def test_deleting_the_account_strikes_it_out_of_every_admin_log_line(
    patient, other_patient, administrator
):
    patient.name = "Bartholomew Quist"
    patient.save()
    admin = Client()
    admin.force_login(administrator)
    # A plan a physiotherapist deleted long before: its log line has no object left.
    plan = plan_of(patient, {})
    assert (
        admin.post(
            reverse("admin:reminders_stretchplan_delete", args=[plan.pk]), {"post": "yes"}
        ).status_code
        == 302
    )
    log_line(
        administrator,
        other_patient,
        f"Wrote to {patient.email.upper()} about Bartholomew Quist's visit",
    )
    response = admin.post(reverse("admin:kneeapp_user_delete", args=[patient.pk]), {"post": "yes"})
    assert response.status_code == 302 and not User.objects.filter(pk=patient.pk).exists()
    lines = [f"{e.object_repr} {e.change_message}" for e in LogEntry.objects.all()]
    assert not [line for line in lines if "bartholomew" in line.lower()]
    assert not [line for line in lines if patient.email in line.lower()]
    # The admin's own record of the deletion stays, naming a pseudonym, not the patient.
    [deletion] = LogEntry.objects.filter(action_flag=DELETION, content_type__model="user")
    assert deletion.object_repr.startswith("patient ") and deletion.user == administrator
    assert any(str(other_patient) in line for line in lines)
