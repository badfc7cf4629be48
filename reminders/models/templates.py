"""Plan templates: a condition's usual exercises, doses and reminder times, ready to start.

A template with no ``owner`` is shared (an administrator's); one with an owner was added by
that physiotherapist and is theirs alone. ``start_plan`` turns a template into a patient's
stretch plan in one step; the physio then adjusts the plan, never the template through it.
"""

import datetime as dt

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reminders.models.exercises import ExerciseDose, SharedOrOwnQuerySet
from reminders.models.plans import PlanItem, ReminderSchedule, StretchPlan, WeeklyTime


class PlanTemplate(models.Model):
    slug = models.SlugField(_("short name"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    condition_notes = models.TextField(
        _("notes for the physiotherapist"),
        blank=True,
        help_text=_("Who the template suits and what to watch for (possible causes only)."),
    )
    patient_notes = models.TextField(
        _("notes for the patient"), blank=True, help_text=_("Copied to each plan started.")
    )
    weeks = models.PositiveSmallIntegerField(
        _("length in weeks"),
        null=True,
        blank=True,
        help_text=_("Empty: the plan runs until it is ended."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_plan_templates",
        help_text=_("Empty: shared with every physiotherapist, edited by administrators."),
    )

    objects = SharedOrOwnQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan template")
        verbose_name_plural = _("plan templates")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weeks__isnull=True) | Q(weeks__gte=1), name="template_weeks_positive"
            ),
        ]

    def __str__(self):
        return self.name

    @transaction.atomic
    def start_plan(self, patient, physiotherapist, starts_on: dt.date):
        """A new plan for ``patient`` with this template's exercises, doses and times.

        Returns the plan and the plans it replaced (each now ending the day before it
        starts). Raises ``ValidationError`` if the dates clash with another of the
        patient's plans, as the plan's own form would.
        """
        ends_on = starts_on + dt.timedelta(weeks=self.weeks, days=-1) if self.weeks else None
        plan = StretchPlan(
            patient=patient,
            physiotherapist=physiotherapist,
            starts_on=starts_on,
            ends_on=ends_on,
            notes=self.patient_notes,
        )
        plan.full_clean()
        replaced = list(plan.replaced_plans())
        plan.save()
        PlanItem.objects.bulk_create(
            PlanItem(
                plan=plan,
                exercise_id=item.exercise_id,
                position=item.position,
                hold_seconds=item.hold_seconds,
                reps=item.reps,
                sets=item.sets,
                notes=item.notes,
            )
            for item in self.items.all()
        )
        for time in self.times.all():  # one by one: save() computes the next slot
            ReminderSchedule.objects.create(
                plan=plan, time_of_day=time.time_of_day, weekdays=time.weekdays
            )
        for old in replaced:
            old.refresh_from_db()
        return plan, replaced


class PlanTemplateItem(ExerciseDose):
    """An exercise of a template with its dose; empty dose fields take the library's."""

    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="items")

    class Meta(ExerciseDose.Meta):
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")
        constraints = [
            models.UniqueConstraint(
                fields=["template", "exercise"], name="template_item_once_per_template"
            ),
        ]


class PlanTemplateTime(WeeklyTime):
    """A reminder time of a template: a local time of day on some weekdays."""

    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="times")

    class Meta(WeeklyTime.Meta):
        constraints = [
            WeeklyTime.some_weekday("template_time_some_weekday"),
            models.UniqueConstraint(
                fields=["template", "time_of_day"], name="template_time_once_per_time_of_day"
            ),
        ]
