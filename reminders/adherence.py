"""How well a patient keeps to their plan: reminders sent against reminders done."""

import datetime as dt
from dataclasses import dataclass

from reminders.models import Completion, Delivery, Status
from reminders.slots import local_moment


@dataclass(frozen=True)
class Adherence:
    start: dt.date
    end: dt.date
    sent: int
    done: int

    @property
    def percent(self) -> int | None:
        return round(100 * min(self.done, self.sent) / self.sent) if self.sent else None


def adherence(patient, start: dt.date, end: dt.date) -> Adherence:
    """Reminders sent (one per slot, whatever the channels) and done, ``start``..``end``."""
    zone = patient.zone
    sent = (
        Delivery.objects.stretches_of(patient)
        .filter(
            status=Status.SENT,
            slot__gte=local_moment(start, dt.time(0), zone),
            slot__lt=local_moment(end + dt.timedelta(days=1), dt.time(0), zone),
        )
        .values("schedule", "slot")
        .distinct()
        .count()
    )
    done = Completion.objects.filter(patient=patient, date__range=(start, end)).count()
    return Adherence(start, end, sent, done)


def last_days(patient, days: int = 14, now: dt.datetime | None = None) -> Adherence:
    today = patient.today(now)
    return adherence(patient, today - dt.timedelta(days=days - 1), today)
