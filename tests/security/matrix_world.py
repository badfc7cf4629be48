"""What the access matrix runs on: every URL pattern, the personas, and the patients' things.

The personas are those of ``tests/conftest.py`` (same emails, names and roles), built once
per module rather than once per test: the matrix makes several hundred requests, and each
persona fixture hashes a password. Each patient owns one of everything a URL can take an
id of (a diary entry, an assessment, a plan with its schedules, a delivery, an alert, a
push subscription): the URLs name the patient's, and the other patient's are there for
searches, filters and admin actions to leak.
"""

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from diary.models import DiaryEntry, PsfsActivity, PsfsAssessment, PsfsRating
from kneeapp.audit import Action, StaffAccess
from kneeapp.models import PHYSIOTHERAPISTS_GROUP, Consent, Invitation, User
from reminders.library import ensure_library
from reminders.models import (
    AlertKind,
    AttentionReview,
    Completion,
    Delivery,
    DoctorAlert,
    Kind,
    PlanItem,
    PlanTemplate,
    PushSubscription,
    ReminderSchedule,
    StretchPlan,
)
from reminders.notifications import unsubscribe_token
from reminders.snooze import later_token
from tests.conftest import PATIENTS
from tests.reminders.conftest import make_plan
from triage.engine import assess
from triage.knowledge import load_knowledge
from triage.models import Assessment

PERSONAS = (
    "anonymous",
    "patient",
    "other_patient",
    "physiotherapist",
    "other_physiotherapist",
    "administrator",
)
# Whose things each persona must never see: the patient's and the other patient's.
MUST_NOT_SEE = {
    "anonymous": ("patient", "other_patient"),
    "patient": ("other_patient",),
    "other_patient": ("patient",),
    "physiotherapist": ("other_patient",),
    "other_physiotherapist": ("patient",),
    "administrator": (),
}
CSRF_TOKEN = "matrixcsrftoken0matrixcsrftoken0"  # an unmasked secret: 32 allowed characters


# The URLconf, walked.
@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or the full route of a pattern without a name
    route: str
    name: str | None


