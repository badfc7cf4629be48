"""Issues #7 and #14, data rights: the export holds every stored field of every row linked to
the user but the named secrets, and deleting the account removes all of it, and nothing of
anyone else's, and strikes the user out of the admin's log.

Which models hold user data is found by introspection (``kneeapp.data_rights``): every model
with a chain of foreign keys to the user (or the user itself). ``FACTORIES`` makes a row of
each for a patient and says what of it the export must show; a new model without a factory
fails the test that names it, and so does one left out of the export without a reason.
"""

import datetime as dt
import json
import uuid
from collections.abc import Callable
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diary.models import DiaryEntry
from kneeapp import data_rights
from kneeapp.audit import StaffAccess
from kneeapp.data_rights import NOT_EXPORTED, SECRET_FIELDS, models_with_user_data
from kneeapp.models import User, UserSession
from reminders.models import (
    AlertKind,
    Completion,
    Delivery,
    DoctorAlert,
    Exercise,
    PushSubscription,
    ReminderSchedule,
    StretchPlan,
)
from tests.conftest import PASSWORD
from tests.reminders.conftest import make_plan, stretch_delivery
from tests.security.data_rights_library import make_exercise_owner, template_of
from triage.engine import assess
from triage.knowledge import load_knowledge
from triage.models import Assessment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def rows_of(label: str, user) -> set:
    """The pks of ``label``'s rows reached from ``user`` through any chain."""
    return set(data_rights.rows_of(label, user).values_list("pk", flat=True))


# One row of each model for a patient; each returns what of it the export must show.
def _stamp(patient, seconds: int) -> dt.datetime:
    """A moment that belongs to this patient and this row alone."""
    base = dt.datetime(2031, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=patient.pk)
    return base + dt.timedelta(seconds=seconds)


def make_user(patient, world) -> str:
    return patient.email


def make_session(patient, world) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(patient.pk)
    store.set_expiry(_stamp(patient, 1))
    store.save()
    return _stamp(patient, 1).isoformat()


def make_assessment(patient, world) -> str:
    answers = {"heard_pop": True}
    assessment, _ = Assessment.objects.record(
        assess(load_knowledge(), answers), answers, user=patient
    )
    return str(assessment.pk)


def make_diary_entry(patient, world) -> str:
    entry = DiaryEntry.objects.create(
        id=uuid.uuid4(),
        patient=patient,
        date=timezone.localdate(),
        pain=3,
        notes=f"diary notes of {patient.pk}",
        client_updated_at=timezone.now(),
    )
    return str(entry.pk)


def make_deleted_entry(patient, world) -> str:
    entry = DiaryEntry.objects.get(pk=make_diary_entry(patient, world))
    entry_id = str(entry.pk)
    entry.delete()
    return entry_id


def plan_of(patient, world) -> StretchPlan:
    if patient.pk not in world:
        plan = make_plan(patient, patient.physiotherapist, times=())
        plan.notes = f"plan notes of {patient.pk}"
        plan.save()
        world[patient.pk] = plan
    return world[patient.pk]


def make_stretch_plan(patient, world) -> str:
    return plan_of(patient, world).notes


def make_plan_item(patient, world) -> str:
    item = plan_of(patient, world).items.first()
    item.notes = f"item notes of {patient.pk}"
    item.save()
    return item.notes


def schedule_of(patient, world) -> ReminderSchedule:
    plan = plan_of(patient, world)
    time_of_day = dt.time(5, patient.pk % 60)
    return ReminderSchedule.objects.get_or_create(plan=plan, time_of_day=time_of_day)[0]


def make_reminder_schedule(patient, world) -> str:
    return schedule_of(patient, world).time_of_day.isoformat()


def make_completion(patient, world) -> str:
    day = _stamp(patient, 0).date()
    Completion.objects.create(patient=patient, schedule=schedule_of(patient, world), date=day)
    return day.isoformat()


def make_delivery(patient, world) -> str:
    slot = _stamp(patient, 2)
    stretch_delivery(schedule_of(patient, world), slot)
    return slot.isoformat()


def make_doctor_alert(patient, world) -> str:
    alerted_at = _stamp(patient, 3)
    DoctorAlert.objects.create(
        patient=patient,
        kind=AlertKind.PERSISTING,
        started_on=alerted_at.date() - dt.timedelta(days=4),
        alerted_at=alerted_at,
    )
    return alerted_at.isoformat()


def make_push_subscription(patient, world) -> str:
    subscription = PushSubscription.objects.create(
        patient=patient,
        endpoint=f"https://push.example/send/{patient.pk}-{uuid.uuid4()}",
        p256dh="B" * 87,
        auth="a" * 22,
    )
    return subscription.endpoint


def make_log_entry(patient, world) -> str:
    # What a staff member did in the admin: a patient has none, but a row is made anyway,
    # so that deletion is tested for it too.
    LogEntry.objects.create(
        user=patient,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(patient.pk),
        object_repr=str(patient),
        action_flag=CHANGE,
    )
    return ""


def make_staff_access(patient, world) -> str:
    at = _stamp(patient, 4)
    StaffAccess.objects.create(
        at=at, staff_name="Phyllis", patient=patient, action="viewed", what="stretch plan"
    )
    return at.isoformat()


