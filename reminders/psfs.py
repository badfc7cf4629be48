"""The PSFS reminder: the Patient-Specific Functional Scale (diary/progress.py) is asked at the
start of a plan and then every 2 weeks.

A plan's due dates are its first day and every ``EVERY`` after it, while it runs. The hourly
alerts task (``doctor_alerts.check``) asks a patient once per due date, in their local
daytime outside quiet hours, unless they already rated their activities since that date.
Each ask is a ``DoctorAlert`` of kind ``psfs`` whose ``started_on`` is the due date (one per
patient and date, by a unique constraint), carried by deliveries of kind ``psfs`` through
the usual sending.
"""

import datetime as dt

from django.apps import apps
from django.db.models import Exists, OuterRef

from reminders.models import AlertKind, DoctorAlert, PushSubscription, StretchPlan

EVERY = dt.timedelta(days=14)


def due_date(starts_on: dt.date, today: dt.date) -> dt.date | None:
    """The latest due date of a plan starting ``starts_on``, up to ``today`` (None before)."""
    if today < starts_on:
        return None
    return starts_on + EVERY * ((today - starts_on) // EVERY)


def check(now: dt.datetime) -> list[int]:
    """Ask every patient whose PSFS is due; the ids of the deliveries to send."""
    from reminders.doctor_alerts import reachable_now, record_alert

    PsfsAssessment = apps.get_model("diary", "PsfsAssessment")
    # Every plan that runs on some patient's today (local dates are within a day of UTC's).
    day = dt.timedelta(days=1)
    plans = (
        StretchPlan.objects.filter(starts_on__lte=now.date() + day)
        .exclude(ends_on__lt=now.date() - day)
        .filter(patient__is_active=True)
        .annotate(has_push=Exists(PushSubscription.objects.filter(patient=OuterRef("patient"))))
        .select_related("patient")
        .order_by("patient", "-starts_on")
    )
    ids: list[int] = []
    seen = set()
    for plan in plans:
        patient = plan.patient
        today = patient.today(now)
        if patient.pk in seen or not plan.is_current(today):
            continue
        seen.add(patient.pk)
        due = due_date(plan.starts_on, today)
        if due is None or not reachable_now(patient, now):
            continue
        asked = DoctorAlert.objects.filter(patient=patient, kind=AlertKind.PSFS, started_on=due)
        answered = PsfsAssessment.objects.filter(patient=patient, date__gte=due)
        if asked.exists() or answered.exists():
            continue
        ids += record_alert(patient, now, plan.has_push, kind=AlertKind.PSFS, started_on=due)
    return ids
