"""Issues #7 and #14, data rights: the export holds every stored field of every row linked to
the user but the named secrets, and nothing of anyone else's (deletion: test_account_deletion).

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
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from diary.models import DiaryEntry, PsfsAssessment
from kneeapp import data_rights
from kneeapp.audit import StaffAccess
from kneeapp.data_rights import NOT_EXPORTED, SECRET_FIELDS, models_with_user_data
from kneeapp.models import Consent, Invitation, User, UserSession
from reminders.models import (
    AlertKind,
    AttentionReview,
    Completion,
    Delivery,
    DoctorAlert,
    PushSubscription,
    ReminderSchedule,
    StretchPlan,
)
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


def diary_entry(patient, days_ago: int = 0) -> DiaryEntry:
    return DiaryEntry.objects.create(
        id=uuid.uuid4(),
        patient=patient,
        date=timezone.localdate() - dt.timedelta(days=days_ago),
        pain=3,
        notes=f"diary notes of {patient.pk}",
        client_updated_at=timezone.now(),
    )


def make_diary_entry(patient, world) -> str:
    return str(diary_entry(patient).pk)


def make_deleted_entry(patient, world) -> str:
    entry = diary_entry(patient, days_ago=1)
    entry_id = str(entry.pk)
    entry.delete()
    return entry_id


def make_entry_alias(patient, world) -> str:
    """A second phone's entry for a day that has one: its id is merged into it."""
    entry, alias_id = diary_entry(patient, days_ago=2), uuid.uuid4()
    content = entry.content() | {"notes": "from the other phone"}
    DiaryEntry.objects.write(patient, alias_id, content, timezone.now())
    return str(alias_id)


def psfs_of(patient, world) -> PsfsAssessment:
    key = ("psfs", patient.pk)
    if key not in world:
        world[key] = PsfsAssessment.objects.record(
            patient,
            uuid.uuid4(),
            timezone.localdate(),
            [{"name": f"activity of {patient.pk}", "score": 4}],
            _stamp(patient, 7),
        ).entry
    return world[key]


def make_psfs_assessment(patient, world) -> str:
    return str(psfs_of(patient, world).pk)


def make_psfs_activity(patient, world) -> str:
    psfs_of(patient, world)
    return f"activity of {patient.pk}"


def make_psfs_rating(patient, world) -> str:
    return str(psfs_of(patient, world).ratings.get().activity_id)


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


def log_line(staff, thing, change_message: str = "") -> LogEntry:
    """The admin's log line of ``staff`` changing ``thing``, as the admin writes it."""
    return LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(thing),
        object_id=str(thing.pk),
        object_repr=str(thing),
        change_message=change_message,
        action_flag=CHANGE,
    )


def make_log_entry(patient, world) -> str:
    # What a staff member did in the admin: a patient has none, but a row is made anyway,
    # so that deletion is tested for it too.
    log_line(patient, patient)
    return ""


def make_staff_access(patient, world) -> str:
    at = _stamp(patient, 4)
    StaffAccess.objects.create(
        at=at, staff_name="Phyllis", patient=patient, action="viewed", what="stretch plan"
    )
    return at.isoformat()


def make_consent(patient, world) -> str:
    # An older agreement, withdrawn (the fixture's patient agreed to the current text).
    given_at = _stamp(patient, 5)
    Consent.objects.create(
        patient=patient,
        version="2020-01-01",
        given_at=given_at,
        withdrawn_at=given_at + dt.timedelta(days=1),
    )
    return given_at.isoformat()


def make_invitation(patient, world) -> str:
    invitation = Invitation.objects.create(
        physiotherapist=patient.physiotherapist, email=patient.email, created_at=_stamp(patient, 6)
    )
    invitation.accept(patient)
    return invitation.created_at.isoformat()


def make_attention_review(patient, world) -> str:
    reviewed_at = _stamp(patient, 7)
    AttentionReview.objects.create(
        patient=patient, physiotherapist=patient.physiotherapist, reviewed_at=reviewed_at
    )
    return reviewed_at.isoformat()


FACTORIES: dict[str, Callable] = {
    "reminders.AttentionReview": make_attention_review,
    "kneeapp.Invitation": make_invitation,
    "kneeapp.Consent": make_consent,
    "kneeapp.StaffAccess": make_staff_access,
    "kneeapp.User": make_user,
    "kneeapp.UserSession": make_session,
    "triage.Assessment": make_assessment,
    "diary.DiaryEntry": make_diary_entry,
    "diary.DeletedEntry": make_deleted_entry,
    "diary.EntryAlias": make_entry_alias,
    "diary.PsfsAssessment": make_psfs_assessment,
    "diary.PsfsActivity": make_psfs_activity,
    "diary.PsfsRating": make_psfs_rating,
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
