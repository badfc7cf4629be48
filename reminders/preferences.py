"""Reminder preferences (they live on the user): one place that saves them for form and API."""

from django.db import transaction

from reminders.models import ReminderSchedule

FIELDS = ["remind_by_email", "remind_by_push", "time_zone", "quiet_hours_start", "quiet_hours_end"]


def save_preferences(user, changes: dict) -> None:
    """Apply validated ``changes`` to ``user``; a new time zone moves the next reminders.

    Atomic: a new time zone is never saved without the reminders it moves.
    """
    old_zone = user.time_zone
    for name, value in changes.items():
        setattr(user, name, value)
    with transaction.atomic():
        user.save(update_fields=list(changes))
        if user.time_zone != old_zone:
            ReminderSchedule.objects.following_patient_zone(user).reschedule()
