"""What a reminder says, once, for every channel: title, text, the page it opens."""

import datetime as dt
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core import signing
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from reminders import signed, snooze
from reminders.links import path_to
from reminders.models import Delivery, Fallback, Kind

UNSUBSCRIBE_SALT = "reminders.unsubscribe"
# What "Later" may move: the everyday reminders (a doctor alert waits a day on the phone).
SNOOZABLE = (Kind.STRETCH, Kind.NUDGE)


@dataclass(frozen=True)
class Notification:
    title: str
    body: str
    path: str  # the page it opens, relative to the site
    tag: str  # the same reminder sent again replaces itself on the phone
    stretches: list[str] = field(default_factory=list)
    reminder: dict | None = None  # {"schedule": id, "date": "YYYY-MM-DD"} for "Done"
    delivery_id: int | None = None  # for the phone's receipt of a push
    fallback: str = ""  # an email instead of a push: why, for the patient
    later_token: str = ""  # "Later" (reminders/snooze.py): the signed token, if it may be moved

    @property
    def later_url(self) -> str:
        """The email's "later" link: a page that asks, then moves the reminder."""
        if not self.later_token:
            return ""
        return settings.SITE_URL + path_to("reminders:later", self.later_token)

    @property
    def url(self) -> str:
        return settings.SITE_URL + self.path

    def push_payload(self, receipt: dict | None = None) -> dict:
        """What a push carries: our own fields for the service worker, and the same as a
        Declarative Web Push message (``web_push: 8030``), which Safari shows even if the
        worker fails; ``mutable`` still wakes the worker there, to send the ``receipt``."""
        data = {
            "web_push": 8030,
            "notification": {
                "title": self.title,
                "body": self.body,
                "navigate": self.url,
                "tag": self.tag,
                "lang": get_language() or settings.LANGUAGE_CODE,
                "dir": "auto",
                "silent": False,
            },
            "mutable": True,
            "title": self.title,
            "body": self.body,
            "url": self.path,
            "tag": self.tag,
        }
        if self.reminder:
            data["reminder"] = self.reminder
        if receipt:
            data["receipt"] = receipt
        if self.later_token:
            data["later"] = {"url": path_to("api-plan-later"), "token": self.later_token}
        return data


# An unsubscribe link works this long after its email was sent.
UNSUBSCRIBE_MAX_AGE = dt.timedelta(days=90)


def unsubscribe_token(user, sent_at: dt.datetime) -> str:
    """Signed: the user, and when the email was sent (ms), to compare with when the email
    setting last changed. The signature's own timestamp makes it expire."""
    sent_ms = int(sent_at.timestamp() * 1000)
    return signed.dumps(
        {"u": user.pk, "c": "email", "t": sent_ms}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def unsubscribe_url(user, sent_at: dt.datetime) -> str:
    token = unsubscribe_token(user, sent_at)
    return settings.SITE_URL + path_to("reminders:unsubscribe", token)


class UnsubscribeExpired(Exception):
    """A genuine unsubscribe link, older than UNSUBSCRIBE_MAX_AGE."""


def read_unsubscribe_token(token: str) -> tuple[int, dt.datetime] | None:
    """(user id, when the email was sent), None for a forged token, or UnsubscribeExpired.

    Tokens signed before they carried the sending time are refused as expired: the setting
    they were sent under cannot be known.
    """
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.SignatureExpired:
        raise UnsubscribeExpired from None
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("c") != "email":
        return None
    if not isinstance(data.get("t"), int):
        raise UnsubscribeExpired
    return data.get("u"), dt.datetime.fromtimestamp(data["t"] / 1000, tz=dt.UTC)


def local_date(delivery: Delivery) -> dt.date:
    return delivery.local_slot.date()


def for_delivery(delivery: Delivery) -> Notification:
    notification = what_it_says(delivery)
    if delivery.snoozed_from_id:  # "Later": a message of its own (Message-ID, Topic)
        return replace(notification, tag=f"{notification.tag}-later")
    if delivery.kind in SNOOZABLE:
        return replace(notification, later_token=snooze.later_token(delivery))
    return notification


def what_it_says(delivery: Delivery) -> Notification:
    extra = {"delivery_id": delivery.pk, "fallback": str(FALLBACK_TEXTS.get(delivery.fallback, ""))}
    if delivery.kind == Kind.STRETCH:
        schedule = delivery.schedule
        day = local_date(delivery)
        # .all(): a batch prefetches the items with their exercises (sending.claimed_rows).
        names = [str(item) for item in schedule.plan.items.all()]
        return Notification(
            title=_("Time to stretch"),
            body=_("Your %(time)s stretches: %(names)s.")
            % {"time": schedule.time_of_day.strftime("%H:%M"), "names": ", ".join(names)},
            path=path_to("reminders:plan"),
            tag=f"stretch-{schedule.pk}-{day.isoformat()}",
            stretches=names,
            reminder={"schedule": schedule.pk, "date": day.isoformat()},
            **extra,
        )
    if delivery.kind == Kind.NUDGE:
        return Notification(
            title=_("A few minutes for your knee?"),
            body=_(
                "Nothing has been logged for 2 days. A short stretch today can help; mark it "
                "done or add a diary entry. You can turn these nudges off in your reminder "
                "settings."
            ),
            path=path_to("reminders:plan"),
            tag=f"nudge-{delivery.slot:%Y%m%d%H}",
            **extra,
        )
    title, body, url_name, tag = DOCTOR_ALERT_TEXTS[delivery.kind]
    return Notification(
        title=str(title),
        body=str(body),
        path=path_to(url_name),
        tag=f"{tag}-{delivery.doctor_alert_id}",
        **extra,
    )


# Why a patient who chose notifications gets this reminder by email.
FALLBACK_TEXTS = {
    Fallback.PUSH_FAILED: gettext_lazy(
        "You are getting this by email because the notification could not reach your phone: "
        "notifications may be turned off there, or the app removed. Open kneeapp on your "
        "phone to turn them on again."
    ),
    Fallback.PUSH_UNCONFIRMED: gettext_lazy(
        "You are getting this by email because your phone has not confirmed a notification "
        "from us for 3 days. Open kneeapp on your phone to check that notifications are on; "
        "once one arrives again, these emails stop."
    ),
}


# What each kind of doctor alert says, where it leads, and its notification tag's prefix.
DOCTOR_ALERT_TEXTS = {
    Kind.PERSISTING: (
        gettext_lazy("Your knee pain is not settling"),
        gettext_lazy(
            "Your diary shows pain for several days without getting better. "
            "Please book an appointment with a doctor or physiotherapist."
        ),
        "diary:today",
        "see-doctor",
    ),
    Kind.CHECK_IN: (
        gettext_lazy("How is your knee?"),
        gettext_lazy(
            "A few days ago the symptom checker suggested seeing a doctor. If you have not "
            "yet, please book an appointment; if it is worse, check again now."
        ),
        "triage:start",
        "check-in",
    ),
    Kind.PSFS: (
        gettext_lazy("How are your activities going?"),
        gettext_lazy(
            "Time to rate the activities your knee makes hard, 0 to 10. It takes a minute "
            "and shows you and your physiotherapist how you are getting on."
        ),
        "diary:progress",
        "psfs",
    ),
}
