"""Why a patient needs their physiotherapist's attention, most pressing first.

Each reason counts only what happened since the physiotherapist last marked the patient as
reviewed (``AttentionReview``), so "mark reviewed" clears the list until something new
happens:

- warning signs ticked in a diary entry;
- a symptom checker result saying to get help today or sooner;
- a "see a doctor" reminder sent (symptoms persisting);
- pain rising over the last 7 days: the latest day's pain at least ``PAIN_RISE`` points above
  the first day's (2 points: the smallest change that matters to a patient);
- adherence under 50 % over the last 14 days, once at least ``MIN_DUE`` stretch sessions were
  due since the review (fewer say little);
- an exercise found too painful or too hard, from the feedback after it (reminders/feedback.py
  names the thresholds).

The weights order the list; a patient with no reason is not on it.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diary.models import DiaryEntry
from reminders import feedback
from reminders.adherence import adherence
from reminders.models import AttentionReview, Delivery, Kind, Status
from triage.models import Assessment, Urgency

PAIN_DAYS, PAIN_RISE = 7, 2
ADHERENCE_DAYS, ADHERENCE_LOW, MIN_DUE = 14, 50, 4


@dataclass(frozen=True)
class Reason:
    weight: int
    text: str


def since_review(patient, physiotherapist) -> dt.datetime | None:
    review = AttentionReview.objects.filter(
        patient=patient, physiotherapist=physiotherapist
    ).first()
    return review and review.reviewed_at


def reasons_for(patient, physiotherapist, now: dt.datetime | None = None) -> list[Reason]:
    """Why ``patient`` needs attention now, most pressing first (empty: they do not)."""
    now = now or timezone.now()
    since = since_review(patient, physiotherapist)
    after = Q(updated_at__gt=since) if since else Q()
    today = patient.today(now)
    reasons = []
    flagged = DiaryEntry.objects.of(patient).filter(after).exclude(red_flags=[]).count()
    if flagged:
        text = ngettext(
            "%(n)d diary entry with warning signs",
            "%(n)d diary entries with warning signs",
            flagged,
        )
        reasons.append(Reason(100, text % {"n": flagged}))
    results = Assessment.objects.of(patient).filter(urgency__in=Urgency.at_least(Urgency.URGENT))
    if since:
        results = results.filter(created_at__gt=since)
    if results.exists():
        reasons.append(Reason(90, _("a symptom checker result said to get help today or sooner")))
    alerts = Delivery.objects.filter(patient=patient, kind=Kind.PERSISTING, status=Status.SENT)
    if since:
        alerts = alerts.filter(sent_at__gt=since)
    if alerts.exists():
        reasons.append(Reason(80, _('a "symptoms persisting: see a doctor" reminder was sent')))
    if rise := pain_rise(patient, today, since):
        reasons.append(Reason(60, _("pain up %(rise)g points in 7 days") % {"rise": rise}))
    if (percent := low_adherence(patient, today, since, now)) is not None:
        reasons.append(
            Reason(40, _("%(percent)d%% of stretches done in 14 days") % {"percent": percent})
        )
    reasons += [Reason(*found) for found in feedback.attention_reasons(patient, today, since)]
    return sorted(reasons, key=lambda reason: -reason.weight)


def pain_rise(patient, today: dt.date, since: dt.datetime | None) -> float | None:
    """How far pain rose over the last 7 days, if by ``PAIN_RISE`` points or more and the
    newest entry came after the review."""
    entries = DiaryEntry.objects.of(patient).between(
        today - dt.timedelta(days=PAIN_DAYS - 1), today
    )
    if since and not entries.filter(updated_at__gt=since).exists():
        return None
    daily = entries.daily_pain()
    if len(daily) < 2:
        return None
    rise = daily[-1][1] - daily[0][1]
    return rise if rise >= PAIN_RISE else None


def low_adherence(patient, today: dt.date, since, now: dt.datetime) -> int | None:
    """The 14-day adherence in percent, if under half, over the stretch sessions due since
    the review (at least ``MIN_DUE`` of them)."""
    start = today - dt.timedelta(days=ADHERENCE_DAYS - 1)
    if since:
        start = max(start, since.astimezone(patient.zone).date() + dt.timedelta(days=1))
    if start > today:
        return None
    result = adherence(patient, start, today, now)
    if result.due < MIN_DUE or result.percent >= ADHERENCE_LOW:
        return None
    return result.percent


def fourteen_days(patient, now: dt.datetime | None = None):
    """Due and done over the patient's last 14 days, every plan together (for the bar)."""
    today = patient.today(now)
    return adherence(patient, today - dt.timedelta(days=ADHERENCE_DAYS - 1), today, now)


def mark_reviewed(patients, physiotherapist, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    for patient in patients:
        AttentionReview.objects.update_or_create(
            patient=patient, physiotherapist=physiotherapist, defaults={"reviewed_at": now}
        )
    return len(patients)
