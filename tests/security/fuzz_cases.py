"""The forms and endpoints the hostile-input tests attack, each with a valid request.

A test replaces one field of a valid request with a hostile value (or leaves it out), so
whatever is refused is refused for that field. ``after_accept`` checks what a hostile value
that is fair input (a name, a note) did: it must come back escaped.
"""

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from diary.models import CONTENT_FIELDS as ENTRY_FIELDS
from diary.models import DiaryEntry
from reminders.models import ReminderSchedule
from reminders.preferences import FIELDS as PREFERENCE_FIELDS
from reminders.preferences import FORM_FIELDS as PREFERENCE_FORM_FIELDS
from tests.conftest import PASSWORD
from tests.security.fuzz_data import AUTH, P256DH, snapshot
from tests.security.fuzz_hostile import assert_escaped

# A field whose error may rightly be reported on its partner: "give both or neither".
PARTNERS = {
    "quiet_hours_start": ("quiet_hours_end",),
    "password1": ("password2",),
    "new_password1": ("new_password2",),
}


@dataclass
class World:
    owner: object
    other: object
    client: Client  # signed in as the owner

    @property
    def entry(self) -> DiaryEntry:
        """Today's entry: the valid body (``entry_body``) is for today, and a patient has one
        entry a day, so moving another entry onto today would be refused by the date."""
        return DiaryEntry.objects.of(self.owner).get(date=timezone.localdate())

    @property
    def schedule(self) -> ReminderSchedule:
        return ReminderSchedule.objects.filter(plan__patient=self.owner).first()

    def snapshots(self) -> tuple[dict, dict]:
        return snapshot(self.owner), snapshot(self.other)


def today() -> str:
    return timezone.localdate().isoformat()


def pages_showing_notes(world: World) -> None:
    """Every page that shows a diary note, for the entry just written."""
    entry = DiaryEntry.objects.of(world.owner).order_by("-updated_at").first()
    start = (timezone.localdate() - dt.timedelta(days=400)).isoformat()
    for url in (
        "/diary/history/",
        f"/diary/{entry.pk}/",
        f"/diary/{entry.pk}/edit/",
        f"/diary/report/?start={start}&end={today()}",
    ):
        response = world.client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode())
    csv = world.client.get(f"/diary/report.csv?start={start}&end={today()}")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv["Content-Disposition"].startswith("attachment")
    assert csv["X-Content-Type-Options"] == "nosniff"


# --- the API ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Api:
    name: str
    method: str
    url: Callable[[World], str]
    body: Callable[[World], dict]  # a valid request
    fields: tuple[str, ...]
    not_found_ok: bool = False  # an unknown schedule or subscription is rightly a 404
    after_accept: Callable[[World], None] = lambda world: None


def entry_body(world: World) -> dict:
    return {
        "date": today(),
        "pain": 3,
        "swelling": "mild",
        "stiffness": True,
        "walked_normally": False,
        "rice": False,
        "pain_relief": True,
        "stretches_done": [],
        "notes": "better today",
        "red_flags": [],
        "client_updated_at": timezone.now().isoformat(),
    }