FACTORIES: dict[str, Callable] = {
    "kneeapp.StaffAccess": make_staff_access,
    "kneeapp.User": make_user,
    "kneeapp.UserSession": make_session,
    "triage.Assessment": make_assessment,
    "diary.DiaryEntry": make_diary_entry,
    "diary.DeletedEntry": make_deleted_entry,
    "reminders.StretchPlan": make_stretch_plan,
    "reminders.PlanItem": make_plan_item,
    "reminders.ReminderSchedule": make_reminder_schedule,
    "reminders.Completion": make_completion,
    "reminders.Delivery": make_delivery,
    "reminders.DoctorAlert": make_doctor_alert,
    "reminders.PushSubscription": make_push_subscription,
    "reminders.ExerciseOwner": make_exercise_owner,
    "reminders.PlanTemplate": lambda user, world: template_of(user, world)[0],
    "reminders.PlanTemplateItem": lambda user, world: template_of(user, world)[1],
    "reminders.PlanTemplateTime": lambda user, world: template_of(user, world)[2],
    "admin.LogEntry": make_log_entry,
}


def make_everything(patient) -> dict[str, str]:
    """A row of every model for ``patient``: what each must show in the export, as JSON."""
    world: dict = {}
    shown = {label: factory(patient, world) for label, factory in FACTORIES.items()}
    # As whole JSON strings: a date must not be found inside some timestamp of the export.
    return {label: value and json.dumps(value) for label, value in shown.items()}


def test_every_model_holding_user_data_has_a_factory():
    found = set(models_with_user_data())
    assert found - set(FACTORIES) == set(), "models with user data but no factory here"
    assert set(FACTORIES) - found == set(), "factories of models that no longer hold user data"


def test_every_model_holding_user_data_got_a_row_of_each_patient(patient, other_patient):
    make_everything(patient)
    make_everything(other_patient)
    for label in models_with_user_data():
        assert rows_of(label, patient), f"{label}: no row of the patient"
        assert rows_of(label, other_patient), f"{label}: no row of the other patient"
        assert not rows_of(label, patient) & rows_of(label, other_patient), label


def test_the_export_holds_every_model_with_user_data(patient_client, patient, other_patient):
    mine = make_everything(patient)
    theirs = make_everything(other_patient)
    response = patient_client.get(reverse("api-export"))
    assert response.status_code == 200
    text = json.dumps(response.json())
    missing = [
        label
        for label, shown in mine.items()
        if label not in NOT_EXPORTED and (not shown or shown not in text)
    ]
    assert missing == [], f"not in the export: {missing}"
    leaked = [label for label, shown in theirs.items() if shown and shown in text]
    assert leaked == [], f"the other patient's rows in the export: {leaked}"


def test_the_export_never_holds_session_keys(patient_client, patient):
    response = patient_client.get(reverse("api-export"))
    keys = UserSession.objects.filter(user=patient).values_list("session_key", flat=True)
    assert keys and not any(key in response.content.decode() for key in keys)


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
        LogEntry.objects.create(
            user=physiotherapist,
            content_type=ContentType.objects.get_for_model(thing),
            object_id=str(thing.pk),
            object_repr=str(thing),
            action_flag=CHANGE,
        )
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


def exported_rows(client) -> dict[str, list[dict]]:
    response = client.get(reverse("api-export"))
    assert response.status_code == 200
    return response.json()["data"]


def test_every_stored_field_is_exported_or_named_a_secret(patient_client, patient):
    make_everything(patient)
    data = exported_rows(patient_client)
    for label in set(models_with_user_data()) - set(NOT_EXPORTED):
        meta = apps.get_model(label)._meta
        stored = {field.name for field in [*meta.concrete_fields, *meta.many_to_many]}
        secret = SECRET_FIELDS.get(label, set())
        assert secret <= stored, f"{label}: a secret field that is not stored: {secret - stored}"
        assert len(data[label]) == len(rows_of(label, patient)), label
        for row in data[label]:
            assert set(row) == stored - secret, f"{label}: fields neither exported nor secret"


def test_what_version_1_left_out_is_in_the_export(patient_client, patient):
    make_everything(patient)
    PushSubscription.objects.filter(patient=patient).update(user_agent="Firefox on a phone")
    Delivery.objects.filter(patient=patient).update(
        error="SMTP 451 try later", attempts=2, sent_at=_stamp(patient, 9)
    )
    User.objects.filter(pk=patient.pk).update(last_login=_stamp(patient, 8))
    data = exported_rows(patient_client)
    [subscription] = data["reminders.PushSubscription"]
    [delivery] = data["reminders.Delivery"]
    [account] = data["kneeapp.User"]
    assert subscription["user_agent"] == "Firefox on a phone"
    assert (delivery["error"], delivery["attempts"]) == ("SMTP 451 try later", 2)
    assert delivery["sent_at"] == _stamp(patient, 9).isoformat()
    assert account["last_login"] == _stamp(patient, 8).isoformat()
    assert account["physiotherapist"] == str(patient.physiotherapist)


def test_the_export_holds_no_secret(patient_client, patient):
    make_everything(patient)
    patient.refresh_from_db()
    text = patient_client.get(reverse("api-export")).content.decode()
    secrets = [patient.password, *PushSubscription.objects.values_list("auth", flat=True)]
    for session in UserSession.objects.filter(user=patient):
        secrets += [session.session_key, session.session_data]
    assert secrets and not [secret for secret in secrets if secret in text]


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
    LogEntry.objects.create(
        user=administrator,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(other_patient.pk),
        object_repr=str(other_patient),
        change_message=f"Wrote to {patient.email.upper()} about Bartholomew Quist's visit",
        action_flag=CHANGE,
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
