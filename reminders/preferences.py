"""Reminder preferences (they live on the user): one place that saves them for form and API."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kneeapp.models import ReminderChannels
from reminders.models import Delivery, ReminderSchedule, Status

FIELDS = [
    "remind_by_email",
    "remind_by_push",
    "time_zone",
    "quiet_hours_start",
    "quiet_hours_end",
    "send_nudges",
]
# The forms ask for the two switches as one choice (``kneeapp.models.ReminderChannels``).
FORM_FIELDS = ["reminder_channels", *FIELDS[2:]]


def save_preferences(user, changes: dict) -> None:
    """Apply validated ``changes`` to ``user``; a new time zone moves the next reminders.

    Atomic: a new time zone is never saved without the reminders it moves. The stored values
    are read again, as a ModelForm has already written its values to ``user`` when it validated.
    A ``reminder_channels`` choice is stored as the two switches it stands for. A change of
    ``remind_by_email`` is timed: unsubscribe links from emails sent before it then change
    nothing (``views.unsubscribe``).
    """
    changes = dict(changes)
    if "reminder_channels" in changes:
        changes.update(ReminderChannels(changes.pop("reminder_channels")).switches())
    with transaction.atomic():
        stored_zone, stored_email = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .values_list("time_zone", "remind_by_email")
            .get()
        )
        moved = stored_zone != changes.get("time_zone", user.time_zone)
        changes = dict(changes)
        if stored_email != changes.get("remind_by_email", stored_email):
            changes["remind_by_email_changed_at"] = timezone.now()
        for name, value in changes.items():
            setattr(user, name, value)
        user.save(update_fields=list(changes))
        if moved:
            follow_new_time_zone(user)


def follow_new_time_zone(user) -> None:
    """Move the reminders that follow ``user``'s own zone to the zone just saved."""
    ReminderSchedule.objects.following_patient_zone(user).reschedule()


def stop_reminders(user, reason: str) -> int:
    """Send ``user`` nothing more: both channels off, and whatever waits to be sent skipped
    with ``reason`` (a worker claims only queued rows). How many waiting rows were skipped."""
    with transaction.atomic():
        save_preferences(user, {"remind_by_email": False, "remind_by_push": False})
        return Delivery.objects.filter(patient=user, status=Status.QUEUED).update(
            status=Status.SKIPPED, error=reason
        )
