"""Stretch plans: a patient's plan and its reminder times ("done": ``completions``).

A physiotherapist builds a plan from the exercise library (``exercises``) or a plan template
(``templates``); each schedule of the plan names local times of day and weekdays.
``ReminderSchedule.next_run_at`` (UTC, indexed) is the next slot, so the dispatcher finds
everything due with one indexed query (docs/reminders.md).
"""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kneeapp.time_zones import validate_time_zone, zone_named
from reminders.models.exercises import ExerciseDose
from reminders.slots import local_moment, next_slot

ONE_OPEN_PLAN = "one_open_plan"

# Monday is bit 0, as in datetime.date.weekday().
EVERY_DAY = 0b1111111


class StretchPlanQuerySet(models.QuerySet):
    def of(self, patient):
        return self.filter(patient=patient)

    def managed_by(self, physiotherapist):
        """Plans of the patients ``physiotherapist`` may see (``patients_of``)."""
        patients = get_user_model().objects.patients_of(physiotherapist)
        return self.filter(patient__in=patients)

    def current(self, on: dt.date):
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on), starts_on__lte=on)


class StretchPlan(models.Model):
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("patient"),
        on_delete=models.CASCADE,
        related_name="stretch_plans",
    )
    physiotherapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("physiotherapist"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    notes = models.TextField(_("notes for the patient"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = StretchPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("stretch plan")
        verbose_name_plural = _("stretch plans")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["patient", "-starts_on"], name="plan_patient_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="plan_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(physiotherapist=F("patient")), name="plan_not_own_physiotherapist"
            ),
            # One current plan per patient: one without an end at most, and on PostgreSQL no
            # two whose dates overlap (an exclusion constraint, migration 0005).
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(ends_on__isnull=True),
                name="plan_one_open_ended_per_patient",
                violation_error_code=ONE_OPEN_PLAN,
                violation_error_message=_("The patient already has a plan without an end date."),
            ),
        ]

    def __str__(self):
        return _("Plan of %(patient)s from %(date)s") % {
            "patient": self.patient,
            "date": self.starts_on.isoformat(),
        }

    def save(self, *args, **kwargs):
        with transaction.atomic():
            for old in self.replaced_plans().select_for_update():
                old.ends_on = self.starts_on - dt.timedelta(days=1)
                old.save(update_fields=["ends_on"])
            super().save(*args, **kwargs)
            # New dates may move (or end) every reminder of the plan.
            self.schedules.reschedule()

    def validate_constraints(self, exclude=None):
        """The database's checks, but for the open plan that saving this new one will end."""
        try:
            super().validate_constraints(exclude)
        except ValidationError as error:
            if not self.replaced_plans().filter(ends_on__isnull=True).exists():
                raise
            errors = error.update_error_dict({})
            left = {
                field: kept
                for field, found in errors.items()
                if (kept := [e for e in found if e.code != ONE_OPEN_PLAN])
            }
            if left:
                raise ValidationError(left) from None

    def clean(self):
        super().clean()
        if self.patient_id is None or self.starts_on is None:
            return
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A plan cannot end before it starts.")})
        clash = self.overlapping().exclude(pk__in=self.replaced_plans()).first()
        if clash is not None:
            until = clash.ends_on.isoformat() if clash.ends_on else _("no end date")
            raise ValidationError(
                {
                    "starts_on": _(
                        "These dates overlap the patient's plan from %(start)s (until "
                        "%(until)s). A patient has one plan at a time: end that one first, "
                        "or start this one after it."
                    )
                    % {"start": clash.starts_on.isoformat(), "until": until}
                }
            )

    def overlapping(self) -> "StretchPlanQuerySet":
        """The patient's other plans whose dates share a day with this one's."""
        others = StretchPlan.objects.filter(patient_id=self.patient_id).exclude(pk=self.pk)
        others = others.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=self.starts_on))
        if self.ends_on is not None:
            others = others.filter(starts_on__lte=self.ends_on)
        return others

    def replaced_plans(self) -> "StretchPlanQuerySet":
        """What a new plan replaces: the plans that started before it and still run on its
        first day. Saving the new plan ends them the day before it starts."""
        if not self._state.adding:
            return StretchPlan.objects.none()
        return self.overlapping().filter(starts_on__lt=self.starts_on)

    def is_current(self, on: dt.date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)


class PlanItem(ExerciseDose):
    """An exercise in a plan; empty dose fields take the library's values."""

    plan = models.ForeignKey(StretchPlan, on_delete=models.CASCADE, related_name="items")

    class Meta(ExerciseDose.Meta):
        verbose_name = _("stretch")
        verbose_name_plural = _("stretches")
        constraints = [
            models.UniqueConstraint(fields=["plan", "exercise"], name="plan_item_once_per_plan"),
        ]


