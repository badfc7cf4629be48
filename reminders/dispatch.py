"""Turn due reminder slots into delivery rows, each claimed once.

The dispatcher may run on two beat hosts, twice in one minute, or again after a crash: a
schedule's slot is taken by a conditional UPDATE of ``next_run_at`` (only one caller changes
the row), and the unique (schedule, slot, channel) constraint backs that up.
"""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef

from reminders.models import Channel, Delivery, Kind, PushSubscription, ReminderSchedule, Status

log = logging.getLogger(__name__)

# A slot found later than this (beat was down) is recorded as skipped: a morning stretch
# reminder at tea time helps nobody.
GRACE = dt.timedelta(hours=1)


def channels_for(patient, has_push: bool) -> list[str]:
    channels = []
    if patient.remind_by_email and patient.email:
        channels.append(Channel.EMAIL)
    if patient.remind_by_push and has_push:
        channels.append(Channel.PUSH)
    return channels


def skip_reason(patient, slot: dt.datetime, now: dt.datetime) -> str:
    if not patient.is_active:
        return "account inactive"
    if now - slot > GRACE:
        return "found too late"
    if patient.in_quiet_hours(slot):
        return "quiet hours"
    return ""


def due_schedules(now: dt.datetime):
    """Every schedule due at ``now``, with its plan, patient and push flag, in one query."""
    has_push = PushSubscription.objects.filter(patient=OuterRef("plan__patient"))
    return ReminderSchedule.objects.due(now).annotate(has_push=Exists(has_push))


def dispatch_schedule(schedule: ReminderSchedule, now: dt.datetime) -> list[int]:
    """Claim this schedule's due slot and record its deliveries; the ids of those to send."""
    slot = schedule.next_run_at
    following = schedule.next_slot_after(max(now, slot))
    with transaction.atomic():
        claimed = ReminderSchedule.objects.filter(pk=schedule.pk, next_run_at=slot).update(
            next_run_at=following
        )
        if not claimed:
            return []  # another dispatcher took this slot
        patient = schedule.plan.patient
        reason = skip_reason(patient, slot, now)
        rows = [
            Delivery(
                patient=patient,
                kind=Kind.STRETCH,
                schedule=schedule,
                slot=slot,
                channel=channel,
                status=Status.SKIPPED if reason else Status.QUEUED,
                error=reason,
            )
            for channel in channels_for(patient, schedule.has_push)
        ]
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        if reason:
            log.info("reminder %s at %s skipped: %s", schedule.pk, slot, reason)
            return []
        return list(
            Delivery.objects.filter(schedule=schedule, slot=slot, status=Status.QUEUED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def dispatch_due(now: dt.datetime) -> list[int]:
    """Record the deliveries of every slot due at ``now``; the ids to hand to senders."""
    ids: list[int] = []
    for schedule in due_schedules(now):
        ids.extend(dispatch_schedule(schedule, now))
    return ids
