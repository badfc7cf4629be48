"""What the fuzz and hostile-input tests need: a patient with data, a real session, snapshots.

``seed_patient`` gives a patient something of everything the API and pages show (a stretch
plan with reminders, diary entries, a saved assessment, a push subscription), so reading
endpoints answer with full bodies, and ``snapshot`` records every row of theirs so a test
can assert that a refused request changed none of it.
"""

import datetime as dt
import uuid
from contextlib import contextmanager
from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.utils import timezone

from diary.models import DiaryEntry
from kneeapp.models import PHYSIOTHERAPISTS_GROUP, User
from reminders.library import ensure_library
from reminders.models import Completion, PlanItem, PushSubscription, ReminderSchedule, StretchPlan
from tests.conftest import PASSWORD, make_person
from triage.engine import assess
from triage.knowledge import load_knowledge
from triage.models import Assessment

P256DH = "B" + "A" * 86  # base64url of 65 bytes
AUTH = "A" * 22  # base64url of 16 bytes


def password_hash() -> str:
    """``PASSWORD`` hashed once per hasher: hashing takes most of a second on a slow machine."""
    return _password_hash(settings.PASSWORD_HASHERS[0])


@cache
def _password_hash(hasher: str) -> str:
    return make_password(PASSWORD)


def make_patient(email="fuzz-patient@test.example"):
    """A patient (password ``PASSWORD``) of a new physiotherapist, with something of everything."""
    physiotherapist = User.objects.create(
        email=f"physio-of-{email}", password=password_hash(), is_staff=True
    )
    physiotherapist.groups.add(Group.objects.get_or_create(name=PHYSIOTHERAPISTS_GROUP)[0])
    patient = make_person(
        email, name="Pat", physiotherapist=physiotherapist, time_zone="Europe/London"
    )
    seed_patient(patient, physiotherapist)
    return patient


def seed_patient(patient, physiotherapist) -> None:
    library = ensure_library()
    plan = StretchPlan.objects.create(
        patient=patient,
        physiotherapist=physiotherapist,
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        notes="Gently.",
    )
    for position, slug in enumerate(["calf-wall-stretch", "seated-hamstring-stretch"]):
        PlanItem.objects.create(plan=plan, exercise=library[slug], position=position)
    for time_of_day in (dt.time(8), dt.time(19)):
        ReminderSchedule.objects.create(plan=plan, time_of_day=time_of_day)
    today = timezone.localdate()
    for days_ago, pain in ((2, 6), (1, 5), (0, 4)):
        DiaryEntry.objects.create(
            patient=patient,
            date=today - dt.timedelta(days=days_ago),
            pain=pain,
            notes=f"Day {days_ago}",
            client_updated_at=timezone.now() - dt.timedelta(days=days_ago),
        )
    knowledge = load_knowledge()
    answers = {"age": 40}
    Assessment.objects.record(assess(knowledge, answers), answers, user=patient, id=uuid.uuid4())
    PushSubscription.objects.create(
        patient=patient,
        endpoint=f"https://push.example.net/send/{patient.pk}",
        p256dh=P256DH,
        auth=AUTH,
    )


def session_of(user) -> dict:
    """A real signed-in session: its cookies and the CSRF header a page's script would send."""
    client = Client()
    client.force_login(user)
    request = RequestFactory().get("/")
    token = get_token(request)
    return {
        "cookies": {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
            settings.CSRF_COOKIE_NAME: request.META["CSRF_COOKIE"],
        },
        "headers": {"X-CSRFToken": token},
    }


def _values(row) -> dict:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


def _rows(queryset) -> list[dict]:
    return sorted((_values(row) for row in queryset), key=lambda row: str(row["id"]))


def snapshot(user) -> dict:
    """Every row the user owns, as plain values, to compare before and after a request."""
    user.refresh_from_db()
    account = _values(user)
    del account["last_login"]
    return {
        "account": account,
        "diary": _rows(DiaryEntry.objects.of(user)),
        "assessments": _rows(Assessment.objects.of(user)),
        "plans": _rows(StretchPlan.objects.filter(patient=user)),
        "schedules": _rows(ReminderSchedule.objects.filter(plan__patient=user)),
        "done": _rows(Completion.objects.filter(patient=user)),
        "push": _rows(PushSubscription.objects.filter(patient=user)),
    }


@contextmanager
def keeping_the_test_connection():
    """Let a WSGI client call the app inside the test's transaction.

    At the end of each request Django closes a connection that is not in autocommit mode,
    which the test's own transaction is; Django's test client turns that off the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