class ReminderScheduleQuerySet(models.QuerySet):
    def due(self, now: dt.datetime):
        """Schedules whose next slot has come: one query on the ``next_run_at`` index."""
        return self.filter(next_run_at__lte=now).select_related("plan__patient")

    def with_marks_on(self, day: dt.date):
        """The schedules with their "done" marks of ``day``, in one query: a row per mark,
        its ``mark`` (id) and ``mark_exercise`` (None for the whole reminder), and one row
        with both None for a schedule without a mark that day."""
        return self.annotate(
            marked=FilteredRelation("completions", condition=Q(completions__date=day)),
            mark=F("marked__pk"),
            mark_exercise=F("marked__exercise_id"),
        )

    def following_patient_zone(self, patient):
        return self.filter(plan__patient=patient, time_zone="")

    def reschedule(self, after: dt.datetime | None = None) -> None:
        """Recompute ``next_run_at`` after a change of time zone (few rows: one patient's)."""
        after = after or timezone.now()
        for schedule in self.select_related("plan__patient"):
            type(schedule).objects.filter(pk=schedule.pk).update(
                next_run_at=schedule.next_slot_after(after)
            )


class WeeklyTime(models.Model):
    """A local time of day on some weekdays: a plan's reminder time, or a template's."""

    time_of_day = models.TimeField(_("time of day (local)"))
    weekdays = models.PositiveSmallIntegerField(
        _("weekdays"), default=EVERY_DAY, help_text=_("Which days of the week.")
    )

    class Meta:
        abstract = True
        verbose_name = _("reminder time")
        verbose_name_plural = _("reminder times")
        ordering = ["time_of_day"]

    def __str__(self):
        return self.time_of_day.strftime("%H:%M")

    @staticmethod
    def some_weekday(name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(weekdays__gte=1, weekdays__lte=EVERY_DAY), name=name
        )

    def on_weekday(self, weekday: int) -> bool:
        return bool(self.weekdays & (1 << weekday))


class ReminderSchedule(WeeklyTime):
    """A local time of day on some weekdays, in the patient's time zone unless one is given."""

    plan = models.ForeignKey(StretchPlan, on_delete=models.CASCADE, related_name="schedules")
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Leave empty to follow the patient's own time zone."),
    )
    # Denormalised for the dispatcher's one indexed query; kept right by save() and reschedule().
    next_run_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ReminderScheduleQuerySet.as_manager()

    class Meta(WeeklyTime.Meta):
        indexes = [models.Index(fields=["next_run_at"], name="schedule_next_run")]
        constraints = [
            WeeklyTime.some_weekday("schedule_some_weekday"),
            models.UniqueConstraint(
                fields=["plan", "time_of_day"], name="schedule_one_per_time_of_day"
            ),
        ]

    def save(self, *args, **kwargs):
        if self.plan_id:
            self.next_run_at = self.next_run_after_save(timezone.now())
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "next_run_at"}
        super().save(*args, **kwargs)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zone_named(self.time_zone or self.plan.patient.time_zone)

    def next_run_after_save(self, now: dt.datetime) -> dt.datetime | None:
        """The first slot after ``now``, but when the time of day was changed, today's slot
        is neither lost nor doubled: if a reminder of today was recorded already, the next
        comes tomorrow; if none was and the new time has just passed, it is due now (sent
        within ``STRETCH_GRACE``, else recorded as found too late)."""
        upcoming = self.next_slot_after(now)
        if self.pk is None:
            return upcoming
        before = type(self).objects.filter(pk=self.pk).values_list("time_of_day", flat=True)
        if before.first() in (None, self.time_of_day):
            return upcoming
        zone = self.zone
        today = now.astimezone(zone).date()
        start = local_moment(today, dt.time(0), zone)
        end = local_moment(today + dt.timedelta(days=1), dt.time(0), zone)
        recorded = self.deliveries.filter(
            slot__gte=start, slot__lt=end, snoozed_from__isnull=True
        ).exists()
        if recorded:
            return self.next_slot_after(max(now, end - dt.timedelta(microseconds=1)))
        todays = self.next_slot_after(start - dt.timedelta(microseconds=1))
        if todays is not None and todays < end and todays <= now:
            return todays
        return upcoming

    def next_slot_after(self, moment: dt.datetime) -> dt.datetime | None:
        plan = self.plan
        return next_slot(
            moment,
            self.time_of_day,
            self.zone,
            self.weekdays,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
        )
