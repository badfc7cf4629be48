"""Turn due reminder slots into delivery rows, each slot recorded once, in a few queries.

One pass is one transaction, however many schedules are due:

1. one SELECT of the due schedules with their patient and push flag, locking those rows
   (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: a second dispatcher skips the rows this one
   holds instead of waiting, and once this one commits, PostgreSQL checks the changed rows
   against the WHERE again and finds them no longer due; on SQLite the write lock taken at
   ``BEGIN IMMEDIATE`` serialises whole passes);
2. each schedule's next slot computed in Python, and one UPDATE moving them all on;
3. one INSERT of the deliveries; the unique (schedule, slot, channel) constraint backs the
   lock up, so a slot offered twice is still recorded once;
4. one SELECT of the ids of the queued deliveries, for the senders.

On PostgreSQL with Django's default client-side parameter binding that is four statements
for one due schedule or 100,000. Where the database caps the parameters of a statement
(SQLite; PostgreSQL with server-side binding) statements 2 to 4 are split in batches of
that size.
"""

import datetime as dt
import logging
from collections import Counter, defaultdict

from django.db import connection, models, transaction
from django.db.models import Case, Exists, OuterRef, Value, When

from reminders.models import (
    STRETCH_GRACE,
    Channel,
    Delivery,
    Fallback,
    Kind,
    PushSubscription,
    ReminderSchedule,
    Status,
)

log = logging.getLogger(__name__)


def channels_for(patient, has_push: bool, push_heard: bool = False) -> list[str]:
    """The channels a reminder goes by. With push and email both on, email is the fallback:
    it is left out while a phone of the patient confirms its pushes (``push_heard``). An
    alert does not ask, and so goes by both."""
    email = bool(patient.remind_by_email and patient.email)
    push = patient.remind_by_push and has_push
    if push and email and push_heard:
        return [Channel.PUSH]
    return [channel for channel, on in ((Channel.EMAIL, email), (Channel.PUSH, push)) if on]


def skip_reason(patient, slot: dt.datetime, now: dt.datetime) -> str:
    if not patient.is_active:
        return "account inactive"
    if now - slot > STRETCH_GRACE:
        return "found too late"
    return ""  # quiet hours: the row is queued, and held until they end (reminders/timing.py)


def due_schedules(now: dt.datetime):
    """Every schedule due at ``now``, with its plan, patient and push flags, in one query."""
    push = PushSubscription.objects.filter(patient=OuterRef("plan__patient"))
    return (
        ReminderSchedule.objects.due(now)
        .annotate(has_push=Exists(push), push_heard=Exists(push.heard_from(now)))
        .order_by("pk")
    )


def batches(items: list, params_per_item: int):
    """``items`` in slices small enough for the database's cap on parameters (if it has one)."""
    size = connection.ops.bulk_batch_size(["pk"] * params_per_item, items) or 1
    for start in range(0, len(items), size):
        yield items[start : start + size]


def deliveries_for(schedule: ReminderSchedule, slot: dt.datetime, reason: str):
    """The rows recording ``slot`` of ``schedule``: queued, or skipped for ``reason``."""
    patient = schedule.plan.patient
    channels = channels_for(patient, schedule.has_push, schedule.push_heard)
    rows = Delivery.per_channel(
        patient,
        channels,
        kind=Kind.STRETCH,
        schedule=schedule,
        slot=slot,
        status=Status.SKIPPED if reason else Status.QUEUED,
        error=reason,
    )
    if len(channels) == 2:  # both on, and no phone heard from: the email says why it came
        for row in rows:
            if row.channel == Channel.EMAIL:
                row.fallback = Fallback.PUSH_UNCONFIRMED
    return rows


def move_on(schedules: list[ReminderSchedule]) -> None:
    """Save every schedule's new ``next_run_at``: one UPDATE, with one CASE branch per value.

    Schedules at the same local time in the same zone share their next slot, so there are a
    few distinct values for thousands of rows; a CASE per row would be quadratic.
    """
    for batch in batches(schedules, params_per_item=3):
        by_slot = defaultdict(list)
        for schedule in batch:
            by_slot[schedule.next_run_at].append(schedule.pk)
        ReminderSchedule.objects.filter(pk__in=[schedule.pk for schedule in batch]).update(
            next_run_at=Case(
                *(When(pk__in=pks, then=Value(slot)) for slot, pks in by_slot.items()),
                output_field=models.DateTimeField(),
            )
        )


def queued_ids(rows: list[Delivery], now: dt.datetime) -> list[int]:
    """The ids of the queued deliveries of the (schedule, slot) pairs just recorded."""
    wanted = {(row.schedule_id, row.slot) for row in rows if row.status == Status.QUEUED}
    ids = []
    for batch in batches(sorted({schedule_id for schedule_id, _ in wanted}), params_per_item=1):
        found = (
            Delivery.objects.filter(schedule_id__in=batch, slot__lte=now, status=Status.QUEUED)
            .order_by()
            .values_list("pk", "schedule_id", "slot")
        )
        ids += [pk for pk, schedule_id, slot in found if (schedule_id, slot) in wanted]
    return sorted(ids)


def dispatch_due(now: dt.datetime) -> list[int]:
    """Record the deliveries of every slot due at ``now``; the ids to hand to senders."""
    with transaction.atomic():
        schedules = list(due_schedules(now).select_for_update(skip_locked=True, of=("self",)))
        if not schedules:
            return []
        rows, skipped = [], Counter()
        for schedule in schedules:
            slot = schedule.next_run_at
            schedule.next_run_at = schedule.next_slot_after(max(now, slot))
            reason = skip_reason(schedule.plan.patient, slot, now)
            if reason:
                skipped[reason] += 1
            rows += deliveries_for(schedule, slot, reason)
        move_on(schedules)
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        ids = queued_ids(rows, now)
    if skipped:
        log.info("reminder slots skipped at %s: %s", now.isoformat(), dict(skipped))
    return ids
