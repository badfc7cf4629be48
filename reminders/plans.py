"""A patient's plan for one day, as both the plan page and ``GET /api/v1/plan/`` show it."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from kneeapp.prepared import PreparedQuery, Stand
from reminders.models import Completion, PlanItem, ReminderSchedule, StretchPlan
from reminders.models.completions import slots_done

# How far back a "done" may be recorded (a notification tapped the next morning still counts).
DONE_LATEST_DAYS_AGO = 7


@dataclass(frozen=True)
class Reminder:
    schedule: ReminderSchedule
    date: dt.date
    done: bool

    @property
    def key(self) -> str:
        """Stable per reminder: the outbox id of its "done" mark."""
        return f"done-{self.schedule.pk}-{self.date.isoformat()}"


@dataclass(frozen=True)
class DayPlan:
    plan: StretchPlan | None
    date: dt.date
    items: list[PlanItem]
    reminders: list[Reminder]
    schedules: list[ReminderSchedule] = field(default_factory=list)  # all of the plan's

    @property
    def session_reminder(self) -> Reminder | None:
        """The reminder an exercise session marks: the first still open today, else the last
        (marking again is harmless: each mark is kept once)."""
        open_ones = [reminder for reminder in self.reminders if not reminder.done]
        if open_ones:
            return open_ones[0]
        return self.reminders[-1] if self.reminders else None


# The plan page's two queries of its own that need no join, compiled once per connection
# (kneeapp.prepared: compiling them cost more than the database took to answer them).
_STAND_IN_ID, _STAND_IN_DAY = -1_234_567_892, dt.date(1901, 2, 3)
PLAN_ON_DAY = PreparedQuery(
    "plan_on_day",
    StretchPlan,
    lambda patient_id, day: StretchPlan.objects.of(patient_id).current(day)[:1],
    {
        "patient_id": Stand(_STAND_IN_ID, StretchPlan._meta.get_field("patient")),
        "day": Stand(_STAND_IN_DAY, StretchPlan._meta.get_field("starts_on")),
    },
    many=True,  # in the plans' own order: the newest first
)
SCHEDULES_WITH_MARKS = PreparedQuery(
    "schedules_with_marks",
    ReminderSchedule,
    lambda plan_id, day: ReminderSchedule.objects.filter(plan_id=plan_id).with_marks_on(day),
    {
        "plan_id": Stand(_STAND_IN_ID, ReminderSchedule._meta.get_field("plan")),
        "day": Stand(_STAND_IN_DAY, Completion._meta.get_field("date")),
    },
    many=True,
)


def current_plan(patient, day: dt.date, *, physiotherapist: bool = False) -> StretchPlan | None:
    """``patient``'s plan on ``day``; with its physiotherapist when asked (the API shows
    them, the page does not: a join of every user column it would not use)."""
    if physiotherapist:
        plans = StretchPlan.objects.of(patient).current(day)
        return plans.select_related("physiotherapist").first()
    found = PLAN_ON_DAY.all(patient_id=patient.pk, day=day)
    return found[0] if found else None


def end_plans(patient, now: dt.datetime | None = None) -> None:
    """End every plan of ``patient`` that still runs or is still to come, so that nothing
    more is sent: one that started before today ends yesterday, one that starts today ends
    today with no reminder left, one not started yet is removed (it holds nothing of the
    patient's). Used when the patient ends the link with their physiotherapist."""
    today = patient.today(now)
    with transaction.atomic():
        running = StretchPlan.objects.of(patient).exclude(ends_on__lt=today)
        running.filter(starts_on__gt=today).delete()
        for plan in running.select_for_update():
            plan.ends_on = max(plan.starts_on, today - dt.timedelta(days=1))
            plan.save(update_fields=["ends_on"])
            plan.schedules.update(next_run_at=None)


def day_plan(patient, now: dt.datetime | None = None, *, physiotherapist: bool = False) -> DayPlan:
    """Today's plan of ``patient``: three queries (the plan, its items, its schedules with
    the day's "done" marks), plain ones rather than prefetches, whose own work cost as much
    again on the plan page; two of them prepared. The API shows the items and schedules
    from here too."""
    day = patient.today(now)
    plan = current_plan(patient, day, physiotherapist=physiotherapist)
    if plan is None:
        return DayPlan(None, day, [], [])
    items = list(plan.items.select_related("exercise"))
    schedules: dict[int, ReminderSchedule] = {}
    marks = []
    for row in SCHEDULES_WITH_MARKS.all(plan_id=plan.pk, day=day):
        row.plan = plan
        schedules.setdefault(row.pk, row)
        if row.mark is not None:
            marks.append((row.pk, day, row.mark_exercise))
    done = slots_done(schedules.values(), marks, {plan.pk: {item.exercise_id for item in items}})
    reminders = [
        Reminder(schedule, day, (schedule.pk, day) in done)
        for schedule in schedules.values()
        if schedule.on_weekday(day.weekday())
    ]
    return DayPlan(plan, day, items, reminders, list(schedules.values()))


class DoneRejected(ValueError):
    def __init__(self, message: str, field: str = "date"):
        super().__init__(message)
        self.field = field


def mark_done(
    patient,
    schedule_id: int,
    day: dt.date,
    item_id: int | None = None,
    effort: str = "",
    pain: int | None = None,
) -> tuple[Completion, bool]:
    """Record that ``patient`` did the stretches of one reminder, or one exercise of it
    (``item_id``, a plan item), with how it felt when given; (completion, created).

    Idempotent per reminder (schedule and date) and exercise: marking again keeps one row
    and only adds or changes the feedback given. Raises ``Http404`` for another patient's
    schedule (as for one that does not exist), ``DoneRejected`` for a date that cannot be
    right, with the field at fault as ``error.field``.
    """
    schedule = get_object_or_404(
        ReminderSchedule.objects.select_related("plan"), pk=schedule_id, plan__patient=patient
    )
    if patient.is_in_the_future(day):
        raise DoneRejected(_("That date is in the future."))
    if day < patient.today() - dt.timedelta(days=DONE_LATEST_DAYS_AGO):
        raise DoneRejected(_("That reminder is too old to mark done."))
    if not schedule.plan.is_current(day):
        raise DoneRejected(_("Your plan did not include that day."))
    exercise_id = None
    if item_id is not None:
        item = PlanItem.objects.filter(pk=item_id, plan=schedule.plan).first()
        if item is None:
            raise DoneRejected(_("That exercise is not in this plan."), field="item")
        exercise_id = item.exercise_id
    feedback = {"effort": effort} if effort else {}
    if pain is not None:
        feedback["pain"] = pain
    key = {"patient": patient, "schedule": schedule, "date": day, "exercise_id": exercise_id}
    try:
        with transaction.atomic():
            completion, created = Completion.objects.get_or_create(**key, defaults=feedback)
    except IntegrityError:  # the same mark from the page and the service worker at once
        completion, created = Completion.objects.get(**key), False
    if not created and feedback:
        for name, value in feedback.items():
            setattr(completion, name, value)
        completion.save(update_fields=list(feedback))
    return completion, created


def mark_done_as_asked(patient, asked: dict) -> tuple[Completion, bool]:
    """``mark_done`` with what the page's form or the API validated: ``schedule`` and
    ``date``, and the optional ``item``, ``effort`` and ``pain`` (left out or empty: none)."""
    return mark_done(
        patient,
        asked["schedule"],
        asked["date"],
        item_id=asked.get("item"),
        effort=asked.get("effort") or "",
        pain=asked.get("pain"),
    )
