""" "Later": the reminder again, 30 minutes on, once.

"Later" on a push notification (the service worker posts the push's signed token to
``api-plan-later``, with no session: it may have expired) or the "later" link of an email
(``reminders:later``: a GET asks, a POST acts) makes ONE new delivery of the original's
reminder, ``snoozed_from`` the original and held until ``SNOOZE`` later (``not_before``). It
goes like every send: claimed, fenced, retried, with its own Message-ID and Topic (its tag
ends in ``-later``). The rule at send time is the held rule of ``timing.hold``: not sent if
the plan ended or the slot was marked done meanwhile, or if it falls in quiet hours.

Once: ``snoozed_from`` is unique, so a second "Later" on the same original makes nothing new
(and says so), and a snooze carries no "later" of its own.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction

from reminders import signed
from reminders.links import path_to
from reminders.models import Delivery, Status

SNOOZE = dt.timedelta(minutes=30)
LATER_SALT = "reminders.later"
# A "Later" is for the day of the reminder: a link or a notification older than this is void.
LATER_MAX_AGE = dt.timedelta(hours=12)


class LaterExpired(Exception):
    """A genuine token, older than LATER_MAX_AGE."""


@dataclass(frozen=True)
class Snoozed:
    delivery: Delivery  # the new delivery (or the one a first "Later" made)
    created: bool


def can_snooze(delivery: Delivery) -> bool:
    return delivery.snoozed_from_id is None


def later_token(delivery: Delivery) -> str:
    return signed.dumps([delivery.pk, delivery.patient_id], salt=LATER_SALT)


def later_url(delivery: Delivery) -> str:
    return settings.SITE_URL + path_to("reminders:later", later_token(delivery))


def read_token(token: str) -> Delivery | None:
    """The delivery a token names (None: forged, or gone), or ``LaterExpired``."""
    try:
        delivery_id, patient_id = signing.loads(token, salt=LATER_SALT, max_age=LATER_MAX_AGE)
    except signing.SignatureExpired:
        raise LaterExpired from None
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return (
        Delivery.objects.filter(pk=delivery_id, patient_id=patient_id)
        .select_related("patient", "schedule")
        .first()
    )


def snooze(original: Delivery, now: dt.datetime) -> Snoozed | None:
    """The original's reminder once more at ``now + SNOOZE``; None if it cannot be moved (it
    is itself a "Later"). A second call returns the first one's delivery, ``created`` False."""
    if not can_snooze(original):
        return None
    existing = Delivery.objects.filter(snoozed_from=original).first()
    if existing is not None:
        return Snoozed(existing, created=False)
    again = Delivery(
        patient_id=original.patient_id,
        kind=original.kind,
        schedule_id=original.schedule_id,
        doctor_alert_id=original.doctor_alert_id,
        slot=original.slot,
        channel=original.channel,
        status=Status.QUEUED,
        not_before=now + SNOOZE,
        enqueued_at=now,  # the sweep hands it over once not_before has come
        snoozed_from=original,
    )
    try:
        with transaction.atomic():
            again.save()
    except IntegrityError:  # a second "Later" at the same moment
        return Snoozed(Delivery.objects.get(snoozed_from=original), created=False)
    return Snoozed(again, created=True)


def for_user(token: str, user=None) -> Delivery | None:
    """The delivery ``token`` names, if ``user`` may move it (signed in or not, or None where
    no session is read: it may have expired). None for a forged token, a gone delivery, or
    another patient signed in here. Raises ``LaterExpired``."""
    delivery = read_token(token)
    signed_in = user is not None and user.is_authenticated
    if delivery is None or (signed_in and user.pk != delivery.patient_id):
        return None
    return delivery
