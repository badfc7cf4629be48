"""When a claimed reminder goes: now, held until the patient's quiet hours end, or not at all.

One rule, asked by ``sending.send_batch`` for every row it claimed (:func:`hold`), at the
moment it would send:

- a stretch reminder that would arrive in the patient's quiet hours is **held** until they
  end (``Delivery.not_before``), if that is still the slot's local day, and once: a row
  already held that finds itself in quiet hours again is dropped;
- a held stretch reminder whose plan ended meanwhile, or whose slot the patient already
  marked done, is **dropped** when its time comes;
- a nudge (``reminders/nudges.py``) is never sent in quiet hours either: it waits for their
  end, whatever the day;
- a doctor alert is only opened outside quiet hours (``doctor_alerts.reachable_now``) and
  goes when claimed.

A hold puts the row back to ``queued`` with ``not_before`` (the claim is undone, and is not
counted as an attempt); the claim skips it until then (``DeliveryQuerySet.claim_all``), and the
dispatch pass's sweep hands it over once due (:func:`due_again`). Adherence does not change:
it counts each (schedule, slot) once, whenever or whether its reminder went.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db.models import F, Q

from reminders.models import STRETCH_GRACE, Completion, Delivery, Kind, Status
from reminders.slots import local_moment

log = logging.getLogger(__name__)

SEND = "send"
HOLD = "hold"
DROP = "drop"


@dataclass(frozen=True)
class Decision:
    action: str  # SEND, HOLD or DROP
    until: dt.datetime | None = None  # HOLD: when it may go (UTC)
    reason: str = ""  # DROP: written to the row's error


def quiet_hours_end(patient, now: dt.datetime) -> dt.datetime | None:
    """When the quiet hours ``now`` falls in end (UTC); None outside quiet hours.

    Read on the patient's local clock, day by day: on the day the clocks change, 07:00 is
    still 07:00 there (``slots.local_moment``)."""
    if not patient.in_quiet_hours(now):
        return None
    zone = patient.zone
    local = now.astimezone(zone)
    end = patient.quiet_hours_end
    day = local.date() if local.time() < end else local.date() + dt.timedelta(days=1)
    return local_moment(day, end, zone)


def already_done(delivery: Delivery) -> bool:
    schedule = delivery.schedule
    day = delivery.local_slot.date()
    return (schedule.pk, day) in Completion.objects.done_slots([schedule], day, day)


def hold(delivery: Delivery, now: dt.datetime) -> Decision:
    """Whether ``delivery`` goes at ``now``, waits (until when) or is dropped (why)."""
    patient = delivery.patient
    if delivery.kind == Kind.NUDGE:
        until = quiet_hours_end(patient, now)
        return Decision(HOLD, until) if until else Decision(SEND)
    if delivery.kind != Kind.STRETCH or delivery.schedule_id is None:
        return Decision(SEND)
    held = delivery.not_before is not None
    zone = delivery.schedule.zone
    day = delivery.slot.astimezone(zone).date()
    if held:
        why = '"Later"' if delivery.snoozed_from_id else "held for quiet hours"
        plan = delivery.schedule.plan
        if not plan.is_current(day) or not plan.is_current(now.astimezone(zone).date()):
            return Decision(DROP, reason=f"{why}; its plan ended meanwhile")
        if already_done(delivery):
            return Decision(DROP, reason=f"{why}; already marked done")
    until = quiet_hours_end(patient, now)
    if until is None:
        return Decision(SEND)
    if delivery.snoozed_from_id:
        return Decision(DROP, reason='quiet hours (a "Later" that fell in them)')
    if held:
        return Decision(DROP, reason="quiet hours (held once already)")
    if until.astimezone(zone).date() != day:
        return Decision(DROP, reason="quiet hours, until after the slot's day")
    return Decision(HOLD, until)


def sendable(rows: list[Delivery], claimed_at: dt.datetime, fenced) -> list[Delivery]:
    """Of the rows just claimed at ``claimed_at``: hold or drop those :func:`hold` says, one
    fenced UPDATE each through ``fenced`` (``sending.fenced``: every outcome goes through the
    claim's fence; a hold undoes the claim's attempt); the rest, to send now."""
    go = []
    for row in rows:
        decision = hold(row, claimed_at)
        mine = fenced(row.pk, claimed_at)
        if decision.action == HOLD:
            mine.update(
                status=Status.QUEUED,
                not_before=decision.until,
                enqueued_at=claimed_at,
                attempts=row.attempts - 1,  # read under this claim: nobody else moves it
            )
            log.info("delivery %s held until %s", row.pk, decision.until.isoformat())
        elif decision.action == DROP:
            mine.update(status=Status.SKIPPED, error=decision.reason)
        else:
            go.append(row)
    return go


def due_again(now: dt.datetime) -> Q:
    """Held rows whose moment has come and that were not handed over since (for the sweep)."""
    return Q(status=Status.QUEUED, not_before__lte=now, enqueued_at__lt=F("not_before"))


def too_late(now: dt.datetime) -> Q:
    """Stretch rows more than ``STRETCH_GRACE`` past their slot, or past the end of the quiet
    hours they were held for."""
    late = now - STRETCH_GRACE
    return Q(kind=Kind.STRETCH) & (
        Q(not_before__isnull=True, slot__lt=late) | Q(not_before__lt=late)
    )