def url_patterns(patterns=None, prefix="", namespace="") -> list[Pattern]:
    """Every pattern of the project, the admin's included, keyed by name (or route)."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            found += url_patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = entry.name and ":".join(part for part in (namespace, entry.name) if part)
            found.append(Pattern(name or route, route, name))
    return found


ADMIN_OBJECT_ROUTE = re.compile(r"^admin/(\w+)/(\w+)/<path:object_id>/")
PATH_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")


# The personas and the patients' things.
@dataclass
class World:
    users: dict[str, User | None]
    owned: dict[str, dict[str, models.Model]]  # patient persona -> model name -> their object
    sessions: dict[str, str] = field(default_factory=dict)
    _owned_queries: dict[str, list] = field(default_factory=dict)

    @property
    def patient(self) -> User:
        return self.users["patient"]

    def thing(self, model_name: str, owner: str = "patient") -> models.Model:
        return self.owned[owner][model_name]

    def client(self, persona: str) -> Client:
        """A browser of ``persona`` that sends a valid CSRF token, as a real page would."""
        client = Client(enforce_csrf_checks=True, headers={"X-CSRFToken": CSRF_TOKEN})
        client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_TOKEN
        if persona in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[persona]
        return client

    def admin_object(self, app_label: str, model_name: str, owner: str = "patient"):
        """The object whose admin pages the matrix opens: ``owner``'s, or a shared one."""
        if (app_label, model_name) == ("auth", "group"):
            return Group.objects.get(name=PHYSIOTHERAPISTS_GROUP)
        if (app_label, model_name) in (
            ("kneeapp", "user"),
            ("reminders", "patientneedingattention"),
        ):
            return self.users[owner]
        if (app_label, model_name) == ("reminders", "exercise"):
            return self.thing("stretchplan", owner).items.first().exercise
        if app_label in ("reminders", "kneeapp") and model_name in self.owned[owner]:
            return self.thing(model_name, owner)
        raise LookupError(
            f"admin/{app_label}/{model_name}/ is new: give the access matrix an object of it "
            "(one per patient) in build_world() or World.admin_object, "
            "tests/security/matrix_world.py"
        )

    def url_kwargs(self, pattern: Pattern) -> dict:
        """The arguments of ``pattern``'s URL: the patient's things or tokens."""
        patient = self.patient
        entry = {"entry_id": self.thing("diaryentry").pk}
        assessment = {"pk": self.thing("assessment").pk}
        table = {
            "password_reset_confirm": lambda: {
                "uidb64": urlsafe_base64_encode(force_bytes(patient.pk)),
                "token": default_token_generator.make_token(patient),
            },
            "triage:assessment": lambda: assessment,
            "triage-api:assessment": lambda: assessment,
            "diary:entry": lambda: entry,
            "diary:edit": lambda: entry,
            "diary:delete": lambda: entry,
            "diary-entry-detail": lambda: entry,
            "psfs-detail": lambda: {"assessment_id": self.thing("psfsassessment").pk},
            "reminders:unsubscribe": lambda: {"token": unsubscribe_token(patient, timezone.now())},
            "api-push-receipt": lambda: {"delivery_id": self.thing("delivery").pk},
            "reminders:later": lambda: {"token": later_token(self.thing("delivery"))},
            "admin:view_on_site": lambda: {
                "content_type_id": ContentType.objects.get_for_model(StretchPlan).pk,
                "object_id": self.thing("stretchplan").pk,
            },
            "admin:auth_user_password_change": lambda: {"id": patient.pk},
            "invitation": lambda: {"token": self.thing("invitation").token},
            "admin:app_list": lambda: {"app_label": "reminders"},
            "admin/(?P<url>.*)$": lambda: {"url": "no-such-page/"},
        }
        if pattern.key in table:
            return table[pattern.key]()
        if match := ADMIN_OBJECT_ROUTE.match(pattern.route):
            return {"object_id": self.admin_object(match[1], match[2]).pk}
        return {}

    def url(self, pattern: Pattern) -> str:
        kwargs = self.url_kwargs(pattern)
        if pattern.name:
            return reverse(pattern.name, kwargs=kwargs)
        if "(?P<" in pattern.route:  # a regular expression: only the admin's catch-all has one
            return "/admin/" + kwargs["url"]
        return "/" + PATH_ARGUMENT.sub(lambda match: str(kwargs[match[1]]), pattern.route)

    def fingerprint(self, owner: str = "patient") -> dict:
        """All a patient owns, as plain rows: equal before and after means untouched."""
        if owner not in self._owned_queries:
            user = self.users[owner]
            querysets = [
                *(
                    model.objects.filter(patient=user)
                    for model in (
                        DiaryEntry,
                        PsfsAssessment,
                        PsfsActivity,
                        StretchPlan,
                        Completion,
                        Delivery,
                        DoctorAlert,
                        PushSubscription,
                        Consent,
                        AttentionReview,
                    )
                ),
                PsfsRating.objects.filter(assessment__patient=user),
                PlanItem.objects.filter(plan__patient=user),
                ReminderSchedule.objects.filter(plan__patient=user),
                Assessment.objects.filter(user=user),
                Invitation.objects.filter(email=user.email),
                User.objects.filter(pk=user.pk),
            ]
            # Compiled once: the matrix takes two fingerprints per request.
            self._owned_queries[owner] = [
                (rows.model.__name__, *rows.order_by("pk").query.sql_with_params())
                for rows in querysets
            ]
        with connection.cursor() as cursor:
            found = {}
            for name, sql, params in self._owned_queries[owner]:
                cursor.execute(sql, params)
                found[name] = cursor.fetchall()
        return found

    def secrets(self, owner: str) -> list[str]:
        """What of a patient's nobody else may be shown: email, notes, ids, push endpoint."""
        user = self.users[owner]
        return [
            user.email,
            f"Notes of {user.name}",
            f"Activity of {user.name}",
            str(self.thing("diaryentry", owner).pk),
            str(self.thing("assessment", owner).pk),
            self.thing("pushsubscription", owner).endpoint,
        ]

    def leaks(self, persona: str, text: str, typed: str = "") -> list[str]:
        """The secrets of patients ``persona`` must not see that ``text`` shows.

        What the persona ``typed`` themselves (a search term shown again) is not a leak.
        """
        return [
            secret
            for owner in MUST_NOT_SEE[persona]
            for secret in self.secrets(owner)
            if secret not in typed
            # "patient@…" is also the end of "other-patient@…"
            if re.search(r"(?<![\w.-])" + re.escape(secret), text)
        ]