API = [
    Api(
        "diary entry",
        "put",
        lambda world: f"/api/v1/diary/entries/{world.entry.pk}/",
        entry_body,
        (*ENTRY_FIELDS, "client_updated_at"),
        after_accept=pages_showing_notes,
    ),
    Api(
        "preferences",
        "patch",
        lambda world: "/api/v1/preferences/",
        lambda world: {
            "remind_by_email": False,
            "time_zone": "Europe/Paris",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
        },
        tuple(PREFERENCE_FIELDS),
    ),
    Api(
        "stretches done",
        "post",
        lambda world: "/api/v1/plan/done/",
        lambda world: {"schedule": world.schedule.pk, "date": today()},
        ("schedule", "date"),
        not_found_ok=True,
    ),
    Api(
        "push subscription",
        "post",
        lambda world: "/api/v1/push-subscriptions/",
        lambda world: {
            "endpoint": "https://push.example.net/send/new",
            "keys": {"p256dh": P256DH, "auth": AUTH},
            "expirationTime": None,
        },
        ("endpoint", "keys", "expirationTime"),
    ),
    Api(
        "forget a push subscription",
        "delete",
        lambda world: "/api/v1/push-subscriptions/",
        lambda world: {"endpoint": f"https://push.example.net/send/{world.owner.pk}"},
        ("endpoint",),
        not_found_ok=True,
    ),
    Api(
        "assessment",
        "post",
        lambda world: "/api/v1/triage/assessments/",
        lambda world: {"id": str(uuid.uuid4()), "answers": {"age": 40, "calf_swelling": False}},
        ("id", "answers"),
    ),
]


# --- the pages ----------------------------------------------------------------------------

NEW_PASSWORD = "a-new-long-password-77"
ENTRY_FORM_FIELDS = ("id", *ENTRY_FIELDS)


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[World], str]
    data: Callable[[World], dict]  # a valid submission
    fields: tuple[str, ...]
    signed_in: bool = True
    after_accept: Callable[[World], None] = lambda world: None


def never(world: World) -> None:
    pytest.fail("a hostile value was accepted")


def profile_escaped(world: World) -> None:
    assert_escaped(world.client.get("/account/").content.decode())


def entry_form(entry_id) -> dict:
    return {
        "id": str(entry_id),
        "date": today(),
        "pain": "3",
        "swelling": "mild",
        "walked_normally": "on",
        "notes": "better today",
    }


PAGES = [
    Page(
        "sign up",
        lambda world: "/account/signup/",
        lambda world: {
            "email": f"new-{uuid.uuid4().hex}@test.example",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "time_zone": "Europe/Paris",
            "consent": "on",
        },
        ("email", "password1", "password2", "time_zone", "consent"),
        signed_in=False,
    ),
    Page(
        "sign in",
        lambda world: "/account/login/",
        lambda world: {"username": world.owner.email, "password": PASSWORD},
        ("username", "password"),
        signed_in=False,
        after_accept=never,
    ),
    Page(
        "password reset",
        lambda world: "/account/password-reset/",
        lambda world: {"email": world.owner.email},
        ("email",),
        signed_in=False,
    ),
    Page(
        "profile",
        lambda world: "/account/",
        lambda world: {
            "name": "Pat",
            "time_zone": "Europe/London",
            "reminder_channels": "email",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
        },
        (
            "name",
            "time_zone",
            "reminder_channels",
            "quiet_hours_start",
            "quiet_hours_end",
        ),
        after_accept=profile_escaped,
    ),
    Page(
        "password change",
        lambda world: "/account/password/",
        lambda world: {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        ("old_password", "new_password1", "new_password2"),
        after_accept=never,
    ),
    Page(
        "account deletion",
        lambda world: "/account/delete/",
        lambda world: {"password": PASSWORD, "confirm": "on"},
        ("password",),  # any "confirm" is a yes: with the right password, deleting is right
        after_accept=never,
    ),
    Page(
        "diary entry",
        lambda world: "/diary/",
        lambda world: entry_form(uuid.uuid4()),
        ENTRY_FORM_FIELDS,
        after_accept=pages_showing_notes,
    ),
    Page(
        "diary edit",
        lambda world: f"/diary/{world.entry.pk}/edit/",
        lambda world: entry_form(world.entry.pk),
        ENTRY_FORM_FIELDS,
        after_accept=pages_showing_notes,
    ),
    Page(
        "reminder settings",
        lambda world: "/plan/preferences/",
        lambda world: {
            "time_zone": "Europe/London",
            "reminder_channels": "email",
            "quiet_hours_start": "",
            "quiet_hours_end": "",
        },
        tuple(PREFERENCE_FORM_FIELDS),
    ),
]
