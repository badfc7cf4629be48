"""The nudge: one gentle reminder for a patient whose plan runs but who logged nothing lately.

A patient is nudged when, at ``now``:

- they have a current plan that started at least ``IDLE`` ago (on their own clock);
- they logged nothing for ``IDLE``: no "done" mark (``Completion.done_at``) and no diary
  entry written or changed (``DiaryEntry.updated_at``);
- they were not nudged in the last ``EVERY``;
- it is their daytime and not their quiet hours (``doctor_alerts.reachable_now``); a nudge
  held up past that waits for the end of quiet hours at send time too (``timing.hold``);
- their account is active, ``User.send_nudges`` is on (the reminder settings) and they have
  a channel (``dispatch.channels_for``).

Beat runs :func:`check` hourly (``tasks.send_nudges``). The nudge's ``slot`` is the hour it
was decided, and ``delivery_nudge_once_per_hour`` makes a pass run twice record it once.
"""

import datetime as dt
import logging

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, Q

from reminders.dispatch import channels_for
from reminders.doctor_alerts import reachable_now
from reminders.models import Completion, Delivery, Kind, PushSubscription, Status, StretchPlan

log = logging.getLogger(__name__)

IDLE = dt.timedelta(days=2)
EVERY = dt.timedelta(days=3)


def candidates(now: dt.datetime):
    """Patients who may be nudged at ``now``, with the plans that may count (a day's slack
    either side for time zones; :func:`wanted` decides on the patient's own clock)."""
    DiaryEntry = apps.get_model("diary", "DiaryEntry")
    me = OuterRef("pk")
    since = now - IDLE
    plans = StretchPlan.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=now.date() - dt.timedelta(days=1)),
        starts_on__lte=since.date() + dt.timedelta(days=1),
    )
    push = PushSubscription.objects.filter(patient=me)
    return (
        get_user_model()
        .objects.filter(is_active=True, send_nudges=True)
        .filter(Exists(plans.filter(patient=me)))
        .exclude(Exists(Completion.objects.filter(patient=me, done_at__gt=since)))
        .exclude(Exists(DiaryEntry.objects.filter(patient=me, updated_at__gt=since)))
        .exclude(Exists(Delivery.objects.filter(patient=me, kind=Kind.NUDGE, slot__gt=now - EVERY)))
        .annotate(has_push=Exists(push), push_heard=Exists(push.heard_from(now)))
        .prefetch_related(Prefetch("stretch_plans", queryset=plans, to_attr="nudge_plans"))
        .order_by("pk")
    )


def wanted(patient, now: dt.datetime) -> bool:
    today = patient.today(now)
    started_by = today - dt.timedelta(days=IDLE.days)
    runs = any(
        plan.is_current(today) and plan.starts_on <= started_by for plan in patient.nudge_plans
    )
    return runs and reachable_now(patient, now)


def check(now: dt.datetime) -> list[int]:
    """Record the nudges due at ``now``; the ids of the queued ones, to send."""
    slot = now.replace(minute=0, second=0, microsecond=0)
    rows = []
    for patient in candidates(now):
        if wanted(patient, now):
            channels = channels_for(patient, patient.has_push, patient.push_heard)
            rows += Delivery.per_channel(patient, channels, kind=Kind.NUDGE, slot=slot)
    if not rows:
        return []
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    patients = {row.patient_id for row in rows}
    log.info("nudging %d patients at %s", len(patients), now.isoformat())
    return list(
        Delivery.objects.filter(
            kind=Kind.NUDGE, slot=slot, patient__in=patients, status=Status.QUEUED
        ).values_list("pk", flat=True)
    )