def new_user(email: str, name: str, **fields) -> User:
    # No password: the matrix signs in with sessions, and hashing one costs most of a second.
    return User.objects.create_user(email, None, name=name, **fields)


def things_of(patient: User, physiotherapist: User) -> dict[str, models.Model]:
    """One of everything a patient owns, made the way the app makes them."""
    moment = timezone.now()
    today = timezone.localdate()
    plan = make_plan(patient, physiotherapist, starts_on=today - dt.timedelta(days=7))
    schedule = plan.schedules.order_by("pk").first()
    answers = {"heard_pop": True}
    assessment, _ = Assessment.objects.record(
        assess(load_knowledge(), answers), answers, user=patient
    )
    template = PlanTemplate.objects.create(
        slug=f"own-{physiotherapist.pk}", name="Own template", owner=physiotherapist
    )
    template.items.create(exercise=plan.items.first().exercise, reps=5)
    template.times.create(time_of_day=dt.time(7))
    return {
        "plantemplate": template,  # the patient's physio's own
        "diaryentry": DiaryEntry.objects.create(
            id=uuid.uuid4(),
            patient=patient,
            date=today,
            pain=4,
            notes=f"Notes of {patient.name}",
            red_flags=["calf_swelling"],  # so the patient is on their physio's attention list
            client_updated_at=moment,
        ),
        "assessment": assessment,
        "psfsassessment": PsfsAssessment.objects.record(
            patient,
            uuid.uuid4(),
            today,
            [{"name": f"Activity of {patient.name}", "score": 4}],
            moment,
        ).entry,
        "stretchplan": plan,
        "reminderschedule": schedule,
        "completion": Completion.objects.create(patient=patient, schedule=schedule, date=today),
        "delivery": Delivery.objects.create(
            patient=patient, kind=Kind.STRETCH, schedule=schedule, slot=moment, channel="email"
        ),
        "doctoralert": DoctorAlert.objects.create(
            patient=patient,
            kind=AlertKind.PERSISTING,
            started_on=today - dt.timedelta(days=5),
            alerted_at=moment,
        ),
        "staffaccess": StaffAccess.objects.create(
            staff=physiotherapist,
            staff_name=physiotherapist.get_full_name(),
            patient=patient,
            action=Action.VIEWED,
            what="stretch plan",
            object_id=str(plan.pk),
        ),
        "consent": Consent.objects.give(patient),
        "invitation": Invitation.objects.create(
            physiotherapist=physiotherapist, email=patient.email
        ),
        "pushsubscription": PushSubscription.objects.create(
            patient=patient,
            endpoint=f"https://push.example/phone-of-{patient.pk}",
            p256dh="x" * 87,
            auth="y" * 22,
        ),
    }


def build_world() -> World:
    """The personas of tests/conftest.py, and one of everything for each patient."""
    group, _ = Group.objects.get_or_create(name=PHYSIOTHERAPISTS_GROUP)
    physio = new_user("physio@test.example", "physio", is_staff=True)
    other_physio = new_user("other-physio@test.example", "other-physio", is_staff=True)
    group.user_set.add(physio, other_physio)
    patient = new_user(**PATIENTS["patient"], physiotherapist=physio)
    other_patient = new_user(**PATIENTS["other_patient"], physiotherapist=other_physio)
    users = {
        "anonymous": None,
        "patient": patient,
        "other_patient": other_patient,
        "physiotherapist": physio,
        "other_physiotherapist": other_physio,
        "administrator": User.objects.create_superuser("admin@test.example", None),
    }
    ensure_library()
    world = World(
        users=users,
        owned={
            "patient": things_of(patient, physio),
            "other_patient": things_of(other_patient, other_physio),
        },
    )
    for persona, user in users.items():
        if user is not None:
            client = Client()
            client.force_login(user)
            world.sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return world
