"""The patient's "done": for one reminder (a schedule on a local date), as a whole or per
exercise, with how it felt; and which reminders those marks make done."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reminders.models.plans import PlanItem, ReminderSchedule


class Effort(models.TextChoices):
    """How an exercise felt, in the patient's one tap after it."""

    TOO_EASY = "too_easy", _("Too easy")
    ABOUT_RIGHT = "about_right", _("About right")
    TOO_HARD = "too_hard", _("Too hard")


class CompletionQuerySet(models.QuerySet):
    def done_slots(
        self, schedules, start: dt.date, end: dt.date, wanted: dict[int, set[int]] | None = None
    ) -> set[tuple[int, dt.date]]:
        """The (schedule id, date) pairs of ``schedules`` (instances) done ``start``..``end``:
        marked done as a whole, or with every exercise of the plan marked done on its own.

        A session with an exercise skipped leaves the reminder not done (its exercise marks
        and their feedback are kept and shown): done means the stretches asked for were done.
        ``wanted`` is ``{plan id: its exercise ids}`` when the caller has the plans' items at
        hand (one query fewer); the marks, whole and per exercise, come in one query.
        """
        if wanted is None:
            wanted = {}
            for plan_id, exercise_id in PlanItem.objects.filter(
                plan__schedules__in=schedules
            ).values_list("plan_id", "exercise_id"):
                wanted.setdefault(plan_id, set()).add(exercise_id)
        marks = self.filter(schedule__in=schedules, date__range=(start, end)).order_by()
        rows = marks.values_list("schedule_id", "date", "exercise_id")
        return slots_done(schedules, rows, wanted)


def slots_done(schedules, marks, wanted: dict[int, set[int]]) -> set[tuple[int, dt.date]]:
    """The (schedule id, date) pairs of ``schedules`` that ``marks`` (schedule id, date,
    exercise id or None for the whole reminder) make done: ``CompletionQuerySet.done_slots``
    for marks the caller has already fetched."""
    plan_of = {schedule.pk: schedule.plan_id for schedule in schedules}
    done: set[tuple[int, dt.date]] = set()
    marked: dict[tuple[int, dt.date], set[int]] = {}
    for schedule_id, day, exercise_id in marks:
        if exercise_id is None:
            done.add((schedule_id, day))
        else:
            marked.setdefault((schedule_id, day), set()).add(exercise_id)
    for (schedule_id, day), exercises in marked.items():
        exercises_wanted = wanted.get(plan_of[schedule_id])
        if exercises_wanted and exercises_wanted <= exercises:
            done.add((schedule_id, day))
    return done


class Completion(models.Model):
    """A patient's "done" for one reminder (a schedule on a local date), as a whole or for one
    exercise of it, each at most once; with how the exercise felt, when the patient said."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stretch_completions"
    )
    schedule = models.ForeignKey(
        ReminderSchedule, on_delete=models.CASCADE, related_name="completions"
    )
    date = models.DateField(_("date"))
    # The exercise rather than the plan item: the mark (and its feedback) outlives the item
    # when the physio takes the exercise out of the plan. Empty: the whole reminder.
    exercise = models.ForeignKey(
        "reminders.Exercise",
        verbose_name=_("exercise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    done_at = models.DateTimeField(_("done at"), default=timezone.now)
    effort = models.CharField(_("how it felt"), max_length=16, choices=Effort.choices, blank=True)
    pain = models.PositiveSmallIntegerField(_("pain during it (0-10)"), null=True, blank=True)

    objects = CompletionQuerySet.as_manager()

    class Meta:
        verbose_name = _("stretches done")
        verbose_name_plural = _("stretches done")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "date"],
                condition=Q(exercise__isnull=True),
                name="completion_once_per_slot",
            ),
            models.UniqueConstraint(
                fields=["schedule", "date", "exercise"],
                condition=Q(exercise__isnull=False),
                name="completion_exercise_once_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(pain__isnull=True) | Q(pain__lte=10), name="completion_pain_0_to_10"
            ),
            models.CheckConstraint(
                condition=Q(effort="") | Q(effort__in=Effort.values),
                name="completion_effort_valid",
            ),
        ]

    def __str__(self):
        if self.exercise_id:
            return f"{self.schedule} {self.date:%Y-%m-%d} {self.exercise}"
        return f"{self.schedule} {self.date:%Y-%m-%d}"
