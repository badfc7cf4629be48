"""Doctor alerts: the "see a doctor" rule on persisting or worsening pain in the diary,
and the check-in after a see-a-doctor result.

- Pain of ``PAIN_THRESHOLD`` or more on more than 3 days in a row without improvement (the
  latest day no better than the first), or rising on 3 days in a row, opens an episode and
  sends the reminder once. The episode ends on the first day the pain is below the
  threshold; a new episode alerts again only ``QUIET_PERIOD`` after the last alert.
- 3 days after a "see a doctor" or worse assessment of a signed-in patient, a check-in.

The task runs every hour and acts for a patient only in their local daytime, outside their
quiet hours, so in effect once a day per patient at a humane hour.
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Avg, Max

from reminders.dispatch import channels_for
from reminders.models import AlertKind, Delivery, DoctorAlert, PushSubscription, Status

log = logging.getLogger(__name__)

PAIN_THRESHOLD = 3
PERSISTING_DAYS = 4  # "more than 3 days"
WORSENING_DAYS = 3
QUIET_PERIOD = dt.timedelta(days=14)
CHECK_IN_AFTER = dt.timedelta(days=3)
CHECK_IN_WINDOW = dt.timedelta(days=7)  # older assessments get no late check-in
LOOKBACK_DAYS = 14
DAYTIME = (dt.time(9), dt.time(21))


@dataclass(frozen=True)
class Signal:
    since: dt.date
    reason: str


def trailing_run(daily: list[tuple[dt.date, float]], today: dt.date) -> list[tuple]:
    """The days in a row with pain at or above the threshold, ending today or yesterday."""
    run: list[tuple] = []
    for day, pain in reversed(daily):
        expected = run[0][0] - dt.timedelta(days=1) if run else None
        if expected is None and day < today - dt.timedelta(days=1):
            break
        if expected is not None and day != expected:
            break
        if pain < PAIN_THRESHOLD:
            break
        run.insert(0, (day, pain))
    return run


def persisting(daily: list[tuple[dt.date, float]], today: dt.date) -> Signal | None:
    """Whether ``daily`` (date, mean pain) oldest first calls for "see a doctor"."""
    run = trailing_run(daily, today)
    if len(run) >= PERSISTING_DAYS and run[-1][1] >= run[0][1]:
        return Signal(run[0][0], "persisting")
    last = run[-WORSENING_DAYS:]
    if len(last) == WORSENING_DAYS and all(a[1] < b[1] for a, b in pairwise(last)):
        return Signal(run[0][0], "worsening")
    return None


def reachable_now(patient, now: dt.datetime) -> bool:
    local = now.astimezone(patient.zone).time()
    return DAYTIME[0] <= local < DAYTIME[1] and not patient.in_quiet_hours(now)


def record_alert(patient, now: dt.datetime, has_push: bool, **fields) -> list[int]:
    """Open the episode and its deliveries; [] if another run opened it first.

    A patient with no channel set up gets no alert yet: it waits for a channel (a later
    hourly run opens it), rather than being spent on nobody."""
    channels = channels_for(patient, has_push)
    if not channels:
        return []
    try:
        with transaction.atomic():
            alert = DoctorAlert.objects.create(patient=patient, alerted_at=now, **fields)
            deliveries = Delivery.objects.bulk_create(
                Delivery.per_channel(
                    patient,
                    channels,
                    kind=alert.delivery_kind,
                    doctor_alert=alert,
                    slot=now,
                )
            )
    except IntegrityError:
        return []
    log.info("see-a-doctor alert %s (%s) for patient %s", alert.pk, alert.kind, patient.pk)
    return [delivery.pk for delivery in deliveries if delivery.status == Status.QUEUED]


def check_diaries(now: dt.datetime) -> list[int]:
    DiaryEntry = apps.get_model("diary", "DiaryEntry")
    since = now.date() - dt.timedelta(days=LOOKBACK_DAYS)
    daily = defaultdict(list)
    rows = (
        DiaryEntry.objects.filter(date__gte=since)
        .values("patient", "date")
        .annotate(pain=Avg("pain"))
        .order_by("patient", "date")
    )
    for row in rows:
        daily[row["patient"]].append((row["date"], float(row["pain"])))
    if not daily:
        return []
    User = get_user_model()
    patients = User.objects.filter(pk__in=daily, is_active=True).in_bulk()
    open_alerts = {
        alert.patient_id: alert
        for alert in DoctorAlert.objects.filter(
            patient__in=patients, kind=AlertKind.PERSISTING, ended_on__isnull=True
        )
    }
    last_alerted = dict(
        DoctorAlert.objects.filter(patient__in=patients, kind=AlertKind.PERSISTING)
        .values("patient")
        .annotate(last=Max("alerted_at"))
        .values_list("patient", "last")
    )
    with_push = set(
        PushSubscription.objects.filter(patient__in=patients).values_list("patient", flat=True)
    )
    ids: list[int] = []
    for pk, patient in patients.items():
        today = patient.today(now)
        days = [(day, pain) for day, pain in daily[pk] if day <= today]
        open_alert = open_alerts.get(pk)
        if open_alert is not None:
            better = [
                day for day, pain in days if day > open_alert.started_on and pain < PAIN_THRESHOLD
            ]
            if better:
                DoctorAlert.objects.filter(pk=open_alert.pk).update(ended_on=better[0])
            continue  # one reminder per episode
        signal = persisting(days, today)
        if signal is None or not reachable_now(patient, now):
            continue
        last = last_alerted.get(pk)
        if last is not None and now - last < QUIET_PERIOD:
            continue
        ids += record_alert(
            patient,
            now,
            pk in with_push,
            kind=AlertKind.PERSISTING,
            started_on=signal.since,
        )
    return ids


def check_assessments(now: dt.datetime) -> list[int]:
    from triage.models import Assessment, Urgency

    assessments = (
        Assessment.objects.filter(
            user__isnull=False,
            user__is_active=True,
            urgency__in=Urgency.at_least(Urgency.SEE_DOCTOR),
            created_at__lte=now - CHECK_IN_AFTER,
            created_at__gt=now - CHECK_IN_WINDOW,
        )
        .exclude(pk__in=DoctorAlert.objects.filter(assessment__isnull=False).values("assessment"))
        .select_related("user")
        .order_by("user", "-created_at")
    )
    newest = {}
    for assessment in assessments:
        newest.setdefault(assessment.user_id, assessment)  # one check-in for several
    with_push = set(
        PushSubscription.objects.filter(patient__in=newest).values_list("patient", flat=True)
    )
    last_check_in = dict(
        DoctorAlert.objects.filter(patient__in=newest, kind=AlertKind.CHECK_IN)
        .values("patient")
        .annotate(last=Max("alerted_at"))
        .values_list("patient", "last")
    )
    ids: list[int] = []
    for user_id, assessment in newest.items():
        patient = assessment.user
        checked_in = last_check_in.get(user_id)
        if checked_in is not None and checked_in >= assessment.created_at:
            continue  # already asked since this assessment
        if not reachable_now(patient, now):
            continue
        ids += record_alert(
            patient,
            now,
            user_id in with_push,
            kind=AlertKind.CHECK_IN,
            assessment=assessment,
            started_on=assessment.created_at.astimezone(patient.zone).date(),
        )
    return ids


def check(now: dt.datetime) -> list[int]:
    """Open the doctor alerts that are due; the ids of the deliveries to send."""
    from reminders import psfs

    return check_diaries(now) + check_assessments(now) + psfs.check(now)
