"""Every page a patient or a visitor reads, found by walking the URLconf, and a patient with
something on each of them.

The reading checks (one date style, plural forms: tests/kneeapp/test_reading.py) and the
browser's reach checks (tap targets, axe: tests/browser/test_reach.py) go over this one list,
so a new page is checked as soon as it has a URL, or the walk names it until it is placed.
"""

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass

from django.urls import URLResolver, get_resolver, reverse

from diary.models import DiaryEntry, PsfsAssessment
from kneeapp.audit import Action, StaffAccess
from reminders.models import Completion, Effort
from tests.diary.conftest import make_entries
from tests.reminders.conftest import make_plan
from triage.engine import assess
from triage.knowledge import load_knowledge
from triage.models import Assessment

# URL names that are no page to read, and why.
NOT_PAGES = {
    "health": "a probe for the load balancer",
    "manifest": "JSON for the browser",
    "service-worker": "JavaScript",
    "diary:report_csv": "CSV (ISO dates on purpose)",
    "logout": "POST only",
    "end_physiotherapist": "POST only",
    "triage:save": "POST only",
    "reminders:done": "POST only",
    "triage:knowledge": "for staff only",
    "invitation": "needs an emailed one-time token",
    "reminders:unsubscribe": "needs an emailed signed token",
    "reminders:later": "needs an emailed signed token (tests/browser/test_reach.py)",
    "password_reset_confirm": "needs an emailed reset token",
}
# Pages for visitors: a signed-in person is sent on from them.
VISITOR_ONLY = {
    "signup",
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_complete",
}
BOTH = {"home", "offline", "triage:start"}
# A page about one object: which of the world's objects it shows.
OBJECT_OF = {
    "triage:assessment": "assessment",
    "diary:entry": "entry",
    "diary:edit": "entry",
    "diary:delete": "entry",
}


def url_names() -> list[str]:
    """Every named URL of the app, outside the API and the admin."""
    names = []

    def walk(patterns, prefix="", route=""):
        for entry in patterns:
            here = route + str(entry.pattern)
            if here.startswith(("api/", "admin/")):
                continue
            if isinstance(entry, URLResolver):
                space = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
                walk(entry.url_patterns, space, here)
            elif entry.name:
                names.append(prefix + entry.name)

    walk(get_resolver().url_patterns)
    return names


def pages(persona: str) -> list[str]:
    """The names of the pages ``persona`` ("visitor" or "patient") reads."""
    readable = [name for name in url_names() if name not in NOT_PAGES]
    if persona == "visitor":
        return [name for name in readable if name in VISITOR_ONLY | BOTH]
    return [name for name in readable if name not in VISITOR_ONLY]


@dataclass
class World:
    patient: object
    entry: DiaryEntry
    assessment: Assessment

    def url(self, name: str) -> str:
        if name in OBJECT_OF:
            return reverse(name, args=[getattr(self, OBJECT_OF[name]).pk])
        return reverse(name)

    @property
    def today(self) -> dt.date:
        return dt.datetime.now(zoneinfo.ZoneInfo(self.patient.time_zone)).date()


def make_world(patient, physiotherapist) -> World:
    """The patient two weeks into a plan: a diary every day (warning signs ticked on one), a
    checker result, how an exercise felt, two PSFS scores, and their physiotherapist's look
    at the plan in the audit trail: something in every section of the consult pack."""
    today = dt.datetime.now(zoneinfo.ZoneInfo(patient.time_zone)).date()
    plan = make_plan(patient, physiotherapist, starts_on=today - dt.timedelta(days=14))
    entries = make_entries(patient, 14, start=today - dt.timedelta(days=13))
    DiaryEntry.objects.filter(pk=entries[-3].pk).update(red_flags=["calf_swelling"])
    Completion.objects.create(
        patient=patient,
        schedule=plan.schedules.order_by("time_of_day").first(),
        date=today - dt.timedelta(days=1),
        exercise=plan.items.order_by("position").first().exercise,
        effort=Effort.TOO_HARD,
        pain=6,
    )
    answers = {"heard_pop": True}
    result = assess(load_knowledge(), answers)
    assessment = Assessment.objects.record(result, answers, user=patient)[0]
    for age, score in ((14, 3), (0, 6)):
        PsfsAssessment.objects.record(
            patient,
            uuid.uuid4(),
            today - dt.timedelta(days=age),
            [{"name": "Stairs", "score": score}, {"name": "Kneeling", "score": score - 1}],
            dt.datetime.now(dt.UTC),
        )
    StaffAccess.objects.create(
        staff=physiotherapist,
        staff_name=physiotherapist.get_full_name(),
        patient=patient,
        action=Action.VIEWED,
        what="stretch plan",
    )
    return World(patient=patient, entry=entries[-1], assessment=assessment)
