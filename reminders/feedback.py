"""How exercises felt: the patient's one tap after each exercise ("too easy / about right /
too hard") and the pain during it, kept on the exercise's "done" mark (``Completion``).

The physiotherapist sees it on the plan's admin page and in the list of who needs attention,
where two reasons come from it (each counts only what came after the last review):

- an exercise rated ``PAINFUL`` (7) or more out of 10 during it, in the last ``DAYS`` (14)
  days: 7 is where pain scales usually start "severe", and a stretch should not hurt so;
- the same exercise found "too hard" ``TOO_HARD_TIMES`` (2) times in the last 14 days: once
  can be a bad day, twice says the dose or the variant should step down.
"""

import datetime as dt

from django.db.models import Avg, Count, Max, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from reminders.models import Completion, Effort

DAYS, PAINFUL, TOO_HARD_TIMES = 14, 7, 2

# Shown to the patient as soon as they give PAINFUL or more (in the session, offline too, and
# after the plain form): a stretch should not hurt so, and calf pain may be a clot.
PAIN_ADVICE = gettext_lazy(
    "That is a lot of pain for an exercise. Stop this one for today and tell your physio. "
    "If your calf is also swollen, warm or red, or you feel short of breath, check your "
    "symptoms now."
)


def with_feedback(patient, today: dt.date, since: dt.datetime | None = None):
    """The patient's exercise marks with feedback in the last ``DAYS`` days, newest first."""
    marks = Completion.objects.filter(
        patient=patient, exercise__isnull=False, date__gt=today - dt.timedelta(days=DAYS)
    ).exclude(effort="", pain__isnull=True)
    if since:
        marks = marks.filter(done_at__gt=since)
    return marks.select_related("exercise", "schedule").order_by("-date", "-done_at")


def attention_reasons(patient, today: dt.date, since: dt.datetime | None) -> list[tuple]:
    """(weight, text) for each reason from feedback why ``patient`` needs attention."""
    marks = with_feedback(patient, today, since)
    reasons = []
    painful = marks.filter(pain__gte=PAINFUL).first()
    if painful:
        text = _("found an exercise too painful (%(exercise)s: pain %(pain)d/10)")
        reasons.append((70, text % {"exercise": painful.exercise, "pain": painful.pain}))
    hard = (
        marks.filter(effort=Effort.TOO_HARD)
        .values("exercise__name")
        .annotate(times=Count("pk"))
        .filter(times__gte=TOO_HARD_TIMES)
        .order_by("-times", "exercise__name")
        .first()
    )
    if hard:
        text = ngettext(
            'found %(exercise)s "too hard" %(n)d time in 14 days',
            'found %(exercise)s "too hard" %(n)d times in 14 days',
            hard["times"],
        )
        reasons.append((50, text % {"exercise": hard["exercise__name"], "n": hard["times"]}))
    return reasons


def table(patient, now: dt.datetime | None = None) -> str:
    """The last 14 days' feedback as an HTML table, for the physiotherapist's admin page."""
    marks = list(with_feedback(patient, patient.today(now or timezone.now()))[:50])
    return render_to_string("reminders/feedback_table.html", {"marks": marks, "days": DAYS})


def per_exercise(patient, start: dt.date, end: dt.date) -> list[dict]:
    """How each exercise felt ``start``..``end``, for the consult pack, in one query: the
    times rated, each effort's count, and the mean and worst pain during it."""
    marks = Completion.objects.filter(
        patient=patient, exercise__isnull=False, date__gte=start, date__lte=end
    ).exclude(effort="", pain__isnull=True)
    rows = (
        marks.values("exercise__name")
        .annotate(
            times=Count("pk"),
            too_easy=Count("pk", filter=Q(effort=Effort.TOO_EASY)),
            about_right=Count("pk", filter=Q(effort=Effort.ABOUT_RIGHT)),
            too_hard=Count("pk", filter=Q(effort=Effort.TOO_HARD)),
            mean_pain=Avg("pain"),
            worst_pain=Max("pain"),
        )
        .order_by("exercise__name")
    )
    return [{**row, "name": row.pop("exercise__name")} for row in rows]
